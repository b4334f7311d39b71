"""User and bucket limits, storage quotas and service plans, applied on the gateway.

Changes are for admins and audited. Each is sent to the gateway first; the
portal records the values an S3 user should hold only once the gateway has
confirmed them, so reconcile can hold the gateway to what was really applied.
A change to an S3 user's limits, quota or plan whose outcome stays unknown is
left as a PendingChange, which reconcile settles by reading the gateway back.
"""

import logging
from contextlib import nullcontext

from django.db import transaction
from django.db.models import Prefetch

from staas_portal.audit.services import ServiceRefused, audited
from staas_portal.customers.changes import pending_change
from staas_portal.customers.models import Customer, PendingChange, S3Account
from staas_portal.customers.services import account_target, customer_target, require_live
from staas_portal.gateway.errors import GatewayError, GatewayFeatureMissing
from staas_portal.jobs.models import Job
from staas_portal.limits.models import DesiredLimits, Plan, PlanAssignment
from staas_portal.limits.values import LIMIT_FIELDS, MAX_QUOTA_GB, LimitValues
from staas_portal.users.access import require_role
from staas_portal.users.models import Role

logger = logging.getLogger(__name__)

PLAN_JOB_KIND = "plan.apply"


# User limits


def user_limits_set(
    *, actor, account: S3Account, values: LimitValues, address: str = ""
) -> DesiredLimits:
    with audited(actor=actor, action="limits.user.set", target=account_target(account),
                 parameters=values.as_dict(), address=address):  # fmt: skip
        require_role(actor, Role.ADMIN)
        require_live(account)
        require_valid(values)

        with pending_change(actor=actor, kind=PendingChange.Kind.LIMITS_SET, account=account,
                            values=values.as_dict()):  # fmt: skip
            send_limits(account, values)

            desired = remember_desired(account, values=values, plan=None)
    logger.info("%s set the user limits of S3 user %s", actor, account.user_id)
    return desired


def user_limits_delete(*, actor, account: S3Account, address: str = "") -> None:
    with audited(actor=actor, action="limits.user.delete", target=account_target(account),
                 address=address):  # fmt: skip
        require_role(actor, Role.ADMIN)
        require_live(account)

        with pending_change(actor=actor, kind=PendingChange.Kind.LIMITS_DELETE, account=account):
            account.cluster.gateway().limits_delete(email=account.gateway_email)

            # The gateway answers every limit as 0 once they are deleted: that is now expected.
            remember_desired(account, values=LimitValues(), plan=None)
    logger.info("%s removed the user limits of S3 user %s", actor, account.user_id)


def require_valid(values: LimitValues) -> None:
    if problems := values.problems():
        raise ServiceRefused(" ".join(problems.values()))


def send_limits(account: S3Account, values: LimitValues, *, bucket: str | None = None) -> None:
    """One PUT per limit: the gateway's API takes a single limit per call."""
    require_valid(values)
    gateway = account.cluster.gateway()
    selector = {"bucket": bucket} if bucket else {"email": account.gateway_email}
    for field in LIMIT_FIELDS:
        gateway.limits_set(
            limit_type=field.limit_type,
            resource=field.resource,
            value=getattr(values, field.name),
            **selector,
        )


_UNCHANGED = object()


def remember_desired(
    account: S3Account,
    *,
    values: LimitValues | None = None,
    quota_gb=_UNCHANGED,
    plan=_UNCHANGED,
) -> DesiredLimits:
    """Records what the gateway confirmed, for reconcile to hold the gateway to.

    `quota_gb` None means the portal does not manage the user's quota (or the
    gateway has no quotas); leaving it out keeps what was recorded before.
    """
    with transaction.atomic():
        desired, _ = DesiredLimits.objects.select_for_update().get_or_create(account=account)
        if values is not None:
            for field in LIMIT_FIELDS:
                setattr(desired, field.name, getattr(values, field.name))
        if quota_gb is not _UNCHANGED:
            desired.quota_gb = quota_gb
        if plan is not _UNCHANGED:
            desired.plan = plan
        desired.save()
    return desired


