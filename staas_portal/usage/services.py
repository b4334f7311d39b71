"""Harvesting usage statistics exactly once, and the statistics objects' admin actions.

A harvest takes each statistics object whose period has ended, adds its counters
to the hourly rows and records the object's name, in one transaction per object.
Only after that commit is the object deleted on the gateway. So a crash before
the commit leaves nothing counted and the object in place; a crash after it
leaves the object counted and recorded, and the next run deletes it without
counting it again.
"""

import logging
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

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
STALE_RUN = timedelta(hours=1)
# Gateways without paging show a capped list: list again while new names turn up.
MAX_LISTINGS = 1000
# Rows per upsert statement, well inside SQLite's limit on parameters.
UPSERT_ROWS = 90
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

    gateway = cluster.gateway()
    try:
        storage_record(cluster, gateway, now, report)
        harvest_objects(cluster, gateway, now, report)
    except errors.GatewayError as error:
        report.errors.append(str(error))
    except Exception as error:
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
    run.errors = "\n".join(report.errors)
    run.save()


def harvest_objects(
    cluster: StorageCluster, gateway: GatewayClient, now: datetime, report: HarvestReport
) -> None:
    """Every listed object, page by page where the gateway pages."""
    seen: set[str] = set()
    after = None
    for _ in range(MAX_LISTINGS):
        listing = gateway.usage_list(after=after, limit=LISTING_PAGE)
        fresh = [name for name in listing.names if name not in seen]
        if not fresh:
            return
        seen.update(fresh)

        harvest_page(cluster, gateway, fresh, now, report)

        if listing.paging_supported:
            if not listing.truncated:
                return
            after = listing.names[-1]


def harvest_page(
    cluster: StorageCluster,
    gateway: GatewayClient,
    names: list[str],
    now: datetime,
    report: HarvestReport,
) -> None:
    recorded = set(
        HarvestedObject.objects.filter(cluster=cluster, name__in=names).values_list(
            "name", flat=True
        )
    )

    deleted = [
        name
        for name in names
        if (name in recorded or object_harvest(cluster, gateway, name, now, report))
        and object_remove(gateway, name, report)
    ]

    HarvestedObject.objects.filter(
        cluster=cluster, name__in=deleted, deleted_at__isnull=True
    ).update(deleted_at=now)


def object_harvest(
    cluster: StorageCluster,
    gateway: GatewayClient,
    name: str,
    now: datetime,
    report: HarvestReport,
) -> bool:
    """Counts one object and records it; True when it is recorded (by this run or another)."""
    period = named_period(name)
    if period is not None and not usable(period, now, report):
        return False

    try:
        statistics = gateway.usage_get(name=name)
    except errors.GatewayNotFound:
        logger.info("statistics object %s of %s went away before it was read", name, cluster)
        return False
    except STOPPING_FAILURES:
        raise
    except errors.GatewayError as error:
        report.errors.append(f"{name}: {error}")
        return False

    if period is None:
        period = NamedPeriod(timestamp(statistics.start_ts), statistics.period)
        if not usable(period, now, report):
            return False

    try:
        with transaction.atomic():
            HarvestedObject.objects.create(
                cluster=cluster,
                name=name,
                start=period.start,
                period_seconds=statistics.period,
                items=len(statistics.items),
                harvested_at=now,
            )
            counters_add(cluster, hourly_counters(statistics, period))
    except IntegrityError:
        # Another harvest recorded the name first, and with it the counters.
        logger.info("statistics object %s of %s was harvested by another run", name, cluster)
        return True

    report.objects += 1
    report.items += len(statistics.items)
    return True


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


def counters_add(cluster: StorageCluster, sums: dict[tuple, list[int]]) -> None:
    """Adds the counters to the hourly rows in the database itself.

    The addition happens in the upsert rather than in Python so that two
    harvests adding to the same hour cannot overwrite each other's sums.
    """
    rows = [
        [cluster.pk, user_id, bucket, connection.ops.adapt_datetimefield_value(hour), *values]
        for (user_id, bucket, hour), values in sums.items()
    ]
    with connection.cursor() as cursor:
        for first in range(0, len(rows), UPSERT_ROWS):
            chunk = rows[first : first + UPSERT_ROWS]
            cursor.execute(upsert_statement(len(chunk)), [value for row in chunk for value in row])


def upsert_statement(rows: int) -> str:
    # Only the model's own table and column names go into the text; every value
    # travels as a parameter.
    quote = connection.ops.quote_name
    table = quote(HourlyUsage._meta.db_table)
    keys = ["cluster_id", "user_id", "bucket", "hour"]
    columns = ", ".join(quote(name) for name in [*keys, *COUNTERS])
    placeholders = "(" + ", ".join(["%s"] * (len(keys) + len(COUNTERS))) + ")"
    additions = ", ".join(
        f"{quote(name)} = {table}.{quote(name)} + EXCLUDED.{quote(name)}" for name in COUNTERS
    )
    return (
        f"INSERT INTO {table} ({columns}) VALUES {', '.join([placeholders] * rows)} "  # noqa: S608
        f"ON CONFLICT ({', '.join(quote(name) for name in keys)}) DO UPDATE SET {additions}"
    )


def object_remove(gateway: GatewayClient, name: str, report: HarvestReport) -> bool:
    """Deletes a recorded object on the gateway; True once the gateway confirmed it is gone."""
    try:
        gateway.usage_delete(name=name)
    except errors.GatewayNotFound:
        pass
    except STOPPING_FAILURES:
        raise
    except errors.GatewayError as error:
        report.errors.append(f"deleting {name}: {error}")
        return False
    report.deleted += 1
    return True


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
