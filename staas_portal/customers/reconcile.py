"""Finding drift between each cluster and the portal's records.

A run first settles the changes the gateway never confirmed, each by reading
the gateway back (`customers.settlement`). It then asks the gateway everything
it needs before it writes any drift, so a gateway that fails part way leaves
the drift as the last complete run found it.
The gateway's user list carries no key pairs, so each S3 user the portal links
to is also queried once for its key ids; those whose limits the portal applied
are also asked for their limits and quota.
"""

import logging
from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from staas_portal.audit.services import audited
from staas_portal.clusters.models import StorageCluster
from staas_portal.customers.models import Drift, S3Account
from staas_portal.customers.settlement import changes_settle
from staas_portal.gateway import results
from staas_portal.gateway.errors import GatewayError, GatewayNotFound
from staas_portal.limits import drift as limits_drift
from staas_portal.users.access import require_role
from staas_portal.users.models import Role

logger = logging.getLogger(__name__)

NO_LONGER_SEEN = "no longer seen"


@dataclass(frozen=True)
class Difference:
    """One thing the gateway and the portal disagree on, as a run found it."""

    kind: str
    user_id: str
    access_key_id: str = ""
    account: S3Account | None = None
    detail: str = ""

    @property
    def identity(self) -> tuple[str, str, str]:
        return (self.kind, self.user_id, self.access_key_id)


@dataclass
class ReconcileReport:
    """What one run found on one cluster, or why it could not finish."""

    cluster: str
    error: str = ""
    gateway_users: int = 0
    portal_accounts: int = 0
    open_by_kind: Counter = field(default_factory=Counter)
    new: int = 0
    resolved: int = 0
    # Changes the gateway never confirmed, settled by this run, by outcome.
    settled: Counter = field(default_factory=Counter)

    @property
    def ok(self) -> bool:
        return not self.error

    @property
    def open_total(self) -> int:
        return sum(self.open_by_kind.values())

    def summary(self) -> str:
        if not self.ok:
            return f"{self.cluster}: reconcile failed. {self.error}"
        text = (
            f"{self.cluster}: {self.open_total} open drift ({self.new} new, "
            f"{self.resolved} resolved) among {self.gateway_users} S3 users on the gateway "
            f"and {self.portal_accounts} accounts in the portal."
        )
        if self.settled:
            outcomes = ", ".join(f"{count} {name}" for name, count in sorted(self.settled.items()))
            text += f" Unconfirmed changes settled: {outcomes}."
        return text

    def kind_lines(self) -> list[str]:
        labels = dict(Drift.Kind.choices)
        return [f"{labels[kind]}: {count}" for kind, count in sorted(self.open_by_kind.items())]


@dataclass(frozen=True)
class GatewaySnapshot:
    """The cluster's customer S3 users, and the key ids of those the portal links to."""

    users: dict[str, results.User]
    key_ids: dict[str, frozenset[str]]
    limits: dict[str, limits_drift.LimitsSnapshot | None] = field(default_factory=dict)


def reconcile_all() -> list[ReconcileReport]:
    return [reconcile_cluster(cluster) for cluster in StorageCluster.objects.order_by("name")]


def reconcile_cluster(cluster: StorageCluster) -> ReconcileReport:
    """Settles unconfirmed changes, compares the cluster with the portal's records and
    keeps its open drift current."""
    try:
        settled = changes_settle(cluster=cluster)
        # Loaded after the settling, which may have added an account or ended one.
        accounts = list(
            cluster.accounts.exclude(state=S3Account.State.DELETED)
            .select_related("customer", *limits_drift.ACCOUNT_RELATIONS)
            .prefetch_related("key_notes")
        )
        snapshot = gateway_snapshot(cluster, accounts)
    except GatewayError as error:
        logger.warning("reconcile of cluster %s stopped: %s", cluster.name, error)
        return ReconcileReport(cluster=cluster.name, error=str(error))

    deleted = {
        account.user_id: account
        for account in cluster.accounts.filter(state=S3Account.State.DELETED).select_related(
            "customer"
        )
    }
    differences = find_differences(accounts, deleted, snapshot)

    report = ReconcileReport(
        cluster=cluster.name, gateway_users=len(snapshot.users), portal_accounts=len(accounts),
        settled=settled,
    )  # fmt: skip
    record_drift(cluster, differences, report)
    logger.info("reconciled cluster %s: %s", cluster.name, report.summary())
    return report


def gateway_snapshot(cluster: StorageCluster, accounts: list[S3Account]) -> GatewaySnapshot:
    gateway = cluster.gateway()
    users = {user.user_id: user for user in gateway.user_list() if not user.is_system}

    key_ids, limits = {}, {}
    for account in accounts:
        listed = users.get(account.user_id)
        if listed is None:
            continue
        try:
            user = gateway.user_get(email=listed.email)
        except GatewayNotFound:
            # Deleted between the listing and this query: it is missing, not a failure.
            del users[account.user_id]
            continue
        key_ids[account.user_id] = frozenset(pair.access_key_id for pair in user.key_pairs)
        limits[account.user_id] = limits_drift.read_limits(gateway, account)
    return GatewaySnapshot(users=users, key_ids=key_ids, limits=limits)


