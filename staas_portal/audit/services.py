import logging
import re
from typing import Any

from staas_portal.audit.models import AuditEvent, Outcome
from staas_portal.core.request_context import current_request_id

logger = logging.getLogger(__name__)

SECRET_NAME = re.compile(r"pass|secret|token|signature|private", re.IGNORECASE)
REDACTED = "[removed]"
SYSTEM_ACTOR_NAME = "system"


def without_secrets(parameters: Any) -> Any:
    """A copy of the parameters with every value under a secret-sounding name removed."""
    if isinstance(parameters, dict):
        return {
            name: REDACTED if SECRET_NAME.search(str(name)) else without_secrets(value)
            for name, value in parameters.items()
        }
    if isinstance(parameters, list | tuple):
        return [without_secrets(value) for value in parameters]
    return parameters


def audit_record(
    *,
    actor,
    action: str,
    outcome: Outcome,
    target: str = "",
    parameters: dict | None = None,
    gateway_error: str = "",
    address: str | None = None,
    actor_name: str | None = None,
) -> AuditEvent:
    """Writes one audit event. `actor` is a login, or None for the system itself."""
    is_login = actor is not None and getattr(actor, "is_authenticated", False)
    event = AuditEvent.objects.create(
        actor=actor if is_login else None,
        actor_name=actor_name or (actor.get_username() if is_login else SYSTEM_ACTOR_NAME),
        role=getattr(actor, "role", "") if is_login else "",
        action=action,
        target=target,
        parameters=without_secrets(parameters or {}),
        outcome=outcome,
        gateway_error=gateway_error,
        address=address or None,
        request_id=current_request_id() if current_request_id() != "-" else "",
    )

    logger.info("audit: %s %s %s: %s", event.actor_name, action, target, outcome)
    return event
