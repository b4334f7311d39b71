"""What admins do to customers, their S3 accounts, key pairs and buckets.

Every function checks the actor's role, asks the gateway first and records what
it confirmed second, and leaves an audit event whatever the outcome. Nothing is
written to the database that the gateway did not confirm; a change whose outcome
stays unknown is left as a PendingChange for reconcile to settle.
"""

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from staas_portal.audit.services import ServiceRefused, audited
from staas_portal.clusters.models import StorageCluster
from staas_portal.customers.changes import pending_change
from staas_portal.customers.models import (
    MAX_KEY_PAIRS,
    Customer,
    KeyPairNote,
    KnownBucket,
    PendingChange,
    S3Account,
)
from staas_portal.gateway import results
from staas_portal.gateway.client import GatewayClient, GatewayConfig
from staas_portal.gateway.errors import GatewayAccessDenied, GatewayError
from staas_portal.users.access import (
    STAFF_ROLES,
    has_role,
    is_own_customer,
    require_customer_read,
    require_role,
)
from staas_portal.users.models import Role

logger = logging.getLogger(__name__)

CUSTOMER_FIELDS = ("name", "company", "email", "phone", "status", "notes")


class BucketsOwned(ServiceRefused):
    """The S3 user owns buckets, so the gateway would refuse to delete it."""

    def __init__(self, bucket_names: list[str]):
        self.bucket_names = bucket_names
        listed = ", ".join(bucket_names)
        super().__init__(
            f"The S3 user owns {len(bucket_names)} bucket(s): {listed}. Delete them first, "
            "or ask for the buckets to be deleted with the user."
        )


class AccountExists(ServiceRefused):
    """The customer has a live S3 account on the cluster already: a second one is refused."""

    def __init__(self, account: S3Account):
        self.account = account
        super().__init__(
            f"{account.customer.name} already has an S3 account on {account.cluster.name}."
        )


# Customers


def customer_save(*, actor, customer: Customer, address: str = "") -> Customer:
    """Adds a customer or saves an edited one; validation errors name the field."""
    action = "customer.create" if customer.pk is None else "customer.update"
    parameters = {name: getattr(customer, name) for name in CUSTOMER_FIELDS if name != "notes"}
    with audited(actor=actor, action=action, target=customer_target(customer),
                 parameters=parameters, address=address) as audit:  # fmt: skip
        require_role(actor, Role.ADMIN)
        customer.email = customer.email.strip()
        customer.full_clean()
        customer.save()
        audit.target = customer_target(customer)
    logger.info("%s saved customer %s", actor, customer.pk)
    return customer


def customer_delete(*, actor, customer: Customer, address: str = "") -> None:
    with audited(actor=actor, action="customer.delete", target=customer_target(customer),
                 parameters={"email": customer.email}, address=address):  # fmt: skip
        require_role(actor, Role.ADMIN)
        live = customer.accounts.exclude(state=S3Account.State.DELETED)
        if live.exists():
            raise ServiceRefused(
                f"{customer.name} still has an S3 account; delete it before the customer."
            )

        with transaction.atomic():
            # Deleted S3 users' records are history that the audit log keeps; they
            # would otherwise hold the customer's row in place.
            customer.accounts.filter(state=S3Account.State.DELETED).delete()
            customer.delete()


def customer_target(customer: Customer) -> str:
    return f"customer:{customer.pk or 'new'}"


def account_target(account: S3Account) -> str:
    return f"s3user:{account.user_id}@{account.cluster.name}"


# S3 accounts


@dataclass(frozen=True)
class NewKeyPair:
    """A key pair just made: the only moment its secret is shown without a reveal."""

    note: KeyPairNote
    secret_access_key: str


