"""A month of usage written by hand, with the figures the reports must give, worked out
by hand in the comments.

November 2026 has 720 hours. Acme has the live S3 user `acme` and the deleted
`acme-old` on cluster main; Beta has `beta`; `stranger` belongs to nobody.

Counters (requests put/get/list/other, bytes up/down) in November:
  acme photos 3 Nov 10:00   10 100 5 1   2e9 0.5e9
  acme photos 3 Nov 11:00    5  50 0 0   1e9 0
  acme logs  20 Nov 00:00    1   2 3 4   0   3e9
  acme-old archive 1 Nov     7   0 0 0   7e9 0
  Acme: put 23, get 152, list 8, other 5 (188 requests); 10 GB up, 3.5 GB down.
  Outside November (31 Oct 23:00, 1 Dec 00:00) and other users: not Acme's November.

Storage snapshots of main (GB; each holds until the next):
  31 Oct 12:00, 12 h     photos 5                          (October's)
   1 Nov 00:00, 240 h    photos 4, logs 1, archive 2, beta-data 3
  11 Nov 00:00, 480 h    photos 6, archive 2, beta-data 3
   1 Dec 00:00, open     photos 6, archive 2
  Acme in November: 7 GB x 240 h + 8 GB x 480 h = 5520 GB-hours,
  5520 / 720 = 7.666667 GB-months, and the same average; peak: acme 6 + acme-old 2 = 8.
  Per bucket: photos 4x240 + 6x480 = 3840 GB-h (5.333333 GB-months, peak 6);
  logs 240 GB-h (0.333333, peak 1); archive 1440 GB-h (2.000000, peak 2).
  Beta: 3 GB x 720 h = 2160 GB-h, 3.000000 GB-months, peak 3.
  December up to 11 Dec 00:00 (240 h of 744): Acme holds 8 GB all along:
  1920 GB-h, average 8.000000, 1920 / 744 = 2.580645 GB-months.
"""

from datetime import UTC, datetime

from staas_portal.clusters.models import StorageCluster
from staas_portal.customers.models import S3Account
from staas_portal.usage.models import HourlyUsage, StorageSample, StorageSnapshot
from staas_portal.usage.months import Month
from tests.portal_fixtures import make_customer

NOVEMBER = Month(2026, 11)
AFTER_NOVEMBER = datetime(2026, 12, 10, tzinfo=UTC)
MID_DECEMBER = datetime(2026, 12, 11, tzinfo=UTC)
GB = 10**9


def at(day: int, hour: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def counters(cluster, user_id, bucket, hour, put, get, list_, other, up, down):
    HourlyUsage.objects.create(
        cluster=cluster, user_id=user_id, bucket=bucket, hour=hour, ops_put=put, ops_get=get,
        ops_list=list_, ops_other=other, uploaded=up, downloaded=down,
    )  # fmt: skip


def snapshot(cluster, taken_at, hours, sizes):
    taken = StorageSnapshot.objects.create(
        cluster=cluster,
        taken_at=taken_at,
        held_seconds=None if hours is None else hours * 3600,
        buckets=len(sizes),
    )
    for (user_id, bucket), gigabytes in sizes.items():
        StorageSample.objects.create(
            snapshot=taken, cluster=cluster, taken_at=taken_at, user_id=user_id, bucket=bucket,
            current=gigabytes * GB, hmax=gigabytes * GB, h_integral=0, last_ts=0,
        )  # fmt: skip


def write_month(cluster: StorageCluster):
    """The usage above; returns the customers Acme and Beta."""
    acme = make_customer("Acme Hosting", "ops@acme.example")
    beta = make_customer("Beta Books", "it@beta.example")
    S3Account.objects.create(customer=acme, cluster=cluster, user_id="acme", gateway_email="a@x")
    S3Account.objects.create(
        customer=acme, cluster=cluster, user_id="acme-old", gateway_email="o@x", state="deleted"
    )
    S3Account.objects.create(customer=beta, cluster=cluster, user_id="beta", gateway_email="b@x")

    counters(cluster, "acme", "photos", at(3, 10), 10, 100, 5, 1, 2 * GB, GB // 2)
    counters(cluster, "acme", "photos", at(3, 11), 5, 50, 0, 0, GB, 0)
    counters(cluster, "acme", "logs", at(20), 1, 2, 3, 4, 0, 3 * GB)
    counters(cluster, "acme-old", "archive", at(1), 7, 0, 0, 0, 7 * GB, 0)
    counters(cluster, "acme", "photos", at(31, 23, month=10), 1000, 0, 0, 0, 0, 0)
    counters(cluster, "acme", "photos", at(1, 0, month=12), 1000, 0, 0, 0, 0, 0)
    counters(cluster, "beta", "beta-data", at(5, 12), 3, 3, 3, 3, GB, GB)
    counters(cluster, "stranger", "x", at(5, 12), 99, 0, 0, 0, 0, 0)

    snapshot(cluster, at(31, 12, month=10), 12, {("acme", "photos"): 5})
    snapshot(cluster, at(1), 240, {
        ("acme", "photos"): 4, ("acme", "logs"): 1, ("acme-old", "archive"): 2,
        ("beta", "beta-data"): 3,
    })  # fmt: skip
    snapshot(cluster, at(11), 480, {
        ("acme", "photos"): 6, ("acme-old", "archive"): 2, ("beta", "beta-data"): 3,
    })  # fmt: skip
    snapshot(cluster, at(1, month=12), None, {("acme", "photos"): 6, ("acme-old", "archive"): 2})
    return acme, beta
