"""The gateway fault matrix: each state-changing service, each fault, before and after
the gateway made the change. 12 services x 4 faults x 2 phases = 96 cells.

The fault falls on exactly one call, the one that changes state; the emulator's
`times` lets no other call be touched:

- timeout: no answer within STAAS_GATEWAY_TIMEOUT (0.5 s here; the emulator holds
  the call for 1 s). Before: the gateway stalls before making the change and the
  stalled request dies unmade. After: it makes and saves the change, then stalls.
- 500: the gateway answers 500 InternalError.
- malformed: a 200 whose JSON body is cut short.
- drop: the connection closes without an answer.

Before: the fault replaces the call before the gateway changes anything, so the
gateway is as it was. After: the gateway has made and saved the change; only its
answer is lost. A change of several calls is the change of all of them: before
faults its first call, after its last, so "after" is the whole change made.

| service | the calls that change state | before faults | after faults |
| --- | --- | --- | --- |
| provision | PUT ostor-users | that PUT | that PUT |
| suspend, resume | POST ostor-users &disable, &enable | that POST | that POST |
| delete | DELETE ostor-users (after a GET of its buckets) | that DELETE | that DELETE |
| generate key, revoke key | POST ostor-users &genKey, &revokeKey | that POST | that POST |
| set limits | six PUT ostor-limits, one per limit | the first | the sixth |
| delete limits | DELETE ostor-limits | that DELETE | that DELETE |
| set quota, delete quota | PUT, DELETE ostor-quotas | that call | that call |
| assign plan | six PUT ostor-limits and a PUT ostor-quotas | the first | the seventh |
| harvest | per statistics object: GET it, count it, then DELETE it | the DELETE | the DELETE |

Each cell checks:

(a) the service fails with the fault's own kind of gateway error, and the text a
    page shows for it (`core.pages.failure_text`) names that kind and, for a
    change the portal records, says the gateway may have made it all the same;
    a harvest keeps the error on its run's row instead;
(b) the database claims nothing the gateway did not confirm: the records the
    service would write are as before the call (a harvest records what it
    counted, but not the delete), while the gateway, read with the tests' own
    signed calls, is unchanged before and changed after;
(c) once the faults are cleared, one reconcile run (for the harvest, the next
    harvest) leaves the database agreeing with the gateway: nothing pending, no
    open drift but a plan the gateway never received (left for an admin to
    apply, since reconcile never writes to a gateway), and no secret stored in
    plain text anywhere.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from staas_portal.audit.models import AuditEvent
from staas_portal.clusters.models import StorageCluster
from staas_portal.core.pages import failure_text
from staas_portal.customers import services as accounts
from staas_portal.customers.models import Drift, KeyPairNote, PendingChange, S3Account
from staas_portal.customers.reconcile import reconcile_cluster
from staas_portal.gateway import errors
from staas_portal.gateway.errors import UNCONFIRMED_NOTE
from staas_portal.limits import services as limits
from staas_portal.limits.models import DesiredLimits, Plan
from staas_portal.limits.values import LIMIT_FIELDS, LimitValues
from staas_portal.usage.models import HarvestedObject, HarvestRun
from staas_portal.usage.services import usage_harvest
from tests.customers.gateway_changes import gateway_user
from tests.limits.gateway_reads import gateway_limits, gateway_quota
from tests.usage.statistics import counted, generate, listed_names, stored

TIMEOUT_SECONDS = 0.5
HELD_SECONDS = 1.0

FAULTS = {
    "timeout": errors.GatewayTimeout,
    "500": errors.GatewayServerError,
    "malformed": errors.GatewayProtocolError,
    "drop": errors.GatewayUnavailable,
}
PHASES = ("before", "after")

LIMITS_BEFORE = LimitValues(ops_get=Decimal("100"), bandwidth_out=Decimal("2048"))
LIMITS_SENT = LimitValues(
    ops_default=Decimal("50"), ops_get=Decimal("12.5"), ops_put=Decimal("7"),
    ops_list=Decimal("3"), ops_delete=Decimal("1.25"), bandwidth_out=Decimal("900"),
)  # fmt: skip


@dataclass
class World:
    """What a cell works on: the admin, the customer, the cluster and the emulator."""

    actor: object
    customer: object
    cluster: StorageCluster
    emulator: object
    account: S3Account | None = None
    first_key: str = ""
    plan: Plan | None = None

    def provision(self) -> None:
        self.account, first = accounts.account_provision(
            actor=self.actor, customer=self.customer, cluster=self.cluster
        )
        self.first_key = first.note.access_key_id

    @property
    def email(self) -> str:
        return self.account.gateway_email if self.account else self.customer.email

    def user(self) -> dict | None:
        return gateway_user(self.emulator, self.email)

    def key_ids(self) -> set[str]:
        return {pair["AWSAccessKeyId"] for pair in self.user()["AWSAccessKeys"]}

    def limits(self) -> LimitValues:
        return limit_values(self.emulator, self.email)

    def quota(self) -> int:
        return gateway_quota(self.emulator, email=self.email)


def limit_values(emulator, email: str) -> LimitValues:
    found = gateway_limits(emulator, email=email)
    return LimitValues(**{
        limit.name: found[f"{limit.limit_type}:{limit.resource}"] for limit in LIMIT_FIELDS
    })  # fmt: skip


def holds_terms(emulator, email: str, plan: Plan) -> bool:
    held = limit_values(emulator, email)
    return (
        not held.differences(plan.limit_values)
        and gateway_quota(emulator, email=email) == plan.quota_gb
    )


@dataclass(frozen=True)
class Service:
    name: str
    prepare: Callable[[World], None]
    act: Callable[[World], object]
    # Whether the gateway shows the change made.
    made: Callable[[World], bool]
    method: str
    # Calls of `method` the change sends: before faults the first, after the last.
    calls: int = 1
    # Drift one reconcile run leaves for an admin, by phase.
    drift_left: dict = field(default_factory=dict)


def provisioned(world: World) -> None:
    world.provision()


def suspended(world: World) -> None:
    world.provision()
    accounts.account_suspend(actor=world.actor, account=world.account)


def with_two_keys(world: World) -> None:
    world.provision()
    accounts.key_generate(actor=world.actor, account=world.account, label="second")


def with_limits(world: World) -> None:
    world.provision()
    limits.user_limits_set(actor=world.actor, account=world.account, values=LIMITS_BEFORE)


def with_quota(world: World) -> None:
    world.provision()
    limits.quota_set(actor=world.actor, account=world.account, size_gb=10)


def with_a_plan(world: World) -> None:
    world.provision()
    world.plan = Plan.objects.create(
        name="Business", ops_get=Decimal("3600"), bandwidth_out=Decimal("1024"), quota_gb=50
    )


def holds_plan(world: World) -> bool:
    return holds_terms(world.emulator, world.email, world.plan)


def state_is(state: str) -> Callable[[World], bool]:
    return lambda world: world.user()["State"] == state


SERVICES = [
    Service(
        "provision",
        prepare=lambda world: None,
        act=lambda world: accounts.account_provision(
            actor=world.actor, customer=world.customer, cluster=world.cluster
        ),
        made=lambda world: world.user() is not None,
        method="PUT",
    ),
    Service(
        "suspend",
        prepare=provisioned,
        act=lambda world: accounts.account_suspend(actor=world.actor, account=world.account),
        made=state_is("disabled"),
        method="POST",
    ),
    Service(
        "resume",
        prepare=suspended,
        act=lambda world: accounts.account_resume(actor=world.actor, account=world.account),
        made=state_is("enabled"),
        method="POST",
    ),
    Service(
        "delete",
        prepare=provisioned,
        act=lambda world: accounts.account_delete(actor=world.actor, account=world.account),
        made=lambda world: world.user() is None,
        method="DELETE",
    ),
    Service(
        "generate key",
        prepare=provisioned,
        act=lambda world: accounts.key_generate(
            actor=world.actor, account=world.account, label="backup"
        ),
        made=lambda world: len(world.key_ids()) == 2,
        method="POST",
    ),
    Service(
        "revoke key",
        prepare=with_two_keys,
        act=lambda world: accounts.key_revoke(
            actor=world.actor, account=world.account, access_key_id=world.first_key
        ),
        made=lambda world: world.first_key not in world.key_ids(),
        method="POST",
    ),
    Service(
        "set limits",
        prepare=with_limits,
        act=lambda world: limits.user_limits_set(
            actor=world.actor, account=world.account, values=LIMITS_SENT
        ),
        made=lambda world: not world.limits().differences(LIMITS_SENT),
        method="PUT",
        calls=len(LIMIT_FIELDS),
    ),
    Service(
        "delete limits",
        prepare=with_limits,
        act=lambda world: limits.user_limits_delete(actor=world.actor, account=world.account),
        made=lambda world: world.limits().unlimited,
        method="DELETE",
    ),
    Service(
        "set quota",
        prepare=with_quota,
        act=lambda world: limits.quota_set(actor=world.actor, account=world.account, size_gb=25),
        made=lambda world: world.quota() == 25,
        method="PUT",
    ),
    Service(
        "delete quota",
        prepare=with_quota,
        act=lambda world: limits.quota_delete(actor=world.actor, account=world.account),
        made=lambda world: world.quota() == 0,
        method="DELETE",
    ),
    Service(
        "assign plan",
        prepare=with_a_plan,
        act=lambda world: limits.plan_assign(
            actor=world.actor, customer=world.customer, plan=world.plan
        ),
        made=holds_plan,
        method="PUT",
        calls=len(LIMIT_FIELDS) + 1,
        # The customer is on the plan whatever the gateway did; applying it is a write.
        drift_left={"before": [Drift.Kind.PLAN_NOT_APPLIED]},
    ),
]
HARVEST = "harvest"
CELLS = [
    pytest.param(service, fault, phase, id=f"{service}-{fault}-{phase}")
    for service in [*(service.name for service in SERVICES), HARVEST]
    for fault in FAULTS
    for phase in PHASES
]
SERVICES_BY_NAME = {service.name: service for service in SERVICES}


def fault_plan(fault: str, phase: str, *, method: str, nth: int) -> dict:
    """The emulator's faults for exactly the nth call of the method."""
    plan = {"method": method, "phase": phase, "times": 1}
    if fault == "timeout":
        plan |= {"delay_seconds": HELD_SECONDS, "slow_every": nth}
        if phase == "before":
            plan["drop_every"] = nth
        return plan
    counter = {"500": "fail_every", "malformed": "malformed_every", "drop": "drop_every"}
    return plan | {counter[fault]: nth}


