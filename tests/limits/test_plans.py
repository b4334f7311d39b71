"""Plans: assigning one applies it; editing one re-applies it in a job that can be retried."""

from decimal import Decimal

import pytest

from staas_portal.audit.models import AuditEvent, Outcome
from staas_portal.audit.services import ServiceRefused
from staas_portal.customers import services as customer_services
from staas_portal.gateway.errors import GatewayError
from staas_portal.jobs.models import Job
from staas_portal.limits import services
from staas_portal.limits.models import DesiredLimits, Plan, PlanAssignment
from staas_portal.limits.tasks import apply_plan
from tests.limits.gateway_reads import gateway_limits, gateway_quota
from tests.portal_fixtures import make_customer


def make_plan(name="Business", **terms) -> Plan:
    terms = {"ops_get": Decimal("3600"), "bandwidth_out": Decimal("1024"), "quota_gb": 50,
             **terms}  # fmt: skip
    return Plan.objects.create(name=name, **terms)


def holds(emulator, account, plan: Plan) -> bool:
    """The gateway has exactly the plan's limits and quota for the S3 user."""
    limits = gateway_limits(emulator, email=account.gateway_email)
    quota = gateway_quota(emulator, email=account.gateway_email)
    return (
        limits["ops:get"] == plan.ops_get
        and limits["ops:put"] == plan.ops_put
        and limits["bandwidth:out"] == plan.bandwidth_out
        and quota == plan.quota_gb
    )


@pytest.fixture
def plan(db):
    return make_plan()


@pytest.fixture
def customers_on_plan(admin_login, cluster, plan):
    """Six customers with an S3 user each, all on the plan."""
    accounts = []
    for number in range(6):
        customer = make_customer(f"Customer {number}", f"customer{number}@example.com")
        account, _ = customer_services.account_provision(
            actor=admin_login, customer=customer, cluster=cluster
        )
        services.plan_assign(actor=admin_login, customer=customer, plan=plan)
        accounts.append(account)
    return accounts


def edit_terms(admin_login, plan: Plan, **terms) -> Job | None:
    for name, value in terms.items():
        setattr(plan, name, value)
    return services.plan_save(actor=admin_login, plan=plan)


class TestAssign:
    def test_it_applies_the_plan_on_the_gateway_and_records_it(
        self, admin_login, provisioned, plan, gateway_emulator
    ):
        account, _ = provisioned

        summary = services.plan_assign(actor=admin_login, customer=account.customer, plan=plan)

        assert holds(gateway_emulator, account, plan)
        desired = DesiredLimits.objects.get(account=account)
        assert (desired.plan, desired.quota_gb, desired.ops_get) == (plan, 50, Decimal("3600"))
        assert "a quota of 50 GB" in summary
        event = AuditEvent.objects.get(action="plan.assign")
        assert (event.outcome, event.parameters["plan"]) == (Outcome.SUCCESS, "Business")

    def test_a_customer_without_an_s3_user_is_put_on_the_plan_only(self, admin_login, customer,
                                                                   plan):  # fmt: skip
        summary = services.plan_assign(actor=admin_login, customer=customer, plan=plan)

        assert "no S3 user yet" in summary
        assert PlanAssignment.objects.get(customer=customer).plan == plan

    def test_a_customer_on_a_plan_gets_it_on_a_new_s3_user(
        self, admin_login, customer, cluster, plan, gateway_emulator
    ):
        services.plan_assign(actor=admin_login, customer=customer, plan=plan)

        account, _ = customer_services.account_provision(
            actor=admin_login, customer=customer, cluster=cluster
        )

        assert holds(gateway_emulator, account, plan)
        assert DesiredLimits.objects.get(account=account).plan == plan
        event = AuditEvent.objects.get(action="plan.apply")
        assert event.target == f"s3user:{account.user_id}@main"

    def test_a_plan_failing_on_a_new_s3_user_leaves_the_user_provisioned(
        self, admin_login, customer, cluster, plan, gateway_emulator
    ):
        services.plan_assign(actor=admin_login, customer=customer, plan=plan)
        gateway_emulator.set_faults(fail_every=2)

        account, first = customer_services.account_provision(
            actor=admin_login, customer=customer, cluster=cluster
        )

        assert account.pk and first.secret_access_key
        assert not DesiredLimits.objects.filter(account=account).exists()
        assert AuditEvent.objects.get(action="plan.apply").outcome == Outcome.FAILURE

    def test_a_failing_gateway_keeps_the_assignment_but_records_no_limits(
        self, admin_login, provisioned, plan, gateway_emulator
    ):
        account, _ = provisioned
        gateway_emulator.set_faults(fail_every=1)

        with pytest.raises(GatewayError) as failure:
            services.plan_assign(actor=admin_login, customer=account.customer, plan=plan)

        assert f"S3 user {account.user_id} on main" in str(failure.value)
        assert PlanAssignment.objects.get(customer=account.customer).plan == plan
        assert not DesiredLimits.objects.filter(account=account).exists()
        assert AuditEvent.objects.get(action="plan.assign").outcome == Outcome.FAILURE

    def test_a_gateway_without_quotas_gets_the_limits_alone(
        self, admin_login, provisioned, plan, gateway_emulator
    ):
        account, _ = provisioned
        gateway_emulator.set_features(quotas=False)

        summary = services.plan_assign(actor=admin_login, customer=account.customer, plan=plan)

        assert "the gateway has no storage quotas" in summary
        limits = gateway_limits(gateway_emulator, email=account.gateway_email)
        assert limits["ops:get"] == Decimal("3600")
        assert DesiredLimits.objects.get(account=account).quota_gb is None

    def test_taking_a_customer_off_the_plan_leaves_the_gateway_alone(
        self, admin_login, provisioned, plan, gateway_emulator
    ):
        account, _ = provisioned
        services.plan_assign(actor=admin_login, customer=account.customer, plan=plan)

        services.plan_unassign(actor=admin_login, customer=account.customer)

        assert not PlanAssignment.objects.exists()
        assert holds(gateway_emulator, account, plan)
        assert DesiredLimits.objects.get(account=account).plan is None

    def test_support_cannot_assign(self, support_login, customer, plan):
        with pytest.raises(Exception, match="admin role"):
            services.plan_assign(actor=support_login, customer=customer, plan=plan)

        assert not PlanAssignment.objects.exists()


