from decimal import InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from staas_portal.customers.models import Customer, S3Account
from staas_portal.limits.values import LIMIT_FIELDS, LimitValues, limit_model_field
from staas_portal.limits.values import quota_model_field as quota_field


class LimitFieldsMixin(models.Model):
    ops_default = limit_model_field(LIMIT_FIELDS[0])
    ops_get = limit_model_field(LIMIT_FIELDS[1])
    ops_put = limit_model_field(LIMIT_FIELDS[2])
    ops_list = limit_model_field(LIMIT_FIELDS[3])
    ops_delete = limit_model_field(LIMIT_FIELDS[4])
    bandwidth_out = limit_model_field(LIMIT_FIELDS[5])

    class Meta:
        abstract = True

    @property
    def limit_values(self) -> LimitValues:
        return LimitValues.of(self)

    def clean(self):
        super().clean()
        try:
            values = self.limit_values
        except (InvalidOperation, TypeError, ValueError):
            return  # not a number: the field's own validation says so
        if problems := values.problems():
            raise ValidationError(problems)

    @property
    def request_ops(self) -> list:
        """The GET, PUT, LIST and DELETE limits, for tables that show them in one column."""
        return [self.ops_get, self.ops_put, self.ops_list, self.ops_delete]


class Plan(LimitFieldsMixin):
    """A named set of user limits and a storage quota that customers are sold."""

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    quota_gb = quota_field(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class PlanAssignment(models.Model):
    """The plan a customer is on."""

    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, related_name="plan_assignment"
    )
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="assignments")
    assigned_at = models.DateTimeField(auto_now=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    def __str__(self):
        return f"{self.customer} on {self.plan}"


class DesiredLimits(LimitFieldsMixin):
    """The user limits and quota an S3 user should have, as last applied by the portal.

    Reconcile compares the gateway with these, so limit and quota drift shows.
    """

    account = models.OneToOneField(
        S3Account, on_delete=models.CASCADE, related_name="desired_limits"
    )
    # None: the portal does not manage this user's quota (or the gateway has none).
    quota_gb = quota_field(null=True, blank=True)
    plan = models.ForeignKey(Plan, null=True, blank=True, on_delete=models.SET_NULL)
    applied_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "desired limits"

    def __str__(self):
        return f"limits of {self.account}"
