from django.core.management.base import BaseCommand, CommandError

from staas_portal.clusters.models import StorageCluster
from staas_portal.customers.reconcile import reconcile_cluster


class Command(BaseCommand):
    help = (
        "Compares each cluster's S3 users, states and key pairs with the portal's records "
        "and records the drift found, as the scheduled reconcile does. Exits non-zero if "
        "any cluster's gateway failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cluster", metavar="NAME", help="Only this cluster.")

    def handle(self, *args, cluster=None, **options):
        clusters = StorageCluster.objects.order_by("name")
        if cluster:
            clusters = clusters.filter(name=cluster)
            if not clusters.exists():
                raise CommandError(f"There is no cluster named {cluster!r}.")

        failed = []
        for each in clusters:
            report = reconcile_cluster(each)
            if not report.ok:
                self.stderr.write(report.summary())
                failed.append(report.cluster)
                continue
            self.stdout.write(report.summary())
            for line in report.kind_lines():
                self.stdout.write(f"  {line}")

        if failed:
            raise CommandError(f"Reconcile failed on {', '.join(failed)}.")
