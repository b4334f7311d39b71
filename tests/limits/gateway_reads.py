"""The limits and quotas the emulator holds, read with signed calls of the tests' own."""

from decimal import Decimal


def gateway_limits(emulator, *, email=None, bucket=None) -> dict[str, Decimal]:
    selector = ("emailAddress", email) if email else ("bucket", bucket)
    answer = emulator.admin("GET", [("ostor-limits", None), selector])
    assert answer.status == 200, answer.body
    return {name: Decimal(str(value)) for name, value in answer.json().items()}


def gateway_quota(emulator, *, email=None, bucket=None) -> int:
    selector = ("emailAddress", email) if email else ("bucket", bucket)
    answer = emulator.admin("GET", [("ostor-quotas", None), selector])
    assert answer.status == 200, answer.body
    return int(answer.json()["size"])


def set_gateway_limit(emulator, email, limit_type, resource, value):
    answer = emulator.admin("PUT", [
        ("ostor-limits", None), ("emailAddress", email), ("limit-type", limit_type),
        ("limit-resource", resource), ("limit-value", str(value)),
    ])  # fmt: skip
    assert answer.status in (200, 204), answer.body


def set_gateway_quota(emulator, email, size_gb):
    answer = emulator.admin(
        "PUT", [("ostor-quotas", None), ("emailAddress", email), ("quota-size", str(size_gb))]
    )
    assert answer.status in (200, 204), answer.body
