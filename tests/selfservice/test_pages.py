"""What a customer sees of their own storage."""

from datetime import timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from staas_portal.limits import services as limits_services
from staas_portal.limits.values import LimitValues
from staas_portal.usage.services import usage_harvest
from tests.portal_fixtures import login_of


def text_of(response) -> str:
    return " ".join(response.content.decode().split())


def test_the_home_page_shows_the_account_endpoint_and_keys(client, own_login, provisioned,
                                                           cluster):  # fmt: skip
    account, first = provisioned
    cluster.s3_endpoint = "https://s3.example.net/"
    cluster.save()
    client.force_login(own_login)

    page = text_of(client.get(reverse("selfservice:home")))

    assert f"S3 account <code>{account.user_id}</code>" in page
    assert "<code>https://s3.example.net/</code>" in page
    assert f"<td><code>{first.note.access_key_id}</code></td>" in page
    assert "<td>ada</td>" in page  # who made the key
    assert first.secret_access_key not in page


def test_the_buckets_panel_shows_sizes(client, own_login, provisioned, gateway_emulator):
    account, first = provisioned
    s3 = gateway_emulator.s3_client(first.note.access_key_id, first.secret_access_key)
    s3.create_bucket(Bucket="photos")
    s3.put_object(Bucket="photos", Key="cat", Body=b"x" * 3000)
    client.force_login(own_login)

    page = text_of(client.get(reverse("selfservice:account_buckets", args=[account.pk])))

    assert "<td><code>photos</code></td> <td>2.9 KB</td>" in page


def test_limits_and_quota_are_read_only(client, own_login, provisioned, admin_login):
    account, _ = provisioned
    limits_services.user_limits_set(
        actor=admin_login, account=account, values=LimitValues(ops_get=Decimal(50))
    )
    limits_services.quota_set(actor=admin_login, account=account, size_gb=20)
    client.force_login(own_login)

    page = text_of(client.get(reverse("selfservice:account_limits", args=[account.pk])))

    assert "<td>GET operations</td> <td>50</td> <td>ops/s</td>" in page
    assert "<strong>20 GB</strong>" in page
    assert "Edit limits" not in page and "Set quota" not in page


def test_a_login_of_no_customer_is_told_so(client, customer_login):
    client.force_login(customer_login)

    page = text_of(client.get(reverse("selfservice:home")))

    assert "Your login is not linked to a customer account" in page


def test_a_customer_without_an_account_is_told_so(client, customer, db):
    client.force_login(login_of(customer, "cora"))

    page = text_of(client.get(reverse("selfservice:home")))

    assert "has not set up an S3 account for you yet" in page


def test_staff_do_not_use_the_customer_pages(client, admin_login, support_login):
    for login in (admin_login, support_login):
        client.force_login(login)

        response = client.get(reverse("selfservice:home"))

        assert response.status_code == 403


class TestUsage:
    def test_the_customer_sees_their_own_month(self, client, own_login, provisioned,
                                               gateway_emulator):  # fmt: skip
        account, first = provisioned
        s3 = gateway_emulator.s3_client(first.note.access_key_id, first.secret_access_key)
        s3.create_bucket(Bucket="photos")
        s3.put_object(Bucket="photos", Key="cat", Body=b"x" * 1000)
        gateway_emulator.end_period()
        # Later than the period's end and its guard, so the harvest takes the object.
        usage_harvest(cluster=account.cluster, now=timezone.now() + timedelta(hours=2))
        client.force_login(own_login)

        response = client.get(reverse("selfservice:usage"))

        totals = response.context["report"].totals
        assert totals.ops_put == 1
        assert 'data-usage-charts="usage-chart-data-' in text_of(response)
        assert "<code>photos</code>" in text_of(response)

    def test_a_bad_month_is_a_clear_error(self, client, own_login):
        client.force_login(own_login)

        response = client.get(reverse("selfservice:usage"), {"month": "2026-13"})

        assert response.status_code == 400
        assert response.context["form"].errors["month"]
