from django import forms
from django.db.models import F

from staas_portal.clusters.models import StorageCluster
from staas_portal.customers.models import Drift


class DriftFilterForm(forms.Form):
    cluster = forms.ModelChoiceField(
        queryset=StorageCluster.objects.order_by("name"),
        required=False,
        empty_label="Any cluster",
        to_field_name="name",
    )
    kind = forms.ChoiceField(choices=[("", "Any kind"), *Drift.Kind.choices], required=False)
    resolved = forms.BooleanField(label="Show resolved drift too", required=False)

    def filter(self, drift):
        """Open drift by default, oldest first within each cluster and kind."""
        if not self.is_valid():
            return drift.none()

        if not self.cleaned_data["resolved"]:
            drift = drift.filter(resolved_at__isnull=True)
        if self.cleaned_data["cluster"]:
            drift = drift.filter(cluster=self.cleaned_data["cluster"])
        if self.cleaned_data["kind"]:
            drift = drift.filter(kind=self.cleaned_data["kind"])
        open_first = F("resolved_at").asc(nulls_first=True)
        return drift.order_by("cluster__name", "kind", open_first, "found_at", "id")
