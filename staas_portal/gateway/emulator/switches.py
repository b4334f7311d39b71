"""Feature switches (which gateway generation to play) and injected faults.

Both describe the emulator rather than the cluster, so they live in memory and
not in the state file: a restart plays a default, well-behaved new gateway.
"""

import threading
from dataclasses import asdict, dataclass, fields

from staas_portal.gateway.emulator.messages import ERROR_STYLES

FAULT_PHASES = ("before", "after")
FAULT_METHODS = ("", "GET", "PUT", "POST", "DELETE")


@dataclass
class Features:
    quotas: bool = True
    select_by_id: bool = True
    usage_paging: bool = True
    wrap_user_list: bool = False
    error_style: str = "xml"

    def update(self, changes: dict) -> None:
        """Applies a partial update; ValueError names the first bad entry, changing nothing."""
        known = {field.name for field in fields(self)}
        for name, value in changes.items():
            if name not in known:
                raise ValueError(f"unknown feature {name!r}")
            if name == "error_style" and value not in ERROR_STYLES:
                raise ValueError(f"error_style must be one of {', '.join(ERROR_STYLES)}")
            if name != "error_style" and not isinstance(value, bool):
                raise ValueError(f"{name} must be true or false")
        for name, value in changes.items():
            setattr(self, name, value)

    def reset(self) -> None:
        self.update(asdict(Features()))

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class FaultPlan:
    delay_seconds: float = 0.0
    # With it, only every Nth counted call is slow; without, every counted call is.
    slow_every: int = 0
    fail_every: int = 0
    malformed_every: int = 0
    drop_every: int = 0
    # "before": the delay and the fault come before the change is made, and a faulted
    # call makes none; "after": the change is made and saved, then the delay and fault.
    phase: str = "before"
    # Only calls of this method are counted and faulted; "" means every admin call.
    method: str = ""
    # At most this many calls are slowed or faulted, then calls pass; 0 for no limit.
    times: int = 0


COUNTERS = ("slow_every", "fail_every", "malformed_every", "drop_every", "times")


@dataclass(frozen=True)
class CallFaults:
    """What happens to one admin call: slowed (seconds, or 0), and which fault if any."""

    delay_seconds: float = 0.0
    fault: str | None = None
    phase: str = "before"

    def delay(self, phase: str) -> float:
        return self.delay_seconds if self.phase == phase else 0.0

    def fault_in(self, phase: str) -> str | None:
        return self.fault if self.phase == phase else None


def parse_plan(settings: dict) -> FaultPlan:
    known = {field.name for field in fields(FaultPlan)}
    unknown = sorted(set(settings) - known)
    if unknown:
        raise ValueError(f"unknown fault setting {unknown[0]!r}")
    plan = FaultPlan(**settings)

    if plan.phase not in FAULT_PHASES:
        raise ValueError("phase must be 'before' or 'after'")
    if plan.method not in FAULT_METHODS:
        raise ValueError("method must be GET, PUT, POST, DELETE or empty for every call")
    delay = plan.delay_seconds
    if isinstance(delay, bool) or not isinstance(delay, int | float) or delay < 0:
        raise ValueError("delay_seconds must be a non-negative number")
    for name in COUNTERS:
        value = getattr(plan, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{name} must be a non-negative whole number (0 turns it off)")
    return plan


class Faults:
    """Counts admin calls and says which one a fault replaces."""

    def __init__(self):
        self._lock = threading.Lock()
        self.plan = FaultPlan()
        self.calls = 0
        self.faulted = 0

    def replace(self, plan: FaultPlan) -> None:
        with self._lock:
            self.plan = plan
            self.calls = 0
            self.faulted = 0

    def clear(self) -> None:
        self.replace(FaultPlan())

    def next_call(self, method: str) -> CallFaults:
        """What happens to this call: its delay and its fault (drop, fail, malformed)."""
        with self._lock:
            plan = self.plan
            if plan.method and plan.method != method:
                return CallFaults()
            self.calls += 1
            if plan.times and self.faulted >= plan.times:
                return CallFaults()
            decided = decide(plan, self.calls)
            if decided.delay_seconds or decided.fault:
                self.faulted += 1
            return decided

    def as_dict(self) -> dict:
        with self._lock:
            return {**asdict(self.plan), "calls": self.calls, "faulted": self.faulted}


def decide(plan: FaultPlan, number: int) -> CallFaults:
    slow = plan.delay_seconds and (not plan.slow_every or number % plan.slow_every == 0)
    fault = next(
        (
            kind
            for kind in ("drop", "fail", "malformed")
            if getattr(plan, f"{kind}_every") and number % getattr(plan, f"{kind}_every") == 0
        ),
        None,
    )
    return CallFaults(plan.delay_seconds if slow else 0.0, fault, plan.phase)
