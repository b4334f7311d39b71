"""Feature switches (older and odder gateways) and injected faults on admin calls."""

import http.client
import json
import time
from urllib.error import HTTPError

import pytest
from botocore.exceptions import ClientError

USERS = ("ostor-users", None)


def by_email(email):
    return ("emailAddress", email)


@pytest.fixture
def customer(gateway_emulator):
    return gateway_emulator.create_customer("client@example.com")


def user_emails(gateway_emulator) -> set[str]:
    return {user["email"] for user in gateway_emulator.state()["users"].values()}


# Feature switches


def test_without_quotas_every_quota_call_is_501(gateway_emulator):
    gateway_emulator.set_features(quotas=False)

    for method in ("GET", "PUT", "DELETE"):
        answer = gateway_emulator.admin(
            method, [("ostor-quotas", None), ("default", "user"), ("quota-size", "1")]
        )
        assert (answer.status, answer.error_code) == (501, "NotImplemented")


def test_without_select_by_id_an_id_asks_for_the_email(gateway_emulator, customer):
    gateway_emulator.set_features(select_by_id=False)

    by_id = gateway_emulator.admin("GET", [USERS, ("id", customer.user_id)])
    by_mail = gateway_emulator.admin("GET", [USERS, by_email(customer.email)])

    assert (by_id.status, by_id.error_code) == (400, "InvalidArgument")
    assert by_id.headers["X-Amz-Err-Message"] == "emailAddress is required"
    assert by_mail.status == 200


def test_without_usage_paging_the_whole_list_comes_without_truncated(gateway_emulator):
    gateway_emulator.control("POST", "usage/generate", {"objects": 3, "items": 1})
    gateway_emulator.set_features(usage_paging=False)

    listing = gateway_emulator.admin("GET", [("ostor-usage", None), ("limit", "1")]).json()

    assert listing["nr_items"] == 3
    assert len(listing["items"]) == 3
    assert "truncated" not in listing


def test_a_wrapped_user_list(gateway_emulator, customer):
    gateway_emulator.set_features(wrap_user_list=True)

    document = gateway_emulator.admin("GET", [USERS]).json()

    assert customer.email in {user["UserEmail"] for user in document["Users"]}


@pytest.mark.parametrize(
    ("style", "body_starts", "has_header"),
    [("xml", b"<?xml", True), ("json", b"{", False), ("header", b"", True), ("bare", b"", False)],
)
def test_error_styles(gateway_emulator, style, body_starts, has_header):
    gateway_emulator.set_features(error_style=style)

    answer = gateway_emulator.admin("GET", [USERS, by_email("nobody@example.com")])

    assert answer.status == 404
    assert answer.body.startswith(body_starts)
    assert bool(body_starts) == bool(answer.body)
    assert ("X-Amz-Err-Message" in answer.headers) is has_header
    if style == "json":
        assert answer.json() == {
            "code": "NoSuchUser",
            "message": "The user nobody@example.com does not exist",
        }


def test_the_data_plane_keeps_s3_errors_whatever_the_style(gateway_emulator, customer):
    gateway_emulator.set_features(error_style="bare")
    s3 = gateway_emulator.s3_client(customer.access_key, customer.secret_key)

    with pytest.raises(ClientError) as refusal:
        s3.list_objects(Bucket="nothing-here")

    assert refusal.value.response["Error"]["Code"] == "NoSuchBucket"


def test_features_are_read_and_refused_when_unknown(gateway_emulator):
    features = gateway_emulator.control("GET", "features")

    with pytest.raises(HTTPError) as unknown:
        gateway_emulator.set_features(colour="red")
    with pytest.raises(HTTPError) as bad_style:
        gateway_emulator.set_features(error_style="yaml")

    assert features == {
        "quotas": True,
        "select_by_id": True,
        "usage_paging": True,
        "wrap_user_list": False,
        "error_style": "xml",
    }
    assert unknown.value.code == bad_style.value.code == 400


