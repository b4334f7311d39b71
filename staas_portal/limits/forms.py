from decimal import Decimal

from django import forms

from staas_portal.limits.models import Plan
from staas_portal.limits.values import LIMIT_FIELDS, MAX_LIMIT, MAX_QUOTA_GB, LimitField


class LimitValueField(forms.DecimalField):
    """A limit in the gateway's unit, judged by its value: "2048.00" is a whole 2048."""

    def __init__(self, limit: LimitField, **options):
        self.limit = limit
        super().__init__(
            label=f"{limit.label} ({limit.unit})",
            min_value=Decimal(0),
            max_value=MAX_LIMIT,
            initial=Decimal(0),
            help_text="0 means unlimited.",
            error_messages={
                "required": "Enter a value; 0 means unlimited.",
                "invalid": "Enter a number, such as 100 or 12.5.",
                "min_value": "A limit cannot be negative; 0 means unlimited.",
                "max_value": f"At most {MAX_LIMIT:,} {limit.unit}.",
            },
            widget=forms.NumberInput(
                attrs={"step": "0.01" if limit.decimal_places else "1", "min": "0"}
            ),
            **options,
        )

    def validate(self, value):
        super().validate(value)
        if value is not None and value != round(value, self.limit.decimal_places):
            if self.limit.decimal_places == 0:
                message = f"A whole number of {self.limit.unit}: the gateway keeps no fractions."
            else:
                message = "At most two decimals: the gateway keeps no more."
            raise forms.ValidationError(message, code="decimals")

    def prepare_value(self, value):
        # Shown as typed by a person: 3600 rather than 3600.00.
        if isinstance(value, Decimal) and value.is_finite():
            return format(value.normalize(), "f")
        return super().prepare_value(value)


def quota_form_field(**options) -> forms.IntegerField:
    return forms.IntegerField(
        label="Storage quota (GB)",
        min_value=0,
        max_value=MAX_QUOTA_GB,
        help_text="Whole GB; 0 means unlimited.",
        error_messages={
            "required": "Enter a size in GB; 0 means unlimited.",
            "invalid": "Enter a whole number of GB, such as 50.",
            "min_value": "A quota cannot be negative; 0 means unlimited.",
            "max_value": f"At most {MAX_QUOTA_GB:,} GB.",
        },
        widget=forms.NumberInput(attrs={"min": "0", "step": "1"}),
        **options,
    )


class LimitsForm(forms.Form):
    """Every user or bucket limit at once: the portal sets them as one set."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in LIMIT_FIELDS:
            self.fields[field.name] = LimitValueField(field)


class QuotaForm(forms.Form):
    size_gb = quota_form_field()


class PlanForm(forms.ModelForm):
    class Meta:
        model = Plan
        fields = ["name", "description", *(field.name for field in LIMIT_FIELDS), "quota_gb"]
        error_messages = {"name": {"unique": "Another plan already has this name."}}
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in LIMIT_FIELDS:
            self.fields[field.name] = LimitValueField(field)
        self.fields["quota_gb"] = quota_form_field()

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())


class PlanAssignForm(forms.Form):
    plan = forms.ModelChoiceField(
        queryset=Plan.objects.all(),
        empty_label=None,
        error_messages={
            "required": "Choose a plan.",
            "invalid_choice": "That plan does not exist any more; choose another.",
        },
    )
