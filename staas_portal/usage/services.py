"""Harvesting usage statistics exactly once, and the statistics objects' admin actions.

A harvest takes each statistics object whose period has ended, adds its counters
to the hourly rows and records the object's name, in one transaction per object.
Only after that commit is the object deleted on the gateway. So a crash before
the commit leaves nothing counted and the object in place; a crash after it
leaves the object counted and recorded, and the next run deletes it without
counting it again. A delete the gateway made but whose answer was lost leaves
the object recorded as not yet deleted; the next run deletes it again, and the
gateway's 404 confirms it.

On PostgreSQL each object's commit does not wait for the disk; instead, before
the deletes of a batch of objects are sent, one commit that does wait makes every
earlier one durable. So an object leaves the gateway only once its record would
survive even a crash of the database server, at one disk flush per batch rather
than per object.
"""

import contextvars
import json
import logging
import re
from collections import defaultdict, deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import islice

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from staas_portal.audit.services import audited
from staas_portal.clusters.models import StorageCluster
from staas_portal.gateway import errors
from staas_portal.gateway.client import GatewayClient
from staas_portal.gateway.results import UsageObject
from staas_portal.usage.models import (
    COUNTERS,
    HarvestedObject,
    HarvestRun,
    HourlyUsage,
    StorageSample,
    StorageSnapshot,
)
from staas_portal.users.access import require_role
from staas_portal.users.models import Role

logger = logging.getLogger(__name__)

LISTING_PAGE = 500
# A gateway may still be writing an object just after its period ends.
GUARD_SECONDS = 60
# Gateways have been seen to name objects with a start in 1970: no real period.
FIRST_REAL_START = datetime(1971, 1, 1, tzinfo=UTC)
# A run still marked running after this long lost its worker; it no longer blocks others.
# Runs take seconds; a backlog of many thousand objects, minutes.
STALE_RUN = timedelta(minutes=30)
# Gateways without paging show a capped list: list again while new names turn up.
MAX_LISTINGS = 1000
# Rows per upsert statement, well inside SQLite's limit on parameters.
UPSERT_ROWS = 90
# Objects fetched ahead of the one being counted.
FETCH_AHEAD = 4
# Objects counted between two flushes to disk, and so deleted on the gateway together.
DURABLE_BATCH = 50
# Errors kept on a run's row: a gateway failing on every object would otherwise fill it.
KEPT_ERRORS = 20
# Failures after which going on would only hammer a gateway that is not there.
STOPPING_FAILURES = (errors.GatewayUnavailable, errors.GatewayTimeout)

OBJECT_NAME = re.compile(
    r"^s3-usage-[0-9a-fA-F]+-"
    r"(?P<start>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z)-(?P<period>\d+)$"
)


@dataclass
class HarvestReport:
    """What one harvest of one cluster did."""

    cluster: str
    objects: int = 0
    items: int = 0
    deleted: int = 0
    still_open: int = 0
    unusable: int = 0
    buckets: int = 0
    busy: bool = False
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.busy

    def summary(self) -> str:
        if self.busy:
            return f"{self.cluster}: another harvest of this cluster is running."
        text = (
            f"{self.cluster}: harvested {self.objects} statistics objects "
            f"({self.items} items), deleted {self.deleted}; "
            f"{self.still_open} left for a later run, {self.unusable} with a 1970 "
            f"timestamp skipped; {self.buckets} buckets sampled."
        )
        if self.errors:
            text += f" {len(self.errors)} failed: " + "; ".join(self.errors[:5])
        return text


@dataclass(frozen=True)
class NamedPeriod:
    """The period a statistics object's name announces."""

    start: datetime
    seconds: int

    @property
    def end(self) -> datetime:
        return self.start + timedelta(seconds=self.seconds)

    def is_real(self) -> bool:
        return self.start >= FIRST_REAL_START

    def has_ended(self, now: datetime) -> bool:
        return self.end + timedelta(seconds=GUARD_SECONDS) <= now


def named_period(name: str) -> NamedPeriod | None:
    """`s3-usage-<service>-2017-02-01T16:31:54.000Z-1800`; None for another form."""
    found = OBJECT_NAME.match(name)
    if found is None:
        return None
    try:
        start = datetime.fromisoformat(found["start"].replace("Z", "+00:00"))
    except ValueError:
        return None
    return NamedPeriod(start, int(found["period"]))


# The harvest


