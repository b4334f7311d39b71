from django import forms

from staas_portal.clusters.models import StorageCluster
from staas_portal.customers.models import Customer
from staas_portal.customers.search_selectors import matching_customer_ids


class CustomerForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = ["name", "company", "email", "phone", "status", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"notes": "Free text for staff. Never put a secret key here."}

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        taken = Customer.objects.filter(email__iexact=email).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError("Another customer already has this email address.")
        return email


class CustomerSearchForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        help_text="Name, email, company, S3 user id, access key id or bucket name.",
    )
    status = forms.ChoiceField(
        choices=[("", "Any status"), *Customer.Status.choices], required=False
    )
    cluster = forms.ModelChoiceField(
        queryset=StorageCluster.objects.all(),
        required=False,
        empty_label="Any cluster",
        to_field_name="name",
    )

    def filter(self, customers):
        """The customers matching the search, each once, whatever matched how often."""
        if not self.is_valid():
            return customers.none()

        term = self.cleaned_data["q"].strip()
        if term:
            customers = customers.filter(pk__in=matching_customer_ids(term))
        if self.cleaned_data["status"]:
            customers = customers.filter(status=self.cleaned_data["status"])
        if self.cleaned_data["cluster"]:
            customers = customers.filter(
                pk__in=self.cleaned_data["cluster"].accounts.values("customer_id")
            )
        return customers


class ProvisionForm(forms.Form):
    cluster = forms.ModelChoiceField(queryset=StorageCluster.objects.all(), empty_label=None)
    email = forms.EmailField(
        label="Email on the gateway",
        required=False,
        help_text="Leave blank to use the customer's email.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        default = StorageCluster.objects.filter(is_default=True).first()
        if default is not None:
            self.fields["cluster"].initial = default.pk


class KeyGenerateForm(forms.Form):
    label = forms.CharField(
        required=False, max_length=100, help_text="Optional, e.g. 'backup server'."
    )


class AccountDeleteForm(forms.Form):
    delete_buckets = forms.BooleanField(
        required=False,
        label="Also delete every bucket of this S3 user",
        help_text="Buckets are deleted one by one; a bucket that is not empty is kept and "
        "reported, and then the S3 user is kept too.",
    )
