"""Reconcile settles the changes a gateway never confirmed by reading the gateway back."""

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from staas_portal.audit.models import AuditEvent
from staas_portal.customers import services
from staas_portal.customers.adoption import record_account
from staas_portal.customers.models import Drift, KeyPairNote, PendingChange, S3Account
from staas_portal.customers.reconcile import reconcile_cluster
from staas_portal.customers.settlement import change_settle
from staas_portal.gateway.errors import GatewayError
from tests.customers.gateway_changes import (
    disable_user,
    gateway_key_ids,
    gateway_user,
    generate_key,
    revoke_key,
)

Kind = PendingChange.Kind


@pytest.fixture
def account(provisioned):
    return provisioned[0]


def open_kinds() -> list[str]:
    return sorted(Drift.objects.filter(resolved_at__isnull=True).values_list("kind", flat=True))


def settle_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="change.settle").order_by("id"))


def suspend_without_answer(actor, account, emulator, phase):
    emulator.set_faults(drop_every=1, method="POST", phase=phase, times=1)
    with pytest.raises(GatewayError):
        services.account_suspend(actor=actor, account=account)
    emulator.clear_faults()


class TestStates:
    def test_a_suspend_the_gateway_made_becomes_the_portals_state(
        self, admin_login, account, cluster, gateway_emulator
    ):
        suspend_without_answer(admin_login, account, gateway_emulator, "after")

        report = reconcile_cluster(cluster)

        account.refresh_from_db()
        assert account.state == S3Account.State.DISABLED
        assert report.settled == {"applied": 1}
        assert report.summary().endswith("Unconfirmed changes settled: 1 applied.")
        assert open_kinds() == []
        assert not PendingChange.objects.exists()

    def test_a_suspend_the_gateway_did_not_make_leaves_the_state_alone(
        self, admin_login, account, cluster, gateway_emulator
    ):
        suspend_without_answer(admin_login, account, gateway_emulator, "before")

        report = reconcile_cluster(cluster)

        account.refresh_from_db()
        assert account.state == S3Account.State.ENABLED
        assert report.settled == {"not applied": 1}
        assert open_kinds() == []

    def test_settling_is_audited_as_done_by_reconcile(
        self, admin_login, account, cluster, gateway_emulator
    ):
        suspend_without_answer(admin_login, account, gateway_emulator, "after")

        reconcile_cluster(cluster)

        (event,) = settle_events()
        assert (event.actor, event.actor_name, event.target) == (
            None, "reconcile", f"s3user:{account.user_id}@main",
        )  # fmt: skip
        assert event.parameters["change"] == "account.suspend"
        assert event.parameters["settled"] == "applied"
        assert event.parameters["requested_by"] == "ada"


class TestProvision:
    def test_a_user_the_gateway_made_becomes_the_account_with_its_key_pair(
        self, admin_login, customer, cluster, gateway_emulator
    ):
        gateway_emulator.set_faults(fail_every=1, method="PUT", phase="after")
        with pytest.raises(GatewayError):
            services.account_provision(actor=admin_login, customer=customer, cluster=cluster)
        gateway_emulator.clear_faults()

        reconcile_cluster(cluster)

        user = gateway_user(gateway_emulator, customer.email)
        account = S3Account.objects.get()
        assert (account.customer, account.user_id) == (customer, user["UserId"])
        (note,) = account.key_notes.all()
        pair = user["AWSAccessKeys"][0]
        assert note.access_key_id == pair["AWSAccessKeyId"]
        assert note.secret_key() == pair["AWSSecretAccessKey"]
        assert note.created_by_name == "ada"
        assert pair["AWSSecretAccessKey"] not in str(list(AuditEvent.objects.values()))
        assert open_kinds() == []

    def test_a_customer_given_another_account_since_leaves_it_for_an_admin(
        self, admin_login, customer, cluster, gateway_emulator
    ):
        gateway_emulator.set_faults(drop_every=1, method="PUT", phase="after", times=1)
        with pytest.raises(GatewayError):
            services.account_provision(actor=admin_login, customer=customer, cluster=cluster)
        # Another S3 user made the customer's meanwhile, as the WHMCS import would link it:
        # a second provisioning itself waits for the first to be settled.
        gateway_emulator.create_customer("second@acme.example")
        record_account(
            actor=admin_login, cluster=cluster, customer=customer,
            user=cluster.gateway().user_get(email="second@acme.example"),
        )  # fmt: skip

        report = reconcile_cluster(cluster)

        assert report.settled == {"left for an admin": 1}
        assert "already has S3 user" in settle_events()[0].parameters["detail"]
        assert open_kinds() == [Drift.Kind.UNKNOWN_TO_PORTAL]
        assert not PendingChange.objects.exists()


