"""Reconcile finds drift from real changes on the emulator; repairs make both sides agree."""

from io import StringIO

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from staas_portal.audit.models import AuditEvent, Outcome
from staas_portal.audit.services import ServiceRefused
from staas_portal.clusters.models import StorageCluster
from staas_portal.customers import services
from staas_portal.customers.drift_services import drift_repair
from staas_portal.customers.models import Drift, KeyPairNote, S3Account
from staas_portal.customers.reconcile import NO_LONGER_SEEN, reconcile_all, reconcile_cluster
from staas_portal.customers.tasks import reconcile_clusters
from staas_portal.gateway.errors import GatewayServerError
from tests.customers.gateway_changes import (
    delete_user,
    disable_user,
    enable_user,
    gateway_key_ids,
    gateway_user,
    generate_key,
    revoke_key,
)
from tests.test_settings import PRODUCTION, manage

Kind = Drift.Kind


def open_drift(kind=None):
    drift = Drift.objects.filter(resolved_at__isnull=True)
    return list(drift.filter(kind=kind) if kind else drift)


def only_open(kind) -> Drift:
    found = open_drift()
    assert [drift.kind for drift in found] == [kind]
    return found[0]


def drift_snapshot():
    return list(Drift.objects.order_by("id").values())


@pytest.fixture
def account(provisioned):
    return provisioned[0]


@pytest.fixture
def first_key(provisioned):
    return provisioned[1].note.access_key_id


def refreshed(account) -> S3Account:
    return S3Account.objects.get(pk=account.pk)


class TestDetection:
    def test_a_cluster_that_matches_the_portal_has_no_drift(self, account, cluster):
        report = reconcile_cluster(cluster)

        assert report.ok
        # The emulator's system user is the portal's own key, never a customer's.
        assert (report.gateway_users, report.portal_accounts) == (1, 1)
        assert report.open_total == 0
        assert Drift.objects.count() == 0

    def test_an_s3_user_deleted_on_the_gateway_is_missing(
        self, account, cluster, gateway_emulator
    ):
        delete_user(gateway_emulator, account.gateway_email)

        report = reconcile_cluster(cluster)

        drift = only_open(Kind.MISSING_ON_GATEWAY)
        assert (drift.account, drift.user_id, drift.cluster) == (account, account.user_id, cluster)
        assert "Acme Hosting" in drift.detail
        assert (report.new, report.open_by_kind[Kind.MISSING_ON_GATEWAY]) == (1, 1)

    def test_an_s3_user_made_outside_the_portal_is_unknown(
        self, account, cluster, gateway_emulator
    ):
        stranger = gateway_emulator.create_customer("stranger@example.net")

        reconcile_cluster(cluster)

        drift = only_open(Kind.UNKNOWN_TO_PORTAL)
        assert (drift.user_id, drift.account) == (stranger.user_id, None)
        assert "stranger@example.net" in drift.detail

    def test_a_user_whose_account_the_portal_deleted_is_unknown_and_names_it(
        self, account, cluster
    ):
        services.mark_deleted(account)

        reconcile_cluster(cluster)

        drift = only_open(Kind.UNKNOWN_TO_PORTAL)
        assert drift.account == account
        assert "deleted" in drift.detail

    def test_a_key_revoked_on_the_gateway_was_revoked_outside(
        self, account, first_key, cluster, gateway_emulator
    ):
        revoke_key(gateway_emulator, account.gateway_email, first_key)

        reconcile_cluster(cluster)

        drift = only_open(Kind.KEY_REVOKED_OUTSIDE)
        assert (drift.account, drift.access_key_id) == (account, first_key)

    def test_a_key_generated_on_the_gateway_was_added_outside(
        self, account, cluster, gateway_emulator
    ):
        outside_key = generate_key(gateway_emulator, account.gateway_email)

        reconcile_cluster(cluster)

        drift = only_open(Kind.KEY_ADDED_OUTSIDE)
        assert (drift.account, drift.access_key_id) == (account, outside_key)

    def test_a_key_the_portal_noted_revoked_but_the_gateway_keeps_was_added_outside(
        self, account, first_key, cluster
    ):
        KeyPairNote.objects.filter(access_key_id=first_key).update(
            revoked_at="2026-01-01T00:00:00Z", revoked_by_name="someone"
        )

        reconcile_cluster(cluster)

        drift = only_open(Kind.KEY_ADDED_OUTSIDE)
        assert drift.access_key_id == first_key
        assert "revoked by someone" in drift.detail

    def test_a_user_disabled_on_the_gateway_differs_in_state(
        self, account, cluster, gateway_emulator
    ):
        disable_user(gateway_emulator, account.gateway_email)

        reconcile_cluster(cluster)

        drift = only_open(Kind.STATE_DIFFERS)
        assert drift.account == account
        assert "enabled" in drift.detail and "disabled" in drift.detail

    def test_a_user_suspended_in_the_portal_but_enabled_on_the_gateway_differs(
        self, account, cluster
    ):
        S3Account.objects.filter(pk=account.pk).update(state=S3Account.State.DISABLED)

        reconcile_cluster(cluster)

        assert "suspended" in only_open(Kind.STATE_DIFFERS).detail


