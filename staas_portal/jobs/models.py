from django.conf import settings
from django.db import models
from django.db.models import F


class Job(models.Model):
    """A piece of work done by a Celery worker, with progress the pages can show."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting for a worker"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        PARTIAL = "partial", "Finished with failures"
        FAILED = "failed", "Failed"

    FINISHED = (State.SUCCEEDED, State.PARTIAL, State.FAILED)

    kind = models.CharField(max_length=64)
    title = models.CharField(max_length=255)
    target = models.CharField(max_length=255, blank=True)
    parameters = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.title} ({self.get_state_display()})"

    @property
    def is_finished(self) -> bool:
        return self.state in self.FINISHED

    @property
    def percent(self) -> int:
        if self.is_finished:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def failures(self):
        return self.outcomes.filter(ok=False)

    def add_outcome(self, item: str, ok: bool, message: str = "", key: str = "") -> None:
        """Records one item's outcome and moves the progress on, in the database now.

        Several workers may share one job, so the count goes up in the database
        rather than from this copy's number.
        """
        JobOutcome.objects.create(job=self, item=item, ok=ok, message=message, key=key)
        Job.objects.filter(pk=self.pk).update(done=F("done") + 1)
        self.done += 1


class JobOutcome(models.Model):
    """What happened to one item of a job: a bucket, a customer."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="outcomes")
    item = models.CharField(max_length=255)
    # What a retry needs to find the item again, e.g. a customer's id.
    key = models.CharField(max_length=64, blank=True)
    ok = models.BooleanField()
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.item}: {'done' if self.ok else 'failed'}"
