"""API tokens: shown once, stored hashed, checked on every request, revoked at once."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from staas_portal.api.models import ApiToken
from staas_portal.api.services import token_create, token_revoke
from staas_portal.audit.models import AuditEvent, Outcome
from staas_portal.audit.services import ServiceRefused
from staas_portal.customers.models import Customer
from staas_portal.users.models import Role, User
from tests.api.conftest import ApiClient, secret_part
from tests.customers.test_pages import database_dump

CUSTOMERS = "/api/v1/customers/"


def test_a_token_is_kept_only_as_a_hash(write_token):
    random_part = secret_part(write_token.text)

    dump = database_dump()

    assert write_token.text.startswith(f"staas_{write_token.token.prefix}_")
    assert write_token.text not in dump
    assert random_part not in dump
    assert write_token.token.secret_hash in dump


def test_bearer_and_token_schemes_both_open_the_api(write_token):
    for scheme in ("Bearer", "Token", "bearer"):
        response = ApiClient(write_token.text, scheme=scheme).get(CUSTOMERS)

        assert response.status_code == 200, scheme


def test_no_token_is_answered_401_with_a_challenge(anonymous):
    response = anonymous.get(CUSTOMERS)

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"] == 'Bearer realm="StaaS Portal API"'
    assert response.json()["type"].endswith("/problems/unauthenticated")


@pytest.mark.parametrize(
    "header",
    ["Bearer staas_nothing", "Bearer ", "Token staas_0123456789ab_" + "x" * 43, "Basic YTpi"],
)
def test_a_wrong_token_is_answered_401(write_token, header):
    response = ApiClient().get(CUSTOMERS, headers={"Authorization": header})

    assert response.status_code == 401
    assert "WWW-Authenticate" in response


def test_a_token_with_a_changed_secret_is_refused(write_token):
    forged = write_token.text[:-4] + ("AAAA" if not write_token.text.endswith("AAAA") else "BBBB")

    response = ApiClient(forged).get(CUSTOMERS)

    assert response.status_code == 401


def test_a_revoked_token_is_refused_on_its_next_request(api, write_token, admin_login):
    assert api.get(CUSTOMERS).status_code == 200

    token_revoke(actor=admin_login, token=write_token.token)

    response = api.get(CUSTOMERS)
    assert response.status_code == 401
    assert not User.objects.get(username="storefront").is_active


def test_revoking_twice_is_refused(write_token, admin_login):
    token_revoke(actor=admin_login, token=write_token.token)

    with pytest.raises(ServiceRefused, match="revoked already"):
        token_revoke(actor=admin_login, token=write_token.token)


def test_the_last_use_is_recorded_to_the_minute(api, write_token):
    assert write_token.token.last_used_at is None

    api.get(CUSTOMERS)

    first = ApiToken.objects.get().last_used_at
    assert timezone.now() - first < timedelta(seconds=5)
    api.get(CUSTOMERS)
    assert ApiToken.objects.get().last_used_at == first
    ApiToken.objects.update(last_used_at=first - timedelta(minutes=2))
    api.get(CUSTOMERS)
    assert ApiToken.objects.get().last_used_at > first


def test_a_read_token_reads_but_cannot_write(reader):
    listed = reader.get(CUSTOMERS)

    refused = reader.post(CUSTOMERS, {"name": "Jo", "email": "jo@example.com"})

    assert listed.status_code == 200
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("/problems/forbidden")
    assert "read-write" in refused.json()["detail"]
    assert not Customer.objects.exists()


def test_each_token_acts_through_a_login_of_its_name_with_its_scopes_role(write_token, read_token):
    writer, reader = write_token.token.principal, read_token.token.principal

    assert (writer.get_username(), writer.role) == ("storefront", Role.ADMIN)
    assert (reader.get_username(), reader.role) == ("billing", Role.SUPPORT)
    assert not writer.has_usable_password()
    assert not reader.has_usable_password()


def test_a_name_a_login_has_is_refused(admin_login):
    with pytest.raises(ValidationError, match="A login already has this name"):
        token_create(actor=admin_login, name="ADA", scope="read")

    assert not ApiToken.objects.exists()


def test_only_admins_create_tokens(support_login):
    with pytest.raises(PermissionDenied, match="admin role"):
        token_create(actor=support_login, name="shop", scope="read")

    assert not ApiToken.objects.exists()


def test_creating_and_revoking_are_audited_without_the_token(admin_login):
    new = token_create(actor=admin_login, name="shop", scope="read-write")

    token_revoke(actor=admin_login, token=new.token)

    created, revoked = AuditEvent.objects.filter(target="api_token:shop").order_by("id")
    assert (created.action, created.outcome, created.actor_name) == (
        "api_token.create", Outcome.SUCCESS, "ada",
    )  # fmt: skip
    assert created.parameters == {"name": "shop", "scope": "read-write"}
    assert (revoked.action, revoked.outcome) == ("api_token.revoke", Outcome.SUCCESS)
    assert new.text not in str(created.parameters)


def test_a_signed_in_browser_does_not_open_the_api(client, admin_login):
    client.force_login(admin_login)

    response = client.get(CUSTOMERS)

    assert response.status_code == 401
