"""Harvested usage: request and traffic counters by hour, and storage samples.

Rows are keyed by cluster and S3 user id, never by a link to an S3 account, so
that usage of a user the portal does not know yet is kept, and becomes the
customer's the moment the user is adopted, with no data to move.
"""

from django.db import models

from staas_portal.clusters.models import StorageCluster

COUNTERS = ("ops_put", "ops_get", "ops_list", "ops_other", "uploaded", "downloaded")


class HourlyUsage(models.Model):
    """The counters of one S3 user's requests to one bucket in one hour, summed over
    every statistics object harvested for that hour."""

    cluster = models.ForeignKey(StorageCluster, on_delete=models.PROTECT, related_name="+")
    user_id = models.CharField("S3 user id", max_length=64)
    # Empty for requests that name no bucket, such as listing one's buckets.
    bucket = models.CharField(max_length=255, blank=True)
    hour = models.DateTimeField(help_text="The start of the hour, UTC.")
    ops_put = models.BigIntegerField(default=0)
    ops_get = models.BigIntegerField(default=0)
    ops_list = models.BigIntegerField(default=0)
    ops_other = models.BigIntegerField(default=0)
    uploaded = models.BigIntegerField("bytes uploaded", default=0)
    downloaded = models.BigIntegerField("bytes downloaded", default=0)

    class Meta:
        ordering = ["hour", "cluster", "user_id", "bucket"]
        constraints = [
            models.UniqueConstraint(
                fields=["cluster", "user_id", "bucket", "hour"], name="hourly_usage_unique"
            )
        ]
        indexes = [models.Index(fields=["hour"], name="hourly_usage_hour")]

    def __str__(self):
        return f"{self.user_id}/{self.bucket} {self.hour:%Y-%m-%d %H:00}"

    @property
    def requests(self) -> int:
        return self.ops_put + self.ops_get + self.ops_list + self.ops_other


class HarvestedObject(models.Model):
    """A statistics object whose counters are in HourlyUsage.

    Written in the same transaction as those counters: a name recorded here is
    counted, a name not recorded is not, whatever happened around the commit.
    """

    cluster = models.ForeignKey(StorageCluster, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=255)
    start = models.DateTimeField(help_text="The start of the object's period.")
    period_seconds = models.PositiveIntegerField()
    items = models.PositiveIntegerField()
    harvested_at = models.DateTimeField()
    # Set only once the gateway confirmed the delete.
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-harvested_at", "name"]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "name"], name="harvested_object_unique")
        ]

    def __str__(self):
        return self.name


class StorageSnapshot(models.Model):
    """One listing of a cluster's buckets, taken by a harvest.

    A snapshot stands for the sizes it saw until the next snapshot of the same
    cluster; `held_seconds` is that time, set when the next one is taken.
    """

    cluster = models.ForeignKey(StorageCluster, on_delete=models.PROTECT, related_name="+")
    taken_at = models.DateTimeField()
    held_seconds = models.PositiveIntegerField(null=True, blank=True)
    buckets = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-taken_at"]
        indexes = [
            models.Index(fields=["cluster", "taken_at"], name="storage_snapshot_taken"),
        ]

    def __str__(self):
        return f"{self.cluster_id} {self.taken_at:%Y-%m-%d %H:%M}"


class StorageSample(models.Model):
    """A bucket's size counters as one snapshot saw them (`ostor-buckets`' `size`)."""

    snapshot = models.ForeignKey(StorageSnapshot, on_delete=models.CASCADE, related_name="samples")
    # The snapshot's cluster and time again, so that a customer's samples of a month
    # are found through one index without reading every snapshot.
    cluster = models.ForeignKey(StorageCluster, on_delete=models.PROTECT, related_name="+")
    taken_at = models.DateTimeField()
    user_id = models.CharField("owner's S3 user id", max_length=64)
    bucket = models.CharField(max_length=255)
    current = models.BigIntegerField("bytes stored")
    hmax = models.BigIntegerField("peak bytes, as the gateway counts it")
    h_integral = models.BigIntegerField("byte-hours, as the gateway counts them")
    last_ts = models.BigIntegerField("hour of the last change, as the gateway counts it")

    class Meta:
        ordering = ["taken_at", "bucket"]
        indexes = [
            models.Index(fields=["cluster", "user_id", "taken_at"], name="storage_sample_user"),
            models.Index(fields=["taken_at"], name="storage_sample_taken"),
        ]

    def __str__(self):
        return f"{self.bucket} {self.current} bytes at {self.taken_at:%Y-%m-%d %H:%M}"


class HarvestRun(models.Model):
    """One harvest of one cluster: what it took, or why it stopped."""

    class State(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    cluster = models.ForeignKey(StorageCluster, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=16, choices=State.choices, default=State.RUNNING)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    harvested = models.PositiveIntegerField("objects harvested", default=0)
    items = models.PositiveIntegerField("items harvested", default=0)
    deleted = models.PositiveIntegerField("objects deleted", default=0)
    still_open = models.PositiveIntegerField("objects left for a later run", default=0)
    unusable = models.PositiveIntegerField("objects skipped for a 1970 timestamp", default=0)
    buckets = models.PositiveIntegerField("buckets sampled", default=0)
    errors = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            # One harvest of a cluster at a time; a second one started meanwhile gives way.
            models.UniqueConstraint(
                fields=["cluster"],
                condition=models.Q(state="running"),
                name="one_running_harvest_per_cluster",
            )
        ]

    def __str__(self):
        return f"harvest of {self.cluster_id} at {self.started_at:%Y-%m-%d %H:%M} ({self.state})"
