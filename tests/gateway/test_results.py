"""Parsing what gateways send, which is not always what the manual shows."""

from decimal import Decimal

import pytest

from staas_portal.gateway.errors import GatewayProtocolError, error_details
from staas_portal.gateway.results import Bucket, Limits, Quota, UsageListing, UsageObject, User

MANUAL_USER = {
    "UserEmail": "client@example.com",
    "UserId": "ca55631f9f3d59dc",
    "State": "enabled",
    "OwnerId": "0000000000000000",
    "Flags": [],
    "AWSAccessKeys": [
        {"AWSAccessKeyId": "ca55631f9f3d59dcDF4M", "AWSSecretAccessKey": "QCbj17Bzeepy"},
        {"AWSAccessKeyId": "ca55631f9f3d59dcZMDX", "AWSSecretAccessKey": "ffWvnOcNiH0j"},
    ],
}


def test_a_user_is_read_as_the_manual_shows_it():
    user = User.parse(MANUAL_USER)

    assert (user.user_id, user.email, user.enabled) == (
        "ca55631f9f3d59dc",
        MANUAL_USER["UserEmail"],
        True,
    )
    assert [pair.access_key_id for pair in user.key_pairs] == [
        "ca55631f9f3d59dcDF4M",
        "ca55631f9f3d59dcZMDX",
    ]


def test_unknown_fields_are_ignored():
    user = User.parse({**MANUAL_USER, "AccountCount": "0", "Accounts": [], "Space": {"x": 1}})

    assert user.user_id == "ca55631f9f3d59dc"


def test_a_secret_never_shows_in_a_repr():
    user = User.parse(MANUAL_USER)

    assert "QCbj17Bzeepy" not in repr(user)


@pytest.mark.parametrize("wrap", [lambda users: users, lambda users: {"Users": users}])
def test_a_user_list_comes_bare_or_wrapped(wrap):
    users = User.parse_list(wrap([MANUAL_USER, {**MANUAL_USER, "UserId": "b81d6c5f895a8c86"}]))

    assert [user.user_id for user in users] == ["ca55631f9f3d59dc", "b81d6c5f895a8c86"]


def test_a_user_without_an_id_is_a_protocol_error():
    with pytest.raises(GatewayProtocolError, match="no UserId"):
        User.parse({"UserEmail": "x@example.com"})


def test_bucket_sizes_come_as_numbers_or_strings_and_beyond_32_bits():
    buckets = Bucket.parse_list(
        {
            "Buckets": [
                {
                    "name": "data",
                    "owner_id": "ba7eba06129464c5",
                    "creation_date": "2018-05-25T17:12:00.000Z",
                    "size": {
                        "current": "46700160",
                        "hmax": 9_000_000_000,
                        "h_integral": "28160196480",
                    },
                }
            ]
        }
    )

    bucket = buckets[0]
    assert (bucket.size_current, bucket.size_hmax) == (46_700_160, 9_000_000_000)
    assert bucket.size_h_integral == 28_160_196_480
    assert bucket.created.year == 2018


def test_limits_are_read_from_strings_with_decimals():
    limits = Limits.parse(
        {"ops:default": "0.00", "ops:get": "3600.00", "ops:put": 5, "bandwidth:out": "100"}
    )

    assert limits.ops["get"] == Decimal("3600.00")
    assert limits.ops["put"] == 5
    assert limits.ops["delete"] == 0
    assert limits.bandwidth["out"] == 100


@pytest.mark.parametrize(("raw_type", "kind"), [(0, "user"), (1, "bucket"), ("bucket", "bucket")])
def test_a_quota_type_comes_as_a_number_or_a_word(raw_type, kind):
    quota = Quota.parse({"version": "1", "type": raw_type, "size": "250"})

    assert (quota.kind, quota.size_gb) == (kind, 250)


def test_an_old_gateways_usage_listing_says_it_does_not_page():
    listing = UsageListing.parse({"nr_items": 1, "items": ["s3-usage-1"]})

    assert listing.paging_supported is False
    assert listing.names == ("s3-usage-1",)


def test_usage_counters_are_64_bit():
    document = {
        "fmt_version": 1,
        "service_id": 8000000000000065,
        "start_ts": 1485966714,
        "period": 1390,
        "items": [
            {
                "key": {
                    "bucket": "client",
                    "epoch": 98309,
                    "user_id": "b81d6c5f895a8c86",
                    "tag": "",
                },
                "counters": {
                    "ops": {"put": 1, "get": "3", "list": 0, "other": 0},
                    "net_io": {"uploaded": 41258, "downloaded": "18446744073709551000"},
                },
            }
        ],
    }

    usage = UsageObject.parse("s3-usage-8000000000000065", document)

    assert usage.items[0].downloaded == 18_446_744_073_709_551_000
    assert usage.items[0].ops_get == 3
    assert usage.service_id == "8000000000000065"


@pytest.mark.parametrize(
    ("headers", "body", "expected"),
    [
        ({}, b"<Error><Code>NoSuchUser</Code><Message>No such user</Message></Error>",
         ("No such user", "NoSuchUser")),
        ({}, b'{"code": "UserHasBuckets", "message": "owns 2 buckets"}',
         ("owns 2 buckets", "UserHasBuckets")),
        ({"X-Amz-Err-Message": "Access key limit reached"}, b"", ("Access key limit reached", "")),
        ({}, b"", ("HTTP 400 Bad Request", "")),
        ({}, b"<html>proxy error</html>", ("HTTP 400 Bad Request", "")),
    ],
)  # fmt: skip
def test_the_gateways_message_is_found_wherever_it_is(headers, body, expected):
    assert error_details(400, "Bad Request", headers, body) == expected
