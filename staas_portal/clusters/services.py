"""Adding, editing and testing the clusters the portal manages."""

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, QuerySet

from staas_portal.audit.services import ServiceRefused, audited
from staas_portal.clusters.models import StorageCluster
from staas_portal.gateway.errors import GatewayError
from staas_portal.users.access import require_role
from staas_portal.users.models import Role

logger = logging.getLogger(__name__)

SETTINGS_CLUSTER_NAME = "default"
CLUSTER_FIELDS = ("name", "gateway_url", "access_key", "signature", "region")


def ensure_cluster_from_settings() -> StorageCluster | None:
    """On the first start, the cluster of the STAAS_GATEWAY_* variables, as the default."""
    gateway = settings.STAAS_GATEWAY
    if StorageCluster.objects.exists() or not (
        gateway["url"] and gateway["access_key"] and gateway["secret_key"]
    ):
        return None

    cluster = StorageCluster(
        name=SETTINGS_CLUSTER_NAME,
        gateway_url=gateway["url"],
        access_key=gateway["access_key"],
        signature=gateway["signature"],
        region=gateway["region"],
        is_default=True,
    )
    cluster.set_secret_key(gateway["secret_key"])
    cluster.save()
    logger.info("cluster %s created from STAAS_GATEWAY_URL %s", cluster.name, cluster.gateway_url)
    return cluster


def default_cluster() -> StorageCluster | None:
    ensure_cluster_from_settings()
    return StorageCluster.objects.filter(is_default=True).first()


def clusters_with_account_counts() -> QuerySet[StorageCluster]:
    """Every cluster, each with `account_count`, the number of live S3 accounts on it."""
    live = Q(accounts__state__in=["enabled", "disabled"])
    return StorageCluster.objects.annotate(account_count=Count("accounts", filter=live))


def cluster_save(
    *, actor, cluster: StorageCluster, secret_key: str = "", address: str = ""
) -> StorageCluster:
    """Adds a cluster or saves an edited one; a blank secret keeps the stored one."""
    adding = cluster.pk is None
    action = "cluster.create" if adding else "cluster.update"
    parameters = {name: getattr(cluster, name) for name in CLUSTER_FIELDS}
    with audited(actor=actor, action=action, target=f"cluster:{cluster.name}",
                 parameters=parameters, address=address):  # fmt: skip
        require_role(actor, Role.ADMIN)
        if secret_key:
            cluster.set_secret_key(secret_key)
        elif adding:
            raise ServiceRefused("A new cluster needs the system user's secret key.")

        with transaction.atomic():
            if not StorageCluster.objects.exclude(pk=cluster.pk).filter(is_default=True).exists():
                cluster.is_default = True
            cluster.full_clean()
            cluster.save()
    return cluster


def cluster_make_default(*, actor, cluster: StorageCluster, address: str = "") -> None:
    with audited(actor=actor, action="cluster.make_default", target=f"cluster:{cluster.name}",
                 address=address):  # fmt: skip
        require_role(actor, Role.ADMIN)
        with transaction.atomic():
            StorageCluster.objects.filter(is_default=True).update(is_default=False)
            StorageCluster.objects.filter(pk=cluster.pk).update(is_default=True)
        cluster.is_default = True


@dataclass(frozen=True)
class ConnectionTest:
    ok: bool
    elapsed_ms: float
    user_count: int = 0
    error: str = ""
    error_kind: str = ""


def cluster_test(*, actor, cluster: StorageCluster, address: str = "") -> ConnectionTest:
    """A signed user listing: proves the URL, the system key and the signature together."""
    with audited(actor=actor, action="cluster.test", target=f"cluster:{cluster.name}",
                 address=address) as action:  # fmt: skip
        require_role(actor, Role.ADMIN)
        started = time.monotonic()
        try:
            users = cluster.gateway().user_list()
        except GatewayError as error:
            elapsed_ms = (time.monotonic() - started) * 1000
            action.parameters.update(ok=False, error=str(error))
            return ConnectionTest(False, elapsed_ms, error=str(error), error_kind=error.kind)

        elapsed_ms = (time.monotonic() - started) * 1000
        action.parameters.update(ok=True, elapsed_ms=round(elapsed_ms), users=len(users))
        return ConnectionTest(True, elapsed_ms, user_count=len(users))
