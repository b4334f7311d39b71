"""A plan job through the Celery worker (a real one, consuming from Redis, with REDIS_URL)."""

from decimal import Decimal

import pytest

from staas_portal.customers import services as customer_services
from staas_portal.jobs.models import Job
from staas_portal.limits import services
from staas_portal.limits.models import Plan
from staas_portal.limits.tasks import CUSTOMERS_PER_TASK
from tests.limits.gateway_reads import gateway_limits
from tests.portal_fixtures import make_customer, wait_until_finished

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_worker_applies_an_edited_plan_in_chunks_and_retries_the_failures(
    celery_worker, admin_login, cluster, gateway_emulator
):
    plan = Plan.objects.create(name="Business", ops_get=Decimal("100"))
    accounts = []
    for number in range(CUSTOMERS_PER_TASK + 5):
        customer = make_customer(f"Customer {number:02}", f"c{number}@example.com")
        account, _ = customer_services.account_provision(
            actor=admin_login, customer=customer, cluster=cluster
        )
        services.plan_assign(actor=admin_login, customer=customer, plan=plan)
        accounts.append(account)
    gateway_emulator.set_faults(fail_every=50)

    plan.ops_get = Decimal("250")
    job = wait_until_finished(services.plan_save(actor=admin_login, plan=plan))
    gateway_emulator.clear_faults()
    retry = wait_until_finished(services.plan_job_retry(actor=admin_login, job=job))

    failed = {int(key) for key in job.failures.values_list("key", flat=True)}
    assert job.state == Job.State.PARTIAL
    assert (job.done, job.total) == (30, 30)
    assert 0 < len(failed) < 30
    assert set(retry.parameters["customer_ids"]) == failed
    assert retry.state == Job.State.SUCCEEDED
    for account in accounts:
        limits = gateway_limits(gateway_emulator, email=account.gateway_email)
        assert limits["ops:get"] == Decimal(250), account.customer.name
    assert f"job {retry.pk} succeeded" in celery_worker.log_text()