def usage_harvest(*, cluster: StorageCluster, now: datetime | None = None) -> HarvestReport:
    """Harvests the cluster's ended statistics objects and samples its buckets' sizes.

    Gateway failures end up in the report and in the run's row; anything else is
    a fault of the portal, recorded on the row and raised.
    """
    now = now or timezone.now()
    report = HarvestReport(cluster=cluster.name)
    run = run_start(cluster, now)
    if run is None:
        report.busy = True
        logger.info("harvest of cluster %s skipped: another one is running", cluster.name)
        return report

    try:
        with GatewayWorkers(cluster) as workers:
            storage_record(cluster, workers.gateway, now, report)
            harvest_objects(cluster, workers, now, report)
    except errors.GatewayError as error:
        report.errors.append(str(error))
    except BaseException as error:
        # A worker told to stop mid-run must not leave its row blocking the next run.
        report.errors.append(f"the portal failed ({type(error).__name__})")
        run_finish(run, report)
        raise
    run_finish(run, report)

    log = logger.warning if report.errors else logger.info
    log("harvest %s", report.summary())
    return report


def run_start(cluster: StorageCluster, now: datetime) -> HarvestRun | None:
    """The row of a new run, or None while another run of the cluster is going."""
    HarvestRun.objects.filter(
        cluster=cluster, state=HarvestRun.State.RUNNING, started_at__lt=now - STALE_RUN
    ).update(state=HarvestRun.State.FAILED, finished_at=now, errors="It never finished.")
    try:
        with transaction.atomic():
            return HarvestRun.objects.create(cluster=cluster, started_at=now)
    except IntegrityError:
        return None


def run_finish(run: HarvestRun, report: HarvestReport) -> None:
    run.state = HarvestRun.State.FAILED if report.errors else HarvestRun.State.DONE
    run.finished_at = timezone.now()
    run.harvested = report.objects
    for name in ("items", "deleted", "still_open", "unusable", "buckets"):
        setattr(run, name, getattr(report, name))
    kept = report.errors[:KEPT_ERRORS]
    if len(report.errors) > KEPT_ERRORS:
        kept.append(f"and {len(report.errors) - KEPT_ERRORS} more")
    run.errors = "\n".join(kept)
    run.save()


class GatewayWorkers:
    """Two threads beside the harvest's own: one fetches objects ahead, one deletes
    the counted ones, so that the gateway's answers travel while the database works.

    Each thread has a client, and so a session, of its own: a session is not made
    to be shared between threads. Only the harvest's own thread touches the
    database, and it alone decides what is deleted, after its commit.
    """

    def __init__(self, cluster: StorageCluster):
        config = cluster.gateway_config()
        self.gateway = cluster.gateway()
        self.fetch_client = GatewayClient(config)
        self.delete_client = GatewayClient(config)
        self.fetcher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="usage-fetch")
        self.deleter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="usage-delete")

    def __enter__(self) -> "GatewayWorkers":
        return self

    def __exit__(self, *exc_info) -> None:
        self.fetcher.shutdown(cancel_futures=True)
        self.deleter.shutdown()
        self.fetch_client.session.close()
        self.delete_client.session.close()

    def fetched(self, names: list[str]) -> Iterator[tuple[str, Future]]:
        """Each name with the future of its object, in order, FETCH_AHEAD in flight."""
        queue = iter(names)
        pending = deque(
            (name, self.submit(self.fetcher, self.fetch_client.usage_get, name))
            for name in islice(queue, FETCH_AHEAD)
        )
        while pending:
            following = next(queue, None)
            if following is not None:
                pending.append(
                    (following, self.submit(self.fetcher, self.fetch_client.usage_get, following))
                )
            yield pending.popleft()

    def delete(self, name: str) -> tuple[str, Future]:
        return name, self.submit(self.deleter, self.delete_client.usage_delete, name)

    def submit(self, executor: ThreadPoolExecutor, call, name: str) -> Future:
        # The copied context carries the request id into the thread's log lines.
        return executor.submit(contextvars.copy_context().run, call, name=name)


def harvest_objects(
    cluster: StorageCluster, workers: GatewayWorkers, now: datetime, report: HarvestReport
) -> None:
    """Every listed object, then the deletes whose confirmation an earlier run lost."""
    seen = harvest_listed(cluster, workers, now, report)

    unlisted_deletes(cluster, workers, seen, now, report)