# Bucket limits


class NotOwnBucket(ServiceRefused):
    """The gateway lists no bucket of this name among the S3 user's."""


def require_own_bucket(account: S3Account, bucket: str) -> None:
    """Refuses a bucket that is not this S3 user's, asking the gateway who owns it."""
    names = {b.name for b in account.cluster.gateway().bucket_list(email=account.gateway_email)}
    if bucket not in names:
        raise NotOwnBucket(
            f"{account.customer.name} has no bucket named {bucket!r} on {account.cluster.name}."
        )


def bucket_target(account: S3Account, bucket: str) -> str:
    return f"bucket:{bucket}@{account.cluster.name}"


def bucket_limits_set(
    *, actor, account: S3Account, bucket: str, values: LimitValues, address: str = ""
) -> None:
    with audited(actor=actor, action="limits.bucket.set", target=bucket_target(account, bucket),
                 parameters={**values.as_dict(), "account": account_target(account)},
                 address=address):  # fmt: skip
        require_role(actor, Role.ADMIN)
        require_live(account)
        require_own_bucket(account, bucket)

        send_limits(account, values, bucket=bucket)
    logger.info("%s set the limits of bucket %s of S3 user %s", actor, bucket, account.user_id)


def bucket_limits_delete(*, actor, account: S3Account, bucket: str, address: str = "") -> None:
    with audited(actor=actor, action="limits.bucket.delete",
                 target=bucket_target(account, bucket),
                 parameters={"account": account_target(account)}, address=address):  # fmt: skip
        require_role(actor, Role.ADMIN)
        require_live(account)
        require_own_bucket(account, bucket)

        account.cluster.gateway().limits_delete(bucket=bucket)
    logger.info("%s removed the limits of bucket %s of S3 user %s", actor, bucket,
                account.user_id)  # fmt: skip


def limits_set(
    *,
    actor,
    account: S3Account,
    values: LimitValues,
    bucket: str | None = None,
    address: str = "",
) -> None:
    """The S3 user's limits, or with `bucket` that bucket's."""
    if bucket:
        bucket_limits_set(actor=actor, account=account, bucket=bucket, values=values,
                          address=address)  # fmt: skip
    else:
        user_limits_set(actor=actor, account=account, values=values, address=address)


def limits_delete(
    *, actor, account: S3Account, bucket: str | None = None, address: str = ""
) -> None:
    if bucket:
        bucket_limits_delete(actor=actor, account=account, bucket=bucket, address=address)
    else:
        user_limits_delete(actor=actor, account=account, address=address)


# Quotas (gateways with ostor-quotas)


def quota_selector(account: S3Account, bucket: str | None) -> dict:
    return {"bucket": bucket} if bucket else {"email": account.gateway_email}


def require_quota_size(size_gb: int) -> None:
    if isinstance(size_gb, bool) or not isinstance(size_gb, int):
        raise ServiceRefused("A quota is a whole number of GB, 0 for unlimited.")
    if not 0 <= size_gb <= MAX_QUOTA_GB:
        raise ServiceRefused(f"A quota is between 0 (unlimited) and {MAX_QUOTA_GB:,} GB.")


def quota_set(
    *, actor, account: S3Account, size_gb: int, bucket: str | None = None, address: str = ""
) -> None:
    target = bucket_target(account, bucket) if bucket else account_target(account)
    with audited(actor=actor, action="quota.set", target=target,
                 parameters={"size_gb": size_gb}, address=address):  # fmt: skip
        require_role(actor, Role.ADMIN)
        require_live(account)
        require_quota_size(size_gb)
        if bucket:
            require_own_bucket(account, bucket)

        recording = user_quota_change(actor, account, bucket, PendingChange.Kind.QUOTA_SET,
                                      {"size_gb": size_gb})  # fmt: skip
        with recording:
            account.cluster.gateway().quota_set(size_gb=size_gb, **quota_selector(account, bucket))

            if not bucket:
                remember_desired(account, quota_gb=size_gb, plan=None)
    logger.info("%s set a quota of %s GB on %s", actor, size_gb, target)


