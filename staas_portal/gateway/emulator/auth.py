"""Signature checks, V2 and V4, with the string-to-sign builders the client uses.

The checks run in the order a gateway reports them: a missing or unknown key
first, then the clock, then the signature itself.
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from staas_portal.gateway import signing
from staas_portal.gateway.emulator.messages import Request, S3Error
from staas_portal.gateway.emulator.state import SYSTEM_FLAG, key_owner

MAX_SKEW_SECONDS = 15 * 60
V4_PREFIX = signing.V4_ALGORITHM + " "


@dataclass(frozen=True)
class Principal:
    user: dict
    access_key: str

    @property
    def is_system(self) -> bool:
        return SYSTEM_FLAG in self.user["flags"]


def authenticate(request: Request, data: dict, *, region: str, now: float) -> Principal:
    authorization = request.header("Authorization")
    if not authorization:
        raise S3Error(403, "AccessDenied", "Access Denied: the request is not signed")
    if authorization.startswith(V4_PREFIX):
        return _check_v4(request, data, authorization, region, now)
    if authorization.startswith("AWS "):
        return _check_v2(request, data, authorization, now)
    raise S3Error(400, "InvalidArgument", "Unsupported Authorization Type")


def _owner(data: dict, access_key: str) -> tuple[dict, str]:
    found = key_owner(data, access_key)
    if found is None:
        raise S3Error(
            403,
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
        )
    user, pair = found
    return user, pair["secret_key"]


def _check_clock(request: Request, now: float) -> None:
    moment = _request_time(request)
    if moment is None:
        raise S3Error(
            403, "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header"
        )
    if abs(moment - now) > MAX_SKEW_SECONDS:
        raise S3Error(
            403,
            "RequestTimeTooSkewed",
            "The difference between the request time and the current time is too large.",
        )


def _request_time(request: Request) -> float | None:
    raw = (request.header("x-amz-date") or request.header("date")).strip()
    try:
        return datetime.strptime(raw, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).timestamp()
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(raw).timestamp()
    except (TypeError, ValueError, IndexError):
        return None


def _same(received: str, expected: str) -> bool:
    # compare_digest refuses str with non-ASCII characters, which a header may carry.
    return hmac.compare_digest(received.encode(), expected.encode())


def _refuse_signature() -> S3Error:
    return S3Error(
        403,
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided.",
    )


# Signature V2


def _check_v2(request: Request, data: dict, authorization: str, now: float) -> Principal:
    access_key, separator, signature = authorization[4:].strip().rpartition(":")
    if not separator or not access_key:
        raise S3Error(400, "InvalidArgument", "Authorization header is invalid")
    user, secret = _owner(data, access_key)
    _check_clock(request, now)

    expected = [signing.v2_signature(secret, text) for text in _v2_strings(request)]
    if not any(_same(signature, candidate) for candidate in expected):
        raise _refuse_signature()
    return Principal(user, access_key)


def _v2_strings(request: Request) -> list[str]:
    """Every string to sign a gateway would accept for this request."""
    date = request.header("date")
    amz = {name: value for name, value in request.headers.items() if name.startswith("x-amz-")}
    if request.is_admin:
        return _v2_admin_strings(request, date, amz)

    dates = [date]
    if "x-amz-date" in amz and date:
        # S3 proper leaves the date line empty when x-amz-date is sent; botocore does not.
        dates.append("")
    return [
        _v2_standard(request, each_date, amz, resource)
        for each_date in dates
        for resource in _v2_resources(request)
    ]


def _v2_admin_strings(request: Request, date: str, amz: dict[str, str]) -> list[str]:
    """The manual signs only `/?ostor-<service>` with empty type and MD5 lines; a
    client that sends and signs a Content-Type (one public client does) passes too,
    as on a gateway that reads those lines from the headers."""
    resource = "/?" + request.raw_query.split("&", 1)[0]
    return [
        signing.v2_admin_string_to_sign(request.method, date, request.raw_query),
        _v2_standard(request, date, amz, resource),
    ]


def _v2_resources(request: Request) -> list[str]:
    """A bucket's path is signed both as `/bucket` (the manual's DELETE) and as
    `/bucket/` (botocore's path-style requests)."""
    paths = [request.raw_path]
    bucket = request.raw_path.strip("/")
    if bucket and "/" not in bucket:
        paths = [f"/{bucket}", f"/{bucket}/"]
    return [signing.v2_canonical_resource(path, request.query) for path in paths]


def _v2_standard(request: Request, date: str, amz: dict[str, str], resource: str) -> str:
    return signing.v2_string_to_sign(
        method=request.method,
        content_md5=request.header("content-md5").strip(),
        content_type=request.header("content-type").strip(),
        date=date.strip(),
        amz_headers=amz,
        resource=resource,
    )


# Signature V4


def _check_v4(
    request: Request, data: dict, authorization: str, region: str, now: float
) -> Principal:
    access_key, date_stamp, scope_region, signed_headers, signature = _parse_v4(authorization)
    user, secret = _owner(data, access_key)
    if scope_region != region:
        raise S3Error(
            400,
            "AuthorizationHeaderMalformed",
            f"the region '{scope_region}' is wrong; expecting '{region}'",
        )
    _check_clock(request, now)
    payload_hash = _checked_payload_hash(request)

    amz_date = request.header("x-amz-date")
    if not amz_date.startswith(date_stamp):
        raise _refuse_signature()
    canonical = signing.v4_canonical_request(
        method=request.method,
        path=request.path,
        query_pairs=request.query,
        headers={name: request.header(name) for name in signed_headers},
        signed_headers=signed_headers,
        payload_hash=payload_hash,
    )
    scope = signing.v4_scope(date_stamp, scope_region)
    string_to_sign = signing.v4_string_to_sign(amz_date, scope, canonical)
    expected = signing.v4_signature(secret, date_stamp, scope_region, string_to_sign)
    if not _same(signature, expected):
        raise _refuse_signature()
    return Principal(user, access_key)


def _parse_v4(authorization: str) -> tuple[str, str, str, list[str], str]:
    try:
        fields = dict(
            part.strip().split("=", 1) for part in authorization[len(V4_PREFIX) :].split(",")
        )
        access_key, date_stamp, region, service, terminal = fields["Credential"].split("/")
        signed_headers = fields["SignedHeaders"].split(";")
        signature = fields["Signature"]
    except (KeyError, ValueError):
        raise S3Error(
            400, "AuthorizationHeaderMalformed", "The authorization header is malformed"
        ) from None
    if service != signing.V4_SERVICE or terminal != "aws4_request":
        raise S3Error(
            400, "AuthorizationHeaderMalformed", "The credential scope is not s3/aws4_request"
        )
    return access_key, date_stamp, region, signed_headers, signature


def _checked_payload_hash(request: Request) -> str:
    payload_hash = request.header("x-amz-content-sha256")
    if not payload_hash:
        raise S3Error(
            400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256"
        )
    if payload_hash.startswith("STREAMING-"):
        raise S3Error(501, "NotImplemented", "The emulator does not take chunked uploads")
    if payload_hash == signing.UNSIGNED_PAYLOAD:
        return payload_hash
    if not _same(payload_hash, hashlib.sha256(request.body).hexdigest()):
        raise S3Error(
            400,
            "XAmzContentSHA256Mismatch",
            "The provided 'x-amz-content-sha256' header does not match what was computed.",
        )
    return payload_hash
