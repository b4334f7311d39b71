"""Usage statistics: counters of the open period, and the objects that close it.

A closed object is stored either with its items or, for generated benchmark
objects, as part of a batch: a recipe for consecutive objects whose names and
counters are computed on reading, and the list of those deleted. Thousands of
them keep the state file small, so that deleting one does not rewrite them all.
"""

import re
from datetime import UTC, datetime

OPS = ("put", "get", "list", "other")
MAX_GENERATED = 100_000
NAME_START = re.compile(r"-(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.000Z-\d+$")


def object_name(service_id: str, start_ts: int, period: int) -> str:
    """`s3-usage-8000000000000065-2017-02-01T16:31:54.000Z-1800`."""
    moment = datetime.fromtimestamp(start_ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return f"s3-usage-{service_id}-{moment}-{period}"


def _empty_counters() -> dict:
    return {"ops": dict.fromkeys(OPS, 0), "net_io": {"uploaded": 0, "downloaded": 0}}


def count(
    data: dict, *, user_id: str, bucket: str, op: str, uploaded: int, downloaded: int
) -> None:
    items = data["usage"]["open"]["items"]
    entry = items.setdefault(
        f"{user_id}/{bucket}", {"user_id": user_id, "bucket": bucket, **_empty_counters()}
    )
    entry["ops"][op] += 1
    entry["net_io"]["uploaded"] += uploaded
    entry["net_io"]["downloaded"] += downloaded


def _unique_start(data: dict, start_ts: int, period: int) -> int:
    # Two periods closed within one second would share a name; a gateway's names
    # never collide, so the later one moves on by a second.
    while exists(data, object_name(data["service_id"], start_ts, period)):
        start_ts += 1
    return start_ts


def names(data: dict) -> list[str]:
    """Every statistics object's name, stored one by one or in a batch."""
    found = list(data["usage"]["objects"])
    for batch in data["usage"]["batches"]:
        deleted = set(batch.get("deleted", ()))
        found.extend(
            _batch_name(data, batch, index)
            for index in range(batch.get("count", 0))
            if index not in deleted
        )
    return found


def exists(data: dict, name: str) -> bool:
    return name in data["usage"]["objects"] or _in_batch(data, name) is not None


def remove(data: dict, name: str) -> None:
    if data["usage"]["objects"].pop(name, None) is None:
        batch, index = _in_batch(data, name)
        batch["deleted"].append(index)


def _batch_name(data: dict, batch: dict, index: int) -> str:
    period = batch["period"]
    return object_name(data["service_id"], batch["start_ts"] + index * period, period)


def _in_batch(data: dict, name: str) -> tuple[dict, int] | None:
    """The batch holding the object of this name, and its index there."""
    found = NAME_START.search(name)
    if found is None:
        return None
    start = int(datetime.fromisoformat(found[1]).replace(tzinfo=UTC).timestamp())
    for batch in data["usage"]["batches"]:
        if "count" not in batch:
            continue  # a recipe of objects stored one by one
        index, rest = divmod(start - batch["start_ts"], batch["period"])
        if rest or not 0 <= index < batch["count"] or index in batch["deleted"]:
            continue
        if _batch_name(data, batch, index) == name:
            return batch, index
    return None


def end_period(data: dict, *, period: int, now: float) -> str | None:
    """Closes the open period; its object's name, or None when nothing was counted."""
    closing = data["usage"]["open"]
    data["usage"]["open"] = {"start_ts": int(now), "items": {}}
    if not closing["items"]:
        return None

    start_ts = _unique_start(data, closing["start_ts"], period)
    name = object_name(data["service_id"], start_ts, period)
    data["usage"]["objects"][name] = {
        "start_ts": start_ts,
        "period": max(int(now) - closing["start_ts"], 0),
        "items": [_item(entry) for entry in closing["items"].values()],
    }
    return name


def _item(entry: dict) -> dict:
    return {
        "key": {"bucket": entry["bucket"], "epoch": 0, "user_id": entry["user_id"], "tag": ""},
        "counters": {"ops": entry["ops"], "net_io": entry["net_io"]},
    }


def generate(
    data: dict, *, objects: int, items: int, user_ids: list[str], start_ts: int, period: int
) -> list[str]:
    """`objects` closed periods one after the other from `start_ts`, each of `items` items."""
    batches = data["usage"]["batches"]
    recipe = {"items": items, "user_ids": user_ids}
    wanted = [
        object_name(data["service_id"], start_ts + index * period, period)
        for index in range(objects)
    ]
    if not any(exists(data, name) for name in wanted):
        batches.append({**recipe, "start_ts": start_ts, "period": period, "count": objects,
                        "deleted": []})  # fmt: skip
        return wanted

    # Some names are taken: each object is stored on its own, moved on past the taken.
    batches.append(recipe)
    names = []
    for index in range(objects):
        begin = _unique_start(data, start_ts + index * period, period)
        name = object_name(data["service_id"], begin, period)
        data["usage"]["objects"][name] = {
            "start_ts": begin,
            "period": period,
            "batch": len(batches) - 1,
            "index": index,
        }
        names.append(name)
    return names


def _generated_items(batch: dict, index: int) -> list[dict]:
    user_ids = batch["user_ids"]
    return [
        {
            "key": {
                "bucket": f"bucket-{item:05d}",
                "epoch": 0,
                "user_id": user_ids[item % len(user_ids)],
                "tag": "",
            },
            "counters": _generated_counters(index, item),
        }
        for item in range(batch["items"])
    ]


def _generated_counters(index: int, item: int) -> dict:
    # Non-zero everywhere, and `downloaded` past 32 bits, as real counters grow.
    return {
        "ops": {
            "put": 1 + (index + item) % 50,
            "get": 2 + (3 * index + item) % 100,
            "list": 1 + item % 7,
            "other": 1 + index % 5,
        },
        "net_io": {
            "uploaded": 1024 * (1 + (31 * index + item) % 1000),
            "downloaded": 2**32 + 4096 * (1 + (17 * index + item) % 1000),
        },
    }


def render(data: dict, name: str) -> dict | None:
    stored = data["usage"]["objects"].get(name)
    if stored is not None:
        start_ts, period = stored["start_ts"], stored["period"]
        if "batch" in stored:
            items = _generated_items(data["usage"]["batches"][stored["batch"]], stored["index"])
        else:
            items = stored["items"]
    else:
        in_batch = _in_batch(data, name)
        if in_batch is None:
            return None
        batch, index = in_batch
        start_ts, period = batch["start_ts"] + index * batch["period"], batch["period"]
        items = _generated_items(batch, index)
    return {
        "fmt_version": 1,
        # The manual's sample prints the name's hex digits as a bare number.
        "service_id": int(data["service_id"]),
        "start_ts": start_ts,
        "period": period,
        "nr_items": len(items),
        "items": items,
    }


def listing(names: list[str], *, after: str | None, limit: int | None) -> tuple[list[str], bool]:
    """One page of the sorted names after `after` (exclusive), and whether more follow."""
    ordered = sorted(names)
    if after is not None:
        ordered = [name for name in ordered if name > after]
    if limit is None or len(ordered) <= limit:
        return ordered, False
    return ordered[:limit], True
