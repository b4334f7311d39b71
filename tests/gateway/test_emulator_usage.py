"""Usage statistics: counting S3 traffic, closing periods, reading and paging objects."""

import re
import time
from datetime import UTC, datetime
from urllib.error import HTTPError

import pytest

from staas_portal.gateway.emulator import EmulatorServer, usage
from staas_portal.gateway.emulator.state import record_size_change

USAGE = ("ostor-usage", None)
NAME = re.compile(r"s3-usage-8000000000000065-\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z-(\d+)")


@pytest.fixture
def customer(gateway_emulator):
    return gateway_emulator.create_customer("client@example.com")


def test_object_names_read_like_the_manuals():
    start = int(datetime(2017, 2, 1, 16, 31, 54, tzinfo=UTC).timestamp())

    name = usage.object_name("8000000000000065", start, 1800)

    assert name == "s3-usage-8000000000000065-2017-02-01T16:31:54.000Z-1800"


def test_h_integral_adds_the_size_held_over_whole_hours():
    hour = 3600
    size = {"current": 0, "h_integral": 0, "hmax": 0, "last_ts": 100}

    record_size_change(size, 1000, 100 * hour + 10)
    record_size_change(size, 500, 103 * hour + 5)
    record_size_change(size, -1500, 104 * hour)

    assert size == {"current": 0, "h_integral": 1000 * 3 + 1500 * 1, "hmax": 1500, "last_ts": 104}


def test_traffic_is_counted_per_user_and_bucket_and_written_at_period_end(
    gateway_emulator, customer
):
    s3 = gateway_emulator.s3_client(customer.access_key, customer.secret_key)
    s3.create_bucket(Bucket="photos")
    s3.put_object(Bucket="photos", Key="a", Body=b"x" * 300)
    s3.get_object(Bucket="photos", Key="a")["Body"].read()
    s3.get_object(Bucket="photos", Key="a")["Body"].read()
    s3.list_objects_v2(Bucket="photos")
    s3.list_buckets()

    name = gateway_emulator.end_period()
    listing = gateway_emulator.admin("GET", [USAGE]).json()
    document = gateway_emulator.admin("GET", [USAGE, ("obj", name)]).json()

    assert NAME.fullmatch(name).group(1) == "3600"
    assert listing == {"nr_items": 1, "truncated": False, "items": [name]}
    assert document["fmt_version"] == 1
    assert document["service_id"] == 8000000000000065
    assert document["nr_items"] == 2
    assert isinstance(document["start_ts"], int)
    assert isinstance(document["period"], int)
    items = {item["key"]["bucket"]: item for item in document["items"]}
    assert items["photos"]["key"] == {
        "bucket": "photos", "epoch": 0, "user_id": customer.user_id, "tag": "",
    }  # fmt: skip
    photos = items["photos"]["counters"]
    assert photos["ops"] == {"put": 1, "get": 2, "list": 1, "other": 1}
    assert photos["net_io"]["uploaded"] == 300
    assert photos["net_io"]["downloaded"] > 600
    assert items[""]["counters"]["ops"] == {"put": 0, "get": 0, "list": 0, "other": 1}


def test_nothing_counted_writes_no_object(gateway_emulator):
    gateway_emulator.admin("GET", [("ostor-users", None)])

    assert gateway_emulator.end_period() is None
    assert gateway_emulator.admin("GET", [USAGE]).json()["items"] == []


def test_each_period_holds_only_its_own_traffic(gateway_emulator, customer):
    s3 = gateway_emulator.s3_client(customer.access_key, customer.secret_key)
    s3.list_buckets()
    first = gateway_emulator.end_period()
    s3.list_buckets()
    s3.list_buckets()

    second = gateway_emulator.end_period()

    assert first != second
    document = gateway_emulator.admin("GET", [USAGE, ("obj", second)]).json()
    assert document["items"][0]["counters"]["ops"]["other"] == 2


def test_a_statistics_object_is_deleted(gateway_emulator, customer):
    gateway_emulator.s3_client(customer.access_key, customer.secret_key).list_buckets()
    name = gateway_emulator.end_period()

    deleted = gateway_emulator.admin("DELETE", [USAGE, ("obj", name)])
    again = gateway_emulator.admin("GET", [USAGE, ("obj", name)])

    assert deleted.status == 204
    assert (again.status, again.error_code) == (404, "NoSuchKey")
    assert gateway_emulator.admin("DELETE", [USAGE, ("obj", name)]).status == 404