def account_provision(
    *, actor, customer: Customer, cluster: StorageCluster, email: str = "", address: str = ""
) -> tuple[S3Account, NewKeyPair]:
    """Creates the customer's S3 user on the cluster and notes its first key pair."""
    email = (email or customer.email).strip()
    with audited(actor=actor, action="account.provision", target=customer_target(customer),
                 parameters={"cluster": cluster.name, "email": email},
                 address=address) as audit:  # fmt: skip
        require_role(actor, Role.ADMIN)
        existing = customer.accounts.filter(cluster=cluster).exclude(state="deleted").first()
        if existing is not None:
            raise AccountExists(existing)
        # With the same email the gateway refuses a second user itself; with another one,
        # a second create could make a second S3 user if the first did get made.
        unanswered = PendingChange.objects.filter(
            kind=PendingChange.Kind.PROVISION, customer=customer, cluster=cluster
        ).exclude(values__email=email)
        if unanswered.exists():
            raise ServiceRefused(
                f"An earlier provisioning of {customer.name} on {cluster.name}, with another "
                "email, has no answer from the gateway yet; run reconcile, which settles it, "
                "before trying again."
            )

        with pending_change(actor=actor, kind=PendingChange.Kind.PROVISION, customer=customer,
                            cluster=cluster, values={"email": email}):  # fmt: skip
            user = cluster.gateway().user_create(email=email)

            audit.target = f"s3user:{user.user_id}@{cluster.name}"
            with transaction.atomic():
                account = S3Account.objects.create(
                    customer=customer,
                    cluster=cluster,
                    user_id=user.user_id,
                    gateway_email=user.email or email,
                    state=S3Account.State.ENABLED,
                    state_seen_at=timezone.now(),
                )
                new_pairs = [note_key_pair(account, pair, actor) for pair in user.key_pairs]
    logger.info("%s provisioned S3 user %s for customer %s", actor, user.user_id, customer.pk)

    apply_customer_plan(actor, account, address)
    first = new_pairs[0] if new_pairs else None
    return account, first


def apply_customer_plan(actor, account: S3Account, address: str) -> None:
    """A customer on a plan gets it on a new S3 user too. The user exists either way:
    a gateway failing here leaves the plan not applied, which the plan panel and
    reconcile show, rather than undoing the provisioning."""
    from staas_portal.limits.services import account_plan_apply

    try:
        account_plan_apply(actor=actor, account=account, address=address)
    except GatewayError as error:
        logger.warning("plan of customer %s not applied to new S3 user %s: %s",
                       account.customer_id, account.user_id, error)  # fmt: skip


def note_key_pair(account: S3Account, pair: results.KeyPair, actor, label="") -> NewKeyPair:
    note = KeyPairNote(
        account=account,
        access_key_id=pair.access_key_id,
        label=label,
        created_by=actor if getattr(actor, "pk", None) else None,
        created_by_name=actor_name(actor),
    )
    note.set_secret_key(pair.secret_access_key)
    note.save()
    return NewKeyPair(note, pair.secret_access_key)


def actor_name(actor) -> str:
    return actor.get_username() if getattr(actor, "pk", None) else "system"


@dataclass(frozen=True)
class LiveAccount:
    """The S3 user as the gateway shows it now, without any secret."""

    user_id: str
    email: str
    state: str
    enabled: bool
    flags: tuple[str, ...]
    access_key_ids: tuple[str, ...]


def live_view(user: results.User) -> LiveAccount:
    return LiveAccount(
        user_id=user.user_id,
        email=user.email,
        state=user.state or ("enabled" if user.enabled else "disabled"),
        enabled=user.enabled,
        flags=user.flags,
        access_key_ids=tuple(pair.access_key_id for pair in user.key_pairs),
    )


def account_live(*, actor, account: S3Account) -> LiveAccount:
    """Queries the S3 user on its gateway and keeps the state it shows."""
    require_customer_read(actor, account.customer_id)
    user = account.cluster.gateway().user_get(email=account.gateway_email)

    seen_state = S3Account.State.ENABLED if user.enabled else S3Account.State.DISABLED
    S3Account.objects.filter(pk=account.pk).exclude(state=S3Account.State.DELETED).update(
        state=seen_state, state_seen_at=timezone.now()
    )
    return live_view(user)


