"""The emulator's world as one JSON document, saved atomically after every change.

Users are keyed by id, buckets by name; a bucket holds its objects (base64, so
keep them small). Nothing is kept outside the document but the feature switches
and faults, which describe the emulator rather than the cluster.
"""

import contextlib
import json
import logging
import os
import secrets
import string
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

logger = logging.getLogger(__name__)

FORMAT = 1
SYSTEM_FLAG = "system"
OWNER_ID = "0000000000000000"
DEFAULT_SERVICE_ID = "8000000000000065"
MAX_KEY_PAIRS = 2
SYSTEM_EMAIL = "system@emulator.invalid"
KEY_SUFFIX_ALPHABET = string.ascii_uppercase + string.digits
SECRET_ALPHABET = string.ascii_letters + string.digits
OPS_RESOURCES = ("default", "get", "put", "list", "delete")
BANDWIDTH_RESOURCES = ("out",)


def iso_timestamp(moment: float) -> str:
    """`2018-05-25T17:12:00.000Z`, the form of the manual's dates."""
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def empty_document(now: float) -> dict:
    return {
        "format": FORMAT,
        "service_id": DEFAULT_SERVICE_ID,
        "users": {},
        "buckets": {},
        "default_quotas": {"user": 0, "bucket": 0},
        "usage": {"open": {"start_ts": int(now), "items": {}}, "objects": {}, "batches": []},
    }


def no_limits() -> dict:
    limits = {f"ops:{resource}": 0.0 for resource in OPS_RESOURCES}
    limits.update({f"bandwidth:{resource}": 0 for resource in BANDWIDTH_RESOURCES})
    return limits


# Users and keys


def new_user_id() -> str:
    return secrets.token_hex(8)


def new_key_pair(user_id: str) -> dict:
    suffix = "".join(secrets.choice(KEY_SUFFIX_ALPHABET) for _ in range(4))
    secret = "".join(secrets.choice(SECRET_ALPHABET) for _ in range(40))
    return {"access_key": user_id + suffix, "secret_key": secret}


def add_user(data: dict, email: str, *, user_id: str | None = None) -> dict:
    user_id = user_id or new_user_id()
    while user_id in data["users"]:
        user_id = new_user_id()
    user = {
        "id": user_id,
        "email": email,
        "state": "enabled",
        "flags": [],
        "keys": [new_key_pair(user_id)],
        "limits": no_limits(),
        "quota": 0,
    }
    data["users"][user_id] = user
    return user


def user_by_email(data: dict, email: str) -> dict | None:
    return next((user for user in data["users"].values() if user["email"] == email), None)


def key_owner(data: dict, access_key: str) -> tuple[dict, dict] | None:
    for user in data["users"].values():
        for pair in user["keys"]:
            if pair["access_key"] == access_key:
                return user, pair
    return None


def user_buckets(data: dict, user_id: str) -> list[str]:
    return sorted(
        name for name, bucket in data["buckets"].items() if bucket["owner_id"] == user_id
    )


def ensure_system_user(data: dict, access_key: str, secret_key: str) -> bool:
    """Gives the start-up key a system user; True when that changed the document."""
    found = key_owner(data, access_key)
    if found is not None:
        user, pair = found
        changed = pair["secret_key"] != secret_key or SYSTEM_FLAG not in user["flags"]
        pair["secret_key"] = secret_key
        if SYSTEM_FLAG not in user["flags"]:
            user["flags"].append(SYSTEM_FLAG)
        return changed

    email, number = SYSTEM_EMAIL, 1
    while user_by_email(data, email) is not None:
        number += 1
        email = f"system-{number}@emulator.invalid"
    # Gateway keys are the user id and four more characters; keep that link when the
    # start-up key looks like one, so the system user's id reads like the manual's.
    head = access_key[:16]
    looks_like_id = len(access_key) == 20 and all(c in string.hexdigits for c in head)
    user = add_user(data, email, user_id=head.lower() if looks_like_id else None)
    user["flags"].append(SYSTEM_FLAG)
    user["keys"] = [{"access_key": access_key, "secret_key": secret_key}]
    return True


# Buckets and their sizes


def add_bucket(data: dict, name: str, owner_id: str, now: float) -> dict:
    bucket = {
        "name": name,
        "owner_id": owner_id,
        "creation_date": iso_timestamp(now),
        "size": {"current": 0, "h_integral": 0, "hmax": 0, "last_ts": int(now // 3600)},
        "limits": no_limits(),
        "quota": 0,
        "objects": {},
    }
    data["buckets"][name] = bucket
    return bucket


def record_size_change(size: dict, delta: int, now: float) -> None:
    """`h_integral` gains the size held over the whole hours since the last change
    (byte-hours), before the size itself moves."""
    hour = int(now // 3600)
    size["h_integral"] += size["current"] * max(hour - size["last_ts"], 0)
    size["current"] += delta
    size["hmax"] = max(size["hmax"], size["current"])
    size["last_ts"] = hour


# Persistence


class Store:
    """The document, its lock and its file. Every handler works under `lock`;
    `change()` saves when its block ends without an exception.

    With `save_later`, a change only marks the document unsaved and the server
    saves it every so often and when it stops: a large state written whole on
    every change would otherwise dominate a benchmark of thousands of writes.
    """

    def __init__(
        self,
        path: Path,
        *,
        access_key: str,
        secret_key: str,
        clock=time.time,
        save_later: bool = False,
    ):
        self.path = Path(path)
        self.clock = clock
        self.save_later = save_later
        self.unsaved = False
        self.lock = threading.RLock()
        self.access_key = access_key
        self.secret_key = secret_key
        self.data = self._load()
        if ensure_system_user(self.data, access_key, secret_key) or not self.path.exists():
            self.save()

    def _load(self) -> dict:
        if not self.path.exists():
            logger.info("no state at %s: starting an empty cluster", self.path)
            return empty_document(self.clock())
        with self.path.open(encoding="utf-8") as source:
            data = json.load(source)
        if data.get("format") != FORMAT:
            raise ValueError(f"{self.path} is not an emulator state of format {FORMAT}")
        return data

    def save(self) -> None:
        with self.lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(
                dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp"
            )
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as target:
                    target.write(json.dumps(self.data, separators=(",", ":")))
                os.replace(temporary, self.path)
                self.unsaved = False
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise

    @contextlib.contextmanager
    def change(self) -> Iterator[dict]:
        with self.lock:
            yield self.data
            if self.save_later:
                self.unsaved = True
            else:
                self.save()

    def save_if_changed(self) -> None:
        with self.lock:
            if self.unsaved:
                self.save()

    def reset(self) -> None:
        """An empty cluster that keeps the start-up system key."""
        with self.lock:
            self.data = empty_document(self.clock())
            ensure_system_user(self.data, self.access_key, self.secret_key)
            self.save()
