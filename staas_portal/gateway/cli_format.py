"""The text that `manage.py s3admin` prints, in the forms of the manual's ostor-s3-admin.

Pure functions from typed results to text, so that the command stays a thin
layer of argument parsing and the forms can be read in one place.
"""

from datetime import UTC, datetime
from decimal import Decimal

from staas_portal.gateway.results import Bucket, KeyPair, Limits, Quota, UsageObject, User

SIZE_UNITS = ("KiB", "MiB", "GiB", "TiB", "PiB")
COLUMN_GAP = "  "


def table(headers: list[str], rows: list[list[str]]) -> str:
    """Left-aligned columns as wide as their widest cell; no trailing spaces."""
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows, strict=True)]
    lines = [headers, *rows]
    return "\n".join(
        COLUMN_GAP.join(
            cell.ljust(width) for cell, width in zip(line, widths, strict=True)
        ).rstrip()
        for line in lines
    )


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"

    value = size / 1024
    for unit in SIZE_UNITS:
        if value < 1024 or unit == SIZE_UNITS[-1]:
            return f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")  # the last unit always returns


def flags_text(user: User) -> str:
    return ",".join(user.flags) if user.flags else "none"


def user_created(user: User) -> str:
    keys = [
        f"KeyPair[{index}]:S3AccessKeyId:{pair.access_key_id} "
        f"KeyPair[{index}]:S3SecretAccessKey:{pair.secret_access_key}"
        for index, pair in enumerate(user.key_pairs)
    ]
    return " ".join(
        [f"UserEmail:{user.email}", f"UserId:{user.user_id}", *keys, f"Flags:{flags_text(user)}"]
    )


def users_table(users: list[User]) -> str:
    """The manual's table: one row per key pair, `-` where no key is known, secrets hidden."""
    headers = ["S3 USER ID", "S3 ACCESS KEY ID", "S3 SECRET ACCESS KEY", "S3 USER EMAIL", "STATE"]
    rows = []
    for user in users:
        state = user.state or "-"
        if not user.key_pairs:
            rows.append([user.user_id, "-", "-", user.email, state])
            continue

        first, *others = user.key_pairs
        rows.append([user.user_id, first.access_key_id, "***", user.email, state])
        rows.extend(["", pair.access_key_id, "***", "", ""] for pair in others)
    return table(headers, rows)


def user_info(user: User) -> str:
    lines = [f"Query user: user id={user.user_id}, user email={user.email}"]
    lines.extend(
        f"Key pair[{index}]: access key id={pair.access_key_id}, "
        f"secret access key={pair.secret_access_key}"
        for index, pair in enumerate(user.key_pairs)
    )
    return "\n".join(lines)


def key_generated(user_id: str, pair: KeyPair) -> str:
    return (
        f"Generate access key: user id={user_id}, access key id={pair.access_key_id}, "
        f"secret access key={pair.secret_access_key}"
    )


def key_revoked(user_id: str, access_key_id: str) -> str:
    return f"Revoke access key: user id={user_id}, access key id={access_key_id}"


def limits_line(limits: Limits) -> str:
    # Ops come back as "3600.00" and bandwidth as "100"; the manual prints them so.
    ops = [f"ops:{name}={value:.2f}ops/s" for name, value in limits.ops.items()]
    bandwidth = [
        f"bandwidth:{name}={plain_number(value)}kbs/s" for name, value in limits.bandwidth.items()
    ]
    return " ".join(ops + bandwidth)


def plain_number(value: Decimal) -> str:
    return f"{value:f}"


def buckets_table(buckets: list[Bucket]) -> str:
    rows = [
        [
            bucket.name,
            bucket.owner_id or "-",
            timestamp(bucket.created),
            f"{bucket.size_current} ({human_size(bucket.size_current)})",
        ]
        for bucket in buckets
    ]
    return table(["NAME", "OWNER", "CREATED", "SIZE"], rows)


def timestamp(moment: datetime | None) -> str:
    if moment is None:
        return "-"
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def usage_object(usage: UsageObject) -> str:
    start = datetime.fromtimestamp(usage.start_ts, UTC) if usage.start_ts else None
    heading = (
        f"Statistics object {usage.name}: service id={usage.service_id or '-'}, "
        f"start={timestamp(start)}, period={usage.period}s, items={len(usage.items)}"
    )
    headers = ["BUCKET", "USER ID", "PUT", "GET", "LIST", "OTHER", "UPLOADED", "DOWNLOADED"]
    rows = [
        [item.bucket or "-", item.user_id or "-"]
        + [
            str(count)
            for count in (
                item.ops_put,
                item.ops_get,
                item.ops_list,
                item.ops_other,
                item.uploaded,
                item.downloaded,
            )
        ]  # fmt: skip
        for item in usage.items
    ]
    return heading + "\n" + table(headers, rows)


def quota_line(quota: Quota, kind: str, *, default: bool = False) -> str:
    """`kind` names what was asked for, in case the gateway's answer leaves out its type."""
    size = f"{quota.size_gb}GB" if quota.size_gb else "unlimited"
    label = ("default " if default else "") + (quota.kind or kind)
    return f"quota: {label} size={size}"
