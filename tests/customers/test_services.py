"""The customer services against the gateway emulator: gateway first, records second."""

import pytest
from django.core.exceptions import PermissionDenied

from staas_portal.audit.models import AuditEvent, Outcome
from staas_portal.audit.services import ServiceRefused
from staas_portal.customers import services
from staas_portal.customers.models import KeyPairNote, S3Account
from staas_portal.gateway.errors import GatewayConflict, GatewayError, GatewayServerError
from staas_portal.jobs.models import Job


def gateway_user(emulator, email):
    answer = emulator.admin("GET", [("ostor-users", None), ("emailAddress", email)])
    return answer.status, (answer.json() if answer.status == 200 else None)


def database_snapshot():
    return (
        list(S3Account.objects.values()),
        list(KeyPairNote.objects.values()),
    )


def last_event(action):
    return AuditEvent.objects.filter(action=action).first()


class TestProvision:
    def test_creates_the_user_and_notes_the_first_pair_encrypted(
        self, admin_login, customer, cluster, gateway_emulator
    ):
        account, first = services.account_provision(
            actor=admin_login, customer=customer, cluster=cluster
        )

        status, user = gateway_user(gateway_emulator, customer.email)
        assert status == 200
        assert account.user_id == user["UserId"]
        assert first.note.access_key_id == user["AWSAccessKeys"][0]["AWSAccessKeyId"]
        assert first.secret_access_key == user["AWSAccessKeys"][0]["AWSSecretAccessKey"]
        assert first.secret_access_key not in first.note.secret_ciphertext
        assert first.note.secret_key() == first.secret_access_key
        event = last_event("account.provision")
        assert (event.outcome, event.actor_name) == (Outcome.SUCCESS, "ada")
        assert event.target == f"s3user:{account.user_id}@main"

    def test_a_gateway_failure_records_nothing_but_the_audit_event(
        self, admin_login, customer, cluster, gateway_emulator
    ):
        gateway_emulator.set_faults(fail_every=1)

        with pytest.raises(GatewayServerError):
            services.account_provision(actor=admin_login, customer=customer, cluster=cluster)

        assert database_snapshot() == ([], [])
        event = last_event("account.provision")
        assert event.outcome == Outcome.FAILURE
        assert event.gateway_error

    def test_an_email_taken_on_the_gateway_is_a_conflict(
        self, admin_login, customer, cluster, gateway_emulator
    ):
        gateway_emulator.create_customer(customer.email)

        with pytest.raises(GatewayConflict):
            services.account_provision(actor=admin_login, customer=customer, cluster=cluster)

        assert database_snapshot() == ([], [])

    def test_a_second_account_on_the_same_cluster_is_refused_before_any_call(
        self, admin_login, provisioned, customer, cluster
    ):
        with pytest.raises(ServiceRefused, match="already has an S3 account"):
            services.account_provision(
                actor=admin_login, customer=customer, cluster=cluster, email="x@acme.example"
            )

        assert last_event("account.provision").outcome == Outcome.REFUSED

    @pytest.mark.parametrize("role", ["support", "customer"])
    def test_only_admins_provision(self, logins, role, customer, cluster, gateway_emulator):
        with pytest.raises(PermissionDenied):
            services.account_provision(actor=logins[role], customer=customer, cluster=cluster)

        assert gateway_user(gateway_emulator, customer.email)[0] == 404
        assert last_event("account.provision").outcome == Outcome.REFUSED


