"""Taking over S3 users that a cluster has and the portal does not know.

Providers leaving the WHMCS add-on bring clusters full of users the add-on made.
Adopting one links it to a customer, the one with the same email or a new one,
and notes its key pairs as the gateway shows them. The gateway is only read,
never written, so a dry run that rolls the database back reports exactly what a
real run would do.
"""

import contextlib
import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from staas_portal.audit.services import ServiceRefused, audited
from staas_portal.clusters.models import StorageCluster
from staas_portal.customers.models import Customer, KeyPairNote, S3Account
from staas_portal.customers.services import actor_name
from staas_portal.gateway import results
from staas_portal.gateway.errors import GatewayError
from staas_portal.users.access import require_role
from staas_portal.users.models import Role

logger = logging.getLogger(__name__)

# What one adoption may meet that should not stop the others.
ADOPTION_FAILURES = (GatewayError, ServiceRefused, ValidationError, IntegrityError)


@dataclass(frozen=True)
class UnknownUser:
    """An S3 user of the cluster with no live account in the portal."""

    user_id: str
    email: str
    state: str
    # The customer with the same email, whom adoption would link it to.
    customer: Customer | None


@dataclass(frozen=True)
class Adoption:
    """What became of one S3 user: adopted, or why not, in one sentence."""

    user_id: str
    email: str
    adopted: bool
    text: str
    customer: Customer | None = None
    new_customer: bool = False


def require_admin(actor) -> None:
    # None is an operator at the shell, who may do anything the portal can.
    if actor is not None:
        require_role(actor, Role.ADMIN)


@contextlib.contextmanager
def dry_run_transaction(dry_run: bool) -> Iterator[None]:
    """For a dry run, one transaction rolled back at the end; otherwise nothing,
    so that each user's own transaction commits as soon as it is done."""
    if not dry_run:
        yield
        return

    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def unknown_users(*, actor, cluster: StorageCluster) -> list[UnknownUser]:
    """The cluster's users that adoption could take, each with its matching customer."""
    require_admin(actor)
    return unknown_among(cluster, cluster.gateway().user_list())


def unknown_among(cluster: StorageCluster, users: Iterable[results.User]) -> list[UnknownUser]:
    live_ids = set(
        cluster.accounts.exclude(state=S3Account.State.DELETED).values_list("user_id", flat=True)
    )
    unknown = [user for user in users if not user.is_system and user.user_id not in live_ids]

    customers = customers_by_email(user.email for user in unknown)
    return [
        UnknownUser(
            user_id=user.user_id,
            email=user.email,
            state=user.state or ("enabled" if user.enabled else "disabled"),
            customer=customers.get(user.email.lower()),
        )
        for user in sorted(unknown, key=lambda user: (user.email.lower(), user.user_id))
    ]


def customers_by_email(emails: Iterable[str]) -> dict[str, Customer]:
    wanted = {email.lower() for email in emails if email}
    matching = Customer.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=wanted)
    return {customer.email.lower(): customer for customer in matching}


def users_adopt(
    *,
    actor,
    cluster: StorageCluster,
    user_ids: list[str] | None = None,
    dry_run: bool = False,
    address: str = "",
) -> list[Adoption]:
    """Adopts the users named, or every unknown user when `user_ids` is None.

    Each user is adopted in its own transaction and audited on its own; one that
    cannot be adopted is reported and does not stop the rest.
    """
    require_admin(actor)
    listed = {user.user_id: user for user in cluster.gateway().user_list()}
    if user_ids is None:
        user_ids = [user.user_id for user in unknown_among(cluster, listed.values())]

    with dry_run_transaction(dry_run):
        adoptions = [
            adoption_of(actor, cluster, user_id, listed.get(user_id), address)
            for user_id in dict.fromkeys(user_ids)
        ]

    for adoption in adoptions:
        if adoption.adopted:
            logger.info(
                "%s adopted S3 user %s of cluster %s for customer %s%s",
                actor_name(actor), adoption.user_id, cluster.name, adoption.customer.pk,
                " (dry run, rolled back)" if dry_run else "",
            )  # fmt: skip
    return adoptions


def adoption_of(
    actor, cluster: StorageCluster, user_id: str, listed: results.User | None, address: str
) -> Adoption:
    email = listed.email if listed else ""
    try:
        customer, new_customer, notes = adopt_user(actor, cluster, user_id, listed, address)
    except ADOPTION_FAILURES as failure:
        return Adoption(user_id, email, False, f"S3 user {user_id} was not adopted: "
                        f"{failure_sentence(failure)}")  # fmt: skip

    kind = "new customer" if new_customer else "customer"
    text = (
        f"S3 user {user_id} ({email}) adopted by {kind} {customer.name} (#{customer.pk}), "
        f"{plural(len(notes), 'key pair')} noted."
    )
    return Adoption(user_id, email, True, text, customer, new_customer)


