from django import forms

from staas_portal.api.models import ApiToken
from staas_portal.users.models import User


class TokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["name", "scope"]
        labels = {"scope": "Scope"}
        help_texts = {
            "scope": "Read: look customers, accounts, limits, plans and tasks up. Read and "
            "write: also create, change, provision, suspend, resume and terminate."
        }
        widgets = {"scope": forms.RadioSelect}
        error_messages = {"name": {"unique": "Another token already has this name."}}

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        # The token acts through a login of its own name, so a person's name is taken.
        if User.objects.filter(username__iexact=name).exists():
            raise forms.ValidationError("A login already has this name; choose another.")
        return name
