"""How the emulator refuses requests, as a gateway would: signatures, keys, clocks."""

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError

from staas_portal.gateway import signing
from staas_portal.gateway.emulator.control import is_loopback
from staas_portal.gateway.emulator.messages import Request
from tests.emulator_fixtures import send

USERS = [("ostor-users", None)]


@pytest.fixture
def customer(gateway_emulator):
    return gateway_emulator.create_customer("client@example.com")


def test_it_refuses_an_unsigned_request(gateway_emulator):
    answer = send(gateway_emulator.host, "GET", "/?ostor-users", {})

    assert (answer.status, answer.error_code) == (403, "AccessDenied")


@pytest.mark.parametrize("signature", ["v2", "v4"])
def test_it_refuses_an_unknown_key(gateway_emulator, signature):
    answer = gateway_emulator.admin("GET", USERS, signature=signature, access_key="NOSUCHKEY")

    assert (answer.status, answer.error_code) == (403, "InvalidAccessKeyId")


@pytest.mark.parametrize("signature", ["v2", "v4"])
def test_it_refuses_a_wrong_secret(gateway_emulator, signature):
    answer = gateway_emulator.admin("GET", USERS, signature=signature, secret_key="wrong")

    assert (answer.status, answer.error_code) == (403, "SignatureDoesNotMatch")


@pytest.mark.parametrize("signature", ["v2", "v4"])
@pytest.mark.parametrize("minutes", [-16, 16])
def test_it_refuses_a_skewed_clock(gateway_emulator, signature, minutes):
    now = datetime.now(UTC) + timedelta(minutes=minutes)

    answer = gateway_emulator.admin("GET", USERS, signature=signature, now=now)

    assert (answer.status, answer.error_code) == (403, "RequestTimeTooSkewed")


def test_it_takes_a_clock_fourteen_minutes_off(gateway_emulator):
    now = datetime.now(UTC) - timedelta(minutes=14)

    assert gateway_emulator.admin("GET", USERS, now=now).status == 200


def test_it_signs_v2_admin_calls_over_the_service_name_only(gateway_emulator):
    """The manual's recipe: what follows the first `&` is not signed, so changing it
    after signing goes unnoticed."""
    query = signing.build_query([("ostor-users", None), ("emailAddress", "a@example.com")])
    headers = signing.v2_admin_headers(
        method="GET",
        query=query,
        access_key=gateway_emulator.access_key,
        secret_key=gateway_emulator.secret_key,
        now=datetime.now(UTC),
    )

    answer = send(gateway_emulator.host, "GET", "/?ostor-users", headers)

    assert answer.status == 200


def test_it_takes_a_v2_admin_signature_that_covers_the_content_type(gateway_emulator):
    date = signing.http_date(datetime.now(UTC))
    string_to_sign = f"GET\n\napplication/json\n{date}\n/?ostor-users"
    signature = signing.v2_signature(gateway_emulator.secret_key, string_to_sign)
    headers = {
        "Date": date,
        "Content-Type": "application/json",
        "Authorization": f"AWS {gateway_emulator.access_key}:{signature}",
    }

    answer = send(gateway_emulator.host, "GET", "/?ostor-users", headers)

    assert answer.status == 200


@pytest.mark.parametrize("signature", ["v2", "v4"])
def test_it_refuses_a_customer_key_on_the_admin_api(gateway_emulator, customer, signature):
    answer = gateway_emulator.admin(
        "GET",
        USERS,
        signature=signature,
        access_key=customer.access_key,
        secret_key=customer.secret_key,
    )

    assert (answer.status, answer.error_code) == (403, "AccessDenied")


def test_it_refuses_a_customer_deleting_another_users_bucket(gateway_emulator, customer):
    other = gateway_emulator.create_customer("other@example.com")
    gateway_emulator.s3_client(other.access_key, other.secret_key).create_bucket(Bucket="theirs")

    answer = gateway_emulator.admin(
        "DELETE",
        [],
        path="/theirs",
        access_key=customer.access_key,
        secret_key=customer.secret_key,
    )

    assert (answer.status, answer.error_code) == (403, "AccessDenied")
    assert "theirs" in gateway_emulator.state()["buckets"]


def test_it_refuses_a_v4_scope_for_another_region(gateway_emulator):
    headers = signing.v4_headers(
        method="GET",
        host=gateway_emulator.host,
        path="/",
        query_pairs=USERS,
        body=b"",
        access_key=gateway_emulator.access_key,
        secret_key=gateway_emulator.secret_key,
        region="eu-west-2",
        now=datetime.now(UTC),
    )

    answer = send(gateway_emulator.host, "GET", "/?ostor-users", headers)

    assert (answer.status, answer.error_code) == (400, "AuthorizationHeaderMalformed")


