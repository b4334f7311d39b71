"""The usage reports: requests, traffic and storage per customer, bucket and day.

Definitions (README.md, "Usage and billing", says the same):

- Requests and bytes are the sums of the hourly rows whose hour is in the period.
- Storage: each snapshot's sample of a bucket stands for `current` bytes held
  from that harvest until the next one (`held_seconds`); the latest snapshot of
  a cluster holds until now. Its byte-hours count in the day and month it was
  taken.
- GB-months: byte-hours / 10^9 / the hours of the whole month.
- Average GB stored: byte-hours / 10^9 / the hours of the month gone by (all of
  them once the month has ended, when it equals GB-months).
- Peak GB stored: per S3 user, the largest total of its buckets at one snapshot
  of the month; a customer's peak adds up its S3 users' peaks. Per bucket, its
  largest size at a snapshot of the month.

Usage belongs to a customer through its S3 accounts, deleted ones included:
rows are keyed by cluster and S3 user id, so a user's usage from before it was
adopted is the customer's too.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import reduce
from operator import or_

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import F, FloatField, Max, Q, Sum
from django.db.models.functions import Cast, TruncDate

from staas_portal.clusters.models import StorageCluster
from staas_portal.customers.models import Customer, S3Account
from staas_portal.usage.models import COUNTERS, HarvestRun, HourlyUsage, StorageSample
from staas_portal.usage.months import Month

GB = Decimal(10**9)
GB_PLACES = Decimal("0.000001")
OPS = ("ops_put", "ops_get", "ops_list", "ops_other")

Pair = tuple[int, str]


def gigabytes(amount) -> Decimal:
    return (Decimal(amount) / GB).quantize(GB_PLACES, rounding=ROUND_HALF_UP)


@dataclass
class Figures:
    """Counters, byte-seconds stored and peak bytes of one user, bucket or customer."""

    ops_put: int = 0
    ops_get: int = 0
    ops_list: int = 0
    ops_other: int = 0
    uploaded: int = 0
    downloaded: int = 0
    byte_seconds: float = 0.0
    peak_bytes: int = 0

    @property
    def requests(self) -> int:
        return self.ops_put + self.ops_get + self.ops_list + self.ops_other

    def add(self, other: "Figures") -> None:
        for name in (*COUNTERS, "byte_seconds", "peak_bytes"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class MonthFigures:
    """Figures of one month, in the units the reports and the CSV export show."""

    month: Month
    now: datetime
    counted: Figures = field(default_factory=Figures)

    def __getattr__(self, name):
        # The raw counters (ops_put, requests, ...) read through to what was counted.
        if name in ("month", "now", "counted"):
            raise AttributeError(name)
        return getattr(self.counted, name)

    @property
    def byte_hours(self) -> Decimal:
        return Decimal(self.counted.byte_seconds) / 3600

    @property
    def gb_uploaded(self) -> Decimal:
        return gigabytes(self.counted.uploaded)

    @property
    def gb_downloaded(self) -> Decimal:
        return gigabytes(self.counted.downloaded)

    @property
    def gb_peak(self) -> Decimal:
        return gigabytes(self.counted.peak_bytes)

    @property
    def gb_average(self) -> Decimal:
        hours = Decimal(self.month.hours_until(self.now))
        return gigabytes(self.byte_hours / hours) if hours else Decimal("0.000000")

    @property
    def gb_months(self) -> Decimal:
        return gigabytes(self.byte_hours / self.month.hours)


def account_pairs(customer: Customer) -> list[Pair]:
    """The (cluster, S3 user id) of every account the customer has or had."""
    return list(S3Account.objects.filter(customer=customer).values_list("cluster_id", "user_id"))


def pair_filter(pairs: list[Pair] | None) -> Q:
    """Rows of these users; every row for None; no row for an empty list."""
    if pairs is None:
        return Q()
    if not pairs:
        return Q(pk__in=[])
    return reduce(or_, (Q(cluster_id=cluster, user_id=user) for cluster, user in pairs))


def month_figures(
    month: Month, *, now: datetime, pairs: list[Pair] | None = None, by_bucket: bool = False
) -> dict[tuple, Figures]:
    """Figures of the month keyed by (cluster id, user id), or with the bucket too."""
    keys = ["cluster_id", "user_id", *(["bucket"] if by_bucket else [])]
    found: dict[tuple, Figures] = defaultdict(Figures)

    counters = HourlyUsage.objects.filter(
        pair_filter(pairs), hour__gte=month.start, hour__lt=month.end
    )
    for row in counters.values(*keys).annotate(**{name: Sum(name) for name in COUNTERS}):
        figures = found[tuple(row[key] for key in keys)]
        for name in COUNTERS:
            setattr(figures, name, row[name])

    samples = month_samples(month, pairs)
    for key, byte_seconds in stored_byte_seconds(samples, keys, now).items():
        found[key].byte_seconds = byte_seconds
    peaks = bucket_peaks(samples, keys) if by_bucket else user_peaks(samples)
    for key, peak in peaks.items():
        found[key].peak_bytes = peak
    return dict(found)


def month_samples(month: Month, pairs: list[Pair] | None):
    return StorageSample.objects.filter(
        pair_filter(pairs), taken_at__gte=month.start, taken_at__lt=month.end
    )


def stored_byte_seconds(samples, keys: list[str], now: datetime) -> dict[tuple, float]:
    """Bytes × seconds held, per key: closed snapshots in the database, the open one here."""
    totals: dict[tuple, float] = defaultdict(float)
    # Floats, because the sum of a month of byte-seconds outgrows 64-bit integers.
    held = Cast("current", FloatField()) * F("snapshot__held_seconds")
    closed = samples.filter(snapshot__held_seconds__isnull=False)
    for row in closed.values(*keys).annotate(byte_seconds=Sum(held)):
        totals[tuple(row[key] for key in keys)] += row["byte_seconds"] or 0.0

    still_held = samples.filter(snapshot__held_seconds__isnull=True)
    for row in still_held.values(*keys, "taken_at").annotate(stored=Sum("current")):
        seconds = max((now - row["taken_at"]).total_seconds(), 0.0)
        totals[tuple(row[key] for key in keys)] += row["stored"] * seconds
    return totals


def bucket_peaks(samples, keys: list[str]) -> dict[tuple, int]:
    return {
        tuple(row[key] for key in keys): row["peak"]
        for row in samples.values(*keys).annotate(peak=Max("current"))
    }


def user_peaks(samples) -> dict[Pair, int]:
    """Per user, the largest total of its buckets at one snapshot."""
    per_snapshot = samples.values("cluster_id", "user_id", "snapshot_id").annotate(
        total=Sum("current")
    )
    try:
        inner, parameters = per_snapshot.query.sql_with_params()
    except EmptyResultSet:
        return {}
    # The ORM cannot take the maximum of a sum, so the grouped query it built is
    # wrapped by hand; its own filters stay parameters.
    statement = (
        "SELECT cluster_id, user_id, MAX(total) FROM ("  # noqa: S608
        + inner
        + ") AS per_snapshot GROUP BY cluster_id, user_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, parameters)
        return {(cluster, user): int(peak) for cluster, user, peak in cursor.fetchall()}


# A customer's month


@dataclass(frozen=True)
class BucketLine:
    cluster: str
    user_id: str
    bucket: str
    figures: MonthFigures


@dataclass(frozen=True)
class CustomerMonth:
    customer: Customer
    month: Month
    totals: MonthFigures
    buckets: list[BucketLine]


def customer_month(
    customer: Customer, month: Month, *, now: datetime, pairs: list[Pair] | None = None
) -> CustomerMonth:
    """The customer's figures of the month, in all and per bucket; `pairs` are the
    customer's accounts when the caller has read them already."""
    pairs = account_pairs(customer) if pairs is None else pairs
    per_bucket = month_figures(month, now=now, pairs=pairs, by_bucket=True)

    # The month in all is the sum of its buckets but for the peak: an S3 user's peak is
    # its buckets' largest total at one snapshot, not the sum of each bucket's own peak.
    totals = MonthFigures(month, now)
    for figures in per_bucket.values():
        totals.counted.add(figures)
    totals.counted.peak_bytes = sum(user_peaks(month_samples(month, pairs)).values())

    names = cluster_names()
    buckets = [
        BucketLine(names[cluster_id], user_id, bucket, MonthFigures(month, now, figures))
        for (cluster_id, user_id, bucket), figures in sorted(
            per_bucket.items(),
            key=lambda entry: (names[entry[0][0]], entry[0][1], entry[0][2]),
        )
    ]
    return CustomerMonth(customer, month, totals, buckets)


