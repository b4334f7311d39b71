"""How fast a plan job re-applies a plan, next to the bare client sending the same calls.

Needs PostgreSQL and Redis (the defaults below are the local ones). Builds a
database of its own, starts the gateway emulator, and puts `--customers`
customers, each with an S3 user on the emulator, on one plan. Then, in one run:

- the bare client: the same calls the job makes (six limit PUTs and one quota
  PUT per customer) sent through `GatewayClient` in one loop, no database;
- the job with one Celery worker, then with two: the plan is edited, which
  starts the job, and the clock runs until the job's row says it has finished.

The bare loop runs before and after the jobs, and its mean is the baseline.
Prints calls/s for each and the job/bare ratio. Target: with two workers the job
reaches at least half the bare client's rate.

    .venv/bin/python benchmarks/plan_apply.py [--customers 2000]
        [--database-url postgres://postgres@127.0.0.1:5432/staas_bench]
        [--redis-url redis://127.0.0.1:6379/5]
"""

import argparse
import secrets
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.support import (  # noqa: E402
    fresh_postgres_database,
    log_to_file,
    portal_environment,
    setup_django,
    start_emulator,
    start_workers,
    stop,
)

CALLS_PER_CUSTOMER = 7
TARGET_RATIO = 0.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/staas_bench")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/5")
    options = parser.parse_args()

    environment = portal_environment(options.database_url, options.redis_url)
    fresh_postgres_database(options.database_url)
    with tempfile.TemporaryDirectory() as workdir:
        workdir = Path(workdir)
        access_key, secret_key = secrets.token_hex(10), secrets.token_urlsafe(30)
        emulator, url = start_emulator(workdir, access_key, secret_key, "--save-every", "5")
        try:
            setup_django(environment)
            log_to_file(workdir / "bench.log")
            run(options, environment, workdir, url, access_key, secret_key)
        finally:
            stop(emulator)


def run(options, environment, workdir: Path, url, access_key, secret_key) -> None:
    from staas_portal.gateway.client import GatewayClient, GatewayConfig

    config = GatewayConfig(name="bench", url=url, access_key=access_key, secret_key=secret_key)
    admin, plan, emails = populate(options.customers, GatewayClient(config), config)
    client = GatewayClient(config)

    bare_before = bare_rate(client, plan, emails)
    job_rates = {}
    for workers in (1, 2):
        job_rates[workers] = job_rate(admin, plan, workers, environment, workdir)
    bare_after = bare_rate(client, plan, emails)
    bare = (bare_before + bare_after) / 2

    calls = options.customers * CALLS_PER_CUSTOMER
    print(f"{options.customers} customers, {calls} gateway calls per pass, "
          "emulator on loopback, PostgreSQL, Redis")  # fmt: skip
    print(f"bare GatewayClient:     {bare:8.1f} calls/s "
          f"(before {bare_before:.1f}, after {bare_after:.1f})")  # fmt: skip
    for workers, rate in job_rates.items():
        print(f"plan job, {workers} worker(s):  {rate:8.1f} calls/s, "
              f"{rate / bare:.2f} of the bare rate")  # fmt: skip
    ratio = job_rates[2] / bare
    verdict = "meets" if ratio >= TARGET_RATIO else "MISSES"
    print(f"with two workers the job reaches {ratio:.2f} of the bare rate; {verdict} the "
          f"target of at least {TARGET_RATIO}")  # fmt: skip


def populate(count: int, client, config):
    """An admin, a cluster on the emulator, and `count` customers on one plan."""
    from staas_portal.clusters.models import StorageCluster
    from staas_portal.customers.models import Customer, S3Account
    from staas_portal.limits.models import Plan, PlanAssignment
    from staas_portal.users.models import Role, User

    admin = User.objects.create(username="bench-admin", role=Role.ADMIN)
    cluster = StorageCluster(name="bench", gateway_url=config.url, access_key=config.access_key,
                             is_default=True)  # fmt: skip
    cluster.set_secret_key(config.secret_key)
    cluster.save()
    plan = Plan.objects.create(name="Business", ops_get=Decimal(100), quota_gb=50)

    emails = [f"customer{number}@bench.example" for number in range(count)]
    users = [client.user_create(email=email) for email in emails]
    customers = Customer.objects.bulk_create(
        Customer(name=f"Customer {number}", email=email) for number, email in enumerate(emails)
    )
    S3Account.objects.bulk_create(
        S3Account(
            customer=customer,
            cluster=cluster,
            user_id=user.user_id,
            gateway_email=user.email or customer.email,
        )  # fmt: skip
        for customer, user in zip(customers, users, strict=True)
    )
    PlanAssignment.objects.bulk_create(
        PlanAssignment(customer=customer, plan=plan) for customer in customers
    )
    return admin, plan, emails


def bare_rate(client, plan, emails: list[str]) -> float:
    from staas_portal.limits.values import LIMIT_FIELDS

    started = time.perf_counter()
    for email in emails:
        for field in LIMIT_FIELDS:
            client.limits_set(limit_type=field.limit_type, resource=field.resource,
                              value=getattr(plan, field.name), email=email)  # fmt: skip
        client.quota_set(size_gb=plan.quota_gb, email=email)
    return len(emails) * CALLS_PER_CUSTOMER / (time.perf_counter() - started)


def job_rate(admin, plan, workers: int, environment, workdir: Path) -> float:
    from staas_portal.jobs.models import Job
    from staas_portal.limits import services

    processes = start_workers(workers, environment, workdir)
    try:
        # A change of terms, so that saving starts the job as an admin's edit does.
        plan.ops_get += 1
        started = time.perf_counter()
        job = services.plan_save(actor=admin, plan=plan)
        while not Job.objects.filter(pk=job.pk, state__in=Job.FINISHED).exists():
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
    finally:
        for process in processes:
            stop(process)

    job.refresh_from_db()
    if job.state != Job.State.SUCCEEDED:
        raise SystemExit(f"the job ended {job.state}: {job.message}")
    return job.total * CALLS_PER_CUSTOMER / elapsed


if __name__ == "__main__":
    main()
