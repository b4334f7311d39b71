"""Repairs of the drift that reconcile finds, for admins.

Each repair checks that the drift still holds (a change since the run may have
mended it), asks the gateway first, then changes the portal's records and
resolves the drift in one transaction. S3 users the portal does not know have
no repair here: they are adopted on the cluster's adoption page.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from staas_portal.audit.services import ServiceRefused, audited
from staas_portal.customers.models import Drift, KeyPairNote, S3Account
from staas_portal.customers.services import actor_name, mark_deleted
from staas_portal.gateway import results
from staas_portal.gateway.errors import GatewayNotFound
from staas_portal.limits import drift as limits_drift
from staas_portal.users.access import require_role
from staas_portal.users.models import Role

logger = logging.getLogger(__name__)

RECONCILE_NAME = "reconcile"
OUTSIDE_KEY_LABEL = "added outside the portal"


@dataclass(frozen=True)
class Repair:
    name: str
    kind: str
    label: str
    # Repairs that change the gateway or end an account ask on a page of their own first.
    needs_confirmation: bool
    question: str
    perform: Callable[..., str]
    consequence: str = ""

    def question_for(self, drift: Drift) -> str:
        portal_state = drift.account.get_state_display().lower() if drift.account else ""
        return self.question.format(
            user_id=drift.user_id, access_key_id=drift.access_key_id, portal_state=portal_state
        )


def drift_repair(*, actor, drift: Drift, repair: str, address: str = "") -> str:
    """Carries out the named repair of the drift; returns the resolution it recorded."""
    chosen = REPAIRS.get(repair)
    parameters = {"repair": repair, "kind": drift.kind, "access_key_id": drift.access_key_id}
    with audited(actor=actor, action="drift.repair", target=drift_target(drift),
                 parameters=parameters, address=address):  # fmt: skip
        require_role(actor, Role.ADMIN)
        if chosen is None or chosen.kind != drift.kind:
            raise ServiceRefused("That repair does not apply to this drift.")
        require_open(drift)

        resolution = chosen.perform(actor, drift)
    logger.info("%s repaired drift %s of %s: %s", actor, drift.pk, drift.user_id, resolution)
    return resolution


def repairs_for(drift: Drift) -> list[Repair]:
    if drift.resolved_at is not None:
        return []
    return [repair for repair in REPAIRS.values() if repair.kind == drift.kind]


def drift_target(drift: Drift) -> str:
    return f"s3user:{drift.user_id}@{drift.cluster.name}"


def require_open(drift: Drift) -> None:
    resolved = Drift.objects.filter(pk=drift.pk, resolved_at__isnull=False).first()
    if resolved is not None:
        raise ServiceRefused(f"This drift is resolved already: {resolved.resolution}.")


def live_account(drift: Drift) -> S3Account:
    account = (
        S3Account.objects.select_related("cluster", "customer")
        .filter(pk=drift.account_id)
        .exclude(state=S3Account.State.DELETED)
        .first()
    )
    if account is None:
        raise ServiceRefused(
            "The portal has no live S3 account for this drift any more; run reconcile again."
        )
    return account


def gateway_user(account: S3Account) -> results.User | None:
    """The account's S3 user as the gateway shows it now, or None if it has none."""
    try:
        user = account.cluster.gateway().user_get(email=account.gateway_email)
    except GatewayNotFound:
        return None
    # A user made again outside the portal with the same email is another user.
    return user if user.user_id == account.user_id else None


def gateway_key_ids(account: S3Account) -> set[str]:
    user = gateway_user(account)
    return {pair.access_key_id for pair in user.key_pairs} if user else set()


def resolve(drift: Drift, resolution: str) -> str:
    drift.resolved_at = timezone.now()
    drift.resolution = resolution[: Drift._meta.get_field("resolution").max_length]
    drift.save(update_fields=["resolved_at", "resolution"])
    return drift.resolution


# S3 user missing on the gateway