def harvest_listed(
    cluster: StorageCluster, workers: GatewayWorkers, now: datetime, report: HarvestReport
) -> set[str]:
    """Every listed object, page by page where the gateway pages; the names seen."""
    seen: set[str] = set()
    after = None
    for _ in range(MAX_LISTINGS):
        listing = workers.gateway.usage_list(after=after, limit=LISTING_PAGE)
        fresh = [name for name in listing.names if name not in seen]
        if not fresh:
            break
        seen.update(fresh)

        harvest_page(cluster, workers, fresh, now, report)

        if listing.paging_supported:
            if not listing.truncated:
                break
            after = listing.names[-1]
    return seen


def unlisted_deletes(
    cluster: StorageCluster,
    workers: GatewayWorkers,
    seen: set[str],
    now: datetime,
    report: HarvestReport,
) -> None:
    """Deletes again the counted objects that no listing showed and whose delete was
    never confirmed: the gateway made the delete but its answer was lost, or the
    object sits past a listing capped short. The gateway's 404 confirms the first,
    the delete itself settles the second."""
    unconfirmed = HarvestedObject.objects.filter(cluster=cluster, deleted_at__isnull=True)
    names = [name for name in unconfirmed.values_list("name", flat=True) if name not in seen]

    deletions_confirm(cluster, [workers.delete(name) for name in names], now, report)


def harvest_page(
    cluster: StorageCluster,
    workers: GatewayWorkers,
    names: list[str],
    now: datetime,
    report: HarvestReport,
) -> None:
    """Counts the page's new objects and deletes every counted one, the new and the old."""
    recorded = set(
        HarvestedObject.objects.filter(cluster=cluster, name__in=names).values_list(
            "name", flat=True
        )
    )
    # Objects recorded by an earlier run that did not get to delete them.
    deletions = [workers.delete(name) for name in names if name in recorded]
    wanted = [name for name in names if name not in recorded and wanted_by_name(name, now, report)]

    counted: list[str] = []
    try:
        for name, fetched in workers.fetched(wanted):
            if object_record(cluster, name, fetched, now, report):
                counted.append(name)
            if len(counted) >= DURABLE_BATCH:
                deletions.extend(deletes_once_durable(workers, counted))
    finally:
        try:
            deletions.extend(deletes_once_durable(workers, counted))
        finally:
            deletions_confirm(cluster, deletions, now, report)


def deletes_once_durable(workers: GatewayWorkers, counted: list[str]) -> list:
    """Flushes the counted objects' commits to disk, then sends their deletes."""
    if not counted:
        return []
    flush_commits()
    deletions = [workers.delete(name) for name in counted]
    counted.clear()
    return deletions


def flush_commits() -> None:
    """A commit that waits for the disk, and with it for every commit made before it."""
    if connection.vendor != "postgresql":
        return
    # An id makes the transaction write a commit record, which the flush must cover.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT txid_current()")


def wanted_by_name(name: str, now: datetime, report: HarvestReport) -> bool:
    period = named_period(name)
    return period is None or usable(period, now, report)


def object_record(
    cluster: StorageCluster, name: str, fetched: Future, now: datetime, report: HarvestReport
) -> bool:
    """Counts one object and records it; True when it is recorded (by this run or another)."""
    try:
        statistics = fetched.result()
    except errors.GatewayNotFound:
        logger.info("statistics object %s of %s went away before it was read", name, cluster)
        return False
    except STOPPING_FAILURES:
        raise
    except errors.GatewayError as error:
        report.errors.append(f"{name}: {error}")
        return False

    period = named_period(name)
    if period is None:
        # A name that does not tell its period: the object itself does.
        period = NamedPeriod(timestamp(statistics.start_ts), statistics.period)
        if not usable(period, now, report):
            return False

    try:
        record = HarvestedObject(
            cluster=cluster,
            name=name,
            start=period.start,
            period_seconds=statistics.period,
            items=len(statistics.items),
            harvested_at=now,
        )
        with transaction.atomic():
            commit_without_waiting()
            object_count(record, hourly_counters(statistics, period))
    except IntegrityError:
        # Another harvest recorded the name first, and with it the counters.
        logger.info("statistics object %s of %s was harvested by another run", name, cluster)
        return True

    report.objects += 1
    report.items += len(statistics.items)
    return True


def deletions_confirm(
    cluster: StorageCluster,
    deletions: list[tuple[str, Future]],
    now: datetime,
    report: HarvestReport,
) -> None:
    """Waits for the deletes; notes those the gateway confirmed, then raises a stopping one."""
    confirmed, stopping = [], None
    for name, future in deletions:
        try:
            future.result()
        except errors.GatewayNotFound:
            confirmed.append(name)
        except STOPPING_FAILURES as error:
            stopping = stopping or error
        except errors.GatewayError as error:
            report.errors.append(f"deleting {name}: {error}")
        else:
            confirmed.append(name)

    report.deleted += len(confirmed)
    HarvestedObject.objects.filter(
        cluster=cluster, name__in=confirmed, deleted_at__isnull=True
    ).update(deleted_at=now)
    if stopping is not None:
        raise stopping


