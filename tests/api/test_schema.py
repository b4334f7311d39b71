"""The OpenAPI schema and docs, and Schemathesis against the live schema.

Schemathesis generates requests for every operation from the schema the portal
serves and sends them to the running portal, whose gateway is the emulator over
HTTP: no answer may be a 5xx, and every answer must keep to the schema (status,
content type, headers, body). Path ids are pointed at real records, so that the
operations do their work instead of answering 404.
"""

import re

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from staas_portal.customers import services
from staas_portal.jobs.models import Job
from staas_portal.wsgi import application
from tests.api.test_accounts import make_bucket
from tests.limits.test_plans import make_plan
from tests.portal_fixtures import make_customer

BASE_URL = "https://localhost"
SCHEMA_PATH = "/api/schema/?format=json"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    ignored_auth,
]
# Small and seeded, so that the run is the same every time and stays well within a
# minute: the coverage phase (edge values, invalid values) and a few random examples.
CONFIG = {
    "seed": 20261204,
    "generation": {"mode": "all", "max-examples": 8, "deterministic": True, "database": "none"},
    "phases": {"coverage": {"enabled": True}, "stateful": {"enabled": False}},
}


def test_the_schema_is_served_without_a_token_and_lists_every_operation(anonymous):
    response = anonymous.get(SCHEMA_PATH)

    schema = response.json()
    operations = {op["operationId"] for path in schema["paths"].values() for op in path.values()}
    assert response.status_code == 200
    assert schema["openapi"].startswith("3.")
    assert schema["components"]["securitySchemes"]["apiToken"]["scheme"] == "bearer"
    assert {"customer_create", "account_provision", "account_terminate", "key_generate",
            "key_revoke", "limits_set", "bucket_quota_set", "plan_assign", "plan_list",
            "task_read"} <= operations  # fmt: skip
    assert len(operations) == 37


def test_the_schema_is_valid_openapi_and_generates_without_a_warning(tmp_path):
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml")
    )

    assert "operationId: account_provision" in (tmp_path / "schema.yaml").read_text()


def test_every_problem_answer_is_problem_json(anonymous):
    schema = anonymous.get(SCHEMA_PATH).json()

    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status, answer in operation["responses"].items():
                if int(status) >= 400:
                    assert list(answer["content"]) == ["application/problem+json"], (path, method)
            assert "401" in operation["responses"], (path, method)


def test_the_docs_page_loads_everything_from_the_portals_own_static_files(anonymous):
    page = anonymous.get("/api/docs/").content.decode()

    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert any("swagger-ui-bundle.js" in source for source in sources)
    # The start-up script comes from the docs page's own address, not inline.
    assert all(source.startswith(("/static/", "/api/docs/?script")) for source in sources)
    assert "<script>" not in page
    assert "/api/schema/" in anonymous.get("/api/docs/?script=").content.decode()


class KnownRecords:
    """Real ids for the generated requests' paths, and a fresh account for each terminate."""

    def __init__(self, actor, account, first_pair, plan, job):
        self.actor, self.account, self.plan, self.job = actor, account, plan, job
        self.values = {
            "customer_pk": account.customer_id,
            "account_pk": account.pk,
            "access_key_id": first_pair.note.access_key_id,
            "bucket": "photos",
            "plan_pk": plan.pk,
            "task_pk": job.pk,
        }
        self.made = 0

    def paths_for(self, case) -> dict:
        label = case.operation.definition.raw["operationId"]
        if label == "customer_delete":
            return {"customer_pk": self.new_customer().pk}
        if label == "account_terminate":
            account = self.new_account()
            return {"customer_pk": account.customer_id, "account_pk": account.pk}
        # Ids are made real; other path values (a month) stay as generated.
        return {name: self.values[name] for name in case.path_parameters if name in self.values}

    def new_customer(self):
        self.made += 1
        return make_customer(f"Short-lived {self.made}", f"short-lived-{self.made}@example.com")

    def new_account(self):
        account, _ = services.account_provision(
            actor=self.actor, customer=self.new_customer(), cluster=self.account.cluster
        )
        return account


@pytest.fixture
def connections_kept():
    """What Django's test client does around each request: Schemathesis calls the WSGI
    application itself, which would otherwise close the connection that holds the
    test's transaction when each request ends."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def known_records(connections_kept, admin_login, provisioned, gateway_emulator):
    account, first_pair = provisioned
    make_bucket(gateway_emulator, first_pair, "photos", b"12345")
    job = Job.objects.create(kind="account.delete_with_buckets", title="A finished task")
    return KnownRecords(admin_login, account, first_pair, make_plan(), job)


# Loaded from the running portal as the suite is collected: the schema a client gets.
live = schemathesis.openapi.from_wsgi(
    SCHEMA_PATH, application, config=schemathesis.Config.from_dict(CONFIG), base_url=BASE_URL
)


@live.parametrize()
# The records are made once for each operation; its examples share them on purpose.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_api_keeps_to_its_schema(case, known_records, write_token):
    case.path_parameters = {**case.path_parameters, **known_records.paths_for(case)}

    case.call_and_validate(
        base_url=BASE_URL,
        headers={"Authorization": f"Bearer {write_token.text}"},
        checks=CHECKS,
    )