def mark_account_deleted(actor, drift: Drift) -> str:
    account = live_account(drift)
    if gateway_user(account) is not None:
        raise ServiceRefused(
            f"The gateway has the S3 user {account.user_id} again, so the account stays."
        )

    with transaction.atomic():
        mark_deleted(account)
        return resolve(drift, f"S3 account marked deleted by {actor_name(actor)}")


# Key pairs


def mark_key_revoked(actor, drift: Drift) -> str:
    account = live_account(drift)
    note = account.key_notes.filter(
        access_key_id=drift.access_key_id, revoked_at__isnull=True
    ).first()
    if note is None:
        raise ServiceRefused(f"The portal no longer notes key {drift.access_key_id} as active.")
    if drift.access_key_id in gateway_key_ids(account):
        raise ServiceRefused(f"The gateway has key {drift.access_key_id} again.")

    with transaction.atomic():
        note.revoked_at, note.revoked_by = timezone.now(), None
        note.revoked_by_name = RECONCILE_NAME
        note.save(update_fields=["revoked_at", "revoked_by", "revoked_by_name"])
        return resolve(drift, f"note marked revoked by {actor_name(actor)}")


def note_outside_key(actor, drift: Drift) -> str:
    account = live_account(drift)
    if drift.access_key_id not in gateway_key_ids(account):
        raise ServiceRefused(f"The gateway no longer has key {drift.access_key_id}.")

    with transaction.atomic():
        # No secret is kept: the portal did not hand this key out, and whoever made
        # it holds the secret already.
        note, created = KeyPairNote.objects.get_or_create(
            account=account,
            access_key_id=drift.access_key_id,
            defaults={"label": OUTSIDE_KEY_LABEL, "created_by_name": RECONCILE_NAME},
        )
        if not created and note.is_active:
            raise ServiceRefused(f"The portal notes key {drift.access_key_id} already.")
        if not created:
            note.revoked_at, note.revoked_by, note.revoked_by_name = None, None, ""
            note.save(update_fields=["revoked_at", "revoked_by", "revoked_by_name"])
        return resolve(drift, f"key noted by {actor_name(actor)}")


def revoke_outside_key(actor, drift: Drift) -> str:
    account = live_account(drift)
    noted = account.key_notes.filter(access_key_id=drift.access_key_id, revoked_at__isnull=True)
    if noted.exists():
        raise ServiceRefused(
            f"The portal notes key {drift.access_key_id} as active now; revoke it from "
            "the customer's page instead."
        )

    account.cluster.gateway().key_revoke(
        email=account.gateway_email, access_key_id=drift.access_key_id
    )

    return resolve(drift, f"key revoked on the gateway by {actor_name(actor)}")


# State


def take_gateway_state(actor, drift: Drift) -> str:
    account = live_account(drift)
    user = gateway_user(account)
    if user is None:
        raise ServiceRefused(f"The gateway no longer has the S3 user {account.user_id}.")

    with transaction.atomic():
        account.state = S3Account.State.ENABLED if user.enabled else S3Account.State.DISABLED
        account.state_seen_at = timezone.now()
        account.save(update_fields=["state", "state_seen_at"])
        state = account.get_state_display().lower()
        return resolve(drift, f"portal set to {state}, as on the gateway, by {actor_name(actor)}")


def push_portal_state(actor, drift: Drift) -> str:
    account = live_account(drift)
    gateway = account.cluster.gateway()
    if account.state == S3Account.State.ENABLED:
        gateway.user_enable(email=account.gateway_email)
    else:
        gateway.user_disable(email=account.gateway_email)

    with transaction.atomic():
        account.state_seen_at = timezone.now()
        account.save(update_fields=["state_seen_at"])
        state = account.get_state_display().lower()
        return resolve(drift, f"gateway set to {state}, as in the portal, by {actor_name(actor)}")


# Limits, quotas and plans