def cluster_names() -> dict[int, str]:
    return dict(StorageCluster.objects.values_list("pk", "name"))


# Every customer's month, for the overview and the billing export


@dataclass(frozen=True)
class CustomerLine:
    customer: Customer
    accounts: list[str]
    figures: MonthFigures


def customers_month(
    month: Month, *, now: datetime, customers: list[Customer] | None = None
) -> list[CustomerLine]:
    """One line per customer with an S3 account, now or before, in name order; only the
    given customers' lines when a page of them is given."""
    owners = account_owners(customers)
    found = month_figures(month, now=now, pairs=None if customers is None else list(owners))

    lines = {}
    for pair, (customer, _) in owners.items():
        line = lines.setdefault(customer.pk, CustomerLine(customer, [], MonthFigures(month, now)))
        line.accounts.append(owners[pair][1])
        line.figures.counted.add(found.get(pair, Figures()))
    return sorted(lines.values(), key=lambda line: (line.customer.name, line.customer.pk))


def bucket_lines(month: Month, *, now: datetime) -> list[tuple[Customer, BucketLine]]:
    """Every customer's buckets with usage or storage in the month."""
    owners = account_owners()
    names = cluster_names()
    lines = [
        (owners[(cluster_id, user_id)][0],
         BucketLine(names[cluster_id], user_id, bucket, MonthFigures(month, now, figures)))
        for (cluster_id, user_id, bucket), figures in month_figures(
            month, now=now, by_bucket=True
        ).items()
        if (cluster_id, user_id) in owners
    ]  # fmt: skip
    return sorted(
        lines, key=lambda line: (line[0].name, line[0].pk, line[1].cluster, line[1].bucket)
    )


