"""The drift page: who sees it, who repairs from it, and what each button does."""

import pytest
from django.urls import reverse

from staas_portal.core.pages import PAGE_SIZE
from staas_portal.customers.models import Drift, S3Account
from staas_portal.customers.reconcile import reconcile_cluster
from tests.customers.gateway_changes import (
    disable_user,
    gateway_key_ids,
    gateway_user,
    generate_key,
)

LIST_URL = "/drift/"
RUN_URL = "/drift/run/"


def repair_url(drift, name):
    return reverse("drift:repair", args=[drift.pk, name])


@pytest.fixture
def account(provisioned):
    return provisioned[0]


@pytest.fixture
def state_drift(account, cluster, gateway_emulator):
    disable_user(gateway_emulator, account.gateway_email)
    reconcile_cluster(cluster)
    return Drift.objects.get(kind=Drift.Kind.STATE_DIFFERS)


@pytest.fixture
def outside_key_drift(account, cluster, gateway_emulator):
    key = generate_key(gateway_emulator, account.gateway_email)
    reconcile_cluster(cluster)
    return Drift.objects.get(kind=Drift.Kind.KEY_ADDED_OUTSIDE, access_key_id=key)


@pytest.fixture
def as_admin(client, admin_login):
    client.force_login(admin_login)
    return client


@pytest.fixture
def as_support(client, support_login):
    client.force_login(support_login)
    return client


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


class TestAccess:
    def test_anonymous_visitors_go_to_the_login_page(self, client, db):
        response = client.get(LIST_URL)

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login") + "?next=/drift/")

    def test_customers_get_403(self, client, customer_login):
        client.force_login(customer_login)

        response = client.get(LIST_URL)

        assert response.status_code == 403

    def test_support_sees_the_drift_without_any_button(self, as_support, state_drift):
        response = as_support.get(LIST_URL)

        assert response.status_code == 200
        assert state_drift.detail.encode() in response.content
        assert b"Run reconcile now" not in response.content
        assert repair_url(state_drift, "take_gateway_state").encode() not in response.content

    def test_support_may_not_run_reconcile(self, as_support, cluster):
        response = as_support.post(RUN_URL)

        assert response.status_code == 403
        assert Drift.objects.count() == 0

    def test_support_may_not_repair(self, as_support, account, state_drift):
        response = as_support.post(repair_url(state_drift, "take_gateway_state"))

        assert response.status_code == 403
        assert S3Account.objects.get(pk=account.pk).state == S3Account.State.ENABLED
        assert Drift.objects.get().resolved_at is None


class TestList:
    def test_it_shows_each_open_drift_with_its_customer_and_repairs(
        self, as_admin, state_drift, outside_key_drift
    ):
        response = as_admin.get(LIST_URL)

        page = response.content.decode()
        assert "Acme Hosting" in page
        assert outside_key_drift.access_key_id in page
        assert repair_url(state_drift, "take_gateway_state") in page
        assert repair_url(state_drift, "push_portal_state") in page
        assert repair_url(outside_key_drift, "note_key") in page
        assert repair_url(outside_key_drift, "revoke_key") in page
        assert "Run reconcile now" in page

    def test_an_unknown_user_links_to_the_cluster_adoption_page(
        self, as_admin, account, cluster, gateway_emulator
    ):
        gateway_emulator.create_customer("stranger@example.net")
        reconcile_cluster(cluster)

        response = as_admin.get(LIST_URL)

        assert b'href="/clusters/main/adopt/"' in response.content

    def test_it_filters_by_cluster_and_kind(self, as_admin, state_drift, outside_key_drift):
        response = as_admin.get(LIST_URL, {"cluster": "main", "kind": "state_differs"})

        rows = [row.drift for row in response.context["rows"]]
        assert rows == [state_drift]

    def test_resolved_drift_shows_only_when_asked_for(self, as_admin, state_drift):
        as_admin.post(repair_url(state_drift, "take_gateway_state"))

        hidden = as_admin.get(LIST_URL)
        shown = as_admin.get(LIST_URL, {"resolved": "on"})

        assert hidden.context["rows"] == []
        assert [row.drift.pk for row in shown.context["rows"]] == [state_drift.pk]
        assert b"portal set to suspended" in shown.content

    def test_it_pages_long_lists(self, as_admin, cluster):
        Drift.objects.bulk_create(
            Drift(cluster=cluster, kind=Drift.Kind.UNKNOWN_TO_PORTAL, user_id=f"{n:016x}")
            for n in range(PAGE_SIZE + 3)
        )

        first = as_admin.get(LIST_URL)
        second = as_admin.get(LIST_URL, {"page": 2})

        assert len(first.context["rows"]) == PAGE_SIZE
        assert b'rel="next"' in first.content
        assert len(second.context["rows"]) == 3

    def test_it_says_so_when_there_is_no_drift(self, as_admin, cluster):
        response = as_admin.get(LIST_URL)

        assert b"No open drift" in response.content