def on_live_account(change: Callable[[S3Account], str]) -> Callable[..., str]:
    """A repair that changes the drift's account, then resolves the drift with what it did."""

    def perform(actor, drift: Drift) -> str:
        done = change(live_account(drift))

        with transaction.atomic():
            return resolve(drift, f"{done} by {actor_name(actor)}")

    return perform


REPAIRS = {
    repair.name: repair
    for repair in [
        Repair(
            name="mark_deleted",
            kind=Drift.Kind.MISSING_ON_GATEWAY,
            label="Mark the account deleted",
            needs_confirmation=True,
            question="Mark the S3 account {user_id} deleted in the portal?",
            perform=mark_account_deleted,
            consequence="Its key pair notes are marked revoked. The gateway is not changed.",
        ),
        Repair(
            name="mark_revoked",
            kind=Drift.Kind.KEY_REVOKED_OUTSIDE,
            label="Mark the note revoked",
            needs_confirmation=False,
            question="Mark the note of key {access_key_id} revoked?",
            perform=mark_key_revoked,
        ),
        Repair(
            name="note_key",
            kind=Drift.Kind.KEY_ADDED_OUTSIDE,
            label="Note the key",
            needs_confirmation=False,
            question="Note key {access_key_id} as a key pair of {user_id}, without its secret?",
            perform=note_outside_key,
        ),
        Repair(
            name="revoke_key",
            kind=Drift.Kind.KEY_ADDED_OUTSIDE,
            label="Revoke on the gateway",
            needs_confirmation=True,
            question="Revoke key {access_key_id} of S3 user {user_id} on the gateway?",
            perform=revoke_outside_key,
            consequence="Whoever uses this key loses access at once; it cannot be undone.",
        ),
        Repair(
            name="take_gateway_state",
            kind=Drift.Kind.STATE_DIFFERS,
            label="Take the gateway's state",
            needs_confirmation=False,
            question="Record the gateway's state of {user_id} in the portal?",
            perform=take_gateway_state,
        ),
        Repair(
            name="push_portal_state",
            kind=Drift.Kind.STATE_DIFFERS,
            label="Push the portal's state",
            needs_confirmation=True,
            question="Set the S3 user {user_id} {portal_state} on the gateway?",
            perform=push_portal_state,
            consequence="A suspended S3 user cannot use its keys; an enabled one can again.",
        ),
        Repair(
            name="push_limits",
            kind=Drift.Kind.LIMITS_DIFFER,
            label="Push the portal's limits",
            needs_confirmation=True,
            question="Send the limits the portal applied to the S3 user {user_id} again?",
            perform=on_live_account(limits_drift.push_limits),
            consequence="The gateway's current limits of this S3 user are overwritten.",
        ),
        Repair(
            name="take_gateway_limits",
            kind=Drift.Kind.LIMITS_DIFFER,
            label="Take the gateway's limits",
            needs_confirmation=False,
            question="Record the gateway's limits of {user_id} as the portal's?",
            perform=on_live_account(limits_drift.take_gateway_limits),
        ),
        Repair(
            name="push_quota",
            kind=Drift.Kind.QUOTA_DIFFERS,
            label="Push the portal's quota",
            needs_confirmation=True,
            question="Send the quota the portal applied to the S3 user {user_id} again?",
            perform=on_live_account(limits_drift.push_quota),
            consequence="The gateway's current quota of this S3 user is overwritten.",
        ),
        Repair(
            name="take_gateway_quota",
            kind=Drift.Kind.QUOTA_DIFFERS,
            label="Take the gateway's quota",
            needs_confirmation=False,
            question="Record the gateway's quota of {user_id} as the portal's?",
            perform=on_live_account(limits_drift.take_gateway_quota),
        ),
        Repair(
            name="apply_plan",
            kind=Drift.Kind.PLAN_NOT_APPLIED,
            label="Apply the plan",
            needs_confirmation=True,
            question="Apply the customer's plan to the S3 user {user_id}?",
            perform=on_live_account(limits_drift.apply_customer_plan),
            consequence="The plan's limits and quota replace those the S3 user has now.",
        ),
    ]
}
