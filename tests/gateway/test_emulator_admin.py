"""The emulator's admin API over real HTTP, signed here with the signing module."""

import re

import pytest

USERS = ("ostor-users", None)
BUCKETS = ("ostor-buckets", None)
LIMITS = ("ostor-limits", None)
QUOTAS = ("ostor-quotas", None)


def by_email(email):
    return ("emailAddress", email)


@pytest.fixture
def customer(gateway_emulator):
    return gateway_emulator.create_customer("client@example.com")


def test_it_creates_a_user_with_one_key_pair(gateway_emulator):
    answer = gateway_emulator.admin("PUT", [USERS, by_email("client@example.com")])

    assert answer.status == 200
    assert answer.headers["Content-Type"] == "application/json"
    document = answer.json()
    assert document["UserEmail"] == "client@example.com"
    assert re.fullmatch(r"[0-9a-f]{16}", document["UserId"])
    [pair] = document["AWSAccessKeys"]
    assert re.fullmatch(document["UserId"] + r"[A-Z0-9]{4}", pair["AWSAccessKeyId"])
    assert re.fullmatch(r"[A-Za-z0-9]{40}", pair["AWSSecretAccessKey"])


def test_it_refuses_an_email_already_taken(gateway_emulator, customer):
    answer = gateway_emulator.admin("PUT", [USERS, by_email(customer.email)])

    assert answer.status == 409
    assert answer.error_code == "UserAlreadyExists"
    assert customer.email in answer.headers["X-Amz-Err-Message"]


def test_it_takes_an_email_with_plus_and_ampersand_percent_encoded(gateway_emulator):
    email = "a+b&c@example.com"

    created = gateway_emulator.admin("PUT", [USERS, by_email(email)])
    shown = gateway_emulator.admin("GET", [USERS, by_email(email)])

    assert created.json()["UserEmail"] == email
    assert shown.json()["UserEmail"] == email


def test_it_lists_users_as_a_bare_array_with_the_system_user_flagged(gateway_emulator, customer):
    users = gateway_emulator.admin("GET", [USERS]).json()

    flags = {user["UserEmail"]: user["Flags"] for user in users}
    assert flags[customer.email] == []
    assert ["system"] in flags.values()
    assert {user["State"] for user in users} == {"enabled"}
    assert {user["OwnerId"] for user in users} == {"0000000000000000"}


@pytest.mark.parametrize("selector", ["emailAddress", "id"])
def test_it_shows_one_user_with_the_key_pairs(gateway_emulator, customer, selector):
    value = customer.email if selector == "emailAddress" else customer.user_id

    document = gateway_emulator.admin("GET", [USERS, (selector, value)]).json()

    assert document["UserId"] == customer.user_id
    assert document["State"] == "enabled"
    assert document["Flags"] == []
    assert document["AWSAccessKeys"] == [
        {"AWSAccessKeyId": customer.access_key, "AWSSecretAccessKey": customer.secret_key}
    ]


def test_it_answers_404_for_a_missing_user(gateway_emulator):
    answer = gateway_emulator.admin("GET", [USERS, by_email("nobody@example.com")])

    assert answer.status == 404
    assert answer.error_code == "NoSuchUser"


def test_it_refuses_email_and_id_together(gateway_emulator, customer):
    pairs = [USERS, by_email(customer.email), ("id", customer.user_id)]

    answer = gateway_emulator.admin("GET", pairs)

    assert answer.status == 400
    assert answer.error_code == "InvalidArgument"


def test_it_disables_and_enables_a_user(gateway_emulator, customer):
    disabled = gateway_emulator.admin("POST", [USERS, by_email(customer.email), ("disable", None)])
    state_after_disable = gateway_emulator.admin("GET", [USERS, by_email(customer.email)])
    enabled = gateway_emulator.admin("POST", [USERS, by_email(customer.email), ("enable", None)])
    state_after_enable = gateway_emulator.admin("GET", [USERS, by_email(customer.email)])

    assert (disabled.status, disabled.body) == (200, b"")
    assert state_after_disable.json()["State"] == "disabled"
    assert (enabled.status, enabled.body) == (200, b"")
    assert state_after_enable.json()["State"] == "enabled"


def test_it_generates_a_second_key_pair_and_refuses_a_third(gateway_emulator, customer):
    pairs = [USERS, by_email(customer.email), ("genKey", None)]

    second = gateway_emulator.admin("POST", pairs)
    third = gateway_emulator.admin("POST", pairs)

    assert second.status == 200
    [new_pair] = second.json()["AWSAccessKeys"]
    assert new_pair["AWSAccessKeyId"] != customer.access_key
    assert third.status == 409
    assert third.error_code == "TooManyAccessKeys"
    assert "at most 2" in third.headers["X-Amz-Err-Message"]