class TestKeyPairs:
    def test_a_key_pair_beside_one_made_outside_is_left_for_an_admin(
        self, admin_login, provisioned, cluster, gateway_emulator
    ):
        account, first = provisioned
        gateway_emulator.set_faults(drop_every=1, method="POST", phase="after", times=1)
        with pytest.raises(GatewayError):
            services.key_generate(actor=admin_login, account=account)
        revoke_key(gateway_emulator, account.gateway_email, first.note.access_key_id)
        generate_key(gateway_emulator, account.gateway_email)

        report = reconcile_cluster(cluster)

        assert report.settled == {"left for an admin": 1}
        assert account.key_notes.count() == 1
        assert open_kinds() == [
            Drift.Kind.KEY_ADDED_OUTSIDE, Drift.Kind.KEY_ADDED_OUTSIDE,
            Drift.Kind.KEY_REVOKED_OUTSIDE,
        ]  # fmt: skip

    def test_a_revoke_the_gateway_made_is_noted_as_the_askers(
        self, admin_login, provisioned, cluster, gateway_emulator
    ):
        account, first = provisioned
        services.key_generate(actor=admin_login, account=account)
        key_id = first.note.access_key_id
        gateway_emulator.set_faults(fail_every=1, method="POST", phase="after")
        with pytest.raises(GatewayError):
            services.key_revoke(actor=admin_login, account=account, access_key_id=key_id)
        gateway_emulator.clear_faults()

        reconcile_cluster(cluster)

        note = KeyPairNote.objects.get(access_key_id=key_id)
        assert note.revoked_at is not None
        assert (note.revoked_by, note.revoked_by_name) == (admin_login, "ada")
        assert key_id not in gateway_key_ids(gateway_emulator, account.gateway_email)


class TestWhichChanges:
    def make_change(self, account, **fields) -> PendingChange:
        return PendingChange.objects.create(
            kind=Kind.SUSPEND, cluster=account.cluster, customer=account.customer,
            account=account, requested_by_name="ada", **fields,
        )  # fmt: skip

    def test_a_change_still_waiting_for_its_answer_is_left_for_a_later_run(
        self, account, cluster, gateway_emulator
    ):
        change = self.make_change(account)
        disable_user(gateway_emulator, account.gateway_email)

        report = reconcile_cluster(cluster)

        assert list(PendingChange.objects.all()) == [change]
        assert report.settled == {}
        assert open_kinds() == [Drift.Kind.STATE_DIFFERS]

    def test_a_change_whose_sender_died_long_ago_is_settled(
        self, account, cluster, gateway_emulator
    ):
        self.make_change(account, requested_at=timezone.now() - timedelta(hours=1))
        disable_user(gateway_emulator, account.gateway_email)

        report = reconcile_cluster(cluster)

        account.refresh_from_db()
        assert account.state == S3Account.State.DISABLED
        assert report.settled == {"applied": 1}
        assert open_kinds() == []

    def test_a_change_of_an_account_the_portal_deleted_since_no_longer_applies(
        self, account, cluster
    ):
        self.make_change(account, state=PendingChange.State.UNCONFIRMED)
        services.mark_deleted(account)

        report = reconcile_cluster(cluster)

        assert report.settled == {"no longer applies": 1}
        assert not PendingChange.objects.exists()

    def test_a_change_settled_by_another_run_is_not_settled_twice(self, account):
        change = self.make_change(account, state=PendingChange.State.UNCONFIRMED)

        first, second = change_settle(change=change), change_settle(change=change)

        assert (first.outcome, second) == ("not applied", None)
        assert len(settle_events()) == 1

    def test_a_gateway_failing_while_settling_keeps_the_change_for_the_next_run(
        self, account, cluster, gateway_emulator
    ):
        change = self.make_change(account, state=PendingChange.State.UNCONFIRMED)
        gateway_emulator.set_faults(fail_every=1)

        report = reconcile_cluster(cluster)

        assert not report.ok
        assert list(PendingChange.objects.all()) == [change]
        assert settle_events() == []


def test_a_change_the_gateway_makes_after_it_was_settled_shows_as_drift(
    admin_login, account, cluster, gateway_emulator, settings
):
    """The limit of settling: a gateway that makes a change late, after the portal gave
    up and after reconcile found it not made, leaves drift for an admin."""
    patient = settings.STAAS_GATEWAY_TIMEOUT
    settings.STAAS_GATEWAY_TIMEOUT = 0.2
    gateway_emulator.set_faults(delay_seconds=0.6, slow_every=1, method="POST", times=1)
    with pytest.raises(GatewayError):
        services.account_suspend(actor=admin_login, account=account)
    gateway_emulator.clear_faults()
    settings.STAAS_GATEWAY_TIMEOUT = patient
    settled = reconcile_cluster(cluster).settled
    deadline = time.monotonic() + 5
    while gateway_user(gateway_emulator, account.gateway_email)["State"] != "disabled":
        assert time.monotonic() < deadline
        time.sleep(0.05)

    reconcile_cluster(cluster)

    assert settled == {"not applied": 1}
    assert open_kinds() == [Drift.Kind.STATE_DIFFERS]


def test_the_drift_page_lists_the_changes_awaiting_confirmation(
    client, admin_login, account, gateway_emulator
):
    suspend_without_answer(admin_login, account, gateway_emulator, "after")
    client.force_login(admin_login)

    response = client.get(reverse("drift:list"))

    text = response.content.decode()
    change = PendingChange.objects.get()
    assert f'id="change-{change.pk}"' in text
    assert "Changes awaiting confirmation" in text
    assert "Suspend" in text and account.user_id in text