def usable(period: NamedPeriod, now: datetime, report: HarvestReport) -> bool:
    if not period.is_real():
        report.unusable += 1
        return False
    if not period.has_ended(now):
        report.still_open += 1
        return False
    return True


def timestamp(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def hourly_counters(statistics: UsageObject, period: NamedPeriod) -> dict[tuple, list[int]]:
    """The object's counters by (user, bucket, hour), for the hour its period starts in.

    Periods are shorter than an hour, so splitting one across two hours would
    only turn whole requests into fractions.
    """
    start = timestamp(statistics.start_ts) if statistics.start_ts else period.start
    if start < FIRST_REAL_START:
        start = period.start
    hour = start.replace(minute=0, second=0, microsecond=0)

    sums: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(COUNTERS))
    for item in statistics.items:
        values = (
            item.ops_put, item.ops_get, item.ops_list, item.ops_other,
            item.uploaded, item.downloaded,
        )  # fmt: skip
        row = sums[(item.user_id, item.bucket, hour)]
        for index, value in enumerate(values):
            row[index] += value
    return sums


def commit_without_waiting() -> None:
    """This transaction's commit returns before the disk has it: `flush_commits` waits
    for it later, before the object it records is deleted on the gateway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def object_count(record: HarvestedObject, sums: dict[tuple, list[int]]) -> None:
    """Writes the object's record and adds its counters to the hourly rows.

    The addition happens in the database's upsert rather than in Python so that
    two harvests adding to the same hour cannot overwrite each other's sums. The
    caller holds the transaction that makes the record and the sums one.
    """
    if connection.vendor == "postgresql":
        # One statement for both, its rows as one JSON document: a single round trip
        # whatever the number of rows, and no per-value work for the driver.
        rows = [
            {"user_id": user_id, "bucket": bucket, "hour": hour.isoformat()}
            | dict(zip(COUNTERS, values, strict=True))
            for (user_id, bucket, hour), values in sums.items()
        ]
        recorded = [getattr(record, name) for name in RECORD_COLUMNS]
        with connection.cursor() as cursor:
            parameters = [record.cluster_id, *recorded, record.cluster_id, json.dumps(rows)]
            cursor.execute(json_upsert_statement(), parameters)
        return

    record.save(force_insert=True)
    rows = [
        [record.cluster_id, user_id, bucket, connection.ops.adapt_datetimefield_value(hour)]
        + values
        for (user_id, bucket, hour), values in sums.items()
    ]
    with connection.cursor() as cursor:
        for first in range(0, len(rows), UPSERT_ROWS):
            chunk = rows[first : first + UPSERT_ROWS]
            cursor.execute(
                values_upsert_statement(len(chunk)), [value for row in chunk for value in row]
            )


KEYS = ("cluster_id", "user_id", "bucket", "hour")
RECORD_COLUMNS = ("name", "start", "period_seconds", "items", "harvested_at")
# Only the models' own table and column names go into these statements' text;
# every value travels as a parameter.


def values_upsert_statement(rows: int) -> str:
    placeholders = "(" + ", ".join(["%s"] * (len(KEYS) + len(COUNTERS))) + ")"
    return upsert_statement("VALUES " + ", ".join([placeholders] * rows))


def json_upsert_statement() -> str:
    quote = connection.ops.quote_name
    recorded = ", ".join(quote(name) for name in ("cluster_id", *RECORD_COLUMNS))
    table = quote(HarvestedObject._meta.db_table)
    placeholders = ", ".join(["%s"] * (1 + len(RECORD_COLUMNS)))
    record = (
        f"WITH recorded AS (INSERT INTO {table} ({recorded}) "  # noqa: S608
        f"VALUES ({placeholders})) "
    )
    kinds = {"user_id": "text", "bucket": "text", "hour": "timestamptz"}
    names = [*KEYS[1:], *COUNTERS]
    columns = ", ".join(f"{quote(name)} {kinds.get(name, 'bigint')}" for name in names)
    selected = ", ".join(f"r.{quote(name)}" for name in names)
    source = f"SELECT %s, {selected} FROM json_to_recordset(%s::json) r({columns})"  # noqa: S608
    return record + upsert_statement(source)


def upsert_statement(source: str) -> str:
    quote = connection.ops.quote_name
    table = quote(HourlyUsage._meta.db_table)
    columns = ", ".join(quote(name) for name in [*KEYS, *COUNTERS])
    additions = ", ".join(
        f"{quote(name)} = {table}.{quote(name)} + EXCLUDED.{quote(name)}" for name in COUNTERS
    )
    return (
        f"INSERT INTO {table} ({columns}) {source} "  # noqa: S608
        f"ON CONFLICT ({', '.join(quote(name) for name in KEYS)}) DO UPDATE SET {additions}"
    )


def storage_record(
    cluster: StorageCluster, gateway: GatewayClient, now: datetime, report: HarvestReport
) -> None:
    """A snapshot of every bucket's size counters; the previous snapshot ends here."""
    try:
        buckets = gateway.bucket_list()
    except STOPPING_FAILURES:
        raise
    except errors.GatewayError as error:
        report.errors.append(f"listing the buckets: {error}")
        return

    with transaction.atomic():
        previous = (
            StorageSnapshot.objects.select_for_update()
            .filter(cluster=cluster, held_seconds__isnull=True)
            .order_by("-taken_at")
            .first()
        )
        if previous is not None:
            previous.held_seconds = max(int((now - previous.taken_at).total_seconds()), 0)
            previous.save(update_fields=["held_seconds"])
        snapshot = StorageSnapshot.objects.create(
            cluster=cluster, taken_at=now, buckets=len(buckets)
        )
        StorageSample.objects.bulk_create(
            StorageSample(
                snapshot=snapshot,
                cluster=cluster,
                taken_at=now,
                user_id=bucket.owner_id,
                bucket=bucket.name,
                current=bucket.size_current,
                hmax=bucket.size_hmax,
                h_integral=bucket.size_h_integral,
                last_ts=bucket.size_last_ts,
            )  # fmt: skip
            for bucket in buckets
        )
    report.buckets = len(buckets)


