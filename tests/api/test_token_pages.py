"""The admins' API token pages: a token is shown once, never cached, and revoked on purpose."""

from django.urls import reverse

from staas_portal.api.models import ApiToken
from staas_portal.api.services import token_create
from staas_portal.audit.models import AuditEvent
from tests.api.conftest import ApiClient


def test_the_list_shows_each_token_with_its_last_use_but_never_the_token(client, admin_login):
    new = token_create(actor=admin_login, name="storefront", scope="read-write")
    ApiClient(new.text).get("/api/v1/customers/")
    client.force_login(admin_login)

    page = client.get(reverse("api_tokens:list")).content.decode()

    assert "storefront" in page
    assert f"staas_{new.token.prefix}_" in page
    assert new.text not in page
    assert "never" not in page
    assert "Read and write" in page


def test_creating_shows_the_token_once_and_not_cached(client, admin_login):
    client.force_login(admin_login)

    response = client.post(reverse("api_tokens:create"), {"name": "billing", "scope": "read"})

    token = ApiToken.objects.get()
    text = response.context["new"].text
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert text in response.content.decode()
    assert token.matches(text)
    assert text not in client.get(reverse("api_tokens:list")).content.decode()
    event = AuditEvent.objects.get(action="api_token.create")
    assert (event.actor_name, event.target) == ("ada", "api_token:billing")


def test_a_wrong_or_taken_name_is_refused_next_to_the_field(client, admin_login):
    client.force_login(admin_login)

    bad = client.post(reverse("api_tokens:create"), {"name": "has space", "scope": "read"})
    taken = client.post(reverse("api_tokens:create"), {"name": "ada", "scope": "read"})

    assert bad.context["form"].errors["name"]
    assert "A login already has this name" in taken.context["form"].errors["name"][0]
    assert not ApiToken.objects.exists()


def test_revoking_asks_first_then_stops_the_token(client, admin_login):
    new = token_create(actor=admin_login, name="storefront", scope="read-write")
    client.force_login(admin_login)
    path = reverse("api_tokens:revoke", args=[new.token.pk])

    question = client.get(path)
    still_works = ApiClient(new.text).get("/api/v1/customers/").status_code
    client.post(path)

    assert "Revoke the API token storefront?" in question.content.decode()
    assert still_works == 200
    assert ApiClient(new.text).get("/api/v1/customers/").status_code == 401
    assert ApiToken.objects.get().revoked_by_name == "ada"
    assert "revoked" in client.get(reverse("api_tokens:list")).content.decode()


def test_the_navigation_offers_the_tokens_to_admins_only(client, admin_login, support_login):
    client.force_login(admin_login)
    admins_page = client.get(reverse("home")).content.decode()
    client.force_login(support_login)

    supports_page = client.get(reverse("home")).content.decode()

    assert reverse("api_tokens:list") in admins_page
    assert reverse("api_tokens:list") not in supports_page
