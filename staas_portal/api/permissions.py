"""What a token's scope lets it do: a read token reads, a read-write token also writes."""

from rest_framework import permissions

from staas_portal.api.models import ApiToken

READ_METHODS = ("GET", "HEAD", "OPTIONS")


def scope_needed(method: str) -> str:
    return ApiToken.Scope.READ if method in READ_METHODS else ApiToken.Scope.READ_WRITE


class TokenScopePermits(permissions.BasePermission):
    """Refuses a write to a read token before any service is asked.

    The services check again, by role: a read token acts through a support login.
    """

    message = "This token may only read; changes need a read-write token."

    def has_permission(self, request, view):
        token = request.auth
        if not isinstance(token, ApiToken):
            return False
        return token.may_write or scope_needed(request.method) == ApiToken.Scope.READ
