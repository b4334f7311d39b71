from django.core.management.base import BaseCommand, CommandError

from staas_portal.clusters.management.selection import add_cluster_option, chosen_clusters
from staas_portal.usage.services import usage_harvest


class Command(BaseCommand):
    help = (
        "Harvests each cluster's usage statistics now, as the scheduled harvest does: "
        "counts every statistics object whose period has ended, deletes it on the "
        "gateway once counted, and samples every bucket's size. Exits non-zero if "
        "anything failed."
    )

    def add_arguments(self, parser):
        add_cluster_option(parser)

    def handle(self, *args, cluster=None, **options):
        failed = []
        for each in chosen_clusters(cluster):
            report = usage_harvest(cluster=each)
            if report.ok:
                self.stdout.write(report.summary())
            else:
                self.stderr.write(report.summary())
                failed.append(report.cluster)

        if failed:
            raise CommandError(f"The harvest did not finish on {', '.join(failed)}.")