class TestRecording:
    def test_running_again_refreshes_the_drift_instead_of_duplicating_it(
        self, account, cluster, gateway_emulator
    ):
        disable_user(gateway_emulator, account.gateway_email)
        reconcile_cluster(cluster)
        first = only_open(Kind.STATE_DIFFERS)

        again = reconcile_cluster(cluster)

        second = only_open(Kind.STATE_DIFFERS)
        assert second.pk == first.pk
        assert second.found_at == first.found_at
        assert second.last_seen_at > first.last_seen_at
        assert (again.new, again.resolved, again.open_total) == (0, 0, 1)

    def test_drift_no_longer_seen_is_resolved(self, account, cluster, gateway_emulator):
        disable_user(gateway_emulator, account.gateway_email)
        reconcile_cluster(cluster)
        enable_user(gateway_emulator, account.gateway_email)

        report = reconcile_cluster(cluster)

        drift = Drift.objects.get()
        assert drift.resolved_at is not None
        assert drift.resolution == NO_LONGER_SEEN
        assert (report.resolved, report.open_total) == (1, 0)

    def test_drift_that_comes_back_after_resolution_opens_again(
        self, account, cluster, gateway_emulator
    ):
        disable_user(gateway_emulator, account.gateway_email)
        reconcile_cluster(cluster)
        enable_user(gateway_emulator, account.gateway_email)
        reconcile_cluster(cluster)
        disable_user(gateway_emulator, account.gateway_email)

        reconcile_cluster(cluster)

        assert Drift.objects.count() == 2
        assert len(open_drift(Kind.STATE_DIFFERS)) == 1

    def test_a_gateway_failure_reports_the_error_and_changes_no_drift(
        self, account, cluster, gateway_emulator
    ):
        disable_user(gateway_emulator, account.gateway_email)
        reconcile_cluster(cluster)
        enable_user(gateway_emulator, account.gateway_email)
        before = drift_snapshot()
        gateway_emulator.set_faults(fail_every=1)

        report = reconcile_cluster(cluster)

        assert not report.ok
        assert "internal error" in report.error
        assert drift_snapshot() == before

    def test_a_failure_part_way_through_changes_no_drift_either(
        self, account, cluster, gateway_emulator
    ):
        disable_user(gateway_emulator, account.gateway_email)
        reconcile_cluster(cluster)
        enable_user(gateway_emulator, account.gateway_email)
        gateway_emulator.create_customer("stranger@example.net")
        before = drift_snapshot()
        # The user list answers; the query of the account's S3 user that follows fails.
        gateway_emulator.set_faults(fail_every=2)

        report = reconcile_cluster(cluster)

        assert not report.ok
        assert drift_snapshot() == before

    def test_every_cluster_is_reconciled_even_when_one_fails(
        self, account, cluster, gateway_emulator, live_gateway_url
    ):
        broken = StorageCluster(name="broken", gateway_url=live_gateway_url, access_key="K")
        broken.set_secret_key("not-the-secret")
        broken.save()
        disable_user(gateway_emulator, account.gateway_email)

        reports = {report.cluster: report for report in reconcile_all()}

        assert not reports["broken"].ok
        assert "credentials" in reports["broken"].error
        assert reports["main"].ok
        assert reports["main"].open_total == 1


