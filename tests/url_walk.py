"""Every URL pattern of the portal, for the tests that walk them all."""

import re

from django.urls import URLPattern, URLResolver, get_resolver

from staas_portal.customers import services
from staas_portal.customers.models import Drift
from staas_portal.jobs.models import Job
from staas_portal.limits.models import Plan
from tests.portal_fixtures import login_of, make_customer

PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def walk(patterns, prefix=""):
    """(route, view) for every pattern, Django's admin site aside: it has its own gate."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            yield from walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def portal_urls() -> list[tuple[str, object]]:
    return list(walk(get_resolver().url_patterns))


def fill(route: str, value_of) -> str:
    """The route as a path, each parameter replaced by `value_of(name, converter)`."""
    path = PARAMETER.sub(
        lambda match: str(value_of(match["name"], match["converter"] or "str")), route
    )
    return "/" + path.lstrip("^").rstrip("$")


def allowed_methods(view) -> set[str] | None:
    """The HTTP methods a view takes, as its decorators or its class declare them.

    Django's `require_http_methods` keeps its list in a closure, so the chain of
    wrapped views is searched for it; None when nothing declares any.
    """
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        names = [name for name in view_class.http_method_names if name not in ("head", "options")]
        return {name.upper() for name in names if hasattr(view_class, name)}
    found = view
    while found is not None:
        for cell in getattr(found, "__closure__", None) or ():
            value = cell.cell_contents
            if (
                isinstance(value, list | tuple)
                and value
                and all(isinstance(item, str) and item in HTTP_METHODS for item in value)
            ):
                return set(value)
        found = getattr(found, "__wrapped__", None)
    return None


HTTP_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


class Party:
    """A customer with a login, an S3 user, a key pair, a bucket and a job."""

    def __init__(self, name, email, username, *, admin, cluster, emulator):
        self.customer = make_customer(name, email)
        self.login = login_of(self.customer, username)
        self.account, first = services.account_provision(
            actor=admin, customer=self.customer, cluster=cluster
        )
        self.note = first.note
        self.bucket = f"{username}-bucket"
        emulator.s3_client(first.note.access_key_id, first.secret_access_key).create_bucket(
            Bucket=self.bucket
        )
        self.job = Job.objects.create(kind="account.delete_with_buckets", title=name)
        self.drift = Drift.objects.create(
            cluster=cluster, kind=Drift.Kind.STATE_DIFFERS, account=self.account,
            user_id=self.account.user_id,
        )  # fmt: skip

    def value_of(self, route: str):
        def value(name: str, converter: str):
            if name == "pk" and route.startswith("jobs/"):
                return self.job.pk
            if name == "pk" and route.startswith("drift/"):
                return self.drift.pk
            if name == "name" and route.startswith("usage/objects/"):
                return f"s3-usage-{self.account.user_id}-2026-01-01T00:00:00.000Z-300"
            return {
                "pk": self.customer.pk,
                "account_pk": self.account.pk,
                "note_pk": self.note.pk,
                "login_pk": self.login.pk,
                "bucket": self.bucket,
                "job_pk": self.job.pk,
                "plan_pk": Plan.objects.get().pk,
                "name": self.account.cluster.name,
                "cluster": self.account.cluster.name,
                "repair": "take_gateway_state",
                "uidb64": "MQ",
                "token": "set-password",
            }[name]

        return value
