"""Settling the changes a gateway never confirmed, at the start of each reconcile run.

Each pending change is settled by reading what the gateway holds now: a change
the gateway made is recorded as the service would have recorded it; one it did
not make leaves the portal's records as they are. Where the gateway's state
does not say which change is whose, nothing is guessed: the difference stays
for an admin as ordinary drift. Reconcile only reads the gateway here, never
writes to it. Every settled change is audited as done by "reconcile".
"""

import logging
from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from staas_portal.audit.models import Outcome
from staas_portal.audit.services import ServiceRefused, audit_record
from staas_portal.clusters.models import StorageCluster
from staas_portal.customers.adoption import record_account
from staas_portal.customers.changes import (
    APPLIED,
    LEFT_FOR_ADMIN,
    NO_LONGER_APPLIES,
    NOT_APPLIED,
    Settlement,
    gone_from_gateway,
)
from staas_portal.customers.drift_services import RECONCILE_NAME, gateway_user
from staas_portal.customers.models import KeyPairNote, PendingChange, S3Account
from staas_portal.customers.services import mark_deleted
from staas_portal.gateway.client import GatewayConfig
from staas_portal.gateway.errors import GatewayNotFound
from staas_portal.limits.settlement import SETTLERS as LIMIT_SETTLERS

logger = logging.getLogger(__name__)

Kind = PendingChange.Kind

# A change still marked sent after this many calls' worth of timeouts lost the
# process that sent it; a plan, the longest change, sends seven calls.
CALLS_IN_FLIGHT = 10


def changes_settle(*, cluster: StorageCluster) -> Counter:
    """Settles the cluster's pending changes, oldest first; outcomes counted.

    A gateway failure stops here and is raised: the changes not yet settled
    stay pending for the next run.
    """
    outcomes = Counter()
    for change in settleable(cluster):
        settlement = change_settle(change=change)
        if settlement is not None:
            outcomes[settlement.outcome] += 1
    return outcomes


def settleable(cluster: StorageCluster):
    """Unconfirmed changes, and changes sent so long ago that no answer can still come."""
    seconds = CALLS_IN_FLIGHT * (GatewayConfig.connect_timeout + settings.STAAS_GATEWAY_TIMEOUT)
    lost = timezone.now() - timedelta(seconds=seconds)
    return (
        PendingChange.objects.filter(cluster=cluster)
        .filter(Q(state=PendingChange.State.UNCONFIRMED) | Q(requested_at__lt=lost))
        .select_related("cluster", "customer", "account__cluster", "requested_by")
    )


def change_settle(*, change: PendingChange) -> Settlement | None:
    """Reads the gateway and records what it shows; None when another run got there first."""
    settlement = settlement_of(change)

    try:
        with transaction.atomic():
            if not PendingChange.objects.filter(pk=change.pk).delete()[0]:
                return None
            if settlement.record is not None:
                settlement.record()
    except (ServiceRefused, IntegrityError) as refusal:
        settlement = Settlement(
            LEFT_FOR_ADMIN, f"The portal could not record it: {reason(refusal)}"
        )
        PendingChange.objects.filter(pk=change.pk).delete()

    audit_record(
        actor=None,
        actor_name=RECONCILE_NAME,
        action="change.settle",
        outcome=Outcome.SUCCESS,
        target=change.target,
        parameters={
            "change": change.kind,
            "settled": settlement.outcome,
            "detail": settlement.detail,
            "requested_by": change.requested_by_name,
            "requested_at": change.requested_at.isoformat(),
            "values": change.values,
        },
    )
    logger.info("reconcile settled %s of %s as %s: %s", change.kind, change.target,
                settlement.outcome, settlement.detail)  # fmt: skip
    return settlement


def reason(refusal: Exception) -> str:
    if isinstance(refusal, IntegrityError):
        # The database's own words name tables, not anything an admin can act on.
        return "another change to the same records got there first."
    return str(refusal)


def settlement_of(change: PendingChange) -> Settlement:
    if change.account_id and not change.account.is_live:
        return Settlement(NO_LONGER_APPLIES, "The portal has deleted the S3 account since.")
    return SETTLERS[change.kind](change)


# S3 users


