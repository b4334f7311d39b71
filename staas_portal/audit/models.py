from django.conf import settings
from django.db import models


class Outcome(models.TextChoices):
    SUCCESS = "success", "Succeeded"
    FAILURE = "failure", "Failed"
    REFUSED = "refused", "Refused"


class AuditEvent(models.Model):
    """One thing somebody did or tried to do, kept whatever the outcome."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    # Kept as text too: the login may be deleted later, and API tokens and
    # scheduled jobs act without a login.
    actor_name = models.CharField(max_length=150)
    role = models.CharField(max_length=16, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    target = models.CharField(max_length=255, blank=True)
    parameters = models.JSONField(default=dict, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    gateway_error = models.TextField(blank=True)
    address = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.actor_name} {self.action} {self.target} ({self.outcome})"