class TestScheduling:
    def test_the_task_reconciles_every_cluster(self, account, cluster, gateway_emulator):
        disable_user(gateway_emulator, account.gateway_email)

        summaries = reconcile_clusters.apply().get()

        assert set(summaries) == {"main"}
        assert "1 open drift (1 new" in summaries["main"]
        assert only_open(Kind.STATE_DIFFERS).account == account

    def test_beat_runs_the_task_every_fifteen_minutes_by_default(self):
        entry = settings.CELERY_BEAT_SCHEDULE["reconcile-clusters"]

        assert entry == {"task": reconcile_clusters.name, "schedule": 15 * 60.0}

    def test_an_interval_below_one_minute_stops_start_up(self):
        result = manage("check", STAAS_RECONCILE_MINUTES="0", **PRODUCTION)

        assert result.returncode != 0
        assert "STAAS_RECONCILE_MINUTES must be 1 or more" in result.stderr


class TestCommand:
    def test_it_prints_what_it_found_per_cluster(self, account, cluster, gateway_emulator):
        disable_user(gateway_emulator, account.gateway_email)
        gateway_emulator.create_customer("stranger@example.net")
        out = StringIO()

        call_command("reconcile", stdout=out)

        text = out.getvalue()
        assert "main: 2 open drift (2 new, 0 resolved)" in text
        assert "State differs: 1" in text
        assert "S3 user unknown to the portal: 1" in text
        assert len(open_drift()) == 2

    def test_it_reconciles_only_the_cluster_named(self, account, cluster, live_gateway_url):
        broken = StorageCluster(name="broken", gateway_url=live_gateway_url, access_key="K")
        broken.set_secret_key("not-the-secret")
        broken.save()
        out = StringIO()

        call_command("reconcile", "--cluster", "main", stdout=out)

        assert out.getvalue().startswith("main: 0 open drift")
        assert "broken" not in out.getvalue()

    def test_an_unknown_cluster_name_is_an_error(self, cluster):
        with pytest.raises(CommandError, match="no cluster named 'nowhere'"):
            call_command("reconcile", "--cluster", "nowhere")

    def test_a_failing_gateway_fails_the_command_and_says_why(
        self, account, cluster, gateway_emulator
    ):
        gateway_emulator.set_faults(fail_every=1)
        err = StringIO()

        with pytest.raises(CommandError, match="failed on main"):
            call_command("reconcile", stdout=StringIO(), stderr=err)

        assert "main: reconcile failed. The gateway failed" in err.getvalue()
        assert Drift.objects.count() == 0


def repair(actor, kind, name) -> str:
    return drift_repair(actor=actor, drift=only_open(kind), repair=name)


def assert_in_step(cluster):
    """After a repair the next run finds nothing left of it."""
    report = reconcile_cluster(cluster)
    assert report.ok
    assert report.open_total == 0


