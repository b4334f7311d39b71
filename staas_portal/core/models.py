from django.db import models


class WorkerHeartbeat(models.Model):
    """When each Celery worker last ran the scheduled heartbeat task."""

    hostname = models.CharField(max_length=255, unique=True)
    last_seen = models.DateTimeField()

    class Meta:
        ordering = ["hostname"]

    def __str__(self):
        return f"{self.hostname} at {self.last_seen:%Y-%m-%d %H:%M:%S}"
