"""A customer's S3 account through the API: provision, live state, suspend, resume, terminate."""

import pytest

from staas_portal.audit.models import AuditEvent, Outcome
from staas_portal.clusters.models import StorageCluster
from staas_portal.customers.models import KeyPairNote, S3Account
from staas_portal.gateway.errors import UNCONFIRMED_NOTE
from staas_portal.jobs.models import Job
from tests.api.conftest import field_names
from tests.customers.test_services import gateway_user


def accounts_path(customer) -> str:
    return f"/api/v1/customers/{customer.pk}/accounts/"


def account_path(account) -> str:
    return f"{accounts_path(account.customer)}{account.pk}/"


def gateway_users(emulator) -> list[dict]:
    return [user for user in emulator.state()["users"].values() if "system" not in user["flags"]]


def make_bucket(emulator, first_pair, name, content=b""):
    s3 = emulator.s3_client(first_pair.note.access_key_id, first_pair.secret_access_key)
    s3.create_bucket(Bucket=name)
    if content:
        s3.put_object(Bucket=name, Key="object", Body=content)


class TestProvision:
    def test_it_creates_the_s3_user_and_answers_its_first_key_pair_once(
        self, api, customer, cluster, gateway_emulator
    ):
        response = api.post(accounts_path(customer), {})

        account = S3Account.objects.get()
        body = response.json()
        status, user = gateway_user(gateway_emulator, customer.email)
        assert response.status_code == 201
        assert response["Location"] == account_path(account)
        assert (body["cluster"], body["user_id"], body["state"]) == (
            "main",
            user["UserId"],
            "enabled",
        )
        assert body["endpoint"] == gateway_emulator.url
        pair = user["AWSAccessKeys"][0]
        assert body["key_pair"]["access_key_id"] == pair["AWSAccessKeyId"]
        assert body["key_pair"]["secret_access_key"] == pair["AWSSecretAccessKey"]
        assert KeyPairNote.objects.get().secret_key() == pair["AWSSecretAccessKey"]

    def test_it_is_audited_with_the_tokens_name(self, api, customer, cluster):
        api.post(accounts_path(customer), {})

        event = AuditEvent.objects.get(action="account.provision")
        assert (event.actor_name, event.outcome) == ("storefront", Outcome.SUCCESS)

    def test_an_existing_account_is_answered_200_and_no_second_user_is_made(
        self, api, customer, cluster, gateway_emulator
    ):
        first = api.post(accounts_path(customer), {})

        again = api.post(accounts_path(customer), {"cluster": "main", "email": "new@example.com"})

        assert again.status_code == 200
        assert again.json()["id"] == first.json()["id"]
        assert again.json()["key_pair"] is None
        assert again["Location"] == first["Location"]
        assert len(gateway_users(gateway_emulator)) == 1
        assert S3Account.objects.count() == 1

    def test_it_goes_to_the_cluster_named(self, api, customer, cluster, gateway_emulator):
        second = StorageCluster(
            name="second", gateway_url=gateway_emulator.url,
            access_key=gateway_emulator.access_key, region=gateway_emulator.region,
        )  # fmt: skip
        second.set_secret_key(gateway_emulator.secret_key)
        second.save()

        response = api.post(accounts_path(customer), {"cluster": "second", "email": "b@x.example"})

        assert response.status_code == 201
        assert S3Account.objects.get().cluster == second

    def test_an_unknown_cluster_or_email_is_named(self, api, customer, cluster):
        response = api.post(accounts_path(customer), {"cluster": "nowhere", "email": "nope"})

        assert response.status_code == 400
        assert sorted(field_names(response.json())) == ["cluster", "email"]
        assert not S3Account.objects.exists()

    def test_a_failing_gateway_leaves_no_account(self, api, customer, cluster, gateway_emulator):
        gateway_emulator.set_faults(fail_every=1)

        response = api.post(accounts_path(customer), {})

        assert response.status_code == 502
        assert response.json()["type"].endswith("/problems/gateway-server-error")
        assert not S3Account.objects.exists()
        gateway_emulator.clear_faults()
        assert gateway_users(gateway_emulator) == []

    def test_an_email_the_gateway_has_is_a_gateway_conflict(
        self, api, customer, cluster, gateway_emulator
    ):
        gateway_emulator.create_customer(customer.email)

        response = api.post(accounts_path(customer), {})

        assert response.status_code == 409
        assert response.json()["type"].endswith("/problems/gateway-conflict")
        assert response.json()["gateway"] == "main"
        assert response.json()["gateway_message"]
        assert not S3Account.objects.exists()


