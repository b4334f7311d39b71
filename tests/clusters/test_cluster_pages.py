"""The cluster list, the add and edit forms, the connection test and the default."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils.html import escape

from staas_portal.audit.models import AuditEvent, Outcome
from staas_portal.clusters.models import StorageCluster
from staas_portal.core.crypto import decrypt_secret
from tests.conftest import HttpsClient

NEW_SECRET = "n3w-Secret-0f-the-system-user-XYZ"


def message_texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def cluster_data(emulator, **changes) -> dict:
    data = {
        "name": "second",
        "gateway_url": emulator.url,
        "access_key": emulator.access_key,
        "secret_key": emulator.secret_key,
        "signature": "v2",
        "region": "us-east-1",
    }
    return {**data, **changes}


@pytest.fixture
def admin_client(client, admin_login):
    client.force_login(admin_login)
    return client


class TestAccess:
    @pytest.mark.parametrize(
        "path",
        ["/clusters/", "/clusters/new/", "/clusters/main/edit/", "/clusters/main/default/"],
    )
    def test_anonymous_visitors_go_to_the_login_page(self, client, cluster, path):
        response = client.get(path)

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))

    def test_support_sees_the_list_without_the_admin_actions(self, client, support_login, cluster):
        client.force_login(support_login)

        response = client.get("/clusters/")

        assert response.status_code == 200
        assert b"main" in response.content
        assert b"Add a cluster" not in response.content
        assert b"Test connection" not in response.content
        assert reverse("clusters:edit", args=["main"]).encode() not in response.content

    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("get", "/clusters/new/"),
            ("post", "/clusters/new/"),
            ("get", "/clusters/main/edit/"),
            ("post", "/clusters/main/test/"),
            ("post", "/clusters/main/default/"),
            ("get", "/clusters/main/adopt/"),
        ],
    )
    def test_support_cannot_change_anything(self, client, support_login, cluster, method, path):
        client.force_login(support_login)

        response = getattr(client, method)(path)

        assert response.status_code == 403
        assert not StorageCluster.objects.exclude(name="main").exists()

    def test_customers_get_403_for_the_list(self, client, customer_login, cluster):
        client.force_login(customer_login)

        response = client.get("/clusters/")

        assert response.status_code == 403


class TestList:
    def test_it_shows_each_cluster_with_its_live_accounts(
        self, admin_client, provisioned, cluster
    ):
        StorageCluster.objects.create(
            name="backup", gateway_url="https://s3.backup.example/", access_key="KEY",
            signature="v4", region="eu-west-2",
        )  # fmt: skip

        response = admin_client.get("/clusters/")

        rows = {cluster.name: cluster for cluster in response.context["clusters"]}
        assert (rows["main"].account_count, rows["backup"].account_count) == (1, 0)
        assert b"https://s3.backup.example/" in response.content
        assert b"Signature V4" in response.content
        assert b"eu-west-2" in response.content
        assert b'badge-ok">default' in response.content

    def test_deleted_accounts_are_not_counted(self, admin_client, provisioned):
        account, _ = provisioned
        account.state = "deleted"
        account.save()

        response = admin_client.get("/clusters/")

        assert response.context["clusters"][0].account_count == 0


class TestAdd:
    def test_it_adds_a_cluster_with_the_secret_encrypted(
        self, admin_client, gateway_emulator, all_logs
    ):
        data = cluster_data(gateway_emulator, secret_key=NEW_SECRET)

        response = admin_client.post("/clusters/new/", data)

        assert response.status_code == 302
        assert response["Location"] == reverse("clusters:list")
        added = StorageCluster.objects.get(name="second")
        assert decrypt_secret(added.secret_ciphertext) == NEW_SECRET
        assert NEW_SECRET not in added.secret_ciphertext
        assert added.is_default  # the first cluster becomes the default
        assert "Cluster second added." in message_texts(response)[0]
        event = AuditEvent.objects.get(action="cluster.create")
        assert event.outcome == Outcome.SUCCESS
        assert NEW_SECRET not in str(event.parameters)
        assert NEW_SECRET not in all_logs.text()

    def test_a_new_cluster_needs_the_secret(self, admin_client, gateway_emulator):
        response = admin_client.post(
            "/clusters/new/", cluster_data(gateway_emulator, secret_key="")
        )

        assert response.status_code == 200
        assert response.context["form"].errors["secret_key"] == [
            "Enter the system S3 user's secret key."
        ]
        assert not StorageCluster.objects.exists()

    @pytest.mark.parametrize(
        ("field", "value", "error"),
        [
            ("name", "not a slug!", "Enter a valid “slug”"),
            ("name", "main", "Another cluster already has this name."),
            ("gateway_url", "s3 gateway", "Enter the gateway's address"),
            ("access_key", "", "This field is required."),
            ("signature", "v3", "Select a valid choice."),
        ],
    )
    def test_each_bad_field_gets_its_message_and_the_secret_is_not_sent_back(
        self, admin_client, gateway_emulator, cluster, field, value, error
    ):
        data = cluster_data(gateway_emulator, secret_key=NEW_SECRET, **{field: value})

        response = admin_client.post("/clusters/new/", data)

        assert response.status_code == 200
        assert error in " ".join(response.context["form"].errors[field])
        assert escape(error).encode() in response.content
        assert NEW_SECRET.encode() not in response.content
        assert StorageCluster.objects.count() == 1

    def test_the_form_keeps_what_was_typed_but_the_secret(self, admin_client, gateway_emulator):
        data = cluster_data(gateway_emulator, name="Bad Name", region="ap-south-1")

        response = admin_client.post("/clusters/new/", data)

        assert b'value="ap-south-1"' in response.content
        assert b'value="Bad Name"' in response.content
        assert gateway_emulator.secret_key.encode() not in response.content


class TestEdit:
    def test_the_page_never_carries_the_secret(self, admin_client, cluster, gateway_emulator):
        response = admin_client.get("/clusters/main/edit/")

        assert response.status_code == 200
        assert gateway_emulator.secret_key.encode() not in response.content
        assert cluster.secret_ciphertext.encode() not in response.content
        assert b'type="password"' in response.content
        assert b"Leave blank to keep the stored secret key." in response.content

    def test_a_blank_secret_keeps_the_stored_one(self, admin_client, cluster, gateway_emulator):
        data = cluster_data(gateway_emulator, name="main", secret_key="", signature="v4")

        response = admin_client.post("/clusters/main/edit/", data)

        assert response.status_code == 302
        cluster.refresh_from_db()
        assert cluster.signature == "v4"
        assert decrypt_secret(cluster.secret_ciphertext) == gateway_emulator.secret_key
        assert "Cluster main saved." in message_texts(response)[0]

    def test_a_new_secret_replaces_the_stored_one(self, admin_client, cluster, gateway_emulator):
        data = cluster_data(gateway_emulator, name="main", secret_key=NEW_SECRET)

        admin_client.post("/clusters/main/edit/", data)

        cluster.refresh_from_db()
        assert decrypt_secret(cluster.secret_ciphertext) == NEW_SECRET

    def test_a_rejected_rename_keeps_the_old_name(self, admin_client, cluster, gateway_emulator):
        data = cluster_data(gateway_emulator, name="no spaces allowed")

        response = admin_client.post("/clusters/main/edit/", data)

        assert response.status_code == 200
        assert b"Edit cluster main" in response.content
        assert StorageCluster.objects.get().name == "main"

    def test_an_unknown_cluster_is_404(self, admin_client, cluster):
        response = admin_client.get("/clusters/elsewhere/edit/")

        assert response.status_code == 404


class TestConnectionTest:
    def test_a_working_gateway_shows_the_user_count_and_time(
        self, admin_client, cluster, gateway_emulator
    ):
        gateway_emulator.create_customer("one@example.com")

        response = admin_client.post("/clusters/main/test/")

        assert response.status_code == 302
        [text] = message_texts(response)
        # The system user and the customer's.
        assert text.startswith("main answers: 2 S3 users listed in ")
        assert text.endswith(" ms.")

    def test_htmx_gets_the_result_in_place(self, admin_client, cluster):
        response = admin_client.post("/clusters/main/test/", HTTP_HX_REQUEST="true")

        assert response.status_code == 200
        assert b"badge-ok" in response.content
        assert b"main answers: 1 S3 user listed" in response.content
        assert b"<html" not in response.content

    def test_a_failing_gateway_shows_its_error(self, admin_client, cluster, gateway_emulator):
        gateway_emulator.set_faults(fail_every=1)

        response = admin_client.post("/clusters/main/test/", follow=True)

        assert b"main failed the test after" in response.content
        assert b"The gateway failed while handling the request" in response.content
        assert b"message-error" in response.content
        event = AuditEvent.objects.get(action="cluster.test")
        assert event.parameters["ok"] is False

    def test_a_wrong_secret_is_named_as_such(self, admin_client, cluster, gateway_emulator):
        cluster.set_secret_key("not-the-secret")
        cluster.save()

        response = admin_client.post("/clusters/main/test/", HTTP_HX_REQUEST="true")

        assert b"The connection test failed." in response.content
        assert b"refused the portal&#x27;s credentials" in response.content
        assert b"not-the-secret" not in response.content

    def test_it_takes_no_get(self, admin_client, cluster):
        response = admin_client.get("/clusters/main/test/")

        assert response.status_code == 405

    def test_a_post_without_the_csrf_token_is_refused(self, admin_login, cluster):
        client = HttpsClient(enforce_csrf_checks=True)
        client.force_login(admin_login)

        response = client.post("/clusters/main/test/")

        assert response.status_code == 403
        assert not AuditEvent.objects.filter(action="cluster.test").exists()


class TestMakeDefault:
    @pytest.fixture
    def second(self, cluster):
        return StorageCluster.objects.create(
            name="second", gateway_url="https://s3.second.example/", access_key="KEY"
        )

    def test_get_asks_first_and_changes_nothing(self, admin_client, second):
        response = admin_client.get("/clusters/second/default/")

        assert response.status_code == 200
        assert b"Make second the default cluster" in response.content
        assert b"The default now is main." in response.content
        assert b"csrfmiddlewaretoken" in response.content
        assert StorageCluster.objects.get(is_default=True).name == "main"

    def test_post_makes_it_the_only_default(self, admin_client, second):
        response = admin_client.post("/clusters/second/default/")

        assert response.status_code == 302
        assert list(StorageCluster.objects.filter(is_default=True)) == [second]
        assert message_texts(response) == ["second is now the default cluster."]
        assert AuditEvent.objects.get(action="cluster.make_default").outcome == Outcome.SUCCESS

    def test_the_list_offers_it_only_for_the_others(self, admin_client, second):
        response = admin_client.get("/clusters/")

        assert reverse("clusters:make_default", args=["second"]).encode() in response.content
        assert reverse("clusters:make_default", args=["main"]).encode() not in response.content


def test_no_page_shows_the_secret(admin_client, support_login, cluster, gateway_emulator):
    secret = gateway_emulator.secret_key.encode()
    gateway_emulator.create_customer("one@example.com")
    pages = [
        admin_client.get("/clusters/"),
        admin_client.get("/clusters/new/"),
        admin_client.get("/clusters/main/edit/"),
        admin_client.post("/clusters/main/edit/", cluster_data(gateway_emulator, name="Bad name")),
        admin_client.post("/clusters/main/test/", follow=True),
        admin_client.post("/clusters/main/test/", HTTP_HX_REQUEST="true"),
        admin_client.get("/clusters/main/default/"),
        admin_client.get("/clusters/main/buckets/"),
        admin_client.get("/clusters/main/adopt/"),
    ]

    assert [page.status_code for page in pages] == [200] * len(pages)
    assert not [page for page in pages if secret in page.content]
    assert not [page for page in pages if cluster.secret_ciphertext.encode() in page.content]
