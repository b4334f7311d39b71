"""Plans through the API: a storefront lists them and puts customers on one."""

from staas_portal.audit.models import AuditEvent
from staas_portal.limits.models import PlanAssignment
from tests.api.conftest import field_names
from tests.limits.test_plans import holds, make_plan

PLANS = "/api/v1/plans/"


def plan_path(customer) -> str:
    return f"/api/v1/customers/{customer.pk}/plan/"


def test_plans_are_listed_by_name_with_their_terms(reader, customer):
    starter, business = make_plan("Starter", quota_gb=5), make_plan("Business")
    PlanAssignment.objects.create(customer=customer, plan=business)

    response = reader.get(PLANS)

    plans = response.json()["results"]
    assert response.status_code == 200
    assert [(plan["name"], plan["customer_count"]) for plan in plans] == [
        ("Business", 1), ("Starter", 0),
    ]  # fmt: skip
    assert (plans[1]["id"], plans[1]["quota_gb"], plans[1]["ops_get"]) == (starter.pk, 5, 3600)


def test_a_plan_is_read_by_id(reader):
    plan = make_plan()

    found = reader.get(f"{PLANS}{plan.pk}/")
    missing = reader.get(f"{PLANS}{plan.pk + 1}/")

    assert found.json()["name"] == "Business"
    assert missing.status_code == 404


def test_assigning_by_name_applies_the_plan_to_every_s3_user(api, provisioned, gateway_emulator):
    account, _ = provisioned
    plan = make_plan()

    response = api.put(plan_path(account.customer), {"plan_name": "Business"})

    assert response.status_code == 200
    assert response.json()["plan"] == {"id": plan.pk, "name": "Business"}
    assert response.json()["accounts"] == [
        {"account": account.pk, "cluster": "main", "user_id": account.user_id, "applied": True}
    ]
    assert response.json()["fully_applied"] is True
    assert account.user_id in response.json()["summary"]
    assert holds(gateway_emulator, account, plan)
    assert AuditEvent.objects.get(action="plan.assign").actor_name == "storefront"


def test_assigning_by_id_works_too(api, customer):
    plan = make_plan()

    response = api.put(plan_path(customer), {"plan_id": plan.pk})

    assert response.status_code == 200
    assert PlanAssignment.objects.get(customer=customer).plan == plan


def test_the_plan_must_be_named_once(api, customer):
    plan = make_plan()

    neither = api.put(plan_path(customer), {})
    both = api.put(plan_path(customer), {"plan_id": plan.pk, "plan_name": "Business"})
    unknown = api.put(plan_path(customer), {"plan_name": "Gold"})

    assert [r.status_code for r in (neither, both, unknown)] == [400, 400, 400]
    assert field_names(unknown.json()) == ["plan_name"]
    assert not PlanAssignment.objects.exists()


def test_a_failing_gateway_is_a_problem_but_the_customer_stays_on_the_plan(
    api, provisioned, gateway_emulator
):
    account, _ = provisioned
    make_plan()
    gateway_emulator.set_faults(fail_every=1)

    response = api.put(plan_path(account.customer), {"plan_name": "Business"})

    gateway_emulator.clear_faults()
    assert response.status_code == 502
    assert account.user_id in response.json()["detail"]
    state = api.get(plan_path(account.customer)).json()
    assert state["plan"]["name"] == "Business"
    assert state["accounts"][0]["applied"] is False
    assert state["fully_applied"] is False


def test_reading_a_customer_on_no_plan(reader, customer):
    response = reader.get(plan_path(customer))

    assert response.json() == {
        "plan": None,
        "assigned_at": None,
        "accounts": [],
        "fully_applied": True,
    }


def test_taking_a_customer_off_the_plan(api, provisioned, gateway_emulator):
    account, _ = provisioned
    plan = make_plan()
    api.put(plan_path(account.customer), {"plan_id": plan.pk})

    removed = api.delete(plan_path(account.customer))
    again = api.delete(plan_path(account.customer))

    assert removed.status_code == 204
    assert not PlanAssignment.objects.exists()
    assert holds(gateway_emulator, account, plan)
    assert again.status_code == 409
    assert "is on no plan" in again.json()["detail"]
