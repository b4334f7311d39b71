from django import forms

from staas_portal.customers.search_selectors import MIN_TERM_LENGTH

TOO_SHORT = f"Type at least {MIN_TERM_LENGTH} characters to search."


class SupportSearchForm(forms.Form):
    q = forms.CharField(
        label="Find a customer",
        min_length=MIN_TERM_LENGTH,
        max_length=200,
        widget=forms.SearchInput,
        help_text="Any part of a name, email, company, S3 user id, access key id or bucket "
        f"name, in any case; at least {MIN_TERM_LENGTH} characters.",
        error_messages={"required": TOO_SHORT, "min_length": TOO_SHORT},
    )
