"""Typed answers of the gateway, parsed defensively.

Gateways differ in what they send: numbers come as numbers or strings, lists
come bare or wrapped, fields appear that no document mentions. Parsers take
what they know, ignore the rest, and raise GatewayProtocolError only when a
field the call cannot do without is missing.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from xml.etree import ElementTree

from staas_portal.gateway.errors import GatewayProtocolError

OPS_RESOURCES = ("default", "get", "put", "list", "delete")
BANDWIDTH_RESOURCES = ("out",)
LIMIT_RESOURCES = {"ops": OPS_RESOURCES, "bandwidth": BANDWIDTH_RESOURCES}


def as_int(value: Any, default: int = 0) -> int:
    """An integer from a number or a numeric string ("3600.00" included)."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    try:
        return int(Decimal(str(value).strip()))
    except (InvalidOperation, ValueError):
        return default


def as_decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value).strip()) if value not in (None, "") else Decimal(0)
    except InvalidOperation:
        return Decimal(0)


def as_text(value: Any) -> str:
    return "" if value is None else str(value)


def as_datetime(value: Any) -> datetime | None:
    text = as_text(value).strip()
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def require_mapping(document: Any, what: str) -> dict:
    if not isinstance(document, dict):
        found = type(document).__name__
        raise GatewayProtocolError(f"expected {what} as a JSON object, got {found}")
    return document


def require_field(document: dict, name: str, what: str) -> str:
    value = as_text(document.get(name)).strip()
    if not value:
        raise GatewayProtocolError(f"{what} has no {name}")
    return value


@dataclass(frozen=True)
class KeyPair:
    access_key_id: str
    secret_access_key: str = field(repr=False)

    @classmethod
    def parse(cls, document: Any) -> "KeyPair":
        document = require_mapping(document, "a key pair")
        return cls(
            access_key_id=require_field(document, "AWSAccessKeyId", "a key pair"),
            secret_access_key=as_text(document.get("AWSSecretAccessKey")),
        )


@dataclass(frozen=True)
class User:
    user_id: str
    email: str
    state: str = ""
    owner_id: str = ""
    flags: tuple[str, ...] = ()
    key_pairs: tuple[KeyPair, ...] = ()
    # The gateway's own JSON, for `s3admin --json`; may hold secrets, so never shown.
    raw: Any = field(default=None, repr=False, compare=False)

    @property
    def enabled(self) -> bool:
        return self.state.lower() != "disabled"

    @property
    def is_system(self) -> bool:
        return "system" in self.flags

    @classmethod
    def parse(cls, document: Any) -> "User":
        document = require_mapping(document, "a user")
        flags = document.get("Flags") or []
        keys = document.get("AWSAccessKeys") or []
        return cls(
            user_id=require_field(document, "UserId", "a user"),
            email=as_text(document.get("UserEmail")),
            state=as_text(document.get("State")),
            owner_id=as_text(document.get("OwnerId")),
            flags=tuple(as_text(flag) for flag in flags) if isinstance(flags, list) else (),
            key_pairs=tuple(KeyPair.parse(key) for key in keys) if isinstance(keys, list) else (),
            raw=document,
        )

    @classmethod
    def parse_list(cls, document: Any) -> list["User"]:
        """A bare array, as documented, or one wrapped in an object, as some send."""
        if isinstance(document, dict):
            wrapped = next((v for k, v in document.items() if k.lower() == "users"), None)
            document = wrapped if wrapped is not None else []
        if not isinstance(document, list):
            raise GatewayProtocolError("expected a list of users")
        return [cls.parse(entry) for entry in document]


@dataclass(frozen=True)
class Bucket:
    name: str
    owner_id: str = ""
    created: datetime | None = None
    epoch: int = 0
    size_current: int = 0
    size_hmax: int = 0
    size_h_integral: int = 0
    size_last_ts: int = 0
    # The gateway's own JSON, for `s3admin --json`; may hold secrets, so never shown.
    raw: Any = field(default=None, repr=False, compare=False)

    @classmethod
    def parse(cls, document: Any) -> "Bucket":
        document = require_mapping(document, "a bucket")
        size = document.get("size") if isinstance(document.get("size"), dict) else {}
        return cls(
            name=require_field(document, "name", "a bucket"),
            owner_id=as_text(document.get("owner_id")),
            created=as_datetime(document.get("creation_date")),
            epoch=as_int(document.get("epoch")),
            size_current=as_int(size.get("current")),
            size_hmax=as_int(size.get("hmax")),
            size_h_integral=as_int(size.get("h_integral")),
            size_last_ts=as_int(size.get("last_ts")),
            raw=document,
        )

    @classmethod
    def parse_list(cls, document: Any) -> list["Bucket"]:
        if isinstance(document, dict):
            document = next((v for k, v in document.items() if k.lower() == "buckets"), [])
        if not isinstance(document, list):
            raise GatewayProtocolError("expected a list of buckets")
        return [cls.parse(entry) for entry in document]