class TestStates:
    def test_suspend_and_resume_follow_the_gateway(
        self, admin_login, provisioned, gateway_emulator
    ):
        account, _ = provisioned

        services.account_suspend(actor=admin_login, account=account)
        suspended = services.account_live(actor=admin_login, account=account)
        services.account_resume(actor=admin_login, account=account)
        resumed = services.account_live(actor=admin_login, account=account)

        assert (suspended.enabled, resumed.enabled) == (False, True)
        account.refresh_from_db()
        assert account.state == S3Account.State.ENABLED

    def test_a_failed_suspend_leaves_the_state_alone(
        self, admin_login, provisioned, gateway_emulator
    ):
        account, _ = provisioned
        gateway_emulator.set_faults(fail_every=1)

        with pytest.raises(GatewayServerError):
            services.account_suspend(actor=admin_login, account=account)

        account.refresh_from_db()
        assert account.state == S3Account.State.ENABLED
        assert last_event("account.suspend").outcome == Outcome.FAILURE

    def test_support_reads_the_live_user_but_cannot_suspend(self, support_login, provisioned):
        account, first = provisioned

        live = services.account_live(actor=support_login, account=account)

        assert live.access_key_ids == (first.note.access_key_id,)
        assert first.secret_access_key not in repr(live)
        with pytest.raises(PermissionDenied):
            services.account_suspend(actor=support_login, account=account)

    def test_the_cluster_listing_maps_users_to_accounts(
        self, admin_login, provisioned, cluster, gateway_emulator
    ):
        account, _ = provisioned
        stranger = gateway_emulator.create_customer("stranger@example.com")

        users = services.cluster_users(actor=admin_login, cluster=cluster)
        listing = {live.user_id: mapped for live, mapped in users}

        assert listing[account.user_id] == account
        assert listing[stranger.user_id] is None


class TestKeyPairs:
    def test_generate_then_revoke_the_chosen_key(self, admin_login, provisioned, gateway_emulator):
        account, first = provisioned

        second = services.key_generate(actor=admin_login, account=account, label="backup")
        services.key_revoke(
            actor=admin_login, account=account, access_key_id=first.note.access_key_id
        )

        _, user = gateway_user(gateway_emulator, account.gateway_email)
        assert [pair["AWSAccessKeyId"] for pair in user["AWSAccessKeys"]] == [
            second.note.access_key_id
        ]
        first.note.refresh_from_db()
        assert first.note.revoked_at is not None and first.note.revoked_by_name == "ada"
        second.note.refresh_from_db()
        assert second.note.revoked_at is None and second.note.label == "backup"

    def test_a_third_pair_is_refused_before_any_call(
        self, admin_login, provisioned, gateway_emulator
    ):
        account, _ = provisioned
        services.key_generate(actor=admin_login, account=account)
        gateway_emulator.set_faults(fail_every=1)  # any call would now fail loudly

        with pytest.raises(ServiceRefused, match="already has 2 key pairs"):
            services.key_generate(actor=admin_login, account=account)

        assert account.key_notes.count() == 2

    def test_the_gateways_own_refusal_of_a_third_pair_changes_nothing(
        self, admin_login, provisioned, gateway_emulator
    ):
        account, _ = provisioned
        # A pair added outside the portal: the notes know one, the gateway has two.
        gateway_emulator.admin(
            "POST",
            [("ostor-users", None), ("emailAddress", account.gateway_email), ("genKey", None)],
        )

        with pytest.raises(GatewayConflict):
            services.key_generate(actor=admin_login, account=account)

        assert account.key_notes.count() == 1
        assert last_event("key.generate").outcome == Outcome.FAILURE

    def test_a_failed_revoke_keeps_the_note_active(
        self, admin_login, provisioned, gateway_emulator
    ):
        account, first = provisioned
        gateway_emulator.set_faults(fail_every=1)

        with pytest.raises(GatewayServerError):
            services.key_revoke(
                actor=admin_login, account=account, access_key_id=first.note.access_key_id
            )

        first.note.refresh_from_db()
        assert first.note.revoked_at is None

    def test_only_an_admin_reveals_a_secret_and_it_is_audited(
        self, admin_login, support_login, provisioned
    ):
        _, first = provisioned

        assert services.key_reveal(actor=admin_login, note=first.note) == first.secret_access_key
        with pytest.raises(PermissionDenied):
            services.key_reveal(actor=support_login, note=first.note)

        outcomes = list(
            AuditEvent.objects.filter(action="key.reveal").values_list("actor_name", "outcome")
        )
        assert sorted(outcomes) == [("ada", Outcome.SUCCESS), ("sam", Outcome.REFUSED)]
        assert first.secret_access_key not in str(list(AuditEvent.objects.values()))