def settle_provision(change: PendingChange) -> Settlement:
    email = change.values["email"]
    try:
        user = change.cluster.gateway().user_get(email=email)
    except GatewayNotFound:
        return Settlement(NOT_APPLIED, f"The gateway has no S3 user {email}.")

    return Settlement(
        APPLIED,
        f"The gateway has the S3 user {user.user_id} ({email}): recorded as the customer's, "
        f"with {len(user.key_pairs)} key pair(s) as the gateway shows them.",
        record=lambda: record_account(
            actor=change.requested_by, cluster=change.cluster, customer=change.customer,
            user=user,
        ),
    )  # fmt: skip


def settle_state(change: PendingChange) -> Settlement:
    account = change.account
    user = gateway_user(account)
    if user is None:
        return gone_from_gateway(change)

    state = "enabled" if user.enabled else "disabled"
    if user.enabled != (change.kind == Kind.RESUME):
        return Settlement(NOT_APPLIED, f"The gateway has the S3 user {state} still.")
    return Settlement(
        APPLIED,
        f"The gateway has the S3 user {state}; so has the portal now.",
        record=lambda: take_state(account, enabled=user.enabled),
    )


def take_state(account: S3Account, *, enabled: bool) -> None:
    S3Account.objects.filter(pk=account.pk).exclude(state=S3Account.State.DELETED).update(
        state=S3Account.State.ENABLED if enabled else S3Account.State.DISABLED,
        state_seen_at=timezone.now(),
    )


def settle_delete(change: PendingChange) -> Settlement:
    account = change.account
    if gateway_user(account) is not None:
        return Settlement(NOT_APPLIED, "The gateway has the S3 user still.")

    return Settlement(
        APPLIED,
        "The gateway no longer has the S3 user: the account is marked deleted.",
        record=lambda: mark_deleted(account),
    )


# Key pairs


def settle_key_generate(change: PendingChange) -> Settlement:
    account = change.account
    user = gateway_user(account)
    if user is None:
        return gone_from_gateway(change)

    noted = set(
        KeyPairNote.objects.filter(account=account).values_list("access_key_id", flat=True)
    )
    new = [pair for pair in user.key_pairs if pair.access_key_id not in noted]
    if not new:
        return Settlement(NOT_APPLIED, "The gateway has no key pair the portal does not note.")
    if len(new) > 1:
        # Another pair was made outside the portal meanwhile: neither is known to be ours.
        return Settlement(
            LEFT_FOR_ADMIN,
            f"The gateway has {len(new)} key pairs the portal does not note, and which one "
            "this request made is not known: reconcile shows them as added outside.",
        )

    pair = new[0]
    return Settlement(
        APPLIED,
        f"The gateway has the new key pair {pair.access_key_id}: noted, its secret kept "
        "encrypted as the gateway shows it, though whoever asked never saw it.",
        record=lambda: note_generated(change, pair),
    )


def note_generated(change: PendingChange, pair) -> KeyPairNote:
    note = KeyPairNote(
        account=change.account,
        access_key_id=pair.access_key_id,
        label=change.values.get("label", ""),
        created_by=change.requested_by,
        created_by_name=change.requested_by_name,
    )
    note.set_secret_key(pair.secret_access_key)
    note.save()
    return note


def settle_key_revoke(change: PendingChange) -> Settlement:
    account = change.account
    user = gateway_user(account)
    if user is None:
        return gone_from_gateway(change)

    key_id = change.values["access_key_id"]
    if key_id in {pair.access_key_id for pair in user.key_pairs}:
        return Settlement(NOT_APPLIED, f"The gateway has key {key_id} still.")
    return Settlement(
        APPLIED,
        f"The gateway no longer has key {key_id}: its note is marked revoked.",
        record=lambda: note_revoked(change, key_id),
    )


def note_revoked(change: PendingChange, key_id: str) -> None:
    change.account.key_notes.filter(access_key_id=key_id, revoked_at__isnull=True).update(
        revoked_at=timezone.now(),
        revoked_by=change.requested_by,
        revoked_by_name=change.requested_by_name,
    )


SETTLERS = {
    Kind.PROVISION: settle_provision,
    Kind.SUSPEND: settle_state,
    Kind.RESUME: settle_state,
    Kind.DELETE: settle_delete,
    Kind.KEY_GENERATE: settle_key_generate,
    Kind.KEY_REVOKE: settle_key_revoke,
    **LIMIT_SETTLERS,
}
