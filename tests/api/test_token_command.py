"""`manage.py api_token`: tokens for operators and scripts, printed once."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from staas_portal.api.models import ApiToken
from staas_portal.audit.models import AuditEvent
from tests.api.conftest import ApiClient


def run(*arguments) -> str:
    out = StringIO()
    call_command("api_token", *arguments, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_create_prints_a_working_token_on_a_line_of_its_own(db):
    text = run("create", "storefront", "--scope", "read-write").strip()

    assert ApiToken.objects.get().matches(text)
    created = ApiClient(text).post("/api/v1/customers/", {"name": "Jo", "email": "jo@x.example"})
    assert created.status_code == 201
    assert AuditEvent.objects.get(action="api_token.create").actor_name == "system"


def test_the_scope_is_read_unless_asked(db):
    run("create", "billing")

    assert ApiToken.objects.get().scope == "read"


def test_list_shows_names_and_last_use_but_no_token(db):
    text = run("create", "storefront").strip()

    listing = run("list")

    assert "storefront" in listing
    assert "never used" in listing
    assert text not in listing


def test_revoke_stops_the_token(db):
    text = run("create", "storefront").strip()

    run("revoke", "storefront")

    assert ApiClient(text).get("/api/v1/customers/").status_code == 401


def test_an_unknown_name_or_a_taken_one_is_an_error(db):
    run("create", "storefront")

    with pytest.raises(CommandError, match="no token named"):
        run("revoke", "nobody")
    with pytest.raises(CommandError, match="already has this name"):
        run("create", "storefront")
