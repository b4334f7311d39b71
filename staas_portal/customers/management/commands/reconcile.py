from django.core.management.base import BaseCommand, CommandError

from staas_portal.clusters.management.selection import add_cluster_option, chosen_clusters
from staas_portal.customers.reconcile import reconcile_cluster


class Command(BaseCommand):
    help = (
        "Compares each cluster's S3 users, states and key pairs with the portal's records "
        "and records the drift found, as the scheduled reconcile does. Exits non-zero if "
        "any cluster's gateway failed."
    )

    def add_arguments(self, parser):
        add_cluster_option(parser)

    def handle(self, *args, cluster=None, **options):
        failed = []
        for each in chosen_clusters(cluster):
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