class TestPlans:
    def test_a_plan_with_customers_cannot_be_deleted(self, admin_login, customer, plan):
        services.plan_assign(actor=admin_login, customer=customer, plan=plan)

        with pytest.raises(ServiceRefused, match="1 customer"):
            services.plan_delete(actor=admin_login, plan=plan)

        assert Plan.objects.filter(pk=plan.pk).exists()

    def test_a_fractional_bandwidth_is_refused_by_field(self, admin_login, plan):
        plan.bandwidth_out = Decimal("1.5")

        with pytest.raises(Exception) as refusal:
            services.plan_save(actor=admin_login, plan=plan)

        assert "bandwidth_out" in refusal.value.message_dict

    def test_renaming_a_plan_starts_no_job(self, admin_login, customers_on_plan, plan):
        job = edit_terms(admin_login, plan, name="Business 2026")

        assert job is None
        assert not Job.objects.exists()


class TestReapplyJob:
    def test_editing_the_terms_re_applies_them_to_every_customer(
        self, admin_login, customers_on_plan, plan, gateway_emulator,
        django_capture_on_commit_callbacks, tasks_inline,
    ):  # fmt: skip
        with django_capture_on_commit_callbacks(execute=True):
            job = edit_terms(admin_login, plan, ops_get=Decimal("100"), quota_gb=10)

        job.refresh_from_db()
        assert (job.state, job.done, job.total) == (Job.State.SUCCEEDED, 6, 6)
        assert all(holds(gateway_emulator, account, plan) for account in customers_on_plan)
        assert AuditEvent.objects.filter(action="plan.apply", outcome=Outcome.SUCCESS).count() == 6

    def test_a_gateway_failing_mid_job_is_reported_per_customer_and_retried_alone(
        self, admin_login, customers_on_plan, plan, gateway_emulator,
        django_capture_on_commit_callbacks, tasks_inline,
    ):  # fmt: skip
        gateway_emulator.set_faults(fail_every=9)
        with django_capture_on_commit_callbacks(execute=True):
            job = edit_terms(admin_login, plan, ops_get=Decimal("100"), quota_gb=10)
        gateway_emulator.clear_faults()

        job.refresh_from_db()
        failed = {outcome.key: outcome.message for outcome in job.failures}
        not_holding = {
            str(account.customer_id)
            for account in customers_on_plan
            if not holds(gateway_emulator, account, plan)
        }
        assert job.state == Job.State.PARTIAL
        assert job.done == job.total == 6
        assert 0 < len(failed) < 6
        assert set(failed) == not_holding
        assert all("failed while handling the request" in message for message in failed.values())

        with django_capture_on_commit_callbacks(execute=True):
            retry = services.plan_job_retry(actor=admin_login, job=job)

        retry.refresh_from_db()
        assert sorted(retry.parameters["customer_ids"]) == sorted(int(key) for key in failed)
        assert (retry.state, retry.total) == (Job.State.SUCCEEDED, len(failed))
        assert all(holds(gateway_emulator, account, plan) for account in customers_on_plan)

    def test_a_customer_moved_off_the_plan_meanwhile_is_left_alone(
        self, admin_login, customers_on_plan, plan, gateway_emulator,
        django_capture_on_commit_callbacks, tasks_inline,
    ):  # fmt: skip
        moved = customers_on_plan[0]
        job = services.start_plan_job(admin_login, plan, customer_ids=None, reason="edited")
        PlanAssignment.objects.filter(customer=moved.customer).update(plan=make_plan("Starter"))
        plan.ops_get = Decimal("7")
        plan.save()

        apply_plan(job.pk)

        job.refresh_from_db()
        assert job.state == Job.State.SUCCEEDED
        assert not holds(gateway_emulator, moved, plan)
        assert "No longer on the plan" in job.outcomes.get(key=str(moved.customer_id)).message

    def test_retry_is_refused_when_nothing_failed(
        self, admin_login, customers_on_plan, plan, django_capture_on_commit_callbacks,
        tasks_inline,
    ):  # fmt: skip
        with django_capture_on_commit_callbacks(execute=True):
            job = services.plan_reapply(actor=admin_login, plan=plan)
        job.refresh_from_db()

        with pytest.raises(ServiceRefused, match="nothing to retry"):
            services.plan_job_retry(actor=admin_login, job=job)

        assert Job.objects.count() == 1
