"""Limit, quota and plan drift: what reconcile reads and compares, and the repairs.

Only S3 users whose limits the portal has applied are compared: the values it
recorded are what the gateway confirmed, so any difference arose outside it.
"""

from dataclasses import dataclass

from staas_portal.audit.services import ServiceRefused
from staas_portal.customers.models import Drift, S3Account
from staas_portal.gateway.client import GatewayClient
from staas_portal.gateway.errors import GatewayFeatureMissing
from staas_portal.limits.models import DesiredLimits
from staas_portal.limits.selectors import holds_plan
from staas_portal.limits.services import apply_plan_to_account, remember_desired, send_limits
from staas_portal.limits.values import LIMIT_FIELDS, LimitValues

# Related rows reconcile loads with each account, so the comparison costs no queries.
ACCOUNT_RELATIONS = ("desired_limits__plan", "customer__plan_assignment__plan")


@dataclass(frozen=True)
class LimitsSnapshot:
    """One managed S3 user's limits and quota as the gateway has them."""

    limits: LimitValues
    # None: the portal manages no quota for this user, or the gateway has no quotas.
    quota_gb: int | None


def desired_of(account: S3Account) -> DesiredLimits | None:
    return getattr(account, "desired_limits", None)


def read_limits(gateway: GatewayClient, account: S3Account) -> LimitsSnapshot | None:
    """The gateway's values for an S3 user the portal applied limits to; else None."""
    desired = desired_of(account)
    if desired is None:
        return None

    limits = LimitValues.from_gateway(gateway.limits_get(email=account.gateway_email))
    quota_gb = None
    if desired.quota_gb is not None:
        try:
            quota_gb = gateway.quota_get(email=account.gateway_email).size_gb
        except GatewayFeatureMissing:
            quota_gb = None
    return LimitsSnapshot(limits, quota_gb)


def limits_text(values: LimitValues, names: list[str]) -> str:
    labels = {field.name: field for field in LIMIT_FIELDS}
    return ", ".join(
        f"{labels[name].label} {shown(getattr(values, name), labels[name].unit)}" for name in names
    )


def shown(value, unit: str) -> str:
    return f"{value.normalize():f} {unit}" if value else "unlimited"


def limit_differences(account: S3Account, snapshot: LimitsSnapshot | None) -> list[dict]:
    """The limit, quota and plan drift of one S3 user, as Difference fields."""
    found = []
    desired = desired_of(account)
    if desired is not None and snapshot is not None:
        names = snapshot.limits.differences(desired.limit_values)
        if names:
            found.append({
                "kind": Drift.Kind.LIMITS_DIFFER,
                "detail": f"The portal applied {limits_text(desired.limit_values, names)}; "
                f"the gateway has {limits_text(snapshot.limits, names)}.",
            })  # fmt: skip
        if snapshot.quota_gb is not None and snapshot.quota_gb != desired.quota_gb:
            found.append({
                "kind": Drift.Kind.QUOTA_DIFFERS,
                "detail": f"The portal applied a quota of {quota_words(desired.quota_gb)}; "
                f"the gateway has {quota_words(snapshot.quota_gb)}.",
            })  # fmt: skip

    assignment = getattr(account.customer, "plan_assignment", None)
    if assignment is not None and not holds_plan(account, assignment.plan):
        found.append({
            "kind": Drift.Kind.PLAN_NOT_APPLIED,
            "detail": f"{account.customer.name} is on the plan {assignment.plan.name}, whose "
            "current terms the portal has not applied to this S3 user.",
        })  # fmt: skip
    return found


def quota_words(size_gb: int | None) -> str:
    return "unlimited" if not size_gb else f"{size_gb} GB"


# Repairs: each checks that the drift still holds, then asks the gateway first.


def managed_desired(account: S3Account) -> DesiredLimits:
    desired = DesiredLimits.objects.filter(account=account).first()
    if desired is None:
        raise ServiceRefused("The portal no longer manages this S3 user's limits.")
    return desired


def gateway_limits(account: S3Account) -> LimitValues:
    gateway = account.cluster.gateway()
    return LimitValues.from_gateway(gateway.limits_get(email=account.gateway_email))


def push_limits(account: S3Account) -> str:
    desired = managed_desired(account)
    if not gateway_limits(account).differences(desired.limit_values):
        raise ServiceRefused("The gateway holds the portal's limits again.")

    send_limits(account, desired.limit_values)
    return "the portal's limits sent to the gateway"


def take_gateway_limits(account: S3Account) -> str:
    desired = managed_desired(account)
    found = gateway_limits(account)
    if not found.differences(desired.limit_values):
        raise ServiceRefused("The gateway holds the portal's limits again.")

    remember_desired(account, values=found)
    return "the gateway's limits recorded in the portal"


def gateway_quota(account: S3Account) -> int:
    return account.cluster.gateway().quota_get(email=account.gateway_email).size_gb


def push_quota(account: S3Account) -> str:
    desired = managed_desired(account)
    if desired.quota_gb is None or gateway_quota(account) == desired.quota_gb:
        raise ServiceRefused("The gateway holds the portal's quota again.")

    account.cluster.gateway().quota_set(size_gb=desired.quota_gb, email=account.gateway_email)
    return f"a quota of {quota_words(desired.quota_gb)} sent to the gateway"


def take_gateway_quota(account: S3Account) -> str:
    desired = managed_desired(account)
    found = gateway_quota(account)
    if found == desired.quota_gb:
        raise ServiceRefused("The gateway holds the portal's quota again.")

    remember_desired(account, quota_gb=found)
    return f"the gateway's quota of {quota_words(found)} recorded in the portal"


def apply_customer_plan(account: S3Account) -> str:
    account = S3Account.objects.select_related(*ACCOUNT_RELATIONS, "cluster").get(pk=account.pk)
    assignment = getattr(account.customer, "plan_assignment", None)
    if assignment is None:
        raise ServiceRefused(f"{account.customer.name} is on no plan any more.")
    if holds_plan(account, assignment.plan):
        raise ServiceRefused(f"The S3 user holds the plan {assignment.plan.name} already.")

    apply_plan_to_account(account, assignment.plan)
    return f"the plan {assignment.plan.name} applied"