def quota_delete(
    *, actor, account: S3Account, bucket: str | None = None, address: str = ""
) -> None:
    target = bucket_target(account, bucket) if bucket else account_target(account)
    with audited(actor=actor, action="quota.delete", target=target, address=address):
        require_role(actor, Role.ADMIN)
        require_live(account)
        if bucket:
            require_own_bucket(account, bucket)

        with user_quota_change(actor, account, bucket, PendingChange.Kind.QUOTA_DELETE, {}):
            account.cluster.gateway().quota_delete(**quota_selector(account, bucket))

            if not bucket:
                # A deleted quota reads back as 0, unlimited.
                remember_desired(account, quota_gb=0, plan=None)
    logger.info("%s removed the quota on %s", actor, target)


def user_quota_change(actor, account: S3Account, bucket: str | None, kind: str, values: dict):
    # The portal records no bucket quota, so a bucket's leaves nothing to settle.
    if bucket:
        return nullcontext()
    return pending_change(actor=actor, kind=kind, account=account, values=values)


# Plans


def plan_target(plan: Plan) -> str:
    return f"plan:{plan.pk or 'new'}"


def plan_parameters(plan: Plan) -> dict:
    return {"name": plan.name, **plan.limit_values.as_dict(), "quota_gb": plan.quota_gb}


def plan_save(*, actor, plan: Plan, address: str = "") -> Job | None:
    """Adds a plan or saves an edited one.

    When an edit changes what the plan applies, a job re-applies it to every
    customer on it; that job is returned so the page can follow it.
    """
    action = "plan.create" if plan.pk is None else "plan.update"
    with audited(actor=actor, action=action, target=plan_target(plan),
                 parameters=plan_parameters(plan), address=address) as audit:  # fmt: skip
        require_role(actor, Role.ADMIN)
        before = Plan.objects.filter(pk=plan.pk).first() if plan.pk else None
        plan.full_clean()

        plan.save()
        audit.target = plan_target(plan)

        changed = before is not None and plan_terms(before) != plan_terms(plan)
        job = None
        if changed and plan.assignments.exists():
            job = start_plan_job(actor, plan, customer_ids=None, reason="edited")
            audit.parameters["job"] = job.pk
    logger.info("%s saved plan %s (%s)", actor, plan.pk, plan.name)
    return job


def plan_terms(plan: Plan) -> tuple:
    return (plan.limit_values, plan.quota_gb)


def plan_delete(*, actor, plan: Plan, address: str = "") -> None:
    with audited(actor=actor, action="plan.delete", target=plan_target(plan),
                 parameters={"name": plan.name}, address=address):  # fmt: skip
        require_role(actor, Role.ADMIN)
        customers = plan.assignments.count()
        if customers:
            raise ServiceRefused(
                f"{customers} customer(s) are on the plan {plan.name}; move them to another "
                "plan first."
            )

        plan.delete()
    logger.info("%s deleted plan %s", actor, plan.name)


def plan_assign(*, actor, customer: Customer, plan: Plan, address: str = "") -> str:
    """Puts the customer on the plan and applies it to each of their S3 users.

    The assignment is the provider's decision and stays even when a gateway
    fails; the S3 users' recorded limits change only where the gateway confirmed.
    """
    with audited(actor=actor, action="plan.assign", target=customer_target(customer),
                 parameters={"plan": plan.name}, address=address):  # fmt: skip
        require_role(actor, Role.ADMIN)

        PlanAssignment.objects.update_or_create(
            customer=customer, defaults={"plan": plan, "assigned_by": actor}
        )

        summary = apply_plan_to_customer(customer, plan, actor=actor)
    logger.info("%s put customer %s on plan %s", actor, customer.pk, plan.name)
    return summary


