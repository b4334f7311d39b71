from django.core.management.base import BaseCommand, CommandError

from staas_portal.clusters.models import StorageCluster
from staas_portal.usage.services import usage_harvest


class Command(BaseCommand):
    help = (
        "Harvests each cluster's usage statistics now, as the scheduled harvest does: "
        "counts every statistics object whose period has ended, deletes it on the "
        "gateway once counted, and samples every bucket's size. Exits non-zero if "
        "anything failed."
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
            report = usage_harvest(cluster=each)
            if report.ok:
                self.stdout.write(report.summary())
            else:
                self.stderr.write(report.summary())
                failed.append(report.cluster)

        if failed:
            raise CommandError(f"The harvest did not finish on {', '.join(failed)}.")
