"""Every URL declares who may open it, and the declaration holds."""

import uuid

import pytest
from django.urls import reverse

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


def test_every_url_declares_who_may_open_it():
    undeclared = [route for route, view in PORTAL_URLS if not hasattr(view, "allowed_roles")]

    assert undeclared == []


def test_there_are_guarded_urls_to_check():
    assert len(GUARDED_URLS) >= 3


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
