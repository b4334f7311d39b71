"""What the commands that run on every cluster, or on the one `--cluster` names, share."""

from django.core.management.base import CommandError

from staas_portal.clusters.models import StorageCluster


def add_cluster_option(parser) -> None:
    parser.add_argument("--cluster", metavar="NAME", help="Only this cluster.")


def chosen_clusters(name: str | None):
    """Every cluster in name order, or only the one named; a name no cluster has is an error."""
    clusters = StorageCluster.objects.order_by("name")
    if not name:
        return clusters

    clusters = clusters.filter(name=name)
    if not clusters.exists():
        raise CommandError(f"There is no cluster named {name!r}.")
    return clusters