@dataclass(frozen=True)
class Limits:
    """Operations per second per resource, and outgoing bandwidth in kb/s; 0 = no limit."""

    ops: dict[str, Decimal]
    bandwidth: dict[str, Decimal]
    # The gateway's own JSON, for `s3admin --json`; may hold secrets, so never shown.
    raw: Any = field(default=None, repr=False, compare=False)

    @classmethod
    def parse(cls, document: Any) -> "Limits":
        document = require_mapping(document, "limits")
        values = {str(key).lower(): as_decimal(value) for key, value in document.items()}
        return cls(
            ops={name: values.get(f"ops:{name}", Decimal(0)) for name in OPS_RESOURCES},
            bandwidth={
                name: values.get(f"bandwidth:{name}", Decimal(0)) for name in BANDWIDTH_RESOURCES
            },
            raw=document,
        )


@dataclass(frozen=True)
class Quota:
    """A storage quota in GB; 0 means unlimited."""

    kind: str
    size_gb: int
    version: str = ""
    # The gateway's own JSON, for `s3admin --json`; may hold secrets, so never shown.
    raw: Any = field(default=None, repr=False, compare=False)

    @classmethod
    def parse(cls, document: Any) -> "Quota":
        document = require_mapping(document, "a quota")
        raw_type = document.get("type")
        kind = {0: "user", 1: "bucket", "0": "user", "1": "bucket"}.get(raw_type, raw_type)
        return cls(
            kind=as_text(kind).lower(),
            size_gb=as_int(document.get("size")),
            version=as_text(document.get("version")),
            raw=document,
        )


@dataclass(frozen=True)
class UsageListing:
    names: tuple[str, ...]
    truncated: bool
    paging_supported: bool
    # The gateway's own JSON, for `s3admin --json`; may hold secrets, so never shown.
    raw: Any = field(default=None, repr=False, compare=False)

    @classmethod
    def parse(cls, document: Any) -> "UsageListing":
        document = require_mapping(document, "a usage listing")
        items = document.get("items")
        if not isinstance(items, list):
            raise GatewayProtocolError("a usage listing has no list of items")
        return cls(
            names=tuple(as_text(name) for name in items if as_text(name)),
            truncated=bool(document.get("truncated")),
            paging_supported="truncated" in document,
            raw=document,
        )


@dataclass(frozen=True)
class UsageItem:
    bucket: str
    user_id: str
    epoch: int
    tag: str
    ops_put: int
    ops_get: int
    ops_list: int
    ops_other: int
    uploaded: int
    downloaded: int

    @classmethod
    def parse(cls, document: Any) -> "UsageItem":
        document = require_mapping(document, "a usage item")
        key = document.get("key") if isinstance(document.get("key"), dict) else {}
        counters = document.get("counters") if isinstance(document.get("counters"), dict) else {}
        ops = counters.get("ops") if isinstance(counters.get("ops"), dict) else {}
        net_io = counters.get("net_io") if isinstance(counters.get("net_io"), dict) else {}
        return cls(
            bucket=as_text(key.get("bucket")),
            user_id=as_text(key.get("user_id")),
            epoch=as_int(key.get("epoch")),
            tag=as_text(key.get("tag")),
            ops_put=as_int(ops.get("put")),
            ops_get=as_int(ops.get("get")),
            ops_list=as_int(ops.get("list")),
            ops_other=as_int(ops.get("other")),
            uploaded=as_int(net_io.get("uploaded")),
            downloaded=as_int(net_io.get("downloaded")),
        )


@dataclass(frozen=True)
class UsageObject:
    name: str
    service_id: str
    start_ts: int
    period: int
    items: tuple[UsageItem, ...]
    # The gateway's own JSON, for `s3admin --json`; may hold secrets, so never shown.
    raw: Any = field(default=None, repr=False, compare=False)

    @classmethod
    def parse(cls, name: str, document: Any) -> "UsageObject":
        document = require_mapping(document, "a statistics object")
        items = document.get("items")
        if not isinstance(items, list):
            raise GatewayProtocolError("a statistics object has no list of items")
        return cls(
            name=name,
            service_id=as_text(document.get("service_id")),
            start_ts=as_int(document.get("start_ts")),
            period=as_int(document.get("period")),
            items=tuple(UsageItem.parse(item) for item in items),
            raw=document,
        )


def own_bucket_names(body: bytes) -> list[str]:
    """The bucket names of an S3 ListBuckets answer (`ListAllMyBucketsResult`), any namespace."""
    try:
        root = ElementTree.fromstring(body)  # noqa: S314 (no entities: stdlib parser, small body)
    except ElementTree.ParseError:
        raise GatewayProtocolError("the bucket listing is not XML") from None
    if root.tag.rsplit("}", 1)[-1] != "ListAllMyBucketsResult":
        raise GatewayProtocolError(f"the bucket listing is a {root.tag!r}, not a list of buckets")
    return [
        (element.text or "").strip()
        for element in root.iter()
        if element.tag.rsplit("}", 1)[-1] == "Name"
    ]