def failure_sentence(failure: Exception) -> str:
    if isinstance(failure, ValidationError):
        return " ".join(failure.messages)
    if isinstance(failure, IntegrityError):
        # The database's own words name tables, not anything an admin can act on.
        return "another change to the same records got there first; try again."
    return str(failure)


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def adopt_user(
    actor, cluster: StorageCluster, user_id: str, listed: results.User | None, address: str
) -> tuple[Customer, bool, list[KeyPairNote]]:
    """Links one listed S3 user to its customer; raises the reason when it cannot."""
    parameters = {"email": listed.email if listed else ""}
    with audited(actor=actor, action="account.adopt", target=f"s3user:{user_id}@{cluster.name}",
                 parameters=parameters, address=address) as audit:  # fmt: skip
        require_admin(actor)
        refuse_unadoptable(cluster, user_id, listed)

        # The listing shows no key pairs; the query of one user does.
        user = cluster.gateway().user_get(email=listed.email)

        customer = customers_by_email([user.email]).get(user.email.lower())
        with transaction.atomic():
            new_customer = customer is None
            if new_customer:
                customer = customer_for_user(user, cluster)
            notes = record_account(
                actor=actor, cluster=cluster, customer=customer, user=user
            ).notes

        audit.parameters.update(
            customer=customer.pk,
            new_customer=new_customer,
            key_ids=[note.access_key_id for note in notes],
        )
    return customer, new_customer, notes


def refuse_unadoptable(cluster: StorageCluster, user_id: str, listed: results.User | None):
    if listed is None:
        raise ServiceRefused(f"cluster {cluster.name} does not list it.")
    if listed.is_system:
        raise ServiceRefused("it is a system user, which signs the portal's calls.")
    if not listed.email:
        raise ServiceRefused("the gateway shows no email for it, so no customer fits it.")

    account = live_account(cluster, user_id)
    if account is not None:
        raise ServiceRefused(f"it already belongs to {account.customer.name}.")


def live_account(cluster: StorageCluster, user_id: str) -> S3Account | None:
    accounts = cluster.accounts.exclude(state=S3Account.State.DELETED).select_related("customer")
    return accounts.filter(user_id=user_id).first()


def customer_for_user(user: results.User, cluster: StorageCluster) -> Customer:
    customer = Customer(
        name=name_from_email(user.email),
        email=user.email,
        status=Customer.Status.ACTIVE if user.enabled else Customer.Status.SUSPENDED,
        notes=f"Made when S3 user {user.user_id} of cluster {cluster.name} was adopted.",
    )
    customer.full_clean()
    customer.save()
    return customer


def name_from_email(email: str) -> str:
    """`ben.okafor+s3@example.net` gives "Ben Okafor"; the email itself when that is empty."""
    local_part = email.partition("@")[0].partition("+")[0]
    words = local_part.replace(".", " ").replace("_", " ").replace("-", " ").split()
    return " ".join(word.capitalize() for word in words) or email


@dataclass(frozen=True)
class RecordedAccount:
    account: S3Account
    # False when the portal had a live record of the user already.
    is_new: bool
    # The key pairs noted now; pairs noted before are left as they are.
    notes: list[KeyPairNote]


def record_account(
    *,
    actor,
    cluster: StorageCluster,
    customer: Customer,
    user: results.User,
    labels: Mapping[str, str] | None = None,
) -> RecordedAccount:
    """The portal's account of an S3 user it did not make, and notes of its key pairs.

    A record of the same user id marked deleted comes back to life: the gateway,
    which is the source of truth, still has the user.
    """
    known = live_account(cluster, user.user_id)
    if known is not None and known.customer_id != customer.pk:
        raise ServiceRefused(
            f"S3 user {user.user_id} already belongs to {known.customer.name} in the portal."
        )
    other = customer.accounts.filter(cluster=cluster).exclude(state=S3Account.State.DELETED)
    other = other.exclude(user_id=user.user_id).first()
    if other is not None:
        raise ServiceRefused(
            f"{customer.name} already has S3 user {other.user_id} on {cluster.name}, and a "
            "customer has one S3 user per cluster."
        )

    account, _ = S3Account.objects.update_or_create(
        cluster=cluster,
        user_id=user.user_id,
        defaults={
            "customer": customer,
            "gateway_email": user.email,
            "state": S3Account.State.ENABLED if user.enabled else S3Account.State.DISABLED,
            "state_seen_at": timezone.now(),
            "deleted_at": None,
        },
    )
    labels = labels or {}
    notes = [
        note_listed_key(account, pair, actor, labels.get(pair.access_key_id, ""))
        for pair in user.key_pairs
    ]
    return RecordedAccount(account, known is None, [note for note in notes if note is not None])


def note_listed_key(
    account: S3Account, pair: results.KeyPair, actor, label: str
) -> KeyPairNote | None:
    """Notes a key pair the gateway lists; None when an active note of it exists already."""
    note, created = KeyPairNote.objects.get_or_create(
        account=account,
        access_key_id=pair.access_key_id,
        defaults={
            "label": label,
            "created_by": actor if getattr(actor, "pk", None) else None,
            "created_by_name": actor_name(actor),
        },
    )
    if not created and note.is_active:
        return None

    note.set_secret_key(pair.secret_access_key)
    note.revoked_at, note.revoked_by, note.revoked_by_name = None, None, ""
    note.save()
    return note