def test_reset_empties_the_cluster_but_keeps_the_system_key(gateway_emulator, customer):
    gateway_emulator.set_features(quotas=False)
    gateway_emulator.set_faults(fail_every=5)

    gateway_emulator.control("POST", "reset")

    assert customer.email not in user_emails(gateway_emulator)
    assert gateway_emulator.admin("GET", [USERS]).status == 200
    assert gateway_emulator.control("GET", "features")["quotas"] is True
    assert gateway_emulator.control("GET", "faults")["fail_every"] == 0


# Faults


@pytest.mark.parametrize("phase", ["before", "after"])
def test_fail_every_answers_500_on_every_nth_call(gateway_emulator, phase):
    gateway_emulator.set_faults(fail_every=2, phase=phase)

    statuses = [
        gateway_emulator.admin("PUT", [USERS, by_email(f"u{n}@example.com")]).status
        for n in range(4)
    ]

    assert statuses == [200, 500, 200, 500]
    created = {"u0@example.com", "u2@example.com"}
    if phase == "after":
        created |= {"u1@example.com", "u3@example.com"}
    assert created == user_emails(gateway_emulator) - {"system@emulator.invalid"}


def test_a_method_limits_the_faults_to_its_own_calls(gateway_emulator):
    gateway_emulator.set_faults(fail_every=2, method="PUT")

    statuses = [
        call().status
        for call in [
            lambda: gateway_emulator.admin("PUT", [USERS, by_email("u0@example.com")]),
            lambda: gateway_emulator.admin("GET", [USERS]),
            lambda: gateway_emulator.admin("GET", [USERS]),
            lambda: gateway_emulator.admin("PUT", [USERS, by_email("u1@example.com")]),
        ]
    ]

    assert statuses == [200, 200, 200, 500]
    assert gateway_emulator.control("GET", "faults")["calls"] == 2


def test_a_failure_carries_an_internal_error(gateway_emulator):
    gateway_emulator.set_faults(fail_every=1)

    answer = gateway_emulator.admin("GET", [USERS])

    assert (answer.status, answer.error_code) == (500, "InternalError")


@pytest.mark.parametrize("phase", ["before", "after"])
def test_malformed_every_answers_200_with_broken_json(gateway_emulator, phase):
    gateway_emulator.set_faults(malformed_every=1, phase=phase)

    answer = gateway_emulator.admin("PUT", [USERS, by_email("new@example.com")])

    assert answer.status == 200
    with pytest.raises(json.JSONDecodeError):
        answer.json()
    assert ("new@example.com" in user_emails(gateway_emulator)) is (phase == "after")


@pytest.mark.parametrize("phase", ["before", "after"])
def test_drop_every_closes_the_connection_unanswered(gateway_emulator, phase):
    gateway_emulator.set_faults(drop_every=1, phase=phase)

    with pytest.raises(http.client.RemoteDisconnected):
        gateway_emulator.admin("PUT", [USERS, by_email("new@example.com")])

    assert ("new@example.com" in user_emails(gateway_emulator)) is (phase == "after")


def test_a_dropped_bucket_delete_happens_after_but_not_before(gateway_emulator, customer):
    s3 = gateway_emulator.s3_client(customer.access_key, customer.secret_key)
    s3.create_bucket(Bucket="photos")
    gateway_emulator.set_faults(drop_every=1, phase="before")

    with pytest.raises(http.client.RemoteDisconnected):
        gateway_emulator.admin("DELETE", [], path="/photos")
    kept = "photos" in gateway_emulator.state()["buckets"]
    gateway_emulator.set_faults(drop_every=1, phase="after")
    with pytest.raises(http.client.RemoteDisconnected):
        gateway_emulator.admin("DELETE", [], path="/photos")

    assert kept
    assert "photos" not in gateway_emulator.state()["buckets"]


def test_a_delay_holds_every_admin_call(gateway_emulator):
    gateway_emulator.set_faults(delay_seconds=0.2)

    started = time.monotonic()
    answer = gateway_emulator.admin("GET", [USERS])

    assert answer.status == 200
    assert time.monotonic() - started >= 0.2