class TestRead:
    def test_it_lists_the_customers_accounts(self, reader, provisioned):
        account, _ = provisioned

        response = reader.get(accounts_path(account.customer))

        assert [item["id"] for item in response.json()] == [account.pk]

    def test_it_reads_the_live_state_from_the_gateway(self, reader, provisioned, gateway_emulator):
        account, first_pair = provisioned
        gateway_emulator.admin(
            "POST",
            [("ostor-users", None), ("emailAddress", account.gateway_email), ("disable", None)],
        )

        response = reader.get(account_path(account))

        live = response.json()["live"]
        assert response.status_code == 200
        assert (live["state"], live["enabled"]) == ("disabled", False)
        assert live["access_key_ids"] == [first_pair.note.access_key_id]
        assert response.json()["state"] == "disabled"

    def test_an_account_of_another_customer_is_404(self, reader, provisioned):
        account, _ = provisioned

        response = reader.get(f"/api/v1/customers/999/accounts/{account.pk}/")

        assert response.status_code == 404

    def test_an_unreachable_gateway_is_503(self, reader, provisioned, gateway_emulator):
        account, _ = provisioned
        gateway_emulator.stop()

        response = reader.get(account_path(account))

        assert response.status_code == 503
        assert response.json()["type"].endswith("/problems/gateway-unavailable")
        assert response.json()["detail"].startswith("The gateway cannot be reached")

    def test_a_user_gone_from_the_gateway_is_a_gateway_404(
        self, reader, provisioned, gateway_emulator
    ):
        account, _ = provisioned
        gateway_emulator.admin(
            "DELETE", [("ostor-users", None), ("emailAddress", account.gateway_email)]
        )

        response = reader.get(account_path(account))

        assert response.status_code == 404
        assert response.json()["type"].endswith("/problems/gateway-not-found")

    def test_it_lists_the_buckets(self, reader, provisioned, gateway_emulator):
        account, first_pair = provisioned
        make_bucket(gateway_emulator, first_pair, "photos", b"12345")

        response = reader.get(account_path(account) + "buckets/")

        assert [(b["name"], b["size_current"]) for b in response.json()] == [("photos", 5)]


class TestSuspendAndResume:
    def test_suspend_then_resume_on_the_gateway(self, api, provisioned, gateway_emulator):
        account, _ = provisioned

        suspended = api.post(account_path(account) + "suspend/")
        state_after_suspend = gateway_user(gateway_emulator, account.gateway_email)[1]["State"]
        resumed = api.post(account_path(account) + "resume/")

        assert (suspended.status_code, suspended.json()["state"]) == (200, "disabled")
        assert state_after_suspend == "disabled"
        assert (resumed.status_code, resumed.json()["state"]) == (200, "enabled")
        assert gateway_user(gateway_emulator, account.gateway_email)[1]["State"] == "enabled"
        actions = AuditEvent.objects.filter(actor_name="storefront").values_list(
            "action", flat=True
        )
        assert sorted(actions) == ["account.resume", "account.suspend"]

    def test_a_suspend_without_an_answer_says_it_may_have_been_made(
        self, api, provisioned, gateway_emulator
    ):
        account, _ = provisioned
        gateway_emulator.set_faults(drop_every=1, method="POST", phase="after")

        response = api.post(account_path(account) + "suspend/")

        problem = response.json()
        assert response.status_code == 503
        assert problem["type"].endswith("/problems/gateway-unavailable")
        assert problem["detail"].endswith(UNCONFIRMED_NOTE)
        account.refresh_from_db()
        assert account.state == S3Account.State.ENABLED

    def test_a_deleted_account_is_refused(self, api, provisioned):
        account, _ = provisioned
        api.delete(account_path(account))

        response = api.post(account_path(account) + "suspend/")

        assert response.status_code == 409
        assert "has been deleted" in response.json()["detail"]


class TestTerminate:
    def test_a_user_without_buckets_is_deleted_with_204(self, api, provisioned, gateway_emulator):
        account, _ = provisioned

        response = api.delete(account_path(account))

        account.refresh_from_db()
        assert response.status_code == 204
        assert account.state == S3Account.State.DELETED
        assert gateway_user(gateway_emulator, account.gateway_email)[0] == 404
        read_back = api.get(account_path(account)).json()
        assert (read_back["state"], read_back["live"]) == ("deleted", None)
        assert read_back["deleted_at"]

    def test_a_user_with_buckets_is_refused_naming_them(self, api, provisioned, gateway_emulator):
        account, first_pair = provisioned
        make_bucket(gateway_emulator, first_pair, "photos")
        make_bucket(gateway_emulator, first_pair, "backups")

        response = api.delete(account_path(account))

        account.refresh_from_db()
        assert response.status_code == 409
        assert response.json()["type"].endswith("/problems/s3-user-owns-buckets")
        assert response.json()["buckets"] == ["backups", "photos"]
        assert account.state == S3Account.State.ENABLED

    def test_with_delete_buckets_a_task_does_it_and_answers_202(
        self, api, provisioned, gateway_emulator, django_capture_on_commit_callbacks, tasks_inline
    ):
        account, first_pair = provisioned
        make_bucket(gateway_emulator, first_pair, "photos")

        with django_capture_on_commit_callbacks(execute=True):
            response = api.delete(account_path(account), query={"delete_buckets": "true"})

        job = Job.objects.get()
        assert response.status_code == 202
        assert response["Location"] == f"/api/v1/tasks/{job.pk}/"
        assert response.json()["id"] == job.pk
        assert response.json()["kind"] == "account.delete_with_buckets"
        task = api.get(response["Location"]).json()
        assert (task["state"], task["finished"], task["percent"]) == ("succeeded", True, 100)
        assert [o["item"] for o in task["outcomes"]] == [
            "bucket photos", f"S3 user {account.user_id}",
        ]  # fmt: skip
        assert gateway_user(gateway_emulator, account.gateway_email)[0] == 404

    @pytest.mark.parametrize("value", ["maybe", "2"])
    def test_a_wrong_delete_buckets_is_named(self, api, provisioned, value):
        account, _ = provisioned

        response = api.delete(account_path(account), query={"delete_buckets": value})

        assert response.status_code == 400
        assert field_names(response.json()) == ["delete_buckets"]
