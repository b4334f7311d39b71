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
    # One entry per item handled: {"item": ..., "ok": bool, "message": ...}.
    outcomes = models.JSONField(default=list, blank=True)
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
    def failures(self) -> list[dict]:
        return [outcome for outcome in self.outcomes if not outcome.get("ok")]

    def add_outcome(self, item: str, ok: bool, message: str = "") -> None:
        """Records one item's outcome and moves the progress on, in the database now."""
        self.outcomes.append({"item": item, "ok": ok, "message": message})
        self.done += 1
        Job.objects.filter(pk=self.pk).update(outcomes=self.outcomes, done=F("done") + 1)
