import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError

from staas_portal.audit.models import AuditEvent, Outcome
from staas_portal.core.request_context import current_request_id
from staas_portal.gateway.errors import GatewayError

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


class ServiceRefused(Exception):
    """A rule of the portal refused an action before anything was asked of a gateway."""


@dataclass
class AuditedAction:
    """What an action learns while it runs, for the audit event written at its end."""

    target: str
    parameters: dict = field(default_factory=dict)


@contextmanager
def audited(
    *, actor, action: str, target: str = "", parameters: dict | None = None, address: str = ""
) -> Iterator[AuditedAction]:
    """Runs the block as one audited action: success, refusal or failure is recorded.

    The event is written outside any transaction the block opened, so a failure
    that rolls the block's own writes back is still on record.
    """
    details = AuditedAction(target=target, parameters=dict(parameters or {}))
    outcome, gateway_error = Outcome.SUCCESS, ""
    try:
        yield details
    except (PermissionDenied, ServiceRefused, ValidationError) as refusal:
        outcome = Outcome.REFUSED
        details.parameters["reason"] = refusal_text(refusal)
        raise
    except GatewayError as error:
        outcome, gateway_error = Outcome.FAILURE, str(error)
        raise
    except Exception as error:
        outcome = Outcome.FAILURE
        details.parameters["error"] = type(error).__name__
        raise
    finally:
        audit_record(
            actor=actor,
            action=action,
            target=details.target,
            parameters=details.parameters,
            outcome=outcome,
            gateway_error=gateway_error,
            address=address,
        )


def refusal_text(refusal: Exception) -> str:
    if isinstance(refusal, ValidationError):
        return "; ".join(refusal.messages)
    return str(refusal)
