"""No state changes without a CSRF token, and none on a GET.

Every URL of the portal is asked for with a POST that carries no CSRF token, as
a forged form on another site would send it, by a signed-in admin and by the
customer: each answers 403. Every URL that takes a POST is also asked for with a
GET: it answers with its form or confirmation page, a redirect or 405, and
neither the database nor the gateway changes.
"""

import pytest
from django.apps import apps
from django.test import Client

from staas_portal.customers.models import KnownBucket
from tests.url_walk import allowed_methods, fill, portal_urls

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
# Rows that only cache what the gateway showed, or record the visit itself.
CACHES = {"sessions.session", "customers.knownbucket", "axes.accesslog", "axes.accessattempt",
          "axes.accessfailurelog"}  # fmt: skip


def page_routes():
    """Every route of the pages; the API takes tokens, not cookies, and is tested apart."""
    return [(route, view) for route, view in portal_urls() if not route.startswith("api/")]


def csrf_client(login=None) -> Client:
    client = Client(enforce_csrf_checks=True)
    if login is not None:
        client.force_login(login)
    return client


@pytest.mark.parametrize("who", ["admin", "customer", "anonymous"])
def test_a_post_without_a_csrf_token_is_refused_everywhere(world, admin_login, who):
    login = {"admin": admin_login, "customer": world.login, "anonymous": None}[who]
    client = csrf_client(login)

    answers = {}
    for route, _ in page_routes():
        # From the portal's own origin, so that the missing token alone is what is refused.
        answer = client.post(fill(route, world.value_of(route)), secure=True,
                             headers={"Referer": "https://testserver/"})  # fmt: skip
        answers[route] = (answer.status_code, b"This form has expired" in answer.content)

    assert {route: answer for route, answer in answers.items() if answer != (403, True)} == {}
    assert len(answers) > 60


def test_the_api_takes_no_session_cookie_for_a_token(world, admin_login):
    client = csrf_client(admin_login)

    answer = client.post("/api/v1/customers/", {"name": "X"}, secure=True)

    assert answer.status_code == 401
    assert answer["Content-Type"] == "application/problem+json"


def state_of(gateway_emulator) -> tuple:
    """Every row the portal decides, and the gateway's whole state."""
    rows = {}
    for model in apps.get_models():
        if model._meta.label_lower in CACHES:
            continue
        rows[model._meta.label_lower] = list(model.objects.order_by("pk").values())
    # When the gateway last showed an account's state is a cache as well, and signing
    # the test's logins in moves their last sign-in.
    for account in rows["customers.s3account"]:
        del account["state_seen_at"]
    for login in rows["users.user"]:
        del login["last_login"]
    return rows, gateway_emulator.state()


def test_a_get_of_any_url_that_takes_a_post_changes_nothing(world, admin_login, client,
                                                            gateway_emulator):  # fmt: skip
    routes = [(route, view) for route, view in page_routes()
              if (allowed_methods(view) or set()) & WRITES]  # fmt: skip
    before = state_of(gateway_emulator)

    answers = {}
    for login in (admin_login, world.login):
        client.force_login(login)
        for route, _ in routes:
            answers[(login.username, route)] = client.get(
                fill(route, world.value_of(route))
            ).status_code

    assert {key: status for key, status in answers.items()
            if status not in (200, 302, 403, 404, 405)} == {}  # fmt: skip
    assert any(status == 200 for status in answers.values())
    after = state_of(gateway_emulator)
    changed = [name for name in before[0] if before[0][name] != after[0][name]]
    assert changed == []
    assert after[1] == before[1]
    assert KnownBucket.objects.count() <= 1
    assert len(routes) > 30