def cluster_users(*, actor, cluster: StorageCluster) -> list[tuple[LiveAccount, S3Account | None]]:
    """Every S3 user of the cluster, each with the portal's account for it if there is one."""
    require_role(actor, *STAFF_ROLES)
    users = cluster.gateway().user_list()

    accounts = {
        account.user_id: account
        for account in cluster.accounts.exclude(state="deleted").select_related("customer")
    }
    return [(live_view(user), accounts.get(user.user_id)) for user in users]


def account_suspend(*, actor, account: S3Account, address: str = "") -> None:
    set_account_enabled(actor, account, enabled=False, address=address)


def account_resume(*, actor, account: S3Account, address: str = "") -> None:
    set_account_enabled(actor, account, enabled=True, address=address)


def set_account_enabled(actor, account: S3Account, *, enabled: bool, address: str) -> None:
    action = "account.resume" if enabled else "account.suspend"
    with audited(actor=actor, action=action, target=account_target(account),
                 address=address):  # fmt: skip
        require_role(actor, Role.ADMIN)
        require_live(account)
        gateway = account.cluster.gateway()
        with pending_change(actor=actor, kind=action, account=account):
            if enabled:
                gateway.user_enable(email=account.gateway_email)
            else:
                gateway.user_disable(email=account.gateway_email)

            account.state = S3Account.State.ENABLED if enabled else S3Account.State.DISABLED
            account.state_seen_at = timezone.now()
            account.save(update_fields=["state", "state_seen_at"])
    logger.info("%s %s S3 user %s", actor, "resumed" if enabled else "suspended", account.user_id)


def require_live(account: S3Account) -> None:
    if not account.is_live:
        raise ServiceRefused(f"The S3 user {account.user_id} has been deleted.")


def account_delete(*, actor, account: S3Account, address: str = "") -> None:
    """Deletes the S3 user; refused, naming them, while the user owns buckets."""
    with audited(actor=actor, action="account.delete", target=account_target(account),
                 address=address):  # fmt: skip
        require_role(actor, Role.ADMIN)
        require_live(account)
        gateway = account.cluster.gateway()
        buckets = gateway.bucket_list(email=account.gateway_email)
        if buckets:
            raise BucketsOwned(sorted(bucket.name for bucket in buckets))

        with pending_change(actor=actor, kind=PendingChange.Kind.DELETE, account=account):
            gateway.user_delete(email=account.gateway_email)

            mark_deleted(account)
    logger.info("%s deleted S3 user %s", actor, account.user_id)


def mark_deleted(account: S3Account) -> None:
    now = timezone.now()
    with transaction.atomic():
        account.state = S3Account.State.DELETED
        account.deleted_at = now
        account.state_seen_at = now
        account.save(update_fields=["state", "deleted_at", "state_seen_at"])
        account.key_notes.filter(revoked_at__isnull=True).update(
            revoked_at=now, revoked_by_name="deleted with the S3 user"
        )


# Key pairs


def require_key_change(actor, account: S3Account) -> None:
    """Admins change the keys of any live S3 user; a customer login only its own, and
    only while it is enabled."""
    if not is_own_customer(actor, account.customer_id):
        require_role(actor, Role.ADMIN)
    require_live(account)
    if not has_role(actor, Role.ADMIN) and account.state != S3Account.State.ENABLED:
        raise ServiceRefused(
            "Your S3 account is suspended, so its key pairs cannot be changed. "
            "Ask your provider to resume it."
        )