class TestDelete:
    def make_bucket(self, emulator, first, name, content=b""):
        s3 = emulator.s3_client(first.note.access_key_id, first.secret_access_key)
        s3.create_bucket(Bucket=name)
        if content:
            s3.put_object(Bucket=name, Key="object", Body=content)

    def test_a_user_without_buckets_is_deleted(self, admin_login, provisioned, gateway_emulator):
        account, first = provisioned

        services.account_delete(actor=admin_login, account=account)

        assert gateway_user(gateway_emulator, account.gateway_email)[0] == 404
        account.refresh_from_db()
        assert account.state == S3Account.State.DELETED
        first.note.refresh_from_db()
        assert first.note.revoked_at is not None

    def test_a_user_with_buckets_is_refused_with_their_names(
        self, admin_login, provisioned, gateway_emulator
    ):
        account, first = provisioned
        self.make_bucket(gateway_emulator, first, "photos")
        self.make_bucket(gateway_emulator, first, "backups")

        with pytest.raises(services.BucketsOwned) as refusal:
            services.account_delete(actor=admin_login, account=account)

        assert refusal.value.bucket_names == ["backups", "photos"]
        account.refresh_from_db()
        assert account.state == S3Account.State.ENABLED

    def test_the_job_deletes_empty_buckets_then_the_user(
        self,
        admin_login,
        provisioned,
        gateway_emulator,
        django_capture_on_commit_callbacks,
        tasks_inline,
    ):
        account, first = provisioned
        self.make_bucket(gateway_emulator, first, "photos")
        self.make_bucket(gateway_emulator, first, "backups")

        with django_capture_on_commit_callbacks(execute=True):
            job = services.account_delete_with_buckets(actor=admin_login, account=account)

        job.refresh_from_db()
        assert job.state == Job.State.SUCCEEDED
        assert [outcome.item for outcome in job.outcomes.all()] == [
            "bucket backups", "bucket photos", f"S3 user {account.user_id}",
        ]  # fmt: skip
        account.refresh_from_db()
        assert account.state == S3Account.State.DELETED

    def test_the_job_reports_a_full_bucket_and_keeps_the_user(
        self,
        admin_login,
        provisioned,
        gateway_emulator,
        django_capture_on_commit_callbacks,
        tasks_inline,
    ):
        account, first = provisioned
        self.make_bucket(gateway_emulator, first, "empty")
        self.make_bucket(gateway_emulator, first, "full", content=b"data")

        with django_capture_on_commit_callbacks(execute=True):
            job = services.account_delete_with_buckets(actor=admin_login, account=account)

        job.refresh_from_db()
        assert job.state == Job.State.PARTIAL
        outcomes = list(job.outcomes.all())
        assert [(outcome.item, outcome.ok) for outcome in outcomes] == [
            ("bucket empty", True), ("bucket full", False),
        ]  # fmt: skip
        assert "not empty" in outcomes[1].message.lower()
        assert gateway_user(gateway_emulator, account.gateway_email)[0] == 200
        account.refresh_from_db()
        assert account.state == S3Account.State.ENABLED


def everything_but_the_audit():
    return (
        list(S3Account.objects.order_by("pk").values()),
        list(KeyPairNote.objects.order_by("pk").values()),
    )


SERVICES_THAT_CALL_THE_GATEWAY = {
    "suspend": lambda actor, account, note: services.account_suspend(actor=actor, account=account),
    "resume": lambda actor, account, note: services.account_resume(actor=actor, account=account),
    "delete": lambda actor, account, note: services.account_delete(actor=actor, account=account),
    "generate key": lambda actor, account, note: services.key_generate(
        actor=actor, account=account
    ),
    "revoke key": lambda actor, account, note: services.key_revoke(
        actor=actor, account=account, access_key_id=note.access_key_id
    ),
    "live user": lambda actor, account, note: services.account_live(actor=actor, account=account),
    "buckets": lambda actor, account, note: services.account_buckets(actor=actor, account=account),
}


@pytest.mark.parametrize("fault", ["fail_every", "malformed_every", "drop_every"])
@pytest.mark.parametrize("name", sorted(SERVICES_THAT_CALL_THE_GATEWAY))
def test_after_a_failed_gateway_call_the_database_is_unchanged(
    admin_login, provisioned, gateway_emulator, name, fault
):
    account, first = provisioned
    before = everything_but_the_audit()
    gateway_emulator.set_faults(**{fault: 1})

    with pytest.raises(GatewayError) as failure:
        SERVICES_THAT_CALL_THE_GATEWAY[name](admin_login, account, first.note)

    assert str(failure.value)
    assert everything_but_the_audit() == before