def test_times_faults_only_the_chosen_call(gateway_emulator, customer):
    gateway_emulator.set_faults(fail_every=3, method="POST", times=1)
    actions = [("disable", None), ("enable", None)] * 3

    statuses = [
        gateway_emulator.admin("POST", [USERS, by_email(customer.email), action]).status
        for action in actions
    ]

    assert statuses == [200, 200, 500, 200, 200, 200]
    faults = gateway_emulator.control("GET", "faults")
    assert (faults["calls"], faults["faulted"]) == (6, 1)


def timed_list(gateway_emulator) -> float:
    started = time.monotonic()
    assert gateway_emulator.admin("GET", [USERS]).status == 200
    return time.monotonic() - started


def test_slow_every_holds_only_every_nth_call(gateway_emulator):
    gateway_emulator.set_faults(delay_seconds=0.3, slow_every=2, method="GET", times=1)

    elapsed = [timed_list(gateway_emulator) for _ in range(4)]

    assert [seconds >= 0.3 for seconds in elapsed] == [False, True, False, False]


def test_a_slow_answer_after_the_change_finds_the_change_made(gateway_emulator):
    gateway_emulator.set_faults(delay_seconds=2, phase="after", method="PUT")

    with pytest.raises(TimeoutError):
        gateway_emulator.admin("PUT", [USERS, by_email("slow@example.com")], timeout=0.3)

    assert "slow@example.com" in user_emails(gateway_emulator)


def test_a_slow_call_dropped_before_the_change_makes_none(gateway_emulator):
    gateway_emulator.set_faults(delay_seconds=0.3, drop_every=1, method="PUT")
    started = time.monotonic()

    with pytest.raises(http.client.RemoteDisconnected):
        gateway_emulator.admin("PUT", [USERS, by_email("stalled@example.com")])

    assert time.monotonic() - started >= 0.3
    assert "stalled@example.com" not in user_emails(gateway_emulator)


def test_a_slow_call_before_the_change_makes_it_late(gateway_emulator):
    gateway_emulator.set_faults(delay_seconds=0.5, method="PUT")

    with pytest.raises(TimeoutError):
        gateway_emulator.admin("PUT", [USERS, by_email("late@example.com")], timeout=0.2)
    made_at_once = "late@example.com" in user_emails(gateway_emulator)
    time.sleep(0.6)

    assert not made_at_once
    assert "late@example.com" in user_emails(gateway_emulator)


def test_a_client_gone_from_a_slow_answer_leaves_the_emulator_serving(gateway_emulator, capsys):
    gateway_emulator.set_faults(delay_seconds=0.4, phase="after", method="PUT", times=1)
    with pytest.raises(TimeoutError):
        gateway_emulator.admin("PUT", [USERS, by_email("gone@example.com")], timeout=0.1)

    time.sleep(0.6)

    assert gateway_emulator.admin("GET", [USERS]).status == 200
    assert "Traceback" not in capsys.readouterr().err


def test_faults_spare_the_data_plane_and_control_calls(gateway_emulator, customer):
    s3 = gateway_emulator.s3_client(customer.access_key, customer.secret_key)
    gateway_emulator.set_faults(fail_every=1)

    s3.create_bucket(Bucket="photos")
    s3.list_buckets()

    assert "photos" in gateway_emulator.state()["buckets"]


def test_cleared_faults_let_calls_through(gateway_emulator):
    gateway_emulator.set_faults(fail_every=1)

    gateway_emulator.clear_faults()

    assert gateway_emulator.admin("GET", [USERS]).status == 200


@pytest.mark.parametrize(
    "faults",
    [
        {"fail_every": -1},
        {"fail_every": 1.5},
        {"delay_seconds": -1},
        {"phase": "during"},
        {"method": "PATCH"},
        {"times": -1},
        {"slow_every": 1.5},
        {"explode": True},
    ],
)
def test_bad_fault_settings_are_refused(gateway_emulator, faults):
    with pytest.raises(HTTPError) as refusal:
        gateway_emulator.set_faults(**faults)

    assert refusal.value.code == 400
