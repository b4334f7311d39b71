import logging

from celery import shared_task
from django.core.exceptions import PermissionDenied
from django.db import transaction

from staas_portal.audit.services import ServiceRefused
from staas_portal.customers.models import Customer
from staas_portal.gateway.errors import GatewayError
from staas_portal.jobs.models import Job
from staas_portal.jobs.services import job_finish, job_finish_when_done, job_running
from staas_portal.limits import services
from staas_portal.limits.models import Plan, PlanAssignment

logger = logging.getLogger(__name__)

# Small enough that several workers share even a modest plan, large enough that
# the queue is not flooded with one message per customer.
CUSTOMERS_PER_TASK = 25


@shared_task
def apply_plan(job_id: int) -> str:
    """Splits the job's customers into chunks that any worker may take."""
    job = Job.objects.get(pk=job_id)
    customer_ids = job.parameters["customer_ids"]
    job_running(job, total=len(customer_ids))
    if not customer_ids:
        job_finish(job, message="No customer was on the plan.")
        return job.state

    for start in range(0, len(customer_ids), CUSTOMERS_PER_TASK):
        apply_plan_chunk.delay(job_id, customer_ids[start : start + CUSTOMERS_PER_TASK])
    return job.state


@shared_task
def apply_plan_chunk(job_id: int, customer_ids: list[int]) -> int:
    """Applies the job's plan to these customers; each outcome is recorded as it comes."""
    job = Job.objects.select_related("created_by").get(pk=job_id)
    plan = Plan.objects.filter(pk=job.parameters["plan_id"]).first()
    customers = services.with_live_accounts(Customer.objects).in_bulk(customer_ids)
    still_on_plan = set(
        PlanAssignment.objects.filter(customer_id__in=customer_ids, plan=plan)
        .values_list("customer_id", flat=True)
    )  # fmt: skip

    for customer_id in customer_ids:
        customer = customers.get(customer_id)
        item = f"customer {customer.name}" if customer else f"customer {customer_id}"
        # One commit for what is recorded of each customer (limits applied, audit
        # event, outcome, progress): they stand or fall together, and a commit per
        # write would cost more than the gateway calls themselves.
        with transaction.atomic():
            ok, message = apply_to_one(job, plan, customer, customer_id in still_on_plan)
            job.add_outcome(item, ok, message, key=str(customer_id))

    job_finish_when_done(job_id, message=summary)
    return len(customer_ids)


def apply_to_one(job: Job, plan: Plan | None, customer: Customer | None, on_plan: bool):
    if plan is None:
        return False, "The plan has been deleted."
    if customer is None:
        return False, "The customer has been deleted."
    if not on_plan:
        # Moved to another plan since the job started: applying this one would undo that.
        return True, f"No longer on the plan {plan.name}; left as it is."

    try:
        return True, services.plan_customer_apply(
            actor=job.created_by, customer=customer, plan=plan
        )
    except (GatewayError, ServiceRefused, PermissionDenied) as error:
        # PermissionDenied: whoever started the job is no longer an admin.
        return False, str(error)


def summary(job: Job) -> str:
    failed = job.failures.count()
    if not failed:
        return f"The plan is applied to all {job.total} customer(s)."
    return (
        f"The plan is applied to {job.total - failed} of {job.total} customer(s); "
        f"{failed} failed and can be retried."
    )