# The statistics objects, for admins


@dataclass(frozen=True)
class ListedObject:
    name: str
    period: NamedPeriod | None
    harvested: HarvestedObject | None
    now: datetime

    @property
    def has_ended(self) -> bool:
        return self.period is not None and self.period.has_ended(self.now)


@dataclass(frozen=True)
class ObjectPage:
    objects: list[ListedObject]
    # The name to list after for the next page, when the gateway pages and has more.
    next_after: str | None


def statistics_objects(
    *, actor, cluster: StorageCluster, after: str | None = None, limit: int = 50
) -> ObjectPage:
    """One page of the cluster's statistics objects, each with its harvest record if any."""
    require_role(actor, Role.ADMIN)
    listing = cluster.gateway().usage_list(after=after, limit=limit)

    recorded = {
        harvested.name: harvested
        for harvested in HarvestedObject.objects.filter(cluster=cluster, name__in=listing.names)
    }
    now = timezone.now()
    objects = [
        ListedObject(name, named_period(name), recorded.get(name), now) for name in listing.names
    ]
    more = listing.paging_supported and listing.truncated and listing.names
    return ObjectPage(objects, listing.names[-1] if more else None)


def statistics_object(*, actor, cluster: StorageCluster, name: str) -> UsageObject:
    require_role(actor, Role.ADMIN)
    return cluster.gateway().usage_get(name=name)


def statistics_object_harvested(*, cluster: StorageCluster, name: str) -> HarvestedObject | None:
    return HarvestedObject.objects.filter(cluster=cluster, name=name).first()


def statistics_object_delete(
    *, actor, cluster: StorageCluster, name: str, address: str = ""
) -> bool:
    """Deletes the object on the gateway; True when its usage had been harvested first."""
    with audited(actor=actor, action="usage.object_delete", target=f"cluster:{cluster.name}",
                 parameters={"object": name}, address=address) as audit:  # fmt: skip
        require_role(actor, Role.ADMIN)
        harvested = statistics_object_harvested(cluster=cluster, name=name)
        audit.parameters["harvested"] = harvested is not None

        cluster.gateway().usage_delete(name=name)

        if harvested is not None:
            HarvestedObject.objects.filter(pk=harvested.pk).update(deleted_at=timezone.now())
    log = logger.info if harvested else logger.warning
    log(
        "%s deleted statistics object %s of %s%s",
        actor, name, cluster.name, "" if harvested else " before it was harvested",
    )  # fmt: skip
    return harvested is not None
