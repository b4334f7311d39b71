"""API tokens and the answers kept for Idempotency-Key replays."""

import hashlib
import hmac

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z"


def secret_hash(token: str) -> str:
    """The stored form of a token. A plain SHA-256 suffices: tokens are 256 random
    bits, so there is nothing to guess that a slow hash would protect."""
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(models.Model):
    """A named credential of a storefront or billing system; the token itself is never kept.

    Each token acts through a login of its own (`principal`), named like the token,
    with the role its scope allows: the services check and audit that login exactly
    as they do a person's.
    """

    class Scope(models.TextChoices):
        READ = "read", "Read"
        READ_WRITE = "read-write", "Read and write"

    name = models.CharField(
        max_length=64,
        unique=True,
        validators=[
            RegexValidator(
                NAME_PATTERN,
                "Use letters, digits, dots, hyphens and underscores, starting with a letter "
                "or digit.",
            )
        ],
        help_text="Names the system that uses it, e.g. storefront; the audit log shows it.",
    )
    scope = models.CharField(max_length=16, choices=Scope.choices)
    # The token's first, non-secret part: finds the row and tells tokens apart on pages.
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    principal = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_token",
        editable=False,
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    created_by_name = models.CharField(max_length=150, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by_name = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["revoked_at", "name"]

    def __str__(self):
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def may_write(self) -> bool:
        return self.scope == self.Scope.READ_WRITE

    def matches(self, token: str) -> bool:
        return hmac.compare_digest(self.secret_hash, secret_hash(token))


class IdempotencyKey(models.Model):
    """A create's answer, kept so that the same request with the same key gets it again.

    The body is kept without any secret: a secret is shown in the first answer only.
    """

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # SHA-256 of the method, the path and the parsed body.
    fingerprint = models.CharField(max_length=64)
    # Empty until the first request has been answered.
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    body = models.JSONField(null=True, blank=True)
    location = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token", "key"], name="idempotency_key_per_token")
        ]

    def __str__(self):
        return f"{self.key} of {self.token}"

    @property
    def answered(self) -> bool:
        return self.status is not None
