"""What the limits panels show: limits and quotas as the gateway has them now, and plans."""

from dataclasses import dataclass

from django.db.models import Count

from staas_portal.customers.models import Customer, S3Account
from staas_portal.gateway import results
from staas_portal.gateway.client import GatewayClient
from staas_portal.gateway.errors import GatewayFeatureMissing
from staas_portal.limits.models import DesiredLimits, Plan, PlanAssignment
from staas_portal.limits.services import require_own_bucket
from staas_portal.limits.values import BYTES_PER_GB, LimitValues
from staas_portal.users.access import STAFF_ROLES, require_customer_read, require_role


@dataclass(frozen=True)
class QuotaReading:
    """A quota beside the bytes it covers, or why there is none: the gateway lacks quotas."""

    size_gb: int | None
    used_bytes: int
    missing_feature: str = ""

    @property
    def available(self) -> bool:
        return not self.missing_feature

    @property
    def unlimited(self) -> bool:
        return self.size_gb == 0

    @property
    def percent(self) -> int | None:
        """How full the quota is, capped at 100 for the bar; None when unlimited."""
        if not self.size_gb:
            return None
        return min(100, round(100 * self.used_bytes / (self.size_gb * BYTES_PER_GB)))

    @property
    def over(self) -> bool:
        return bool(self.size_gb) and self.used_bytes > self.size_gb * BYTES_PER_GB


@dataclass(frozen=True)
class LimitsReading:
    """One S3 user's or bucket's limits and quota, as the gateway answered just now."""

    limits: LimitValues
    quota: QuotaReading
    # What the portal last applied, where it manages the S3 user's limits.
    desired: DesiredLimits | None = None

    @property
    def differing_fields(self) -> list[str]:
        if self.desired is None:
            return []
        return self.limits.differences(self.desired.limit_values)


def read_quota(gateway: GatewayClient, used_bytes: int, **selector) -> QuotaReading:
    try:
        quota: results.Quota = gateway.quota_get(**selector)
    except GatewayFeatureMissing as missing:
        return QuotaReading(None, used_bytes, missing_feature=str(missing))
    return QuotaReading(quota.size_gb, used_bytes)


def account_limits(*, actor, account: S3Account) -> LimitsReading:
    require_customer_read(actor, account.customer_id)
    gateway = account.cluster.gateway()
    limits = LimitValues.from_gateway(gateway.limits_get(email=account.gateway_email))

    buckets = gateway.bucket_list(email=account.gateway_email)
    used = sum(bucket.size_current for bucket in buckets)
    quota = read_quota(gateway, used, email=account.gateway_email)

    desired = DesiredLimits.objects.filter(account=account).select_related("plan").first()
    return LimitsReading(limits, quota, desired)


@dataclass(frozen=True)
class BucketReading(LimitsReading):
    bucket: results.Bucket | None = None


def bucket_limits(*, actor, account: S3Account, bucket: str) -> BucketReading:
    """The bucket's limits and quota; refused unless the bucket is this S3 user's."""
    require_customer_read(actor, account.customer_id)
    require_own_bucket(account, bucket)
    gateway = account.cluster.gateway()

    listed = next((b for b in gateway.bucket_list(email=account.gateway_email)
                   if b.name == bucket), None)  # fmt: skip
    limits = LimitValues.from_gateway(gateway.limits_get(bucket=bucket))
    quota = read_quota(gateway, listed.size_current if listed else 0, bucket=bucket)
    return BucketReading(limits, quota, bucket=listed)


# Plans


def plans_with_customer_counts():
    return Plan.objects.annotate(customer_count=Count("assignments"))


@dataclass(frozen=True)
class AccountPlanState:
    """Whether one live S3 user of a customer holds the terms of the customer's plan."""

    account: S3Account
    applied: bool


@dataclass(frozen=True)
class CustomerPlan:
    assignment: PlanAssignment | None
    accounts: list[AccountPlanState]

    @property
    def fully_applied(self) -> bool:
        return all(state.applied for state in self.accounts)


def customer_plan(*, actor, customer: Customer) -> CustomerPlan:
    require_role(actor, *STAFF_ROLES)
    assignment = (
        PlanAssignment.objects.filter(customer=customer)
        .select_related("plan", "assigned_by").first()
    )  # fmt: skip
    accounts = list(
        customer.accounts.exclude(state=S3Account.State.DELETED)
        .select_related("cluster", "desired_limits")
    )  # fmt: skip
    if assignment is None:
        return CustomerPlan(None, [])
    return CustomerPlan(
        assignment, [AccountPlanState(account, holds_plan(account, assignment.plan))
                     for account in accounts],
    )  # fmt: skip


def holds_plan(account: S3Account, plan: Plan) -> bool:
    """The portal last applied this plan's current terms to the S3 user."""
    desired = getattr(account, "desired_limits", None)
    if desired is None or desired.plan_id != plan.pk:
        return False
    quota_matches = desired.quota_gb in (plan.quota_gb, None)
    return quota_matches and not desired.limit_values.differences(plan.limit_values)
