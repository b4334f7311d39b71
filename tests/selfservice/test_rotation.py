"""A customer rotates their own key pair: new pair, a signed test of it, the old one revoked."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from staas_portal.audit.models import AuditEvent, Outcome
from staas_portal.audit.services import ServiceRefused
from staas_portal.customers import services
from staas_portal.customers.models import KeyPairNote, S3Account
from tests.customers.gateway_changes import gateway_key_ids
from tests.portal_fixtures import login_of, make_customer


def text_of(response) -> str:
    """The page's text with its line breaks and indents as single spaces."""
    return " ".join(response.content.decode().split())


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def account(provisioned):
    return provisioned[0]


@pytest.fixture
def first_note(provisioned):
    return provisioned[1].note


@pytest.fixture
def signed_in(client, own_login):
    client.force_login(own_login)
    return client


def url(name, account, *extra):
    return reverse(f"selfservice:{name}", args=[account.pk, *extra])


class TestTheFlow:
    def test_a_new_pair_is_shown_once_with_configurations(self, signed_in, account):
        response = signed_in.post(url("key_new", account))

        note = KeyPairNote.objects.get(account=account, label="made by the customer")
        page = text_of(response)
        secret = note.secret_key()
        assert "no-store" in response["Cache-Control"]
        assert (
            response.content.decode().count(secret) == 3
        )  # the secret, the AWS credentials, the s3cmd file
        assert f"[staas-main]\naws_access_key_id = {note.access_key_id}" in (
            response.content.decode()
        )
        assert f"endpoint_url = {account.cluster.gateway_url}" in page
        assert "signature_v2 = True" in page
        assert secret not in text_of(signed_in.get(reverse("selfservice:home")))

    def test_the_test_signs_a_list_buckets_request_with_the_new_key(
        self, signed_in, account, first_note, gateway_emulator, provisioned
    ):
        s3 = gateway_emulator.s3_client(first_note.access_key_id, provisioned[1].secret_access_key)
        s3.create_bucket(Bucket="photos")
        signed_in.post(url("key_new", account))
        new = KeyPairNote.objects.get(account=account, label="made by the customer")

        response = signed_in.post(url("key_check", account, new.pk), headers={"HX-Request": "1"})

        assert f"Key {new.access_key_id} works: the storage listed 1 bucket" in text_of(response)
        event = AuditEvent.objects.get(action="key.check")
        assert (event.actor_name, event.parameters["ok"]) == ("cora", True)

    def test_the_test_reports_a_key_the_gateway_refuses(self, signed_in, account, first_note,
                                                        gateway_emulator):  # fmt: skip
        gateway_emulator.admin("POST", [
            ("ostor-users", None), ("emailAddress", account.gateway_email),
            ("revokeKey", first_note.access_key_id),
        ])  # fmt: skip

        response = signed_in.post(url("key_check", account, first_note.pk))

        assert f"Key {first_note.access_key_id} did not work" in text_of(response)
        assert "The storage refused this key: The AWS Access Key Id" in text_of(response)

    def test_the_old_key_is_revoked_after_a_confirmation(
        self, signed_in, account, first_note, gateway_emulator
    ):
        signed_in.post(url("key_new", account))

        asked = signed_in.get(url("key_revoke", account, first_note.pk))
        done = signed_in.post(url("key_revoke", account, first_note.pk), follow=True)

        assert "Every program that still uses it stops working" in text_of(asked)
        assert messages_of(done) == [f"Key pair {first_note.access_key_id} revoked."]
        assert first_note.access_key_id not in gateway_key_ids(
            gateway_emulator, account.gateway_email
        )
        first_note.refresh_from_db()
        assert first_note.revoked_by_name == "cora"
        events = AuditEvent.objects.filter(actor_name="cora").values_list("action", flat=True)
        assert set(events) == {"key.generate", "key.revoke"}


class TestRefusals:
    def test_a_third_pair_is_refused_with_the_reason(self, signed_in, account):
        signed_in.post(url("key_new", account))

        page = signed_in.get(url("key_new", account))
        posted = signed_in.post(url("key_new", account), follow=True)

        assert "has 2 key pairs already, the most the storage allows" in text_of(page)
        assert "already has 2 key pairs" in messages_of(posted)[0]
        assert account.key_notes.filter(revoked_at__isnull=True).count() == 2

    def test_the_last_key_cannot_be_revoked(self, signed_in, own_login, account, first_note,
                                            gateway_emulator):  # fmt: skip
        page = signed_in.get(url("key_revoke", account, first_note.pk), follow=True)

        with pytest.raises(ServiceRefused, match="only key pair"):
            services.key_revoke(actor=own_login, account=account,
                                access_key_id=first_note.access_key_id)  # fmt: skip

        assert page.redirect_chain[-1][0] == url("key_new", account)
        assert "make a new one first" in messages_of(page)[0]
        assert first_note.access_key_id in gateway_key_ids(gateway_emulator,
                                                           account.gateway_email)  # fmt: skip

    def test_a_suspended_account_says_why_and_offers_nothing(self, signed_in, own_login,
                                                             account, admin_login):  # fmt: skip
        services.account_suspend(actor=admin_login, account=account)

        home = text_of(signed_in.get(reverse("selfservice:home")))
        page = text_of(signed_in.get(url("key_new", account)))

        assert "Your provider has suspended this S3 account" in home
        assert "Rotate keys" not in home and "Revoke" not in home
        assert "cannot be changed" in page and "<form" not in page.split("<main")[1]
        with pytest.raises(ServiceRefused, match="suspended"):
            services.key_generate(actor=own_login, account=account)

    def test_a_customer_cannot_change_another_customers_keys(self, cluster, admin_login,
                                                             account):  # fmt: skip
        stranger = login_of(make_customer("Other", "other@example.com"), "otto")

        with pytest.raises(PermissionDenied):
            services.key_generate(actor=stranger, account=account)

        assert AuditEvent.objects.get(action="key.generate").outcome == Outcome.REFUSED


class TestKeyAge:
    def test_old_keys_are_flagged_for_the_customer_and_the_admin(
        self, client, signed_in, admin_login, account, first_note, settings
    ):
        settings.STAAS_KEY_MAX_AGE_DAYS = 30
        KeyPairNote.objects.filter(pk=first_note.pk).update(
            created_at=timezone.now() - timedelta(days=45)
        )

        customer_page = text_of(signed_in.get(reverse("selfservice:home")))
        client.force_login(admin_login)
        admin_page = text_of(client.get(reverse("customers:detail", args=[account.customer_id])))

        for page in (customer_page, admin_page):
            assert "45 days old" in page
            assert "rotate: older than 30 days" in page

    def test_a_young_key_is_not_flagged(self, signed_in, account):
        page = text_of(signed_in.get(reverse("selfservice:home")))

        assert "0 days old" in page
        assert "rotate: older" not in page


def test_a_deleted_account_is_not_shown(signed_in, account):
    S3Account.objects.filter(pk=account.pk).update(state=S3Account.State.DELETED)

    response = signed_in.get(reverse("selfservice:home"))

    assert "has not set up an S3 account for you yet" in text_of(response)
    assert signed_in.get(url("key_new", account)).status_code == 404