def plan_unassign(*, actor, customer: Customer, address: str = "") -> None:
    """Takes the customer off their plan; the limits on the gateway stay as they are."""
    assignment = PlanAssignment.objects.filter(customer=customer).select_related("plan").first()
    with audited(actor=actor, action="plan.unassign", target=customer_target(customer),
                 parameters={"plan": assignment.plan.name if assignment else ""},
                 address=address):  # fmt: skip
        require_role(actor, Role.ADMIN)
        if assignment is None:
            raise ServiceRefused(f"{customer.name} is on no plan.")

        with transaction.atomic():
            assignment.delete()
            DesiredLimits.objects.filter(account__customer=customer).update(plan=None)
    logger.info("%s took customer %s off plan %s", actor, customer.pk, assignment.plan.name)


def plan_customer_apply(*, actor, customer: Customer, plan: Plan) -> str:
    """Applies the plan to one customer's S3 users, for a plan job; audited per customer."""
    with audited(actor=actor, action="plan.apply", target=customer_target(customer),
                 parameters={"plan": plan.name}):  # fmt: skip
        require_role(actor, Role.ADMIN)
        return apply_plan_to_customer(customer, plan, actor=actor)


def account_plan_apply(*, actor, account: S3Account, address: str = "") -> str | None:
    """Applies the customer's plan, if they are on one, to one S3 user: a new one, say."""
    assignment = (
        PlanAssignment.objects.filter(customer_id=account.customer_id)
        .select_related("plan").first()
    )  # fmt: skip
    if assignment is None:
        return None

    with audited(actor=actor, action="plan.apply", target=account_target(account),
                 parameters={"plan": assignment.plan.name}, address=address):  # fmt: skip
        require_role(actor, Role.ADMIN)
        try:
            return apply_plan_to_account(account, assignment.plan, actor=actor)
        except GatewayError as error:
            raise PlanNotApplied(account, error) from error


def apply_plan_to_customer(customer: Customer, plan: Plan, *, actor=None) -> str:
    """Applies the plan on every live S3 user; a sentence saying what was applied.

    The first gateway failure stops here: the S3 users applied before it keep
    their confirmed values, and the failure names the one that failed.
    """
    accounts = live_accounts(customer)
    if not accounts:
        return f"{customer.name} has no S3 user yet; nothing was sent to a gateway."

    notes = []
    for account in accounts:
        try:
            notes.append(apply_plan_to_account(account, plan, actor=actor))
        except GatewayError as error:
            raise PlanNotApplied(account, error) from error
    return " ".join(notes)


def live_accounts(customer: Customer) -> list[S3Account]:
    """The customer's live S3 users, from `with_live_accounts` when a job loaded them so."""
    if hasattr(customer, "live_accounts"):
        return customer.live_accounts
    return list(live_accounts_query().filter(customer=customer))


def live_accounts_query():
    return S3Account.objects.exclude(state=S3Account.State.DELETED).select_related("cluster")


def with_live_accounts(customers):
    """Customers with their live S3 users loaded in one more query, for jobs over many."""
    return customers.prefetch_related(
        Prefetch("accounts", queryset=live_accounts_query(), to_attr="live_accounts")
    )


class PlanNotApplied(GatewayError):
    """A gateway failed while a plan was applied to one S3 user; keeps that failure's kind."""

    def __init__(self, account: S3Account, error: GatewayError):
        super().__init__(
            error.message, gateway=error.gateway, status=error.status, code=error.code,
            may_have_acted=error.may_have_acted,
        )  # fmt: skip
        self.kind, self.summary = error.kind, error.summary
        self.account, self.cause = account, error
        self.change_unconfirmed = error.change_unconfirmed

    def __str__(self) -> str:
        return f"S3 user {self.account.user_id} on {self.account.cluster.name}: {self.cause}"


