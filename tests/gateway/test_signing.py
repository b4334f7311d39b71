"""The signers against references that share no code with them."""

import base64
import hashlib
import hmac
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from staas_portal.gateway import signing

ACCESS_KEY = "a14040e0b2ef8b28FZZ8"
SECRET_KEY = "dbwTnQTW602aAAdq8DQVFzB6yrTCFTNiGB8C8RFA"
MOMENT = datetime(2026, 12, 3, 20, 15, 42, tzinfo=UTC)


def manual_v2_signature(method: str, date: str, url: str) -> str:
    """The manual's s3_curl, line by line: s3_query="${2##*/}", then
    echo -en "${1}\\n\\n\\n${s3_date}\\n/${s3_query%%&*}" | openssl sha1 -hmac | base64."""
    s3_query = url.rsplit("/", 1)[1]
    string_to_sign = f"{method}\n\n\n{date}\n/{s3_query.split('&')[0]}"
    digest = hmac.new(SECRET_KEY.encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


@pytest.mark.parametrize(
    ("method", "pairs"),
    [
        ("GET", [("ostor-users", None)]),
        ("PUT", [("ostor-users", None), ("emailAddress", "client@example.com")]),
        ("POST", [("ostor-users", None), ("emailAddress", "a+b&c@x.com"), ("genKey", None)]),
        ("DELETE", [("ostor-usage", None), ("obj", "s3-usage-8000000000000065-2017-02-01")]),
    ],
)
def test_v2_matches_the_manuals_recipe(method, pairs):
    query = signing.build_query(pairs)
    url = f"http://s3.example.com/?{query}"

    headers = signing.v2_admin_headers(
        method=method, query=query, access_key=ACCESS_KEY, secret_key=SECRET_KEY, now=MOMENT
    )

    assert headers["Date"] == "Thu, 03 Dec 2026 20:15:42 GMT"
    expected = manual_v2_signature(method, headers["Date"], url)
    assert headers["Authorization"] == f"AWS {ACCESS_KEY}:{expected}"


def botocore_v4_authorization(method, url, body, region, monkeypatch):
    monkeypatch.setattr("botocore.auth.get_current_datetime", lambda: MOMENT.replace(tzinfo=None))
    request = AWSRequest(method=method, url=url, data=body)
    S3SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "s3", region).add_auth(request)
    return request.headers["Authorization"], request.headers["X-Amz-Content-SHA256"]


@pytest.mark.parametrize(
    ("method", "path", "pairs", "body"),
    [
        ("GET", "/", [("ostor-users", None)], b""),
        (
            "PUT",
            "/",
            [("ostor-users", None), ("emailAddress", "ünïcode+tag&x=y %@example.com")],
            b"",
        ),
        (
            "POST",
            "/",
            [("ostor-users", None), ("emailAddress", "c@x.io"), ("revokeKey", "K1")],
            b"",
        ),
        ("GET", "/", [("ostor-usage", None), ("after", "s3-usage-1"), ("limit", "100")], b""),
        ("PUT", "/my-bucket/photos/cat 1.jpg", [], b"some object body"),
    ],
)
@pytest.mark.parametrize("region", ["us-east-1", "eu-west-2"])
def test_v4_matches_botocore(method, path, pairs, body, region, monkeypatch):
    query = signing.build_query(pairs)
    url = f"http://s3.example.com:9000{quote(path, safe='/~')}" + (f"?{query}" if query else "")

    ours = signing.v4_headers(
        method=method, host=urlsplit(url).netloc, path=path, query_pairs=pairs, body=body,
        access_key=ACCESS_KEY, secret_key=SECRET_KEY, region=region, now=MOMENT,
    )  # fmt: skip

    authorization, payload_hash = botocore_v4_authorization(method, url, body, region, monkeypatch)
    assert ours["Authorization"] == authorization
    assert ours["X-Amz-Content-SHA256"] == payload_hash


def test_query_values_are_percent_encoded_and_flags_stay_bare():
    query = signing.build_query(
        [("ostor-users", None), ("emailAddress", "a+b&c=d%e f@ü.com"), ("genKey", None)]
    )

    assert query == "ostor-users&emailAddress=a%2Bb%26c%3Dd%25e%20f%40%C3%BC.com&genKey"
