from django import forms
from django.utils import timezone

from staas_portal.usage.months import Month


class MonthForm(forms.Form):
    """The month a report or an export is for; the current month when none is given."""

    month = forms.CharField(
        label="Month",
        required=False,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
        help_text="A calendar month in UTC, written as YYYY-MM.",
    )

    def clean_month(self) -> Month:
        text = self.cleaned_data["month"].strip()
        current = Month.of(timezone.now())
        if not text:
            return current
        try:
            month = Month.parse(text)
        except ValueError:
            raise forms.ValidationError("Enter a month as YYYY-MM, for example 2026-11.") from None
        if month > current:
            raise forms.ValidationError(f"{month.label} has not begun yet.")
        return month


def month_form(query) -> tuple[MonthForm, Month | None]:
    """The form bound to the query string and its month, or None when it is not valid."""
    form = MonthForm(query if "month" in query else {"month": ""})
    return form, form.cleaned_data["month"] if form.is_valid() else None