def key_generate(*, actor, account: S3Account, label: str = "", address: str = "") -> NewKeyPair:
    """A new key pair for the S3 user; the caller shows its secret once."""
    with audited(actor=actor, action="key.generate", target=account_target(account),
                 parameters={"label": label}, address=address) as audit:  # fmt: skip
        require_key_change(actor, account)
        active = account.key_notes.filter(revoked_at__isnull=True).count()
        if active >= MAX_KEY_PAIRS:
            raise ServiceRefused(
                f"The S3 user already has {MAX_KEY_PAIRS} key pairs, the most a gateway "
                "allows. Revoke one first."
            )

        with pending_change(actor=actor, kind=PendingChange.Kind.KEY_GENERATE, account=account,
                            values={"label": label}):  # fmt: skip
            pair = account.cluster.gateway().key_generate(email=account.gateway_email)

            audit.parameters["access_key_id"] = pair.access_key_id
            try:
                new = note_key_pair(account, pair, actor, label=label)
            except IntegrityError:
                # The gateway handed out an id the portal already notes: a key added
                # outside the portal earlier. Its note now gets the secret.
                new = renote_key_pair(account, pair, actor, label)
    logger.info("%s generated key %s for S3 user %s", actor, pair.access_key_id, account.user_id)
    return new


def renote_key_pair(account, pair: results.KeyPair, actor, label: str) -> NewKeyPair:
    note = account.key_notes.get(access_key_id=pair.access_key_id)
    note.set_secret_key(pair.secret_access_key)
    note.label = label or note.label
    note.revoked_at, note.revoked_by, note.revoked_by_name = None, None, ""
    note.save()
    return NewKeyPair(note, pair.secret_access_key)


def key_revoke(
    *, actor, account: S3Account, access_key_id: str, address: str = ""
) -> KeyPairNote | None:
    """Revokes exactly the key pair named; its note records who and when."""
    with audited(actor=actor, action="key.revoke", target=account_target(account),
                 parameters={"access_key_id": access_key_id}, address=address):  # fmt: skip
        require_key_change(actor, account)
        if not access_key_id:
            raise ServiceRefused("Choose the key pair to revoke.")
        if not has_role(actor, Role.ADMIN):
            require_another_key(account, access_key_id)

        with pending_change(actor=actor, kind=PendingChange.Kind.KEY_REVOKE, account=account,
                            values={"access_key_id": access_key_id}):  # fmt: skip
            account.cluster.gateway().key_revoke(
                email=account.gateway_email, access_key_id=access_key_id
            )

            note = account.key_notes.filter(access_key_id=access_key_id).first()
            if note is not None and note.revoked_at is None:
                note.revoked_at = timezone.now()
                note.revoked_by = actor
                note.revoked_by_name = actor_name(actor)
                note.save(update_fields=["revoked_at", "revoked_by", "revoked_by_name"])
    logger.info("%s revoked key %s of S3 user %s", actor, access_key_id, account.user_id)
    return note


def require_another_key(account: S3Account, access_key_id: str) -> None:
    """A customer keeps at least one key: revoking the last would lock their programs out."""
    others = account.key_notes.filter(revoked_at__isnull=True).exclude(access_key_id=access_key_id)
    if not others.exists():
        raise ServiceRefused(
            "This is your only key pair. Generate a new one first, so that your programs "
            "keep working, then revoke this one."
        )


@dataclass(frozen=True)
class KeyCheck:
    """What one signed S3 request with the key pair got: its buckets, or why none."""

    ok: bool
    elapsed_ms: float
    bucket_names: tuple[str, ...] = ()
    error: str = ""


def key_check(*, actor, note: KeyPairNote, address: str = "") -> KeyCheck:
    """Proves a key pair works: an S3 list-buckets request signed with it, to its cluster."""
    account = note.account
    with audited(actor=actor, action="key.check", target=account_target(account),
                 parameters={"access_key_id": note.access_key_id},
                 address=address) as audit:  # fmt: skip
        require_key_change(actor, account)
        if not note.has_secret:
            raise ServiceRefused("The portal never learned this key pair's secret.")

        check = list_buckets_with(note)

        audit.parameters.update(ok=check.ok, error=check.error)
    logger.info("%s checked key %s of S3 user %s: %s", actor, note.access_key_id,
                account.user_id, "works" if check.ok else check.error)  # fmt: skip
    return check