def find_differences(
    accounts: list[S3Account], deleted: dict[str, S3Account], snapshot: GatewaySnapshot
) -> list[Difference]:
    linked = {account.user_id for account in accounts}
    differences = [
        unknown_user(user, deleted.get(user_id))
        for user_id, user in snapshot.users.items()
        if user_id not in linked
    ]

    for account in accounts:
        user = snapshot.users.get(account.user_id)
        if user is None:
            differences.append(missing_user(account))
            continue
        differences.extend(state_difference(account, user))
        differences.extend(key_differences(account, snapshot.key_ids[account.user_id]))
        differences.extend(
            Difference(user_id=account.user_id, account=account, **found)
            for found in limits_drift.limit_differences(
                account, snapshot.limits.get(account.user_id)
            )
        )
    return differences


def missing_user(account: S3Account) -> Difference:
    return Difference(
        kind=Drift.Kind.MISSING_ON_GATEWAY,
        user_id=account.user_id,
        account=account,
        detail=f"{account.customer.name}'s S3 user {account.gateway_email} "
        f"({account.get_state_display().lower()} in the portal) is not on the gateway.",
    )


def unknown_user(user: results.User, deleted_account: S3Account | None) -> Difference:
    detail = f"The gateway has an S3 user {user.email} ({user.state or 'enabled'}) "
    if deleted_account is None:
        detail += "that no customer's account links to."
    else:
        detail += f"that the portal recorded as {deleted_account.customer.name}'s, deleted."
    return Difference(
        kind=Drift.Kind.UNKNOWN_TO_PORTAL,
        user_id=user.user_id,
        account=deleted_account,
        detail=detail,
    )


def state_difference(account: S3Account, user: results.User) -> list[Difference]:
    portal_enabled = account.state == S3Account.State.ENABLED
    if portal_enabled == user.enabled:
        return []

    return [
        Difference(
            kind=Drift.Kind.STATE_DIFFERS,
            user_id=account.user_id,
            account=account,
            detail=f"The portal has the S3 user {account.get_state_display().lower()}; "
            f"the gateway has it {'enabled' if user.enabled else 'disabled'}.",
        )
    ]


def key_differences(account: S3Account, gateway_key_ids: frozenset[str]) -> list[Difference]:
    notes = {note.access_key_id: note for note in account.key_notes.all()}
    active = {key_id for key_id, note in notes.items() if note.is_active}

    differences = [
        Difference(
            kind=Drift.Kind.KEY_REVOKED_OUTSIDE,
            user_id=account.user_id,
            access_key_id=key_id,
            account=account,
            detail=f"The portal notes key {key_id} as active; the gateway no longer has it.",
        )
        for key_id in sorted(active - gateway_key_ids)
    ]
    for key_id in sorted(gateway_key_ids - active):
        detail = f"The gateway has key {key_id}, which the portal has no active note of."
        if key_id in notes:
            detail += f" The portal noted it revoked by {notes[key_id].revoked_by_name}."
        differences.append(
            Difference(
                kind=Drift.Kind.KEY_ADDED_OUTSIDE,
                user_id=account.user_id,
                access_key_id=key_id,
                account=account,
                detail=detail,
            )
        )
    return differences


def drift_identity(drift: Drift) -> tuple[str, str, str]:
    return (drift.kind, drift.user_id, drift.access_key_id)


def record_drift(
    cluster: StorageCluster, differences: list[Difference], report: ReconcileReport
) -> None:
    """Opens new drift, refreshes drift still seen, and resolves drift no longer seen."""
    with transaction.atomic():
        # Two runs on one cluster (beat and the page's button) would otherwise both
        # open the same drift, and the second would fail on the unique constraint.
        StorageCluster.objects.select_for_update().filter(pk=cluster.pk).first()
        still_open = {
            drift_identity(drift): drift
            for drift in Drift.objects.filter(cluster=cluster, resolved_at__isnull=True)
        }

        for difference in differences:
            report.open_by_kind[difference.kind] += 1
            drift = still_open.pop(difference.identity, None)
            if drift is None:
                open_drift(cluster, difference)
                report.new += 1
            else:
                drift.account, drift.detail = difference.account, difference.detail
                drift.save(update_fields=["account", "detail", "last_seen_at"])

        report.resolved = Drift.objects.filter(
            pk__in=[drift.pk for drift in still_open.values()]
        ).update(resolved_at=timezone.now(), resolution=NO_LONGER_SEEN)


def open_drift(cluster: StorageCluster, difference: Difference) -> Drift:
    return Drift.objects.create(
        cluster=cluster,
        kind=difference.kind,
        account=difference.account,
        user_id=difference.user_id,
        access_key_id=difference.access_key_id,
        detail=difference.detail,
    )


def reconcile_run(*, actor, address: str = "") -> list[ReconcileReport]:
    """Reconciles every cluster now, for an admin who asked for it."""
    with audited(actor=actor, action="drift.reconcile", target="clusters",
                 address=address) as audit:  # fmt: skip
        require_role(actor, Role.ADMIN)
        reports = reconcile_all()

        audit.parameters.update(
            new=sum(report.new for report in reports),
            resolved=sum(report.resolved for report in reports),
            settled=sum(report.settled.total() for report in reports),
            failed=[report.cluster for report in reports if not report.ok],
        )
    return reports