class TestRun:
    def test_it_runs_reconcile_and_reports_the_counts(
        self, as_admin, account, cluster, gateway_emulator
    ):
        disable_user(gateway_emulator, account.gateway_email)

        response = as_admin.post(RUN_URL, follow=True)

        assert response.redirect_chain == [(LIST_URL, 302)]
        assert any("main: 1 open drift (1 new, 0 resolved)" in m for m in messages_of(response))
        assert Drift.objects.filter(kind=Drift.Kind.STATE_DIFFERS).count() == 1

    def test_a_failing_gateway_is_reported_and_records_nothing(
        self, as_admin, account, cluster, gateway_emulator
    ):
        gateway_emulator.set_faults(fail_every=1)

        response = as_admin.post(RUN_URL, follow=True)

        assert any("main: reconcile failed." in m for m in messages_of(response))
        assert Drift.objects.count() == 0

    def test_a_get_does_not_run_it(self, as_admin, account, cluster, gateway_emulator):
        disable_user(gateway_emulator, account.gateway_email)

        response = as_admin.get(RUN_URL)

        assert response.status_code == 405
        assert Drift.objects.count() == 0


class TestRepair:
    def test_a_plain_repair_posts_from_the_list_and_returns_to_it(
        self, as_admin, account, state_drift
    ):
        back = f"{LIST_URL}?kind=state_differs"

        response = as_admin.post(
            repair_url(state_drift, "take_gateway_state"), {"next": back}, follow=True
        )

        assert response.redirect_chain == [(back, 302)]
        assert any("resolved: portal set to suspended" in m for m in messages_of(response))
        assert S3Account.objects.get(pk=account.pk).state == S3Account.State.DISABLED

    def test_revoking_on_the_gateway_asks_first(self, as_admin, account, outside_key_drift):
        url = repair_url(outside_key_drift, "revoke_key")

        response = as_admin.get(url)

        page = response.content.decode()
        assert f"Revoke key {outside_key_drift.access_key_id}" in page
        assert f'action="{url}"' in page
        assert "csrfmiddlewaretoken" in page
        assert "button-danger" in page
        assert Drift.objects.get(pk=outside_key_drift.pk).resolved_at is None

    def test_confirming_revokes_the_key_on_the_gateway(
        self, as_admin, account, outside_key_drift, gateway_emulator
    ):
        response = as_admin.post(repair_url(outside_key_drift, "revoke_key"))

        assert response.status_code == 302
        keys = gateway_key_ids(gateway_emulator, account.gateway_email)
        assert outside_key_drift.access_key_id not in keys
        assert Drift.objects.get(pk=outside_key_drift.pk).resolved_at is not None

    def test_a_gateway_failure_is_shown_and_the_drift_stays_open(
        self, as_admin, account, state_drift, gateway_emulator
    ):
        gateway_emulator.set_faults(fail_every=1)

        response = as_admin.post(repair_url(state_drift, "push_portal_state"), follow=True)

        gateway_emulator.clear_faults()
        assert any(
            m.startswith("Push the portal's state failed. The gateway failed")
            for m in messages_of(response)
        )
        assert gateway_user(gateway_emulator, account.gateway_email)["State"] == "disabled"
        assert Drift.objects.get().resolved_at is None

    def test_a_repair_of_another_kind_is_not_found(self, as_admin, state_drift):
        response = as_admin.post(repair_url(state_drift, "revoke_key"))

        assert response.status_code == 404
        assert Drift.objects.get().resolved_at is None

    def test_it_never_returns_to_another_site(self, as_admin, state_drift):
        response = as_admin.post(
            repair_url(state_drift, "take_gateway_state"), {"next": "https://evil.example/drift/"}
        )

        assert response["Location"] == LIST_URL
