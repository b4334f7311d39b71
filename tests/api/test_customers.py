"""Customers through the API: the same rules, search and audit as the customer pages."""

import pytest

from staas_portal.audit.models import AuditEvent, Outcome
from staas_portal.customers import services
from staas_portal.customers.models import Customer, KnownBucket
from tests.api.conftest import field_names
from tests.portal_fixtures import make_customer

CUSTOMERS = "/api/v1/customers/"


def customer_path(customer) -> str:
    return f"{CUSTOMERS}{customer.pk}/"


class TestCreate:
    def test_it_adds_the_customer_and_answers_where_it_is(self, api):
        response = api.post(
            CUSTOMERS, {"name": "Jo Bloggs", "email": " jo@example.com ", "company": "Jo Ltd"}
        )

        customer = Customer.objects.get()
        assert response.status_code == 201
        assert response["Location"] == customer_path(customer)
        assert response.json()["email"] == "jo@example.com"
        assert response.json()["status"] == "active"
        assert response.json()["accounts"] == []
        assert response.json()["plan"] is None
        assert (customer.name, customer.company) == ("Jo Bloggs", "Jo Ltd")

    def test_it_is_audited_with_the_tokens_name(self, api):
        api.post(CUSTOMERS, {"name": "Jo Bloggs", "email": "jo@example.com"})

        event = AuditEvent.objects.get(action="customer.create")
        assert (event.actor_name, event.role, event.outcome) == (
            "storefront", "admin", Outcome.SUCCESS,
        )  # fmt: skip
        assert event.actor.api_token.name == "storefront"

    def test_an_email_another_customer_has_is_a_conflict_naming_the_field(self, api):
        make_customer(email="Jo@Example.com")

        response = api.post(CUSTOMERS, {"name": "Jo", "email": "jo@example.com"})

        assert response.status_code == 409
        assert response.json()["type"].endswith("/problems/already-exists")
        assert field_names(response.json()) == ["email"]
        assert Customer.objects.count() == 1

    def test_every_wrong_field_is_named(self, api):
        response = api.post(CUSTOMERS, {"name": "", "email": "not an email", "status": "gone"})

        assert response.status_code == 400
        assert response["Content-Type"] == "application/problem+json"
        assert sorted(field_names(response.json())) == ["email", "name", "status"]
        assert "email" in response.json()["detail"]
        assert not Customer.objects.exists()

    def test_a_missing_field_is_named(self, api):
        response = api.post(CUSTOMERS, {"name": "Jo"})

        assert field_names(response.json()) == ["email"]


class TestReadAndUpdate:
    def test_it_reads_a_customer_with_its_accounts_and_plan(self, reader, provisioned):
        account, _ = provisioned

        response = reader.get(customer_path(account.customer))

        assert response.status_code == 200
        assert response.json()["accounts"] == [
            {"id": account.pk, "cluster": "main", "user_id": account.user_id, "state": "enabled"}
        ]

    def test_an_unknown_customer_is_404(self, reader):
        response = reader.get(f"{CUSTOMERS}999/")

        assert response.status_code == 404
        assert response.json()["detail"] == "There is no customer 999."

    def test_patch_changes_only_the_fields_given(self, api, customer):
        response = api.patch(customer_path(customer), {"status": "suspended", "phone": "123"})

        customer.refresh_from_db()
        assert response.status_code == 200
        assert (customer.status, customer.phone, customer.name) == (
            "suspended", "123", "Acme Hosting",
        )  # fmt: skip
        assert AuditEvent.objects.get(action="customer.update").actor_name == "storefront"

    def test_patch_to_an_email_another_customer_has_is_a_conflict(self, api, customer):
        make_customer(name="Other", email="other@example.com")

        response = api.patch(customer_path(customer), {"email": "OTHER@example.com"})

        customer.refresh_from_db()
        assert response.status_code == 409
        assert customer.email == "ops@acme.example"

    def test_patch_keeping_the_own_email_is_fine(self, api, customer):
        response = api.patch(customer_path(customer), {"email": "OPS@acme.example"})

        assert response.status_code == 200


class TestList:
    def test_it_pages_with_count_next_and_previous(self, reader):
        for number in range(30):
            make_customer(name=f"Customer {number:02}", email=f"c{number}@example.com")

        first = reader.get(CUSTOMERS).json()
        second = reader.get(first["next"]).json()

        assert first["count"] == 30
        assert len(first["results"]) == 25
        assert first["previous"] is None
        assert first["next"].endswith("/api/v1/customers/?page=2")
        assert [c["name"] for c in second["results"]][0] == "Customer 25"
        assert second["next"] is None
        assert second["previous"] is not None

    def test_page_size_is_chosen_up_to_100(self, reader):
        for number in range(3):
            make_customer(name=f"C{number}", email=f"c{number}@example.com")

        response = reader.get(f"{CUSTOMERS}?page_size=2")

        assert len(response.json()["results"]) == 2

    def test_a_page_past_the_end_is_404(self, reader):
        response = reader.get(f"{CUSTOMERS}?page=9")

        assert response.status_code == 404

    def test_search_matches_as_the_customer_list_page_does(self, reader, provisioned, cluster):
        account, first_pair = provisioned
        make_customer(name="Someone Else", email="else@example.com")
        KnownBucket.objects.create(
            cluster=cluster, name="holiday-photos", owner_id=account.user_id, account=account
        )
        access_key = first_pair.note.access_key_id

        for term in ("acme", "ACME LTD", access_key[-6:].lower(), "holiday", account.user_id):
            found = reader.get(CUSTOMERS, query={"search": term}).json()["results"]

            assert [c["name"] for c in found] == ["Acme Hosting"], term

    def test_it_filters_by_status_and_cluster(self, reader, provisioned):
        make_customer(name="Gone", email="gone@example.com", status="closed")

        closed = reader.get(CUSTOMERS, query={"status": "closed"}).json()["results"]
        on_main = reader.get(CUSTOMERS, query={"cluster": "main"}).json()["results"]

        assert [c["name"] for c in closed] == ["Gone"]
        assert [c["name"] for c in on_main] == ["Acme Hosting"]

    def test_a_wrong_filter_is_named(self, reader, customer):
        response = reader.get(CUSTOMERS, query={"status": "gone", "search": "x" * 201})

        assert response.status_code == 400
        assert sorted(field_names(response.json())) == ["search", "status"]


class TestDelete:
    def test_a_customer_with_an_s3_account_is_refused(self, api, provisioned):
        account, _ = provisioned

        response = api.delete(customer_path(account.customer))

        assert response.status_code == 409
        assert response.json()["type"].endswith("/problems/refused")
        assert "still has an S3 account" in response.json()["detail"]
        assert Customer.objects.exists()

    def test_a_customer_without_one_is_deleted(self, api, provisioned, admin_login):
        account, _ = provisioned
        services.account_delete(actor=admin_login, account=account)

        response = api.delete(customer_path(account.customer))

        assert response.status_code == 204
        assert not Customer.objects.exists()
        assert AuditEvent.objects.get(action="customer.delete").actor_name == "storefront"


@pytest.mark.parametrize("body", ["{not json", "[1, 2]", '"text"'])
def test_a_body_that_is_not_a_json_object_is_refused(api, body):
    response = api.client.post(
        CUSTOMERS, body, content_type="application/json",
        headers={"Authorization": f"Bearer {api.token}"},
    )  # fmt: skip

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert not Customer.objects.exists()