@contextmanager
def timeout_for(fault: str, settings) -> Iterator[None]:
    """A short STAAS_GATEWAY_TIMEOUT while the service runs, for the timeout cells only:
    the other cells' calls keep the default, however busy the machine."""
    previous = settings.STAAS_GATEWAY_TIMEOUT
    if fault == "timeout":
        settings.STAAS_GATEWAY_TIMEOUT = TIMEOUT_SECONDS
    try:
        yield
    finally:
        settings.STAAS_GATEWAY_TIMEOUT = previous


def claims() -> dict:
    """What the portal records of the gateway: all a failed call must leave as it was."""
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (S3Account, KeyPairNote, DesiredLimits, HarvestedObject)
    }


def portal_view(cluster: StorageCluster) -> dict:
    view = {}
    for account in cluster.accounts.exclude(state=S3Account.State.DELETED):
        entry = {
            "state": account.state,
            "keys": sorted(account.key_notes.filter(revoked_at__isnull=True)
                           .values_list("access_key_id", flat=True)),
        }  # fmt: skip
        desired = DesiredLimits.objects.filter(account=account).first()
        if desired is not None:
            entry["limits"] = desired.limit_values
            if desired.quota_gb is not None:
                entry["quota"] = desired.quota_gb
        view[account.user_id] = entry
    return view


