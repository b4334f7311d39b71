"""Every URL declares who may open it, and the declaration holds.

Pages declare roles (`role_required`, or `public`); API views declare, per method,
the token scope it needs (`api_scopes`), and answer 401 or 403 as problems.
"""

import uuid

import pytest
from django.urls import reverse

from staas_portal.api.services import token_create
from staas_portal.users.access import ALL_ROLES
from tests.url_walk import fill, portal_urls

SAMPLE_ARGUMENTS = {"int": "1", "str": "sample", "slug": "sample", "uuid": str(uuid.uuid4())}


def concrete_path(route: str) -> str:
    return fill(route, lambda name, converter: SAMPLE_ARGUMENTS[converter])


PORTAL_URLS = portal_urls()
GUARDED_URLS = [
    (concrete_path(route), callback.allowed_roles)
    for route, callback in PORTAL_URLS
    if getattr(callback, "allowed_roles", None)
]


API_URLS = [
    (concrete_path(route), callback.api_scopes)
    for route, callback in PORTAL_URLS
    if hasattr(callback, "api_scopes")
]


def declares_access(view) -> bool:
    return hasattr(view, "allowed_roles") or hasattr(view, "api_scopes")


def test_every_url_declares_who_may_open_it():
    undeclared = [route for route, view in PORTAL_URLS if not declares_access(view)]

    assert undeclared == []


def test_there_are_guarded_urls_to_check():
    assert len(GUARDED_URLS) >= 3
    assert len(API_URLS) >= 10


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "allowed"), GUARDED_URLS)
def test_anonymous_requests_go_to_the_login_page(client, path, allowed):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


@pytest.mark.parametrize(("path", "allowed"), GUARDED_URLS)
def test_other_roles_get_403(client, logins, path, allowed):
    for role, user in logins.items():
        if role in allowed:
            continue
        client.force_login(user)

        response = client.get(path)

        assert response.status_code == 403, (path, role)
        assert b"You are not allowed" in response.content


@pytest.mark.parametrize(("path", "allowed"), GUARDED_URLS)
def test_allowed_roles_get_through(client, logins, path, allowed):
    for role in allowed:
        client.force_login(logins[role])

        response = client.get(path)

        assert response.status_code not in (401, 403), (path, role)
        assert not response.get("Location", "").startswith(reverse("login"))


def bearer(scope: str) -> dict:
    new = token_create(actor=None, name=f"walk-{scope}", scope=scope)
    return {"Authorization": f"Bearer {new.text}"}


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "scopes"), API_URLS)
def test_api_calls_without_a_token_get_401(client, path, scopes):
    for method in scopes:
        response = client.generic(method, path)

        assert response.status_code == 401, (method, path)
        assert response["Content-Type"] == "application/problem+json"
        assert response["WWW-Authenticate"].startswith("Bearer ")


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "scopes"), API_URLS)
def test_read_tokens_get_403_on_writes(client, path, scopes):
    headers = bearer("read")
    writes = [method for method, scope in scopes.items() if scope == "read-write"]
    for method in writes:
        response = client.generic(method, path, headers=headers)

        assert response.status_code == 403, (method, path)
        assert response["Content-Type"] == "application/problem+json"


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "scopes"), API_URLS)
def test_tokens_of_the_scope_get_through(client, path, scopes):
    tokens = {"read": bearer("read"), "read-write": bearer("read-write")}
    for method, scope in scopes.items():
        response = client.generic(
            method, path, "{}", content_type="application/json", headers=tokens[scope]
        )

        assert response.status_code not in (401, 403), (method, path, scope)


def test_roles_cover_every_kind_of_login():
    assert {str(role) for role in ALL_ROLES} == {"admin", "support", "customer"}


class TestDjangoAdminSite:
    def test_anonymous_visitors_go_to_the_portal_login(self, client, db):
        response = client.get("/django-admin/", follow=True)

        assert response.redirect_chain[-1][0].startswith(reverse("login"))
        assert response.status_code == 200

    @pytest.mark.parametrize("role", ["support", "customer"])
    def test_support_and_customers_get_403(self, client, logins, role):
        client.force_login(logins[role])

        response = client.get("/django-admin/", follow=True)

        assert response.status_code == 403

    def test_admins_get_in(self, client, admin_login):
        client.force_login(admin_login)

        response = client.get("/django-admin/users/user/")

        assert response.status_code == 200
        assert b"ada" in response.content
