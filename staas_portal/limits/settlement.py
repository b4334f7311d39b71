"""Settling unconfirmed changes of an S3 user's limits, quota and plan (see
`customers.settlement`): the values read back from the gateway decide.

Limits go out as six calls, so a change can be made in part. The portal then
records what the gateway holds, where it already kept a record of this user's
limits; a user whose limits it did not manage stays unmanaged unless the change
was made whole.
"""

from staas_portal.customers.changes import (
    APPLIED,
    NO_LONGER_APPLIES,
    NOT_APPLIED,
    PARTLY_APPLIED,
    Settlement,
    gone_from_gateway,
)
from staas_portal.customers.models import PendingChange, S3Account
from staas_portal.gateway.errors import GatewayFeatureMissing, GatewayNotFound
from staas_portal.limits.models import DesiredLimits, Plan
from staas_portal.limits.services import remember_desired
from staas_portal.limits.values import LIMIT_FIELDS, LimitValues

Kind = PendingChange.Kind


def read_limits(account: S3Account) -> LimitValues:
    gateway = account.cluster.gateway()
    return LimitValues.from_gateway(gateway.limits_get(email=account.gateway_email))


def read_quota(account: S3Account) -> int | None:
    """The user quota the gateway holds; None on a gateway without quotas."""
    try:
        return account.cluster.gateway().quota_get(email=account.gateway_email).size_gb
    except GatewayFeatureMissing:
        return None


def settle_limits(change: PendingChange) -> Settlement:
    account = change.account
    try:
        found = read_limits(account)
    except GatewayNotFound:
        return gone_from_gateway(change)
    sent = (
        LimitValues()
        if change.kind == Kind.LIMITS_DELETE
        else LimitValues.of_mapping(change.values)
    )
    recorded = DesiredLimits.objects.filter(account=account).first()

    if not found.differences(sent):
        return Settlement(
            APPLIED,
            "The gateway holds the limits sent: recorded.",
            record=lambda: remember_desired(account, values=sent, plan=None),
        )
    if recorded is None or not found.differences(recorded.limit_values):
        return Settlement(NOT_APPLIED, "The gateway holds the limits it held before.")
    return Settlement(
        PARTLY_APPLIED,
        "The gateway holds only some of the limits sent: the portal records what it holds.",
        record=lambda: remember_desired(account, values=found, plan=None),
    )


def settle_quota(change: PendingChange) -> Settlement:
    account = change.account
    try:
        found = read_quota(account)
    except GatewayNotFound:
        return gone_from_gateway(change)
    if found is None:
        return Settlement(NO_LONGER_APPLIES, "The gateway has no storage quotas any more.")

    sent = 0 if change.kind == Kind.QUOTA_DELETE else change.values["size_gb"]
    if found != sent:
        return Settlement(NOT_APPLIED, f"The gateway holds a quota of {found} GB.")
    return Settlement(
        APPLIED,
        f"The gateway holds the quota sent, {sent} GB (0: unlimited): recorded.",
        record=lambda: remember_desired(account, quota_gb=sent, plan=None),
    )


def settle_plan(change: PendingChange) -> Settlement:
    """Per S3 user: a plan applied to several is one pending change for each."""
    account = change.account
    try:
        found, found_quota = read_limits(account), read_quota(account)
    except GatewayNotFound:
        return gone_from_gateway(change)
    terms, terms_quota = LimitValues.of_mapping(change.values), change.values["quota_gb"]
    plan = Plan.objects.filter(pk=change.values.get("plan_id")).first()
    recorded = DesiredLimits.objects.filter(account=account).first()
    name = change.values.get("name", "")

    if not found.differences(terms) and found_quota in (terms_quota, None):
        return Settlement(
            APPLIED,
            f"The gateway holds the terms of the plan {name} sent: recorded.",
            record=lambda: record_values(account, terms, found_quota, plan),
        )
    if recorded is None or holds_record(recorded, found, found_quota):
        return Settlement(NOT_APPLIED, f"The gateway does not hold the terms of the plan {name}.")
    return Settlement(
        PARTLY_APPLIED,
        f"The gateway holds only some terms of the plan {name}: the portal records what it "
        "holds, and the plan shows as not applied.",
        record=lambda: record_values(account, found, found_quota, None),
    )


def holds_record(recorded: DesiredLimits, limits: LimitValues, quota_gb: int | None) -> bool:
    quota_held = quota_gb is None or recorded.quota_gb in (quota_gb, None)
    return quota_held and not limits.differences(recorded.limit_values)


def record_values(
    account: S3Account, limits: LimitValues, quota_gb: int | None, plan: Plan | None
) -> None:
    DesiredLimits.objects.update_or_create(
        account=account,
        defaults={
            **{field.name: getattr(limits, field.name) for field in LIMIT_FIELDS},
            "quota_gb": quota_gb,
            "plan": plan,
        },
    )


SETTLERS = {
    Kind.LIMITS_SET: settle_limits,
    Kind.LIMITS_DELETE: settle_limits,
    Kind.QUOTA_SET: settle_quota,
    Kind.QUOTA_DELETE: settle_quota,
    Kind.PLAN_APPLY: settle_plan,
}