def apply_plan_to_account(account: S3Account, plan: Plan, *, actor=None) -> str:
    with pending_change(actor=actor, kind=PendingChange.Kind.PLAN_APPLY, account=account,
                        values=plan_terms_sent(plan)):  # fmt: skip
        send_limits(account, plan.limit_values)

        quota_gb, note = plan.quota_gb, f"a quota of {plan.quota_gb} GB"
        if plan.quota_gb == 0:
            note = "no quota (unlimited)"
        try:
            account.cluster.gateway().quota_set(size_gb=plan.quota_gb, email=account.gateway_email)
        except GatewayFeatureMissing:
            quota_gb, note = None, "no quota: the gateway has no storage quotas"

        remember_plan_applied(account, plan=plan, quota_gb=quota_gb)
    return f"S3 user {account.user_id}: limits and {note}."


def plan_terms_sent(plan: Plan) -> dict:
    """The plan's terms as sent to an S3 user: reconcile compares the gateway with these,
    since the plan may be edited before it settles the change."""
    return {"plan_id": plan.pk, **plan_parameters(plan)}


def remember_plan_applied(account: S3Account, *, plan: Plan, quota_gb: int | None) -> None:
    """Records every applied value at once, in one upsert: plan jobs do this thousands of
    times, and it replaces the whole record anyway."""
    record = DesiredLimits(
        account=account,
        plan=plan,
        quota_gb=quota_gb,
        **{field.name: getattr(plan, field.name) for field in LIMIT_FIELDS},
    )
    DesiredLimits.objects.bulk_create(
        [record], update_conflicts=True, unique_fields=["account"],
        update_fields=[*(field.name for field in LIMIT_FIELDS), "quota_gb", "plan",
                       "applied_at"],
    )  # fmt: skip


# Plan jobs


def plan_reapply(*, actor, plan: Plan, address: str = "") -> Job:
    """Re-applies the plan to every customer on it, in a job."""
    with audited(actor=actor, action="plan.reapply", target=plan_target(plan),
                 parameters={"name": plan.name}, address=address) as audit:  # fmt: skip
        require_role(actor, Role.ADMIN)
        if not plan.assignments.exists():
            raise ServiceRefused(f"No customer is on the plan {plan.name}.")

        job = start_plan_job(actor, plan, customer_ids=None, reason="re-applied")
        audit.parameters["job"] = job.pk
    return job


def plan_job_retry(*, actor, job: Job, address: str = "") -> Job:
    """A new job for only the customers that the given plan job failed on."""
    with audited(actor=actor, action="plan.retry", target=job.target,
                 parameters={"job": job.pk}, address=address) as audit:  # fmt: skip
        require_role(actor, Role.ADMIN)
        if job.kind != PLAN_JOB_KIND:
            raise ServiceRefused("Only a plan job can be retried here.")
        if not job.is_finished:
            raise ServiceRefused("The job is still running; retry it once it has finished.")
        plan = Plan.objects.filter(pk=job.parameters.get("plan_id")).first()
        if plan is None:
            raise ServiceRefused("The plan of this job has been deleted.")
        failed_ids = [int(key) for key in job.failures.values_list("key", flat=True) if key]
        if not failed_ids:
            raise ServiceRefused("The job failed on no customer, so there is nothing to retry.")

        retry = start_plan_job(actor, plan, customer_ids=failed_ids, reason="retried")
        audit.parameters["retry_job"] = retry.pk
    return retry


def start_plan_job(actor, plan: Plan, *, customer_ids: list[int] | None, reason: str) -> Job:
    from staas_portal.jobs.services import job_start
    from staas_portal.limits.tasks import apply_plan

    if customer_ids is None:
        customer_ids = list(plan.assignments.order_by("customer_id")
                            .values_list("customer_id", flat=True))  # fmt: skip
    scope = "every customer" if reason != "retried" else "the customers that failed"
    return job_start(
        task=apply_plan,
        actor=actor,
        kind=PLAN_JOB_KIND,
        title=f"Apply the plan {plan.name} to {scope} on it ({reason})",
        target=plan_target(plan),
        parameters={"plan_id": plan.pk, "customer_ids": customer_ids},
        total=len(customer_ids),
    )
