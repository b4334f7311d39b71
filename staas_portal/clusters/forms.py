from django import forms

from staas_portal.clusters.models import StorageCluster


class ClusterForm(forms.ModelForm):
    """A cluster's address and system key. The secret is taken in, never sent back out."""

    gateway_url = forms.URLField(
        label="Gateway URL",
        max_length=200,
        # An address typed without a scheme gets https: the calls carry signed admin requests.
        assume_scheme="https",
        help_text=StorageCluster._meta.get_field("gateway_url").help_text,
        error_messages={"invalid": "Enter the gateway's address, e.g. https://s3.example.net/"},
    )
    s3_endpoint = forms.URLField(
        label="S3 endpoint for customers",
        required=False,
        max_length=200,
        assume_scheme="https",
        help_text=StorageCluster._meta.get_field("s3_endpoint").help_text,
    )
    secret_key = forms.CharField(
        label="System secret key",
        required=False,
        strip=False,
        # render_value stays off: a page must never carry the stored secret back.
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}, render_value=False),
    )

    class Meta:
        model = StorageCluster
        fields = [
            "name", "gateway_url", "s3_endpoint", "access_key", "secret_key", "signature",
            "region",
        ]  # fmt: skip
        help_texts = {
            "name": "Letters, digits, hyphens and underscores: it appears in the cluster's "
            "addresses and in the audit log.",
        }
        error_messages = {
            "name": {"unique": "Another cluster already has this name."},
            "gateway_url": {
                "invalid": "Enter the gateway's address, e.g. https://s3.example.net/"
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.fields["secret_key"].help_text = "The secret key of the system S3 user."
        else:
            self.fields["secret_key"].help_text = "Leave blank to keep the stored secret key."

    def clean_secret_key(self) -> str:
        secret_key = self.cleaned_data["secret_key"]
        if self.instance.pk is None and not secret_key:
            raise forms.ValidationError("Enter the system S3 user's secret key.")
        return secret_key