def list_buckets_with(note: KeyPairNote) -> KeyCheck:
    cluster = note.account.cluster
    config = GatewayConfig(
        name=f"{cluster.name} (S3, key {note.access_key_id})",
        url=cluster.customer_endpoint,
        access_key=note.access_key_id,
        secret_key=note.secret_key(),
        signature=cluster.signature,
        region=cluster.region,
        read_timeout=settings.STAAS_GATEWAY_TIMEOUT,
    )
    # A client of its own, never the shared one: its key is the customer's, not the system's.
    client = GatewayClient(config)
    started = time.monotonic()
    try:
        names = client.own_buckets()
    except GatewayError as error:
        # The refusal is of the customer's key here, not of the portal's own.
        reason = (
            f"The storage refused this key: {error.message}"
            if isinstance(error, GatewayAccessDenied)
            else str(error)
        )
        return KeyCheck(False, (time.monotonic() - started) * 1000, error=reason)
    finally:
        client.session.close()
    return KeyCheck(True, (time.monotonic() - started) * 1000, tuple(names))


def key_reveal(*, actor, note: KeyPairNote, address: str = "") -> str:
    """A stored secret, to an admin who asked for it; the asking is audited."""
    with audited(actor=actor, action="key.reveal", target=account_target(note.account),
                 parameters={"access_key_id": note.access_key_id}, address=address):  # fmt: skip
        require_role(actor, Role.ADMIN)
        if not note.has_secret:
            raise ServiceRefused("The portal never learned this key pair's secret.")
        return note.secret_key()


# Buckets


def account_buckets(*, actor, account: S3Account) -> list[results.Bucket]:
    require_customer_read(actor, account.customer_id)
    buckets = account.cluster.gateway().bucket_list(email=account.gateway_email)

    remember_buckets(account.cluster, buckets, {account.user_id: account}, owner=account)
    return sorted(buckets, key=lambda bucket: bucket.name)


def cluster_buckets(
    *, actor, cluster: StorageCluster
) -> list[tuple[results.Bucket, S3Account | None]]:
    """Every bucket of the cluster, each with the portal's account of its owner."""
    require_role(actor, *STAFF_ROLES)
    buckets = cluster.gateway().bucket_list()

    accounts = {
        account.user_id: account
        for account in cluster.accounts.exclude(state="deleted").select_related("customer")
    }
    remember_buckets(cluster, buckets, accounts)
    return [(bucket, accounts.get(bucket.owner_id)) for bucket in sorted(
        buckets, key=lambda bucket: bucket.name
    )]  # fmt: skip


def account_delete_with_buckets(*, actor, account: S3Account, address: str = ""):
    """Starts the job that deletes every bucket of the S3 user, then the user."""
    from staas_portal.customers.tasks import delete_account_with_buckets
    from staas_portal.jobs.services import job_start

    with audited(actor=actor, action="account.delete_with_buckets",
                 target=account_target(account), address=address) as audit:  # fmt: skip
        require_role(actor, Role.ADMIN)
        require_live(account)
        job = job_start(
            task=delete_account_with_buckets,
            actor=actor,
            kind="account.delete_with_buckets",
            title=f"Delete S3 user {account.user_id} of {account.customer.name} with its buckets",
            target=account_target(account),
            parameters={"account_id": account.pk},
        )
        audit.parameters["job"] = job.pk
    return job


def remember_buckets(
    cluster: StorageCluster,
    buckets: list[results.Bucket],
    accounts: dict[str, S3Account],
    *,
    owner: S3Account | None = None,
) -> None:
    """Keeps the listing for search: the whole cluster's, or one owner's buckets."""
    known = KnownBucket.objects.filter(cluster=cluster)
    if owner is not None:
        known = known.filter(owner_id=owner.user_id)

    with transaction.atomic():
        known.exclude(name__in=[bucket.name for bucket in buckets]).delete()
        for bucket in buckets:
            KnownBucket.objects.update_or_create(
                cluster=cluster,
                name=bucket.name,
                defaults={
                    "owner_id": bucket.owner_id or (owner.user_id if owner else ""),
                    "account": accounts.get(bucket.owner_id) or owner,
                    "created": bucket.created,
                    "size_current": bucket.size_current,
                    "size_hmax": bucket.size_hmax,
                },
            )
