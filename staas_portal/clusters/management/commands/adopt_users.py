"""`manage.py adopt_users --cluster NAME`: gives S3 users the portal does not know a customer."""

from django.core.management.base import BaseCommand, CommandError

from staas_portal.clusters.models import StorageCluster
from staas_portal.customers.adoption import users_adopt
from staas_portal.gateway.errors import GatewayError


class Command(BaseCommand):
    help = (
        "Adopts S3 users of a cluster that belong to no customer: each goes to the customer "
        "with its email, or to a new one, with its key pairs noted. Exits non-zero when any "
        "user could not be adopted."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cluster", required=True, help="the cluster's name in the portal")
        chosen = parser.add_mutually_exclusive_group(required=True)
        chosen.add_argument(
            "--all", action="store_true", help="every S3 user the portal does not know"
        )
        chosen.add_argument(
            "--user-id", dest="user_ids", nargs="+", metavar="ID", help="these S3 users only"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="report what would happen, save nothing"
        )

    def handle(self, *args, cluster, user_ids, dry_run, **options):
        found = StorageCluster.objects.filter(name=cluster).first()
        if found is None:
            raise CommandError(f"There is no cluster {cluster!r} in the portal.")

        try:
            adoptions = users_adopt(actor=None, cluster=found, user_ids=user_ids, dry_run=dry_run)
        except GatewayError as error:
            raise CommandError(f"Could not list the S3 users of {cluster}. {error}") from None

        if dry_run:
            self.stdout.write("Dry run: nothing is saved.")
        for adoption in adoptions:
            self.stdout.write(adoption.text)

        failed = sum(not adoption.adopted for adoption in adoptions)
        summary = f"{len(adoptions) - failed} adopted, {failed} not adopted."
        if not adoptions:
            summary = f"No S3 user of {cluster} is left to adopt."
        self.stdout.write(summary + (" (dry run)" if dry_run else ""))
        if failed:
            raise CommandError(f"{failed} S3 user(s) could not be adopted; see above.")