def customers_with_accounts():
    """Customers who have or had an S3 account, in the overview's order."""
    return Customer.objects.filter(accounts__isnull=False).distinct().order_by("name", "pk")


def account_owners(customers: list[Customer] | None = None) -> dict[Pair, tuple[Customer, str]]:
    """Each (cluster, user id), of every customer or of those given, with its customer and
    a label such as `main/8f3a...`."""
    accounts = S3Account.objects.select_related("customer", "cluster")
    if customers is not None:
        accounts = accounts.filter(customer__in=customers)
    return {
        (account.cluster_id, account.user_id): (
            account.customer,
            f"{account.cluster.name}/{account.user_id}",
        )
        for account in accounts
    }


# Days, for the charts


def daily_series(month: Month, *, now: datetime, pairs: list[Pair]) -> dict:
    """Per day of the month: requests by kind, GB up and down, average GB stored; the lists
    of figures stop at today, the list of days goes on to the month's end."""
    days = month.days()
    requests = {name: dict.fromkeys(days, 0) for name in OPS}
    traffic = {name: dict.fromkeys(days, 0) for name in ("uploaded", "downloaded")}

    counters = HourlyUsage.objects.filter(
        pair_filter(pairs), hour__gte=month.start, hour__lt=month.end
    )
    by_day = counters.annotate(day=TruncDate("hour")).values("day")
    for row in by_day.annotate(**{name: Sum(name) for name in COUNTERS}):
        for name in OPS:
            requests[name][row["day"]] = row[name]
        for name in traffic:
            traffic[name][row["day"]] = row[name]

    stored = stored_by_day(month, now=now, pairs=pairs)
    # Days still to come have no figure yet, rather than a zero.
    past = [day for day in days if day <= now.date()]
    return {
        "days": [day.isoformat() for day in days],
        "requests": {name[4:]: [requests[name][day] for day in past] for name in OPS},
        "gb": {name: [float(gigabytes(traffic[name][day])) for day in past] for name in traffic},
        "gb_stored": [float(gigabytes(stored[day] / 3600 / day_hours(day, now))) for day in past],
    }


def stored_by_day(month: Month, *, now: datetime, pairs: list[Pair]) -> dict[date, float]:
    """Byte-seconds held on each day of the month, each snapshot's time split at midnight.

    Unlike the monthly figures, the chart splits: a long gap between two harvests
    would otherwise pile its storage onto the day the gap began.
    """
    totals = dict.fromkeys(month.days(), 0.0)
    # A snapshot taken the day before may still be held into the month.
    samples = StorageSample.objects.filter(
        pair_filter(pairs), taken_at__gte=month.start - timedelta(days=1), taken_at__lt=month.end
    )
    snapshots = samples.values("snapshot_id", "taken_at", "snapshot__held_seconds").annotate(
        stored=Sum("current")
    )
    for row in snapshots:
        held = row["snapshot__held_seconds"]
        start = max(row["taken_at"], month.start)
        end = row["taken_at"] + timedelta(seconds=held) if held is not None else now
        end = min(end, month.end)
        while start < end:
            midnight = datetime.combine(start.date() + timedelta(days=1), time(), start.tzinfo)
            piece_end = min(end, midnight)
            totals[start.date()] += row["stored"] * (piece_end - start).total_seconds()
            start = piece_end
    return totals


def day_hours(day: date, now: datetime) -> float:
    """The hours of the day gone by at `now`, at least one so that a day divides."""
    start = datetime(day.year, day.month, day.day, tzinfo=now.tzinfo)
    elapsed = (min(now, start + timedelta(days=1)) - start).total_seconds() / 3600
    return max(elapsed, 1.0)


def latest_runs() -> list[HarvestRun]:
    """The last harvest of each cluster."""
    latest = HarvestRun.objects.values("cluster_id").annotate(last=Max("started_at"))
    wanted = Q(pk__in=[])
    for row in latest:
        wanted |= Q(cluster_id=row["cluster_id"], started_at=row["last"])
    return list(HarvestRun.objects.filter(wanted).select_related("cluster").order_by("cluster"))


def customer_month_view(customer: Customer, month: Month, *, now: datetime) -> dict:
    """What a page shows of a customer's month: the report, and the daily charts' data."""
    pairs = account_pairs(customer)
    return {
        "report": customer_month(customer, month, now=now, pairs=pairs),
        "chart_data": daily_series(month, now=now, pairs=pairs),
        "chart_id": f"usage-chart-data-{customer.pk}",
    }
