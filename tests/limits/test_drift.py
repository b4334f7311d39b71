"""Reconcile holds the gateway to the limits, quotas and plans the portal applied."""

from decimal import Decimal

import pytest

from staas_portal.audit.services import ServiceRefused
from staas_portal.customers.drift_services import drift_repair
from staas_portal.customers.models import Drift
from staas_portal.customers.reconcile import reconcile_cluster
from staas_portal.limits import services
from staas_portal.limits.models import DesiredLimits, Plan
from staas_portal.limits.values import LimitValues
from tests.limits.gateway_reads import (
    gateway_limits,
    gateway_quota,
    set_gateway_limit,
    set_gateway_quota,
)

Kind = Drift.Kind


def open_kinds() -> list[str]:
    return sorted(Drift.objects.filter(resolved_at__isnull=True).values_list("kind", flat=True))


def only_open(kind) -> Drift:
    assert open_kinds() == [kind]
    return Drift.objects.get(kind=kind, resolved_at__isnull=True)


@pytest.fixture
def account(provisioned):
    return provisioned[0]


@pytest.fixture
def plan(db):
    return Plan.objects.create(name="Business", ops_get=Decimal("3600"), quota_gb=50)


@pytest.fixture
def on_plan(admin_login, account, plan):
    services.plan_assign(actor=admin_login, customer=account.customer, plan=plan)
    return account


class TestDetection:
    def test_an_account_holding_its_plan_has_no_drift(self, on_plan, cluster):
        report = reconcile_cluster(cluster)

        assert report.ok
        assert open_kinds() == []

    def test_limits_the_portal_never_set_are_not_compared(self, account, cluster,
                                                          gateway_emulator):  # fmt: skip
        set_gateway_limit(gateway_emulator, account.gateway_email, "ops", "get", 5)

        reconcile_cluster(cluster)

        assert open_kinds() == []

    def test_a_limit_changed_on_the_gateway_differs_and_names_the_values(
        self, on_plan, cluster, gateway_emulator
    ):
        set_gateway_limit(gateway_emulator, on_plan.gateway_email, "ops", "get", 5)

        reconcile_cluster(cluster)

        drift = only_open(Kind.LIMITS_DIFFER)
        assert drift.account == on_plan
        assert "GET operations 3600 ops/s" in drift.detail
        assert "GET operations 5 ops/s" in drift.detail

    def test_a_quota_changed_on_the_gateway_differs(self, on_plan, cluster, gateway_emulator):
        set_gateway_quota(gateway_emulator, on_plan.gateway_email, 7)

        reconcile_cluster(cluster)

        drift = only_open(Kind.QUOTA_DIFFERS)
        assert drift.detail == ("The portal applied a quota of 50 GB; the gateway has 7 GB.")

    def test_a_plan_edited_without_being_applied_is_not_applied(self, on_plan, cluster, plan):
        Plan.objects.filter(pk=plan.pk).update(ops_put=Decimal("9"))

        reconcile_cluster(cluster)

        assert "is on the plan Business" in only_open(Kind.PLAN_NOT_APPLIED).detail

    def test_a_gateway_without_quotas_is_compared_on_limits_only(
        self, on_plan, cluster, gateway_emulator
    ):
        gateway_emulator.set_features(quotas=False)

        report = reconcile_cluster(cluster)

        assert report.ok
        assert open_kinds() == []


class TestRepairs:
    def test_push_limits_sends_the_portals_limits_again(
        self, admin_login, on_plan, cluster, gateway_emulator
    ):
        set_gateway_limit(gateway_emulator, on_plan.gateway_email, "ops", "get", 5)
        reconcile_cluster(cluster)

        resolution = drift_repair(
            actor=admin_login, drift=only_open(Kind.LIMITS_DIFFER), repair="push_limits"
        )

        assert gateway_limits(gateway_emulator, email=on_plan.gateway_email)["ops:get"] == 3600
        assert resolution == "the portal's limits sent to the gateway by ada"
        reconcile_cluster(cluster)
        assert open_kinds() == []

    def test_take_gateway_limits_records_them_and_then_the_plan_is_not_applied(
        self, admin_login, on_plan, cluster, gateway_emulator
    ):
        set_gateway_limit(gateway_emulator, on_plan.gateway_email, "ops", "get", 5)
        reconcile_cluster(cluster)

        drift_repair(
            actor=admin_login, drift=only_open(Kind.LIMITS_DIFFER), repair="take_gateway_limits"
        )
        reconcile_cluster(cluster)

        assert DesiredLimits.objects.get(account=on_plan).ops_get == Decimal(5)
        assert open_kinds() == [Kind.PLAN_NOT_APPLIED]

    def test_push_and_take_quota(self, admin_login, on_plan, cluster, gateway_emulator):
        set_gateway_quota(gateway_emulator, on_plan.gateway_email, 7)
        reconcile_cluster(cluster)
        drift_repair(actor=admin_login, drift=only_open(Kind.QUOTA_DIFFERS), repair="push_quota")
        pushed = gateway_quota(gateway_emulator, email=on_plan.gateway_email)
        set_gateway_quota(gateway_emulator, on_plan.gateway_email, 8)
        reconcile_cluster(cluster)

        drift_repair(
            actor=admin_login, drift=only_open(Kind.QUOTA_DIFFERS), repair="take_gateway_quota"
        )

        assert pushed == 50
        assert DesiredLimits.objects.get(account=on_plan).quota_gb == 8

    def test_apply_plan_brings_the_s3_user_onto_the_plans_terms(
        self, admin_login, on_plan, cluster, plan, gateway_emulator
    ):
        Plan.objects.filter(pk=plan.pk).update(ops_put=Decimal("9"))
        reconcile_cluster(cluster)

        drift_repair(
            actor=admin_login, drift=only_open(Kind.PLAN_NOT_APPLIED), repair="apply_plan"
        )
        reconcile_cluster(cluster)

        assert gateway_limits(gateway_emulator, email=on_plan.gateway_email)["ops:put"] == 9
        assert open_kinds() == []

    def test_a_repair_is_refused_once_the_gateway_agrees_again(
        self, admin_login, on_plan, cluster, gateway_emulator
    ):
        set_gateway_limit(gateway_emulator, on_plan.gateway_email, "ops", "get", 5)
        reconcile_cluster(cluster)
        set_gateway_limit(gateway_emulator, on_plan.gateway_email, "ops", "get", 3600)

        with pytest.raises(ServiceRefused, match="holds the portal's limits again"):
            drift_repair(
                actor=admin_login, drift=only_open(Kind.LIMITS_DIFFER), repair="push_limits"
            )

        assert open_kinds() == [Kind.LIMITS_DIFFER]

    def test_direct_limits_are_held_too(self, admin_login, account, cluster, gateway_emulator):
        values = LimitValues(ops_list=Decimal("12"))
        services.user_limits_set(actor=admin_login, account=account, values=values)
        set_gateway_limit(gateway_emulator, account.gateway_email, "ops", "list", 0)

        reconcile_cluster(cluster)

        assert "LIST operations 12 ops/s" in only_open(Kind.LIMITS_DIFFER).detail