def test_the_period_timer_writes_objects_on_its_own(tmp_path):
    server = EmulatorServer(
        state_path=tmp_path / "state.json", access_key="SYSKEY", secret_key="s", period=1
    ).start()
    try:
        with server.store.change() as data:
            usage.count(data, user_id="u1", bucket="b", op="get", uploaded=0, downloaded=5)
        deadline = time.monotonic() + 5
        while not server.store.data["usage"]["objects"] and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        server.stop()

    [name] = server.store.data["usage"]["objects"]
    assert name.endswith("-1")


def test_generated_objects_are_deterministic_and_large(gateway_emulator, customer):
    answer = gateway_emulator.control(
        "POST", "usage/generate", {"objects": 3, "items": 4, "start_ts": 1_700_000_000}
    )

    names = answer["names"]
    assert names == sorted(names)
    assert names[0] == "s3-usage-8000000000000065-2023-11-14T22:13:20.000Z-3600"
    first = gateway_emulator.admin("GET", [USAGE, ("obj", names[0])]).json()
    again = gateway_emulator.admin("GET", [USAGE, ("obj", names[0])]).json()
    assert first == again
    assert first["nr_items"] == 4
    assert {item["key"]["user_id"] for item in first["items"]} == {customer.user_id}
    counters = [item["counters"] for item in first["items"]]
    assert all(value > 0 for c in counters for value in c["ops"].values())
    assert all(c["net_io"]["downloaded"] > 2**32 for c in counters)


def test_generated_objects_take_the_given_user_ids(gateway_emulator):
    names = gateway_emulator.control(
        "POST", "usage/generate", {"objects": 1, "items": 3, "user_ids": ["aaaa", "bbbb"]}
    )["names"]

    document = gateway_emulator.admin("GET", [USAGE, ("obj", names[0])]).json()

    assert [item["key"]["user_id"] for item in document["items"]] == ["aaaa", "bbbb", "aaaa"]


def test_deleting_a_generated_object_leaves_the_others(gateway_emulator):
    generate = {"objects": 3, "items": 1, "start_ts": 1_700_000_000}
    names = gateway_emulator.control("POST", "usage/generate", generate)["names"]

    deleted = gateway_emulator.admin("DELETE", [USAGE, ("obj", names[1])])

    listed = gateway_emulator.admin("GET", [USAGE]).json()["items"]
    again = gateway_emulator.admin("DELETE", [USAGE, ("obj", names[1])])
    assert deleted.status == 204
    assert listed == [names[0], names[2]]
    assert gateway_emulator.admin("GET", [USAGE, ("obj", names[1])]).status == 404
    assert again.status == 404
    assert gateway_emulator.state()["usage"]["batches"][0]["deleted"] == [1]


def test_generating_over_taken_names_moves_the_new_ones_on(gateway_emulator):
    generate = {"objects": 2, "items": 1, "start_ts": 1_700_000_000}
    first = gateway_emulator.control("POST", "usage/generate", generate)["names"]

    second = gateway_emulator.control("POST", "usage/generate", generate)["names"]

    listed = gateway_emulator.admin("GET", [USAGE]).json()["items"]
    assert sorted(listed) == sorted(first + second)
    assert len(set(listed)) == 4
    assert gateway_emulator.admin("GET", [USAGE, ("obj", second[0])]).status == 200


def test_the_listing_pages_after_a_name(gateway_emulator):
    names = gateway_emulator.control("POST", "usage/generate", {"objects": 5, "items": 1})["names"]

    first = gateway_emulator.admin("GET", [USAGE, ("limit", "2")]).json()
    last = gateway_emulator.admin("GET", [USAGE, ("after", names[2]), ("limit", "2")]).json()

    assert first == {"nr_items": 2, "truncated": True, "items": names[:2]}
    assert last == {"nr_items": 2, "truncated": False, "items": names[3:]}


@pytest.mark.parametrize("limit", ["0", "-1", "many"])
def test_it_refuses_a_bad_page_size(gateway_emulator, limit):
    answer = gateway_emulator.admin("GET", [USAGE, ("limit", limit)])

    assert (answer.status, answer.error_code) == (400, "InvalidArgument")


@pytest.mark.parametrize(
    "document",
    [{"objects": -1}, {"objects": "3"}, {"items": True}, {"user_ids": []}, {"colour": "red"}],
)
def test_it_refuses_bad_generate_settings(gateway_emulator, document):
    with pytest.raises(HTTPError) as refusal:
        gateway_emulator.control("POST", "usage/generate", document)

    assert refusal.value.code == 400
