"""Limit values as the portal keeps them: one field per gateway limit, 0 meaning none."""

from dataclasses import dataclass, fields
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from staas_portal.gateway import results

# The gateway keeps two decimals; beyond a million operations or kb/s per second a
# limit means nothing on any cluster, so a larger figure is a typing mistake.
MAX_LIMIT = Decimal("1000000")
MAX_QUOTA_GB = 10_000_000

# Quotas are whole GB; the portal reads a GB as 10^9 bytes, as storage is sold.
BYTES_PER_GB = 10**9

OPS_UNIT = "ops/s"
BANDWIDTH_UNIT = "kb/s"


@dataclass(frozen=True)
class LimitField:
    name: str
    limit_type: str
    resource: str
    label: str

    @property
    def unit(self) -> str:
        return OPS_UNIT if self.limit_type == "ops" else BANDWIDTH_UNIT

    @property
    def decimal_places(self) -> int:
        # The gateway keeps operations to two decimals and bandwidth in whole kb/s.
        return 2 if self.limit_type == "ops" else 0

    def problem_with(self, value: Decimal) -> str:
        """Why the gateway could not hold this value as given; empty when it can."""
        if not value.is_finite() or value < 0:
            return f"{self.label} cannot be negative; 0 means unlimited."
        if value > MAX_LIMIT:
            return f"{self.label} is at most {MAX_LIMIT:,} {self.unit}."
        if value != round(value, self.decimal_places):
            if self.decimal_places == 0:
                return f"{self.label} is a whole number of {self.unit}."
            return f"{self.label} has at most {self.decimal_places} decimals."
        return ""


LIMIT_FIELDS = (
    LimitField("ops_default", "ops", "default", "Operations, default"),
    LimitField("ops_get", "ops", "get", "GET operations"),
    LimitField("ops_put", "ops", "put", "PUT operations"),
    LimitField("ops_list", "ops", "list", "LIST operations"),
    LimitField("ops_delete", "ops", "delete", "DELETE operations"),
    LimitField("bandwidth_out", "bandwidth", "out", "Outgoing bandwidth"),
)


def limit_model_field(field: LimitField) -> models.DecimalField:
    return models.DecimalField(
        field.label,
        max_digits=9,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(MAX_LIMIT)],
        help_text=f"{field.unit}; 0 means unlimited.",
    )


def quota_model_field(**options) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(
        "storage quota (GB)",
        validators=[MaxValueValidator(MAX_QUOTA_GB)],
        help_text="Whole GB; 0 means unlimited.",
        **options,
    )


@dataclass(frozen=True)
class LimitValues:
    """A full set of user or bucket limits."""

    ops_default: Decimal = Decimal(0)
    ops_get: Decimal = Decimal(0)
    ops_put: Decimal = Decimal(0)
    ops_list: Decimal = Decimal(0)
    ops_delete: Decimal = Decimal(0)
    bandwidth_out: Decimal = Decimal(0)

    @classmethod
    def of(cls, holder) -> "LimitValues":
        """The values of a model or form data that has one attribute per limit field."""
        return cls(**{field.name: Decimal(getattr(holder, field.name)) for field in fields(cls)})

    @classmethod
    def of_mapping(cls, data) -> "LimitValues":
        """The values of a form's cleaned data, or any mapping with one key per field."""
        return cls(**{field.name: Decimal(data[field.name]) for field in fields(cls)})

    @classmethod
    def from_gateway(cls, limits: results.Limits) -> "LimitValues":
        found = {"ops": limits.ops, "bandwidth": limits.bandwidth}
        return cls(**{
            field.name: found[field.limit_type].get(field.resource, Decimal(0))
            for field in LIMIT_FIELDS
        })  # fmt: skip

    def problems(self) -> dict[str, str]:
        """What the gateway could not hold, by field name; empty when all is well."""
        found = {field.name: field.problem_with(value) for field, value in self.rows()}
        return {name: problem for name, problem in found.items() if problem}

    def rows(self) -> list[tuple[LimitField, Decimal]]:
        """Each limit with its value, in the order the pages show them."""
        return [(field, getattr(self, field.name)) for field in LIMIT_FIELDS]

    @property
    def unlimited(self) -> bool:
        return not any(getattr(self, field.name) for field in LIMIT_FIELDS)

    def as_dict(self) -> dict[str, str]:
        return {field.name: str(getattr(self, field.name)) for field in LIMIT_FIELDS}

    def differences(self, other: "LimitValues") -> list[str]:
        """Names of the fields whose values differ, compared to two decimals."""
        return [
            field.name
            for field in LIMIT_FIELDS
            if round(getattr(self, field.name), 2) != round(getattr(other, field.name), 2)
        ]
