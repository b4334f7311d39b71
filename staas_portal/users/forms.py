from django.contrib.auth.forms import AuthenticationForm


class SignInForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That username and password do not match. Both are case-sensitive.",
        "inactive": "This login has been disabled. Ask your provider's administrator.",
    }
