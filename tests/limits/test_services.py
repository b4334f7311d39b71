"""User and bucket limits and quotas against the emulator: gateway first, records second."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from staas_portal.audit.models import AuditEvent, Outcome
from staas_portal.audit.services import ServiceRefused
from staas_portal.gateway.errors import GatewayServerError
from staas_portal.limits import selectors, services
from staas_portal.limits.models import DesiredLimits
from staas_portal.limits.values import LimitValues
from tests.limits.gateway_reads import gateway_limits, gateway_quota

BUSINESS = LimitValues(
    ops_default=Decimal("50"),
    ops_get=Decimal("3600"),
    ops_put=Decimal("120.5"),
    ops_list=Decimal("10"),
    ops_delete=Decimal("5"),
    bandwidth_out=Decimal("2048"),
)


def last_event(action):
    return AuditEvent.objects.filter(action=action).first()


def make_bucket(emulator, first, name, content=b""):
    s3 = emulator.s3_client(first.note.access_key_id, first.secret_access_key)
    s3.create_bucket(Bucket=name)
    if content:
        s3.put_object(Bucket=name, Key="object", Body=content)


class TestUserLimits:
    def test_it_sends_every_limit_and_records_them(self, admin_login, provisioned,
                                                   gateway_emulator):  # fmt: skip
        account, _ = provisioned

        services.user_limits_set(actor=admin_login, account=account, values=BUSINESS)

        on_gateway = gateway_limits(gateway_emulator, email=account.gateway_email)
        assert on_gateway == {
            "ops:default": Decimal("50"), "ops:get": Decimal("3600"),
            "ops:put": Decimal("120.5"), "ops:list": Decimal("10"),
            "ops:delete": Decimal("5"), "bandwidth:out": Decimal("2048"),
        }  # fmt: skip
        assert DesiredLimits.objects.get(account=account).limit_values == BUSINESS
        assert last_event("limits.user.set").outcome == Outcome.SUCCESS

    def test_the_reading_shows_what_the_gateway_holds(self, admin_login, support_login,
                                                      provisioned):  # fmt: skip
        account, _ = provisioned
        services.user_limits_set(actor=admin_login, account=account, values=BUSINESS)

        reading = selectors.account_limits(actor=support_login, account=account)

        assert reading.limits == BUSINESS
        assert reading.differing_fields == []

    def test_deleting_puts_every_limit_back_to_unlimited(self, admin_login, provisioned,
                                                         gateway_emulator):  # fmt: skip
        account, _ = provisioned
        services.user_limits_set(actor=admin_login, account=account, values=BUSINESS)

        services.user_limits_delete(actor=admin_login, account=account)

        assert set(gateway_limits(gateway_emulator, email=account.gateway_email).values()) == {
            Decimal(0)
        }
        assert DesiredLimits.objects.get(account=account).limit_values == LimitValues()

    def test_a_gateway_failure_records_nothing(self, admin_login, provisioned, gateway_emulator):
        account, _ = provisioned
        gateway_emulator.set_faults(fail_every=1)

        with pytest.raises(GatewayServerError):
            services.user_limits_set(actor=admin_login, account=account, values=BUSINESS)

        assert not DesiredLimits.objects.filter(account=account).exists()
        event = last_event("limits.user.set")
        assert event.outcome == Outcome.FAILURE
        assert event.gateway_error

    @pytest.mark.parametrize(
        ("field", "value", "reason"),
        [
            ("ops_get", Decimal("-1"), "cannot be negative"),
            ("ops_put", Decimal("1.005"), "at most 2 decimals"),
            ("bandwidth_out", Decimal("10.5"), "whole number of kb/s"),
            ("ops_list", Decimal("1000001"), "at most 1,000,000"),
        ],
    )
    def test_it_refuses_values_the_gateway_cannot_hold_before_any_call(
        self, admin_login, provisioned, gateway_emulator, field, value, reason
    ):
        account, _ = provisioned
        calls_before = gateway_emulator.control("GET", "faults")["calls"]
        values = LimitValues(**{field: value})

        with pytest.raises(ServiceRefused, match=reason):
            services.user_limits_set(actor=admin_login, account=account, values=values)

        assert gateway_emulator.control("GET", "faults")["calls"] == calls_before
        assert last_event("limits.user.set").outcome == Outcome.REFUSED

    def test_support_may_read_but_not_change(self, support_login, provisioned, gateway_emulator):
        account, _ = provisioned

        with pytest.raises(PermissionDenied):
            services.user_limits_set(actor=support_login, account=account, values=BUSINESS)

        assert set(gateway_limits(gateway_emulator, email=account.gateway_email).values()) == {
            Decimal(0)
        }
        assert last_event("limits.user.set").outcome == Outcome.REFUSED


class TestBucketLimits:
    def test_it_sets_and_removes_the_limits_of_the_customers_own_bucket(
        self, admin_login, provisioned, gateway_emulator
    ):
        account, first = provisioned
        make_bucket(gateway_emulator, first, "photos")
        values = LimitValues(ops_get=Decimal("100"), bandwidth_out=Decimal("512"))

        services.bucket_limits_set(actor=admin_login, account=account, bucket="photos",
                                   values=values)  # fmt: skip
        set_on_gateway = gateway_limits(gateway_emulator, bucket="photos")
        services.bucket_limits_delete(actor=admin_login, account=account, bucket="photos")

        assert set_on_gateway["ops:get"] == Decimal("100")
        assert set_on_gateway["bandwidth:out"] == Decimal("512")
        assert gateway_limits(gateway_emulator, bucket="photos")["ops:get"] == 0
        assert last_event("limits.bucket.set").target == "bucket:photos@main"

    def test_it_refuses_a_bucket_of_another_customer(
        self, admin_login, provisioned, gateway_emulator
    ):
        account, _ = provisioned
        stranger = gateway_emulator.create_customer("stranger@example.com")
        s3 = gateway_emulator.s3_client(stranger.access_key, stranger.secret_key)
        s3.create_bucket(Bucket="not-yours")

        with pytest.raises(ServiceRefused, match="has no bucket named 'not-yours'"):
            services.bucket_limits_set(actor=admin_login, account=account, bucket="not-yours",
                                       values=LimitValues(ops_get=Decimal(1)))  # fmt: skip

        assert gateway_limits(gateway_emulator, bucket="not-yours")["ops:get"] == 0


class TestQuotas:
    def test_a_user_quota_is_set_read_and_removed(self, admin_login, provisioned,
                                                  gateway_emulator):  # fmt: skip
        account, first = provisioned
        make_bucket(gateway_emulator, first, "data", content=b"x" * 1000)

        services.quota_set(actor=admin_login, account=account, size_gb=50)
        reading = selectors.account_limits(actor=admin_login, account=account)
        on_gateway = gateway_quota(gateway_emulator, email=account.gateway_email)
        services.quota_delete(actor=admin_login, account=account)

        assert on_gateway == 50
        assert (reading.quota.size_gb, reading.quota.used_bytes) == (50, 1000)
        assert reading.quota.percent == 0
        assert gateway_quota(gateway_emulator, email=account.gateway_email) == 0
        assert DesiredLimits.objects.get(account=account).quota_gb == 0

    def test_a_bucket_quota_is_kept_apart_from_the_users(self, admin_login, provisioned,
                                                         gateway_emulator):  # fmt: skip
        account, first = provisioned
        make_bucket(gateway_emulator, first, "data")

        services.quota_set(actor=admin_login, account=account, size_gb=5, bucket="data")

        assert gateway_quota(gateway_emulator, bucket="data") == 5
        assert gateway_quota(gateway_emulator, email=account.gateway_email) == 0
        assert not DesiredLimits.objects.filter(account=account).exists()

    def test_a_gateway_without_quotas_is_a_reading_not_a_failure(
        self, admin_login, provisioned, gateway_emulator
    ):
        account, _ = provisioned
        gateway_emulator.set_features(quotas=False)

        reading = selectors.account_limits(actor=admin_login, account=account)

        assert not reading.quota.available
        assert "no storage quotas" in reading.quota.missing_feature

    @pytest.mark.parametrize("size", [-1, 10_000_001, 2.5, True])
    def test_it_refuses_a_size_that_is_not_whole_gb(self, admin_login, provisioned, size):
        account, _ = provisioned

        with pytest.raises(ServiceRefused):
            services.quota_set(actor=admin_login, account=account, size_gb=size)

        assert last_event("quota.set").outcome == Outcome.REFUSED


class TestQuotaReading:
    @pytest.mark.parametrize(
        ("size_gb", "used", "percent", "over"),
        [
            (10, 2_500_000_000, 25, False),
            (10, 12_000_000_000, 100, True),
            (0, 12_000_000_000, None, False),
        ],
    )
    def test_percent_and_over(self, size_gb, used, percent, over):
        reading = selectors.QuotaReading(size_gb, used)

        assert (reading.percent, reading.over) == (percent, over)
