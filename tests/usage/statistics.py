"""Statistics objects on the emulator, and what they hold, read without the portal's client."""

from django.db.models import Sum

from staas_portal.usage.models import COUNTERS, HourlyUsage

# 2026-10-01T00:00:00Z: objects of long-ended periods.
PAST = 1790812800


def generate(emulator, *, objects: int, items: int, user_ids=None, start_ts: int = PAST):
    settings = {"objects": objects, "items": items, "start_ts": start_ts}
    if user_ids:
        settings["user_ids"] = list(user_ids)
    return emulator.control("POST", "usage/generate", settings)["names"]


def listed_names(emulator) -> list[str]:
    return emulator.admin("GET", [("ostor-usage", None)]).json()["items"]


def raw_object(emulator, name: str) -> dict:
    answer = emulator.admin("GET", [("ostor-usage", None), ("obj", name)])
    assert answer.status == 200, answer.body
    return answer.json()


def counted(emulator, names) -> dict[str, int]:
    """What the emulator counted in these objects, summed as the portal should sum it."""
    sums = dict.fromkeys(COUNTERS, 0)
    for name in names:
        for item in raw_object(emulator, name)["items"]:
            ops, net_io = item["counters"]["ops"], item["counters"]["net_io"]
            for kind in ("put", "get", "list", "other"):
                sums[f"ops_{kind}"] += ops[kind]
            sums["uploaded"] += net_io["uploaded"]
            sums["downloaded"] += net_io["downloaded"]
    return sums


def stored(**filters) -> dict[str, int]:
    totals = HourlyUsage.objects.filter(**filters).aggregate(
        **{name: Sum(name) for name in COUNTERS}
    )
    return {name: totals[name] or 0 for name in COUNTERS}
