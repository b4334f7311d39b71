"""AWS Signature V2 and V4, as the gateway checks them.

The client signs with these functions and the emulator verifies with the same
string-to-sign builders, so each builder takes plain values rather than a
request object. Both are tested against independent references: V2 against the
manual's shell recipe written out with `hmac`, V4 against botocore.
"""

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import quote

V4_ALGORITHM = "AWS4-HMAC-SHA256"
V4_SERVICE = "s3"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()

# The S3 sub-resources that take part in a V2 canonical resource (data plane).
V2_SUBRESOURCES = frozenset(
    (
        "acl",
        "cors",
        "delete",
        "lifecycle",
        "location",
        "logging",
        "notification",
        "partNumber",
        "policy",
        "requestPayment",
        "tagging",
        "torrent",
        "uploadId",
        "uploads",
        "versionId",
        "versioning",
        "versions",
        "website",
        "response-content-type",
        "response-content-language",
        "response-expires",
        "response-cache-control",
        "response-content-disposition",
        "response-content-encoding",
    )
)

QueryPairs = Iterable[tuple[str, str | None]]


def encode_query_value(value: str) -> str:
    """Percent-encodes everything but RFC 3986 unreserved characters (`+` too)."""
    return quote(value, safe="-_.~")


def _query_part(name: str, value: str | None) -> str:
    if value is None:
        return encode_query_value(name)
    return f"{encode_query_value(name)}={encode_query_value(value)}"


def build_query(pairs: QueryPairs) -> str:
    """`ostor-users&emailAddress=a%2Bb%40example.com`: flags bare, values encoded."""
    return "&".join(_query_part(name, value) for name, value in pairs)


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


# Signature V2


def v2_admin_string_to_sign(method: str, date: str, query: str) -> str:
    """The manual's recipe: method, two empty lines, the date, then `/?` and the
    query up to its first `&` (so only the `ostor-*` service name is signed)."""
    return f"{method}\n\n\n{date}\n/?{query.split('&', 1)[0]}"


def v2_string_to_sign(
    *,
    method: str,
    content_md5: str,
    content_type: str,
    date: str,
    amz_headers: Mapping[str, str],
    resource: str,
) -> str:
    """The standard S3 V2 string to sign, for the data plane."""
    amz_lines = "".join(f"{name}:{amz_headers[name].strip()}\n" for name in sorted(amz_headers))
    return f"{method}\n{content_md5}\n{content_type}\n{date}\n{amz_lines}{resource}"


def v2_canonical_resource(path: str, query_pairs: QueryPairs) -> str:
    kept = sorted((name, value) for name, value in query_pairs if name in V2_SUBRESOURCES)
    if not kept:
        return path
    return (
        path + "?" + "&".join(name if value is None else f"{name}={value}" for name, value in kept)
    )


def v2_signature(secret_key: str, string_to_sign: str) -> str:
    digest = hmac.new(secret_key.encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def v2_admin_headers(
    *, method: str, query: str, access_key: str, secret_key: str, now: datetime
) -> dict[str, str]:
    date = http_date(now)
    signature = v2_signature(secret_key, v2_admin_string_to_sign(method, date, query))
    return {"Date": date, "Authorization": f"AWS {access_key}:{signature}"}


# Signature V4


def v4_canonical_query(pairs: QueryPairs) -> str:
    encoded = sorted(
        (encode_query_value(name), encode_query_value(value or "")) for name, value in pairs
    )
    return "&".join(f"{name}={value}" for name, value in encoded)


def v4_canonical_request(
    *,
    method: str,
    path: str,
    query_pairs: QueryPairs,
    headers: Mapping[str, str],
    signed_headers: list[str],
    payload_hash: str,
) -> str:
    """`path` is the decoded path; it is encoded here once, as S3 expects."""
    lowered = {name.lower(): " ".join(value.split()) for name, value in headers.items()}
    header_lines = "".join(f"{name}:{lowered[name]}\n" for name in signed_headers)
    return "\n".join(
        [
            method,
            quote(path, safe="/~"),
            v4_canonical_query(query_pairs),
            header_lines,
            ";".join(signed_headers),
            payload_hash,
        ]
    )


def v4_scope(date_stamp: str, region: str) -> str:
    return f"{date_stamp}/{region}/{V4_SERVICE}/aws4_request"


def v4_string_to_sign(amz_date: str, scope: str, canonical_request: str) -> str:
    digest = hashlib.sha256(canonical_request.encode()).hexdigest()
    return f"{V4_ALGORITHM}\n{amz_date}\n{scope}\n{digest}"


def v4_signature(secret_key: str, date_stamp: str, region: str, string_to_sign: str) -> str:
    key = _hmac(f"AWS4{secret_key}".encode(), date_stamp)
    key = _hmac(key, region)
    key = _hmac(key, V4_SERVICE)
    key = _hmac(key, "aws4_request")
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def v4_headers(
    *,
    method: str,
    host: str,
    path: str,
    query_pairs: QueryPairs,
    body: bytes,
    access_key: str,
    secret_key: str,
    region: str,
    now: datetime,
) -> dict[str, str]:
    moment = now.astimezone(UTC)
    amz_date = moment.strftime("%Y%m%dT%H%M%SZ")
    date_stamp = amz_date[:8]
    payload_hash = hashlib.sha256(body).hexdigest()
    headers = {"host": host, "x-amz-content-sha256": payload_hash, "x-amz-date": amz_date}
    signed = sorted(headers)

    canonical = v4_canonical_request(
        method=method,
        path=path,
        query_pairs=list(query_pairs),
        headers=headers,
        signed_headers=signed,
        payload_hash=payload_hash,
    )
    scope = v4_scope(date_stamp, region)
    signature = v4_signature(
        secret_key, date_stamp, region, v4_string_to_sign(amz_date, scope, canonical)
    )

    return {
        "X-Amz-Date": amz_date,
        "X-Amz-Content-SHA256": payload_hash,
        "Authorization": (
            f"{V4_ALGORITHM} Credential={access_key}/{scope}, "
            f"SignedHeaders={';'.join(signed)}, Signature={signature}"
        ),
    }
