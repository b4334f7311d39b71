"""Creating and revoking API tokens. For admins, or an operator at the shell; audited."""

import logging
import re
import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from staas_portal.api.models import ApiToken, secret_hash
from staas_portal.audit.services import ServiceRefused, audited
from staas_portal.customers.services import actor_name
from staas_portal.users.access import require_role
from staas_portal.users.models import Role, User

logger = logging.getLogger(__name__)

# "staas_" marks the text as ours for secret scanners; the prefix finds the row.
TOKEN_FORMAT = re.compile(r"staas_(?P<prefix>[0-9a-f]{12})_(?P<secret>[A-Za-z0-9_-]{43})")
PRINCIPAL_ROLES = {ApiToken.Scope.READ: Role.SUPPORT, ApiToken.Scope.READ_WRITE: Role.ADMIN}
PRINCIPAL_FIRST_NAME = "API token"


@dataclass(frozen=True)
class NewToken:
    """A token just made: the only moment its text exists outside the caller's hands."""

    token: ApiToken
    text: str


def token_target(token: ApiToken) -> str:
    return f"api_token:{token.name}"


def require_admin(actor) -> None:
    # None is an operator at the shell, who may do anything the portal can.
    if actor is not None:
        require_role(actor, Role.ADMIN)


def token_create(*, actor, name: str, scope: str, address: str = "") -> NewToken:
    """A new token and the login it acts through; the caller shows its text once."""
    token = ApiToken(name=name.strip(), scope=scope)
    with audited(actor=actor, action="api_token.create", target=token_target(token),
                 parameters={"name": token.name, "scope": scope},
                 address=address):  # fmt: skip
        require_admin(actor)
        if User.objects.filter(username__iexact=token.name).exists():
            raise ValidationError({"name": "A login already has this name; choose another."})

        prefix = secrets.token_hex(6)
        text = f"staas_{prefix}_{secrets.token_urlsafe(32)}"
        token.prefix, token.secret_hash = prefix, secret_hash(text)
        token.created_by = actor
        token.created_by_name = actor_name(actor)
        token.full_clean(exclude=["principal"])

        with transaction.atomic():
            token.principal = principal_for(token)
            token.save()
    logger.info("%s created API token %s (%s)", actor_name(actor), token.name, scope)
    return NewToken(token, text)


def principal_for(token: ApiToken) -> User:
    """The login a token acts through: no password, so nobody signs in with it."""
    user = User(
        username=token.name, role=PRINCIPAL_ROLES[token.scope], first_name=PRINCIPAL_FIRST_NAME
    )
    user.set_unusable_password()
    user.save()
    return user


def token_revoke(*, actor, token: ApiToken, address: str = "") -> None:
    """Stops the token at once: the next request that shows it is refused."""
    with audited(actor=actor, action="api_token.revoke", target=token_target(token),
                 address=address):  # fmt: skip
        require_admin(actor)
        if not token.is_active:
            raise ServiceRefused(f"The token {token.name} was revoked already.")

        with transaction.atomic():
            token.revoked_at = timezone.now()
            token.revoked_by_name = actor_name(actor)
            token.save(update_fields=["revoked_at", "revoked_by_name"])
            # Without an active login, no service accepts the token as an actor either.
            User.objects.filter(pk=token.principal_id).update(is_active=False)
    logger.info("%s revoked API token %s", actor_name(actor), token.name)
