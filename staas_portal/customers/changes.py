"""The record of a change sent to a gateway, kept until the gateway confirms it.

A service wraps its gateway call and the record of what the gateway confirmed in
`pending_change`. The row is written before the call and removed when the block
ends: the gateway confirmed the change and the portal recorded it, or the
gateway refused it and nothing changed. A failure that leaves the outcome
unknown keeps the row, marked unconfirmed, for reconcile to settle
(`customers.settlement`).
"""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError

from staas_portal.audit.services import SYSTEM_ACTOR_NAME, ServiceRefused
from staas_portal.clusters.models import StorageCluster
from staas_portal.customers.models import Customer, PendingChange, S3Account
from staas_portal.gateway.errors import GatewayError

logger = logging.getLogger(__name__)

# A refusal by a rule of the portal comes before anything is sent.
REFUSALS = (ServiceRefused, PermissionDenied, ValidationError)


@contextmanager
def pending_change(
    *,
    actor,
    kind: str,
    account: S3Account | None = None,
    customer: Customer | None = None,
    cluster: StorageCluster | None = None,
    values: dict | None = None,
) -> Iterator[PendingChange]:
    """Records the change for the length of the block: `account`, or for a provision
    the `customer` and `cluster`. `values` are what is sent, never a secret."""
    is_login = bool(getattr(actor, "pk", None))
    change = PendingChange.objects.create(
        kind=kind,
        cluster_id=account.cluster_id if account else cluster.pk,
        customer_id=account.customer_id if account else customer.pk,
        account=account,
        values=values or {},
        requested_by=actor if is_login else None,
        requested_by_name=actor.get_username() if is_login else SYSTEM_ACTOR_NAME,
    )
    try:
        yield change
    except GatewayError as error:
        if error.may_have_acted:
            leave_unconfirmed(change, str(error))
            error.change_unconfirmed = True
        else:
            change.delete()
        raise
    except REFUSALS:
        change.delete()
        raise
    except BaseException as error:
        # The gateway may have confirmed before the portal failed to record it.
        leave_unconfirmed(change, f"The portal failed ({type(error).__name__}).")
        raise
    change.delete()


def leave_unconfirmed(change: PendingChange, error: str) -> None:
    PendingChange.objects.filter(pk=change.pk).update(
        state=PendingChange.State.UNCONFIRMED, error=error
    )
    logger.warning("%s of customer %s left unconfirmed for reconcile: %s",
                   change.kind, change.customer_id, error)  # fmt: skip


# How reconcile settles a change: the words of its outcome, and what it records.

APPLIED = "applied"
NOT_APPLIED = "not applied"
PARTLY_APPLIED = "partly applied"
LEFT_FOR_ADMIN = "left for an admin"
NO_LONGER_APPLIES = "no longer applies"


@dataclass(frozen=True)
class Settlement:
    """What the gateway shows of one pending change, as one sentence, and the record
    that makes the portal agree with it (None when the portal's records stand)."""

    outcome: str
    detail: str
    record: Callable[[], object] | None = field(default=None, compare=False)


def gone_from_gateway(change: PendingChange) -> Settlement:
    return Settlement(
        LEFT_FOR_ADMIN,
        "The gateway no longer has the S3 user; reconcile shows it as missing on the gateway.",
    )
