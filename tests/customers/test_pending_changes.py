"""Services record each change they send until the gateway confirms or refuses it."""

from decimal import Decimal

import pytest
from django.urls import reverse

from staas_portal.audit.services import ServiceRefused
from staas_portal.core.pages import failure_text
from staas_portal.customers import services
from staas_portal.customers.models import PendingChange, S3Account
from staas_portal.gateway.errors import (
    UNCONFIRMED_NOTE,
    GatewayConflict,
    GatewayProtocolError,
    GatewayServerError,
    GatewayUnavailable,
)
from staas_portal.limits import services as limits
from staas_portal.limits.values import LimitValues

Kind = PendingChange.Kind


@pytest.fixture
def account(provisioned):
    return provisioned[0]


def test_a_confirmed_change_leaves_no_pending_change(admin_login, account):
    services.account_suspend(actor=admin_login, account=account)

    assert not PendingChange.objects.exists()


def test_a_change_the_gateway_refused_leaves_none(
    admin_login, customer, cluster, gateway_emulator
):
    gateway_emulator.create_customer(customer.email)

    with pytest.raises(GatewayConflict) as refused:
        services.account_provision(actor=admin_login, customer=customer, cluster=cluster)

    assert not PendingChange.objects.exists()
    assert UNCONFIRMED_NOTE not in failure_text(refused.value)


def test_a_change_a_portal_rule_refused_leaves_none(admin_login, account):
    with pytest.raises(ServiceRefused):
        limits.user_limits_set(
            actor=admin_login, account=account, values=LimitValues(ops_get=Decimal("-1"))
        )

    assert not PendingChange.objects.exists()


def test_a_change_without_a_clear_answer_stays_with_what_was_sent(
    admin_login, account, gateway_emulator
):
    values = LimitValues(ops_get=Decimal("12.5"), bandwidth_out=Decimal("900"))
    gateway_emulator.set_faults(fail_every=6, method="PUT", phase="after", times=1)

    with pytest.raises(GatewayServerError) as failed:
        limits.user_limits_set(actor=admin_login, account=account, values=values)

    change = PendingChange.objects.get()
    assert (change.kind, change.account, change.customer) == (
        Kind.LIMITS_SET, account, account.customer,
    )  # fmt: skip
    assert change.state == PendingChange.State.UNCONFIRMED
    assert change.values == values.as_dict()
    assert (change.requested_by, change.requested_by_name) == (admin_login, "ada")
    assert "internal error" in change.error
    assert failed.value.change_unconfirmed


def test_the_user_is_told_the_change_may_have_been_made(admin_login, account, gateway_emulator):
    gateway_emulator.set_faults(drop_every=1, method="POST")

    with pytest.raises(GatewayUnavailable) as failed:
        services.account_suspend(actor=admin_login, account=account)

    assert failure_text(failed.value) == (
        "The gateway cannot be reached: the gateway closed the connection without "
        f"answering. {UNCONFIRMED_NOTE}"
    )


def test_a_provision_is_recorded_by_customer_cluster_and_email(
    admin_login, customer, cluster, gateway_emulator
):
    gateway_emulator.set_faults(malformed_every=1, method="PUT", phase="after")

    with pytest.raises(GatewayProtocolError):
        services.account_provision(
            actor=admin_login, customer=customer, cluster=cluster, email="ops+s3@acme.example"
        )

    change = PendingChange.objects.get()
    assert (change.kind, change.cluster, change.customer, change.account) == (
        Kind.PROVISION, cluster, customer, None,
    )  # fmt: skip
    assert change.values == {"email": "ops+s3@acme.example"}
    assert change.target == f"customer:{customer.pk}"


def test_a_portal_failure_after_the_call_leaves_the_change_unconfirmed(
    admin_login, account, monkeypatch
):
    def failing_save(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(S3Account, "save", failing_save)

    with pytest.raises(RuntimeError):
        services.account_suspend(actor=admin_login, account=account)

    change = PendingChange.objects.get()
    assert (change.kind, change.state) == (Kind.SUSPEND, PendingChange.State.UNCONFIRMED)
    assert change.error == "The portal failed (RuntimeError)."


def test_a_bucket_quota_leaves_nothing_to_settle(admin_login, provisioned, gateway_emulator):
    account, first = provisioned
    s3 = gateway_emulator.s3_client(first.note.access_key_id, first.secret_access_key)
    s3.create_bucket(Bucket="photos")
    gateway_emulator.set_faults(fail_every=1, method="PUT", phase="after")

    with pytest.raises(GatewayServerError):
        limits.quota_set(actor=admin_login, account=account, size_gb=5, bucket="photos")

    assert not PendingChange.objects.exists()


def test_the_page_says_the_change_may_have_been_made(
    client, admin_login, account, gateway_emulator
):
    client.force_login(admin_login)
    gateway_emulator.set_faults(drop_every=1, method="POST", phase="after")
    url = reverse("customers:account_suspend", args=[account.customer_id, account.pk])

    response = client.post(url, follow=True)

    (message,) = [str(message) for message in response.context["messages"]]
    assert message.startswith(f"Suspending the S3 user {account.user_id} failed. ")
    assert message.endswith(UNCONFIRMED_NOTE)


def test_a_provision_with_another_email_waits_for_an_unanswered_one(
    admin_login, customer, cluster, gateway_emulator
):
    gateway_emulator.set_faults(drop_every=1, phase="after")
    with pytest.raises(GatewayUnavailable):
        services.account_provision(actor=admin_login, customer=customer, cluster=cluster)
    gateway_emulator.clear_faults()

    with pytest.raises(ServiceRefused, match="has no answer from the gateway yet"):
        services.account_provision(
            actor=admin_login, customer=customer, cluster=cluster, email="other@acme.example"
        )

    emails = [user.get("UserEmail") for user in gateway_emulator.admin(
        "GET", [("ostor-users", None)]
    ).json()]  # fmt: skip
    assert emails.count(customer.email) == 1
    assert "other@acme.example" not in emails