def test_it_revokes_a_key_and_refuses_one_the_user_lacks(gateway_emulator, customer):
    user = [USERS, by_email(customer.email)]

    revoked = gateway_emulator.admin("POST", [*user, ("revokeKey", customer.access_key)])
    again = gateway_emulator.admin("POST", [*user, ("revokeKey", customer.access_key)])

    assert (revoked.status, revoked.body) == (200, b"")
    assert gateway_emulator.admin("GET", user).json()["AWSAccessKeys"] == []
    assert again.status == 404
    assert again.error_code == "NoSuchAccessKey"


def test_it_deletes_a_user_without_buckets(gateway_emulator, customer):
    deleted = gateway_emulator.admin("DELETE", [USERS, by_email(customer.email)])

    assert deleted.status == 204
    assert gateway_emulator.admin("GET", [USERS, by_email(customer.email)]).status == 404


def test_it_refuses_to_delete_a_user_who_owns_buckets(gateway_emulator, customer):
    s3 = gateway_emulator.s3_client(customer.access_key, customer.secret_key)
    s3.create_bucket(Bucket="photos")

    answer = gateway_emulator.admin("DELETE", [USERS, by_email(customer.email)])

    assert answer.status == 409
    assert answer.error_code == "UserHasBuckets"
    assert "photos" in answer.headers["X-Amz-Err-Message"]


def test_it_lists_buckets_with_their_sizes(gateway_emulator, customer):
    other = gateway_emulator.create_customer("other@example.com")
    s3 = gateway_emulator.s3_client(customer.access_key, customer.secret_key)
    s3.create_bucket(Bucket="photos")
    s3.put_object(Bucket="photos", Key="a", Body=b"x" * 100)
    s3.put_object(Bucket="photos", Key="b", Body=b"x" * 50)
    s3.delete_object(Bucket="photos", Key="a")
    gateway_emulator.s3_client(other.access_key, other.secret_key).create_bucket(Bucket="docs")

    everything = gateway_emulator.admin("GET", [BUCKETS]).json()["Buckets"]
    own = gateway_emulator.admin("GET", [BUCKETS, ("id", customer.user_id)]).json()["Buckets"]

    assert [bucket["name"] for bucket in everything] == ["docs", "photos"]
    [photos] = own
    assert photos["owner_id"] == customer.user_id
    assert photos["epoch"] == 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z", photos["creation_date"])
    assert photos["size"]["current"] == 50
    assert photos["size"]["hmax"] == 150
    assert set(photos["size"]) == {"current", "h_integral", "hmax", "last_ts"}


def test_it_deletes_an_empty_bucket_for_the_system_key(gateway_emulator, customer):
    s3 = gateway_emulator.s3_client(customer.access_key, customer.secret_key)
    s3.create_bucket(Bucket="full")
    s3.put_object(Bucket="full", Key="k", Body=b"1")
    s3.create_bucket(Bucket="empty")

    not_empty = gateway_emulator.admin("DELETE", [], path="/full")
    deleted = gateway_emulator.admin("DELETE", [], path="/empty")
    missing = gateway_emulator.admin("DELETE", [], path="/empty", signature="v4")

    assert (not_empty.status, not_empty.error_code) == (409, "BucketNotEmpty")
    assert deleted.status == 204
    assert (missing.status, missing.error_code) == (404, "NoSuchBucket")


def test_it_sets_reads_and_clears_user_limits(gateway_emulator, customer):
    user = [LIMITS, by_email(customer.email)]
    ops = [("limit-type", "ops"), ("limit-resource", "get"), ("limit-value", "3600")]
    bandwidth = [("limit-type", "bandwidth"), ("limit-resource", "out"), ("limit-value", "100")]

    set_ops = gateway_emulator.admin("PUT", [*user, *ops])
    gateway_emulator.admin("PUT", [*user, *bandwidth])
    limits = gateway_emulator.admin("GET", user).json()
    cleared = gateway_emulator.admin("DELETE", user)

    assert (set_ops.status, set_ops.body) == (200, b"")
    assert limits == {
        "ops:default": "0.00",
        "ops:get": "3600.00",
        "ops:put": "0.00",
        "ops:list": "0.00",
        "ops:delete": "0.00",
        "bandwidth:out": "100",
    }
    assert cleared.status == 204
    assert set(gateway_emulator.admin("GET", user).json().values()) == {"0.00", "0"}


