from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm

from staas_portal.users.models import User


class SignInForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That username and password do not match. Both are case-sensitive.",
        "inactive": "This login has been disabled. Ask your provider's administrator.",
    }


class LoginInviteForm(forms.Form):
    email = forms.EmailField(help_text="The invitation with the set-password link goes here.")
    username = forms.CharField(
        required=False,
        max_length=150,
        help_text="What they sign in with. Leave blank to use the email address.",
    )

    def clean(self):
        cleaned = super().clean()
        username = (cleaned.get("username") or cleaned.get("email") or "").strip()
        if username and User.objects.filter(username__iexact=username).exists():
            field = "username" if cleaned.get("username") else "email"
            self.add_error(field, f"There is a login named {username} already; choose another.")
        return cleaned


class ResetRequestForm(PasswordResetForm):
    """Django's reset form; customers' logins only, as staff reset theirs with an admin."""

    def get_users(self, email):
        return (user for user in super().get_users(email) if user.is_customer and user.customer_id)