def gateway_view(world: World, portal: dict) -> dict:
    """The gateway's users as the tests' own signed calls read them, each with what the
    portal keeps of it: limits and quota only where the portal records them."""
    listed = world.emulator.admin("GET", [("ostor-users", None)]).json()
    view = {}
    for listed_user in listed:
        if "system" in listed_user["Flags"]:
            continue
        user = gateway_user(world.emulator, listed_user["UserEmail"])
        entry = {
            "state": user["State"],
            "keys": sorted(pair["AWSAccessKeyId"] for pair in user["AWSAccessKeys"]),
        }
        recorded = portal.get(user["UserId"], {})
        if "limits" in recorded:
            entry["limits"] = limit_values(world.emulator, user["UserEmail"])
        if "quota" in recorded:
            entry["quota"] = gateway_quota(world.emulator, email=user["UserEmail"])
        view[user["UserId"]] = entry
    return view


def gateway_secrets(emulator) -> list[str]:
    return [
        pair["secret_key"]
        for user in emulator.state()["users"].values()
        for pair in user["keys"]
    ]  # fmt: skip


def assert_no_secret_in_plain_text(emulator) -> None:
    stored_text = str([
        list(model.objects.values())
        for model in (PendingChange, AuditEvent, KeyPairNote, S3Account, DesiredLimits)
    ])  # fmt: skip
    for secret in gateway_secrets(emulator):
        assert secret not in stored_text


def open_drift() -> list[str]:
    return sorted(Drift.objects.filter(resolved_at__isnull=True).values_list("kind", flat=True))


@pytest.fixture
def world(admin_login, customer, cluster, gateway_emulator) -> World:
    return World(admin_login, customer, cluster, gateway_emulator)