class TestRepairs:
    def test_mark_deleted_ends_an_account_whose_user_the_gateway_lost(
        self, admin_login, account, cluster, gateway_emulator
    ):
        delete_user(gateway_emulator, account.gateway_email)
        reconcile_cluster(cluster)

        resolution = repair(admin_login, Kind.MISSING_ON_GATEWAY, "mark_deleted")

        assert refreshed(account).state == S3Account.State.DELETED
        assert not account.key_notes.filter(revoked_at__isnull=True).exists()
        assert resolution == "S3 account marked deleted by ada"
        assert Drift.objects.get().resolution == resolution
        assert_in_step(cluster)

    def test_mark_deleted_is_refused_while_the_gateway_has_the_user(
        self, admin_login, account, cluster
    ):
        stale = Drift.objects.create(
            cluster=cluster, kind=Kind.MISSING_ON_GATEWAY, account=account, user_id=account.user_id
        )

        with pytest.raises(ServiceRefused, match="has the S3 user .* again"):
            drift_repair(actor=admin_login, drift=stale, repair="mark_deleted")

        assert refreshed(account).state == S3Account.State.ENABLED
        assert open_drift() == [stale]

    def test_mark_revoked_notes_a_key_revoked_outside(
        self, admin_login, account, first_key, cluster, gateway_emulator
    ):
        revoke_key(gateway_emulator, account.gateway_email, first_key)
        reconcile_cluster(cluster)

        repair(admin_login, Kind.KEY_REVOKED_OUTSIDE, "mark_revoked")

        note = KeyPairNote.objects.get(access_key_id=first_key)
        assert note.revoked_at is not None
        assert note.revoked_by_name == "reconcile"
        assert_in_step(cluster)

    def test_note_key_records_a_key_added_outside_without_its_secret(
        self, admin_login, account, cluster, gateway_emulator
    ):
        outside_key = generate_key(gateway_emulator, account.gateway_email)
        reconcile_cluster(cluster)

        repair(admin_login, Kind.KEY_ADDED_OUTSIDE, "note_key")

        note = account.key_notes.get(access_key_id=outside_key)
        assert note.is_active
        assert not note.has_secret
        assert outside_key in gateway_key_ids(gateway_emulator, account.gateway_email)
        assert_in_step(cluster)

    def test_note_key_makes_a_note_revoked_by_mistake_active_again(
        self, admin_login, account, first_key, cluster
    ):
        KeyPairNote.objects.filter(access_key_id=first_key).update(
            revoked_at="2026-01-01T00:00:00Z", revoked_by_name="someone"
        )
        reconcile_cluster(cluster)

        repair(admin_login, Kind.KEY_ADDED_OUTSIDE, "note_key")

        note = KeyPairNote.objects.get(access_key_id=first_key)
        assert (note.is_active, note.revoked_by_name) == (True, "")
        assert note.has_secret
        assert_in_step(cluster)

    def test_revoke_key_takes_a_key_added_outside_off_the_gateway(
        self, admin_login, account, first_key, cluster, gateway_emulator
    ):
        outside_key = generate_key(gateway_emulator, account.gateway_email)
        reconcile_cluster(cluster)

        repair(admin_login, Kind.KEY_ADDED_OUTSIDE, "revoke_key")

        assert gateway_key_ids(gateway_emulator, account.gateway_email) == {first_key}
        assert not account.key_notes.filter(access_key_id=outside_key).exists()
        assert_in_step(cluster)

    def test_revoke_key_is_refused_once_the_portal_notes_the_key(
        self, admin_login, account, first_key, cluster, gateway_emulator
    ):
        stale = Drift.objects.create(
            cluster=cluster,
            kind=Kind.KEY_ADDED_OUTSIDE,
            account=account,
            user_id=account.user_id,
            access_key_id=first_key,
        )

        with pytest.raises(ServiceRefused, match="notes key .* as active now"):
            drift_repair(actor=admin_login, drift=stale, repair="revoke_key")

        assert first_key in gateway_key_ids(gateway_emulator, account.gateway_email)

    def test_take_gateway_state_records_what_the_gateway_has(
        self, admin_login, account, cluster, gateway_emulator
    ):
        disable_user(gateway_emulator, account.gateway_email)
        reconcile_cluster(cluster)

        resolution = repair(admin_login, Kind.STATE_DIFFERS, "take_gateway_state")

        assert refreshed(account).state == S3Account.State.DISABLED
        assert "suspended" in resolution
        assert_in_step(cluster)

    def test_push_portal_state_enables_the_user_on_the_gateway(
        self, admin_login, account, cluster, gateway_emulator
    ):
        disable_user(gateway_emulator, account.gateway_email)
        reconcile_cluster(cluster)

        repair(admin_login, Kind.STATE_DIFFERS, "push_portal_state")

        assert gateway_user(gateway_emulator, account.gateway_email)["State"] == "enabled"
        assert refreshed(account).state == S3Account.State.ENABLED
        assert_in_step(cluster)

    def test_push_portal_state_suspends_the_user_on_the_gateway(
        self, admin_login, account, cluster, gateway_emulator
    ):
        S3Account.objects.filter(pk=account.pk).update(state=S3Account.State.DISABLED)
        reconcile_cluster(cluster)

        repair(admin_login, Kind.STATE_DIFFERS, "push_portal_state")

        assert gateway_user(gateway_emulator, account.gateway_email)["State"] == "disabled"
        assert_in_step(cluster)

    def test_a_repair_is_audited(self, admin_login, account, cluster, gateway_emulator):
        disable_user(gateway_emulator, account.gateway_email)
        reconcile_cluster(cluster)

        repair(admin_login, Kind.STATE_DIFFERS, "take_gateway_state")

        event = AuditEvent.objects.get(action="drift.repair")
        assert (event.outcome, event.actor_name) == (Outcome.SUCCESS, "ada")
        assert event.target == f"s3user:{account.user_id}@main"
        assert event.parameters["repair"] == "take_gateway_state"