def test_it_refuses_a_body_that_does_not_match_its_v4_hash(customer, gateway_emulator):
    s3 = gateway_emulator.s3_client(customer.access_key, customer.secret_key)
    s3.create_bucket(Bucket="photos")
    headers = signing.v4_headers(
        method="PUT",
        host=gateway_emulator.host,
        path="/photos/cat",
        query_pairs=[],
        body=b"signed body",
        access_key=customer.access_key,
        secret_key=customer.secret_key,
        region=gateway_emulator.region,
        now=datetime.now(UTC),
    )

    answer = send(gateway_emulator.host, "PUT", "/photos/cat", headers, body=b"other body")

    assert (answer.status, answer.error_code) == (400, "XAmzContentSHA256Mismatch")


def test_it_takes_an_unsigned_v4_payload(customer, gateway_emulator):
    gateway_emulator.s3_client(customer.access_key, customer.secret_key).create_bucket(
        Bucket="b-1"
    )
    moment = datetime.now(UTC)
    amz_date = moment.strftime("%Y%m%dT%H%M%SZ")
    headers = {
        "host": gateway_emulator.host,
        "x-amz-content-sha256": signing.UNSIGNED_PAYLOAD,
        "x-amz-date": amz_date,
    }
    canonical = signing.v4_canonical_request(
        method="PUT",
        path="/b-1/k",
        query_pairs=[],
        headers=headers,
        signed_headers=sorted(headers),
        payload_hash=signing.UNSIGNED_PAYLOAD,
    )
    scope = signing.v4_scope(amz_date[:8], gateway_emulator.region)
    signature = signing.v4_signature(
        customer.secret_key,
        amz_date[:8],
        gateway_emulator.region,
        signing.v4_string_to_sign(amz_date, scope, canonical),
    )
    headers["Authorization"] = (
        f"{signing.V4_ALGORITHM} Credential={customer.access_key}/{scope}, "
        f"SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature={signature}"
    )

    answer = send(gateway_emulator.host, "PUT", "/b-1/k", headers, body=b"data")

    assert answer.status == 200
    assert answer.headers["ETag"] == f'"{hashlib.md5(b"data", usedforsecurity=False).hexdigest()}"'


@pytest.mark.parametrize("signature_version", ["s3", "s3v4"])
def test_boto3_with_a_wrong_secret_is_refused(customer, gateway_emulator, signature_version):
    s3 = gateway_emulator.s3_client(customer.access_key, "wrong", signature=signature_version)

    with pytest.raises(ClientError) as refusal:
        s3.list_buckets()

    assert refusal.value.response["Error"]["Code"] == "SignatureDoesNotMatch"


@pytest.mark.parametrize(
    ("address", "loopback"),
    [("127.0.0.1", True), ("127.8.9.10", True), ("::1", True), ("::ffff:127.0.0.1", True)]
    + [("10.0.0.1", False), ("192.0.2.7", False), ("::ffff:10.0.0.1", False), ("x", False)],
)
def test_it_knows_loopback_addresses(address, loopback):
    assert is_loopback(address) is loopback


def test_it_refuses_control_calls_from_other_hosts(gateway_emulator):
    emulator = gateway_emulator.server.emulator
    request = Request("GET", "/_emulator/state", "", {}, client_ip="192.0.2.7")

    response = emulator.handle(request)

    assert response.status == 403
    assert b"secret" not in response.body


@pytest.mark.parametrize(
    ("authorization", "status", "code"),
    [
        ("Bearer abc", 400, "InvalidArgument"),
        ("AWS no-colon-here", 400, "InvalidArgument"),
        (f"{signing.V4_ALGORITHM} Credential=x", 400, "AuthorizationHeaderMalformed"),
        ("AWS {key}:s\u00efgn\u00e4ture", 403, "SignatureDoesNotMatch"),
    ],
)
def test_it_refuses_malformed_authorization_headers(gateway_emulator, authorization, status, code):
    headers = {
        "Date": signing.http_date(datetime.now(UTC)),
        "Authorization": authorization.format(key=gateway_emulator.access_key),
    }

    answer = send(gateway_emulator.host, "GET", "/?ostor-users", headers)

    assert (answer.status, answer.error_code) == (status, code)


def test_it_refuses_a_request_without_a_readable_date(gateway_emulator):
    headers = signing.v2_admin_headers(
        method="GET",
        query="ostor-users",
        access_key=gateway_emulator.access_key,
        secret_key=gateway_emulator.secret_key,
        now=datetime.now(UTC),
    )
    headers["Date"] = "yesterday"

    answer = send(gateway_emulator.host, "GET", "/?ostor-users", headers)

    assert (answer.status, answer.error_code) == (403, "AccessDenied")
