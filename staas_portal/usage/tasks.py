from celery import shared_task

from staas_portal.clusters.models import StorageCluster
from staas_portal.usage.services import usage_harvest


@shared_task
def harvest_all_clusters() -> int:
    """Beat runs this every STAAS_USAGE_HARVEST_MINUTES: one harvest task per cluster."""
    cluster_ids = list(StorageCluster.objects.order_by("name").values_list("pk", flat=True))
    for cluster_id in cluster_ids:
        harvest_cluster.delay(cluster_id)
    return len(cluster_ids)


@shared_task
def harvest_cluster(cluster_id: int) -> str:
    # usage_harvest logs what it did and keeps it on its run's row.
    cluster = StorageCluster.objects.get(pk=cluster_id)
    return usage_harvest(cluster=cluster).summary()