@pytest.mark.parametrize(("name", "fault", "phase"), CELLS)
def test_the_fault_matrix(world, settings, name, fault, phase):
    if name == HARVEST:
        harvest_cell(world, settings, fault, phase)
        return
    service = SERVICES_BY_NAME[name]
    service.prepare(world)
    before = claims()
    nth = 1 if phase == "before" else service.calls
    world.emulator.set_faults(**fault_plan(fault, phase, method=service.method, nth=nth))

    with pytest.raises(errors.GatewayError) as failed, timeout_for(fault, settings):
        service.act(world)

    assert world.emulator.control("GET", "faults")["faulted"] == 1
    # (a) the fault's own kind, in the words a page shows
    kind = FAULTS[fault]
    assert failed.value.kind == kind.kind
    shown = failure_text(failed.value)
    assert kind.summary in shown
    assert shown.endswith(UNCONFIRMED_NOTE)
    # (b) nothing recorded that the gateway did not confirm; the gateway as the phase says
    assert claims() == before
    assert service.made(world) is (phase == "after")
    assert PendingChange.objects.filter(state=PendingChange.State.UNCONFIRMED).count() == 1

    world.emulator.clear_faults()
    report = reconcile_cluster(world.cluster)

    # (c) one reconcile run: the portal agrees with the gateway, nothing pending
    assert report.ok, report.error
    assert report.settled.total() == 1
    portal = portal_view(world.cluster)
    assert portal == gateway_view(world, portal)
    assert not PendingChange.objects.exists()
    assert open_drift() == sorted(service.drift_left.get(phase, []))
    assert_no_secret_in_plain_text(world.emulator)


def harvest_cell(world: World, settings, fault: str, phase: str) -> None:
    """The harvest's state change is the delete of a statistics object it has counted;
    its recovery is the next harvest, which deletes again what it counted and never
    saw deleted, and never counts an object twice."""
    world.provision()
    names = generate(world.emulator, objects=1, items=3, user_ids=[world.account.user_id])
    expected = counted(world.emulator, names)
    world.emulator.set_faults(**fault_plan(fault, phase, method="DELETE", nth=1))

    with timeout_for(fault, settings):
        report = usage_harvest(cluster=world.cluster)

    assert world.emulator.control("GET", "faults")["faulted"] == 1
    # (a) the run's row, which the usage page shows, keeps the fault's own kind
    run = HarvestRun.objects.get()
    assert run.state == HarvestRun.State.FAILED
    assert FAULTS[fault].summary in run.errors
    assert not report.ok
    # (b) counted once, as the fetch confirmed; the delete not claimed
    assert stored() == expected
    assert list(HarvestedObject.objects.values_list("name", "deleted_at")) == [(names[0], None)]
    assert listed_names(world.emulator) == (names if phase == "before" else [])

    world.emulator.clear_faults()
    again = usage_harvest(cluster=world.cluster)

    # (c) the next harvest: deleted on the gateway, recorded so, still counted once
    assert again.ok, again.errors
    assert listed_names(world.emulator) == []
    assert not HarvestedObject.objects.filter(deleted_at__isnull=True).exists()
    assert stored() == expected


# Changes made in part


def test_limits_made_in_part_are_recorded_as_the_gateway_holds_them(world):
    with_limits(world)
    world.emulator.set_faults(fail_every=3, method="PUT", phase="after", times=1)
    with pytest.raises(errors.GatewayServerError):
        limits.user_limits_set(actor=world.actor, account=world.account, values=LIMITS_SENT)
    world.emulator.clear_faults()
    held = world.limits()

    report = reconcile_cluster(world.cluster)

    assert held.differences(LIMITS_SENT) == ["ops_list", "ops_delete", "bandwidth_out"]
    assert report.settled == {"partly applied": 1}
    assert DesiredLimits.objects.get(account=world.account).limit_values == held
    assert open_drift() == []


@pytest.mark.parametrize(
    ("nth", "phase", "applied"),
    [
        # The first S3 user's quota, its last call: made, but the answer lost.
        (7, "after", [True, False]),
        # The second S3 user's first limit: the first user confirmed, the second never made.
        (8, "before", [True, False]),
    ],
)
def test_a_plan_applied_in_part_is_settled_per_s3_user(world, nth, phase, applied):
    with_a_plan(world)
    second_cluster = StorageCluster(
        name="second", gateway_url=world.emulator.url, access_key=world.emulator.access_key
    )
    second_cluster.set_secret_key(world.emulator.secret_key)
    second_cluster.save()
    second, _ = accounts.account_provision(
        actor=world.actor, customer=world.customer, cluster=second_cluster,
        email="second@acme.example",
    )  # fmt: skip
    world.emulator.set_faults(fail_every=nth, method="PUT", phase=phase, times=1)
    with pytest.raises(limits.PlanNotApplied):
        limits.plan_assign(actor=world.actor, customer=world.customer, plan=world.plan)
    world.emulator.clear_faults()

    reports = [reconcile_cluster(cluster) for cluster in (world.cluster, second_cluster)]

    assert all(report.ok for report in reports)
    assert not PendingChange.objects.exists()
    held = [holds_terms(world.emulator, account.gateway_email, world.plan)
            for account in (world.account, second)]  # fmt: skip
    assert held == applied
    not_applied = Drift.objects.filter(resolved_at__isnull=True, kind=Drift.Kind.PLAN_NOT_APPLIED)
    assert list(not_applied.values_list("account", flat=True)) == [second.pk]
