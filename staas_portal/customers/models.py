from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from staas_portal.clusters.models import StorageCluster
from staas_portal.core.crypto import decrypt_secret, encrypt_secret

MAX_KEY_PAIRS = 2


class Customer(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"
        CLOSED = "closed", "Closed"

    name = models.CharField(max_length=200)
    company = models.CharField(max_length=200, blank=True)
    email = models.EmailField(max_length=254)
    phone = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="customer_email_unique",
                violation_error_message="Another customer already has this email address.",
            )
        ]

    def __str__(self):
        return f"{self.name} <{self.email}>"


class S3Account(models.Model):
    """A customer's S3 user on one cluster, as the gateway last showed it."""

    class State(models.TextChoices):
        ENABLED = "enabled", "Enabled"
        DISABLED = "disabled", "Suspended"
        DELETED = "deleted", "Deleted"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="accounts")
    cluster = models.ForeignKey(StorageCluster, on_delete=models.PROTECT, related_name="accounts")
    user_id = models.CharField("S3 user id", max_length=64)
    gateway_email = models.CharField(
        "email on the gateway", max_length=254, help_text="The email the S3 user was created with."
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.ENABLED)
    state_seen_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["cluster__name", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "user_id"], name="account_user_id_unique"),
            # A customer has at most one live S3 user per cluster; deleted ones stay as history.
            models.UniqueConstraint(
                fields=["customer", "cluster"],
                condition=~Q(state="deleted"),
                name="one_live_account_per_cluster",
            ),
        ]

    def __str__(self):
        return f"{self.user_id} on {self.cluster.name}"

    @property
    def is_live(self) -> bool:
        return self.state != self.State.DELETED


class KeyPairNote(models.Model):
    """What the portal knows of one key pair: the gateway holds the pair itself."""

    account = models.ForeignKey(S3Account, on_delete=models.CASCADE, related_name="key_notes")
    access_key_id = models.CharField(max_length=128)
    # Fernet ciphertext of the secret key; empty when the portal never learned it.
    secret_ciphertext = models.TextField(blank=True, editable=False)
    label = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    created_by_name = models.CharField(max_length=150, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    revoked_by_name = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "access_key_id"], name="key_note_unique_per_account"
            )
        ]

    def __str__(self):
        return self.access_key_id

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def has_secret(self) -> bool:
        return bool(self.secret_ciphertext)

    @property
    def age_days(self) -> int:
        return (timezone.now() - self.created_at).days

    @property
    def max_age_days(self) -> int:
        return settings.STAAS_KEY_MAX_AGE_DAYS

    @property
    def is_old(self) -> bool:
        """An active key older than STAAS_KEY_MAX_AGE_DAYS, due to be rotated."""
        return self.is_active and self.age_days > self.max_age_days

    def set_secret_key(self, secret_key: str) -> None:
        self.secret_ciphertext = encrypt_secret(secret_key) if secret_key else ""

    def secret_key(self) -> str:
        return decrypt_secret(self.secret_ciphertext) if self.secret_ciphertext else ""


class Drift(models.Model):
    """A difference between a cluster and the portal's records, found by reconcile."""

    class Kind(models.TextChoices):
        MISSING_ON_GATEWAY = "missing_on_gateway", "S3 user missing on the gateway"
        UNKNOWN_TO_PORTAL = "unknown_to_portal", "S3 user unknown to the portal"
        KEY_REVOKED_OUTSIDE = "key_revoked_outside", "Key pair revoked outside the portal"
        KEY_ADDED_OUTSIDE = "key_added_outside", "Key pair added outside the portal"
        STATE_DIFFERS = "state_differs", "State differs"
        LIMITS_DIFFER = "limits_differ", "Limits differ"
        QUOTA_DIFFERS = "quota_differs", "Quota differs"
        PLAN_NOT_APPLIED = "plan_not_applied", "Plan not applied"

    cluster = models.ForeignKey(StorageCluster, on_delete=models.CASCADE, related_name="drift")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    account = models.ForeignKey(
        S3Account, null=True, blank=True, on_delete=models.CASCADE, related_name="drift"
    )
    user_id = models.CharField(max_length=64)
    access_key_id = models.CharField(max_length=128, blank=True)
    detail = models.TextField(blank=True)
    found_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-found_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cluster", "kind", "user_id", "access_key_id"],
                condition=Q(resolved_at__isnull=True),
                name="one_open_drift_per_difference",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.user_id} {self.access_key_id}".strip()


class PendingChange(models.Model):
    """A change sent to a gateway whose outcome the portal has not seen confirmed.

    The service that sends a change writes this row first and removes it once the
    gateway has confirmed or refused the change. A row left behind (no answer in
    time, a dropped connection, a 5xx, an answer that could not be read, or a
    worker that died mid-call) is settled by the next reconcile run, which reads
    what the gateway holds. Nothing here is a claim about the gateway.
    """

    class Kind(models.TextChoices):
        PROVISION = "account.provision", "Provision an S3 user"
        SUSPEND = "account.suspend", "Suspend"
        RESUME = "account.resume", "Resume"
        DELETE = "account.delete", "Delete the S3 user"
        KEY_GENERATE = "key.generate", "Generate a key pair"
        KEY_REVOKE = "key.revoke", "Revoke a key pair"
        LIMITS_SET = "limits.user.set", "Set the user limits"
        LIMITS_DELETE = "limits.user.delete", "Remove the user limits"
        QUOTA_SET = "quota.set", "Set the user quota"
        QUOTA_DELETE = "quota.delete", "Remove the user quota"
        PLAN_APPLY = "plan.apply", "Apply a plan"

    class State(models.TextChoices):
        SENT = "sent", "Sent, no answer yet"
        UNCONFIRMED = "unconfirmed", "Not confirmed"

    cluster = models.ForeignKey(
        StorageCluster, on_delete=models.CASCADE, related_name="pending_changes"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="pending_changes"
    )
    # Empty only for a provision, whose S3 user the portal has no record of yet.
    account = models.ForeignKey(
        S3Account, null=True, blank=True, on_delete=models.CASCADE, related_name="pending_changes"
    )
    # What was sent to the gateway, never a secret.
    values = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.SENT)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    requested_by_name = models.CharField(max_length=150)
    requested_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["requested_at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} for customer {self.customer_id} ({self.state})"

    @property
    def target(self) -> str:
        if self.account_id:
            return f"s3user:{self.account.user_id}@{self.cluster.name}"
        return f"customer:{self.customer_id}"


class KnownBucket(models.Model):
    """A bucket as the gateway last listed it, so that staff can search by bucket name."""

    cluster = models.ForeignKey(StorageCluster, on_delete=models.CASCADE, related_name="buckets")
    name = models.CharField(max_length=255)
    owner_id = models.CharField(max_length=64)
    account = models.ForeignKey(
        S3Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="buckets"
    )
    created = models.DateTimeField(null=True, blank=True)
    size_current = models.BigIntegerField(default=0)
    size_hmax = models.BigIntegerField(default=0)
    seen_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "name"], name="known_bucket_unique")
        ]

    def __str__(self):
        return f"{self.name} on {self.cluster.name}"
