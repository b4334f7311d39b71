"""The harvest of statistics objects against the emulator, over HTTP."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from staas_portal.usage import services
from staas_portal.usage.models import HarvestedObject, HarvestRun, HourlyUsage, StorageSample
from tests.usage.statistics import PAST, counted, generate, listed_names, stored

pytestmark = pytest.mark.django_db


def harvest(cluster, **options):
    return services.usage_harvest(cluster=cluster, **options)


def test_it_adds_every_counter_and_deletes_the_objects(cluster, gateway_emulator):
    names = generate(gateway_emulator, objects=3, items=4, user_ids=["a1b2c3d4e5f60718"])
    expected = counted(gateway_emulator, names)

    report = harvest(cluster)

    assert stored() == expected
    assert (report.objects, report.items, report.deleted) == (3, 12, 3)
    assert listed_names(gateway_emulator) == []
    assert set(HarvestedObject.objects.values_list("name", flat=True)) == set(names)
    assert HarvestedObject.objects.filter(deleted_at__isnull=True).count() == 0
    assert set(HarvestedObject.objects.values_list("items", flat=True)) == {4}


def test_an_object_is_deleted_only_after_a_flush_that_follows_its_record(
    cluster, gateway_emulator, monkeypatch
):
    monkeypatch.setattr(services, "DURABLE_BATCH", 3)
    names = generate(gateway_emulator, objects=7, items=2)
    flushed_before: dict[str, set[str]] = {}
    durable: set[str] = set()
    flush, delete = services.flush_commits, services.GatewayWorkers.delete

    def flushing():
        flush()
        durable.update(HarvestedObject.objects.values_list("name", flat=True))

    def deleting(workers, name):
        flushed_before[name] = set(durable)
        return delete(workers, name)

    monkeypatch.setattr(services, "flush_commits", flushing)
    monkeypatch.setattr(services.GatewayWorkers, "delete", deleting)

    report = harvest(cluster)

    assert report.deleted == 7
    assert set(flushed_before) == set(names)
    assert all(name in flushed_before[name] for name in names)


def test_it_keeps_rows_per_user_bucket_and_hour(cluster, gateway_emulator):
    generate(gateway_emulator, objects=2, items=3, user_ids=["1111", "2222"])

    harvest(cluster)

    rows = HourlyUsage.objects.order_by("hour", "bucket")
    first_hour = datetime.fromtimestamp(PAST, UTC)
    assert [(row.hour, row.user_id, row.bucket) for row in rows] == [
        (first_hour, "1111", "bucket-00000"),
        (first_hour, "2222", "bucket-00001"),
        (first_hour, "1111", "bucket-00002"),
        (first_hour + timedelta(hours=1), "1111", "bucket-00000"),
        (first_hour + timedelta(hours=1), "2222", "bucket-00001"),
        (first_hour + timedelta(hours=1), "1111", "bucket-00002"),
    ]


def test_it_keeps_counters_past_32_bits(cluster, gateway_emulator):
    names = generate(gateway_emulator, objects=3, items=1, user_ids=["1111"])
    expected = counted(gateway_emulator, names)

    harvest(cluster)

    assert stored()["downloaded"] == expected["downloaded"]
    assert expected["downloaded"] > 3 * 2**32


def test_it_counts_real_requests_once_their_period_has_ended(
    cluster, provisioned, gateway_emulator
):
    account, first = provisioned
    s3 = gateway_emulator.s3_client(first.note.access_key_id, first.secret_access_key)
    s3.create_bucket(Bucket="photos")
    s3.put_object(Bucket="photos", Key="a.jpg", Body=b"x" * 5000)
    s3.get_object(Bucket="photos", Key="a.jpg")["Body"].read()
    s3.list_objects_v2(Bucket="photos")
    name = gateway_emulator.end_period()
    expected = counted(gateway_emulator, [name])

    early = harvest(cluster)
    after_the_period = harvest(cluster, now=timezone.now() + timedelta(hours=2))

    assert (early.objects, early.still_open) == (0, 1)
    assert stored(user_id=account.user_id, bucket="photos") == expected
    assert expected["ops_put"] == 1
    assert expected["uploaded"] >= 5000
    assert expected["downloaded"] >= 5000
    assert after_the_period.deleted == 1


def test_it_leaves_objects_with_a_1970_timestamp(cluster, gateway_emulator):
    names = generate(gateway_emulator, objects=1, items=2, start_ts=3600)

    report = harvest(cluster)

    assert (report.objects, report.unusable) == (0, 1)
    assert listed_names(gateway_emulator) == names
    assert HourlyUsage.objects.count() == 0


def test_it_follows_the_gateways_paging(cluster, gateway_emulator, monkeypatch):
    monkeypatch.setattr(services, "LISTING_PAGE", 3)
    names = generate(gateway_emulator, objects=8, items=2)
    expected = counted(gateway_emulator, names)

    report = harvest(cluster)

    assert report.objects == 8
    assert stored() == expected


def test_it_lists_again_where_the_gateway_does_not_page(cluster, gateway_emulator):
    gateway_emulator.set_features(usage_paging=False)
    names = generate(gateway_emulator, objects=4, items=2)
    expected = counted(gateway_emulator, names)

    report = harvest(cluster)

    assert (report.objects, report.deleted) == (4, 4)
    assert stored() == expected


def test_it_reports_a_gateway_that_cannot_be_reached(cluster, gateway_emulator):
    gateway_emulator.stop()

    report = harvest(cluster)

    assert not report.ok
    assert "cannot be reached" in report.errors[0]
    assert HarvestRun.objects.get().state == HarvestRun.State.FAILED


def test_it_gives_way_to_a_harvest_already_running(cluster, gateway_emulator):
    generate(gateway_emulator, objects=1, items=1)
    HarvestRun.objects.create(cluster=cluster, started_at=timezone.now())

    report = harvest(cluster)

    assert report.busy
    assert HourlyUsage.objects.count() == 0


def test_it_takes_over_from_a_run_that_never_finished(cluster, gateway_emulator):
    generate(gateway_emulator, objects=1, items=1)
    two_hours_ago = timezone.now() - timedelta(hours=2)
    lost = HarvestRun.objects.create(cluster=cluster, started_at=two_hours_ago)

    report = harvest(cluster)

    lost.refresh_from_db()
    assert report.objects == 1
    assert lost.state == HarvestRun.State.FAILED


def test_it_samples_every_buckets_size_counters(cluster, provisioned, gateway_emulator):
    account, first = provisioned
    s3 = gateway_emulator.s3_client(first.note.access_key_id, first.secret_access_key)
    for name, size in (("alpha", 1000), ("beta", 2500)):
        s3.create_bucket(Bucket=name)
        s3.put_object(Bucket=name, Key="k", Body=b"x" * size)
    listed = gateway_emulator.admin("GET", [("ostor-buckets", None)]).json()["Buckets"]

    first_run = harvest(cluster)
    harvest(cluster)

    sizes = ("current", "hmax", "h_integral", "last_ts")
    closed = StorageSample.objects.filter(snapshot__held_seconds__isnull=False)
    portal = sorted((s.bucket, s.user_id, *[getattr(s, k) for k in sizes]) for s in closed)
    gateway = sorted((b["name"], b["owner_id"], *[b["size"][k] for k in sizes]) for b in listed)
    assert first_run.buckets == 2
    assert portal == gateway
    assert StorageSample.objects.filter(snapshot__held_seconds__isnull=True).count() == 2


class TestExactlyOnce:
    """A crash at each step of the second of three objects, then a run that finishes.

    GET calls come in order: the bucket listing, the usage listing, then each
    object, so the second object's is the fourth GET; its DELETE is the second.
    """

    @pytest.fixture
    def objects(self, gateway_emulator):
        names = generate(gateway_emulator, objects=3, items=5, user_ids=["aaaa", "bbbb"])
        return names, counted(gateway_emulator, names)

    def finish(self, cluster, gateway_emulator, names):
        gateway_emulator.clear_faults()
        report = harvest(cluster)
        assert listed_names(gateway_emulator) == []
        assert HarvestedObject.objects.count() == len(names)
        return report

    def test_a_failed_fetch_is_fetched_again(self, cluster, gateway_emulator, objects):
        names, expected = objects
        others = counted(gateway_emulator, [names[0], names[2]])
        gateway_emulator.set_faults(fail_every=4, method="GET")

        crashed = harvest(cluster)
        after_crash = stored()
        rerun = self.finish(cluster, gateway_emulator, names)

        assert (crashed.objects, rerun.objects) == (2, 1)
        assert after_crash == others
        assert stored() == expected

    def test_a_crash_before_the_commit_leaves_nothing_counted(
        self, cluster, gateway_emulator, objects, monkeypatch
    ):
        names, expected = objects
        first_only = counted(gateway_emulator, names[:1])
        real_add, calls = services.object_count, []

        def add_then_crash(*args):
            calls.append(args)
            real_add(*args)
            if len(calls) == 2:
                raise RuntimeError("the worker died before the commit")

        monkeypatch.setattr(services, "object_count", add_then_crash)
        with pytest.raises(RuntimeError):
            harvest(cluster)
        monkeypatch.setattr(services, "object_count", real_add)
        partial = stored()
        rerun = self.finish(cluster, gateway_emulator, names)

        assert partial == first_only
        assert HarvestRun.objects.filter(state="failed").count() == 1
        assert rerun.objects == 2
        assert stored() == expected

    @pytest.mark.parametrize("phase", ["before", "after"])
    def test_a_failed_delete_is_never_counted_twice(
        self, cluster, gateway_emulator, objects, phase
    ):
        names, expected = objects
        gateway_emulator.set_faults(fail_every=2, method="DELETE", phase=phase)

        crashed = harvest(cluster)
        still_there = listed_names(gateway_emulator)
        rerun = self.finish(cluster, gateway_emulator, names)

        assert crashed.objects == 3
        assert "deleting" in crashed.errors[0]
        assert still_there == ([names[1]] if phase == "before" else [])
        assert rerun.objects == 0
        # Deleted by the rerun, or, already gone, confirmed by the gateway's 404.
        assert rerun.deleted == 1
        assert not HarvestedObject.objects.filter(deleted_at__isnull=True).exists()
        assert stored() == expected

    def test_a_dropped_delete_answer_stops_the_run_and_the_rerun_finishes(
        self, cluster, gateway_emulator, objects
    ):
        names, expected = objects
        gateway_emulator.set_faults(drop_every=2, method="DELETE", phase="after")

        crashed = harvest(cluster)
        rerun = self.finish(cluster, gateway_emulator, names)

        assert "cannot be reached" in crashed.errors[0]
        assert crashed.objects + rerun.objects == 3
        assert stored() == expected
