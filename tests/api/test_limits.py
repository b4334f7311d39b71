"""User and bucket limits and quotas through the API, as the gateway holds them."""

from decimal import Decimal

import pytest

from staas_portal.audit.models import AuditEvent
from staas_portal.limits.models import DesiredLimits
from tests.api.conftest import field_names
from tests.api.test_accounts import account_path, make_bucket
from tests.limits.gateway_reads import gateway_limits, gateway_quota, set_gateway_limit

BUSINESS = {
    "ops_default": 50, "ops_get": 3600, "ops_put": 120.5, "ops_list": 10, "ops_delete": 5,
    "bandwidth_out": 2048,
}  # fmt: skip


class TestUserLimits:
    def test_it_reads_what_the_gateway_holds(self, reader, provisioned, gateway_emulator):
        account, _ = provisioned
        set_gateway_limit(gateway_emulator, account.gateway_email, "ops", "get", 7)

        response = reader.get(account_path(account) + "limits/")

        assert response.status_code == 200
        assert response.json()["ops_get"] == 7
        assert response.json()["unlimited"] is False

    def test_setting_sends_all_six_and_answers_them(self, api, provisioned, gateway_emulator):
        account, _ = provisioned

        response = api.put(account_path(account) + "limits/", BUSINESS)

        assert response.status_code == 200
        assert {name: response.json()[name] for name in BUSINESS} == BUSINESS
        on_gateway = gateway_limits(gateway_emulator, email=account.gateway_email)
        assert on_gateway["ops:put"] == Decimal("120.5")
        assert on_gateway["bandwidth:out"] == Decimal("2048")
        assert DesiredLimits.objects.get(account=account).ops_get == 3600
        assert AuditEvent.objects.get(action="limits.user.set").actor_name == "storefront"

    def test_a_limit_set_outside_is_named_as_differing(self, api, provisioned, gateway_emulator):
        account, _ = provisioned
        api.put(account_path(account) + "limits/", BUSINESS)
        set_gateway_limit(gateway_emulator, account.gateway_email, "ops", "list", 99)

        response = api.get(account_path(account) + "limits/")

        assert response.json()["differing_fields"] == ["ops_list"]

    def test_deleting_leaves_every_limit_unlimited(self, api, provisioned, gateway_emulator):
        account, _ = provisioned
        api.put(account_path(account) + "limits/", BUSINESS)

        response = api.delete(account_path(account) + "limits/")

        assert response.status_code == 204
        limits = gateway_limits(gateway_emulator, email=account.gateway_email)
        assert set(limits.values()) == {Decimal(0)}

    @pytest.mark.parametrize(
        ("changes", "fields"),
        [
            ({"ops_get": -1}, ["ops_get"]),
            ({"ops_put": 1.005, "bandwidth_out": 10.5}, ["bandwidth_out", "ops_put"]),
            ({"ops_list": 1000001}, ["ops_list"]),
            ({"ops_default": "lots"}, ["ops_default"]),
        ],
    )
    def test_values_the_gateway_cannot_hold_are_named_and_nothing_is_sent(
        self, api, provisioned, gateway_emulator, changes, fields
    ):
        account, _ = provisioned
        calls_before = gateway_emulator.control("GET", "faults")["calls"]

        response = api.put(account_path(account) + "limits/", {**BUSINESS, **changes})

        assert response.status_code == 400
        assert sorted(field_names(response.json())) == fields
        assert gateway_emulator.control("GET", "faults")["calls"] == calls_before

    def test_a_missing_limit_is_named(self, api, provisioned):
        account, _ = provisioned

        response = api.put(account_path(account) + "limits/", {"ops_get": 1})

        assert len(field_names(response.json())) == 5


class TestBucketLimits:
    def test_the_own_buckets_limits_are_set_read_and_removed(
        self, api, provisioned, gateway_emulator
    ):
        account, first_pair = provisioned
        make_bucket(gateway_emulator, first_pair, "photos")
        path = account_path(account) + "buckets/photos/limits/"

        set_answer = api.put(path, {**BUSINESS, "ops_get": 100})
        read = api.get(path).json()
        removed = api.delete(path)

        assert set_answer.status_code == 200
        assert read["ops_get"] == 100
        assert removed.status_code == 204
        assert gateway_limits(gateway_emulator, bucket="photos")["ops:get"] == 0
        assert AuditEvent.objects.get(action="limits.bucket.set").target == "bucket:photos@main"

    def test_a_bucket_of_another_customer_is_404(self, api, provisioned, gateway_emulator):
        account, _ = provisioned
        stranger = gateway_emulator.create_customer("stranger@example.com")
        s3 = gateway_emulator.s3_client(stranger.access_key, stranger.secret_key)
        s3.create_bucket(Bucket="theirs")

        response = api.put(account_path(account) + "buckets/theirs/limits/", BUSINESS)

        assert response.status_code == 404
        assert "no bucket named 'theirs'" in response.json()["detail"]
        assert gateway_limits(gateway_emulator, bucket="theirs")["ops:get"] == 0


class TestQuotas:
    def test_a_user_quota_is_set_read_beside_the_usage_and_removed(
        self, api, provisioned, gateway_emulator
    ):
        account, first_pair = provisioned
        make_bucket(gateway_emulator, first_pair, "photos", b"x" * 1000)

        set_answer = api.put(account_path(account) + "quota/", {"size_gb": 50})
        read = api.get(account_path(account) + "quota/").json()
        removed = api.delete(account_path(account) + "quota/")

        assert set_answer.json() == {"size_gb": 50}
        assert read == {
            "available": True, "size_gb": 50, "unlimited": False, "used_bytes": 1000,
            "percent": 0, "over": False,
        }  # fmt: skip
        assert removed.status_code == 204
        assert gateway_quota(gateway_emulator, email=account.gateway_email) == 0
        assert AuditEvent.objects.filter(action__startswith="quota.").count() == 2

    def test_a_bucket_quota_is_set_on_that_bucket(self, api, provisioned, gateway_emulator):
        account, first_pair = provisioned
        make_bucket(gateway_emulator, first_pair, "photos")

        response = api.put(account_path(account) + "buckets/photos/quota/", {"size_gb": 5})

        assert response.status_code == 200
        assert gateway_quota(gateway_emulator, bucket="photos") == 5

    def test_a_gateway_without_quotas_says_so(self, api, provisioned, gateway_emulator):
        account, _ = provisioned
        gateway_emulator.set_features(quotas=False)

        read = api.get(account_path(account) + "quota/")
        refused = api.put(account_path(account) + "quota/", {"size_gb": 5})

        assert read.status_code == 200
        assert (read.json()["available"], read.json()["size_gb"]) == (False, None)
        assert refused.status_code == 501
        assert refused.json()["type"].endswith("/problems/gateway-feature-missing")

    @pytest.mark.parametrize("size", [-1, 1.5, "ten", 10_000_001])
    def test_a_wrong_size_is_named(self, api, provisioned, size):
        account, _ = provisioned

        response = api.put(account_path(account) + "quota/", {"size_gb": size})

        assert response.status_code == 400
        assert field_names(response.json()) == ["size_gb"]