def test_it_sets_bucket_limits(gateway_emulator, customer):
    gateway_emulator.s3_client(customer.access_key, customer.secret_key).create_bucket(
        Bucket="bucket1"
    )
    setting = [("limit-type", "ops"), ("limit-resource", "put"), ("limit-value", "12.5")]

    gateway_emulator.admin("PUT", [LIMITS, ("bucket", "bucket1"), *setting])

    assert (
        gateway_emulator.admin("GET", [LIMITS, ("bucket", "bucket1")]).json()["ops:put"] == "12.50"
    )


@pytest.mark.parametrize(
    "setting",
    [
        [("limit-type", "iops"), ("limit-resource", "get"), ("limit-value", "1")],
        [("limit-type", "ops"), ("limit-resource", "out"), ("limit-value", "1")],
        [("limit-type", "bandwidth"), ("limit-resource", "in"), ("limit-value", "1")],
        [("limit-type", "ops"), ("limit-resource", "get"), ("limit-value", "fast")],
        [("limit-type", "ops"), ("limit-resource", "get"), ("limit-value", "-1")],
        [("limit-type", "ops"), ("limit-resource", "get")],
    ],
)
def test_it_refuses_bad_limits(gateway_emulator, customer, setting):
    answer = gateway_emulator.admin("PUT", [LIMITS, by_email(customer.email), *setting])

    assert answer.status == 400
    assert answer.error_code == "InvalidArgument"


@pytest.mark.parametrize(
    ("selector", "code"),
    [(by_email("nobody@example.com"), "NoSuchUser"), (("bucket", "no"), "NoSuchBucket")],
)
def test_it_answers_404_for_limits_of_nothing(gateway_emulator, selector, code):
    answer = gateway_emulator.admin("GET", [LIMITS, selector])

    assert (answer.status, answer.error_code) == (404, code)


@pytest.mark.parametrize(
    ("selector", "kind"),
    [("email", 0), ("id", 0), ("bucket", 1), ("default-user", 0), ("default-bucket", 1)],
)
def test_it_sets_reads_and_resets_quotas(gateway_emulator, customer, selector, kind):
    gateway_emulator.s3_client(customer.access_key, customer.secret_key).create_bucket(
        Bucket="bucket1"
    )
    target = {
        "email": by_email(customer.email),
        "id": ("id", customer.user_id),
        "bucket": ("bucket", "bucket1"),
        "default-user": ("default", "user"),
        "default-bucket": ("default", "bucket"),
    }[selector]

    set_answer = gateway_emulator.admin("PUT", [QUOTAS, target, ("quota-size", "25")])
    read = gateway_emulator.admin("GET", [QUOTAS, target]).json()
    deleted = gateway_emulator.admin("DELETE", [QUOTAS, target])

    assert (set_answer.status, set_answer.body) == (200, b"")
    assert read == {"version": 1, "type": kind, "size": 25}
    assert deleted.status == 204
    assert gateway_emulator.admin("GET", [QUOTAS, target]).json()["size"] == 0


@pytest.mark.parametrize(
    "pairs",
    [
        [QUOTAS, ("default", "user"), ("quota-size", "-1")],
        [QUOTAS, ("default", "user"), ("quota-size", "1.5")],
        [QUOTAS, ("default", "user")],
        [QUOTAS, ("default", "everyone"), ("quota-size", "1")],
        [QUOTAS, ("quota-size", "1")],
    ],
)
def test_it_refuses_bad_quotas(gateway_emulator, pairs):
    answer = gateway_emulator.admin("PUT", pairs)

    assert (answer.status, answer.error_code) == (400, "InvalidArgument")


def test_it_answers_400_for_an_unknown_service(gateway_emulator):
    answer = gateway_emulator.admin("GET", [("ostor-accounts", None)])

    assert (answer.status, answer.error_code) == (400, "InvalidArgument")


def test_it_answers_405_for_a_method_the_service_lacks(gateway_emulator):
    answer = gateway_emulator.admin("PUT", [BUCKETS])

    assert answer.status == 405


def test_it_answers_admin_calls_signed_with_v4(gateway_emulator):
    created = gateway_emulator.admin("PUT", [USERS, by_email("v4@example.com")], signature="v4")
    listed = gateway_emulator.admin("GET", [USERS], signature="v4")

    assert created.status == 200
    assert "v4@example.com" in {user["UserEmail"] for user in listed.json()}