class TestRepairRefusals:
    @pytest.fixture
    def state_drift(self, account, cluster, gateway_emulator):
        disable_user(gateway_emulator, account.gateway_email)
        reconcile_cluster(cluster)
        return only_open(Kind.STATE_DIFFERS)

    def test_support_may_not_repair(self, support_login, account, state_drift):
        with pytest.raises(PermissionDenied):
            drift_repair(actor=support_login, drift=state_drift, repair="take_gateway_state")

        assert refreshed(account).state == S3Account.State.ENABLED
        assert AuditEvent.objects.get(action="drift.repair").outcome == Outcome.REFUSED
        assert open_drift() == [state_drift]

    def test_a_repair_of_another_kind_is_refused(self, admin_login, state_drift):
        with pytest.raises(ServiceRefused, match="does not apply"):
            drift_repair(actor=admin_login, drift=state_drift, repair="revoke_key")

        assert open_drift() == [state_drift]

    def test_a_resolved_drift_is_not_repaired_twice(self, admin_login, account, state_drift):
        drift_repair(actor=admin_login, drift=state_drift, repair="take_gateway_state")

        with pytest.raises(ServiceRefused, match="resolved already"):
            drift_repair(actor=admin_login, drift=state_drift, repair="push_portal_state")

        assert refreshed(account).state == S3Account.State.DISABLED

    def test_a_gateway_failure_leaves_the_portal_and_the_drift_as_they_were(
        self, admin_login, account, state_drift, gateway_emulator
    ):
        gateway_emulator.set_faults(fail_every=1)

        with pytest.raises(GatewayServerError):
            drift_repair(actor=admin_login, drift=state_drift, repair="push_portal_state")

        gateway_emulator.clear_faults()
        assert gateway_user(gateway_emulator, account.gateway_email)["State"] == "disabled"
        assert refreshed(account).state_seen_at == account.state_seen_at
        assert open_drift() == [state_drift]
        event = AuditEvent.objects.get(action="drift.repair")
        assert (event.outcome, bool(event.gateway_error)) == (Outcome.FAILURE, True)
