"""Who is calling: the API token in the Authorization header, checked on every request."""

from datetime import timedelta

from django.utils import timezone
from rest_framework import authentication, exceptions

from staas_portal.api.models import ApiToken
from staas_portal.api.services import TOKEN_FORMAT

SCHEMES = ("bearer", "token")
CHALLENGE = 'Bearer realm="StaaS Portal API"'
# Last use is shown to the minute; a write on every call would buy nothing more.
LAST_USED_PRECISION = timedelta(minutes=1)


class TokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <token>`, or `Token <token>`.

    Nothing is cached: a revoked token is refused on its very next request.
    """

    def authenticate(self, request):
        scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() not in SCHEMES:
            return None

        token = token_for(credentials.strip())
        if token is None:
            raise exceptions.AuthenticationFailed("The token is not valid, or has been revoked.")

        note_use(token)
        return token.principal, token

    def authenticate_header(self, request):
        return CHALLENGE


def token_for(text: str) -> ApiToken | None:
    """The active token whose text this is, or None."""
    match = TOKEN_FORMAT.fullmatch(text)
    if match is None:
        return None

    token = (
        ApiToken.objects.select_related("principal")
        .filter(prefix=match["prefix"], revoked_at__isnull=True).first()
    )  # fmt: skip
    if token is None or not token.matches(text) or not token.principal.is_active:
        return None
    return token


def note_use(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
