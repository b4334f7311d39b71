"""`manage.py import_whmcs_notes`: customers, S3 users and key pairs from a WHMCS export."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from staas_portal.audit.services import ServiceRefused
from staas_portal.clusters.models import StorageCluster
from staas_portal.customers import whmcs_import
from staas_portal.gateway.errors import GatewayError

OUTCOME_WIDTH = max(len(outcome) for outcome in whmcs_import.OUTCOMES)


class Command(BaseCommand):
    help = (
        "Imports the WHMCS add-on's client notes: each S3 user and key pair a note names, once "
        "the cluster confirms it, for a customer made from (or matched to) the WHMCS client. "
        "Prints one line per row it could not use. Running it again changes nothing. Exits "
        "non-zero when anything failed (not for rows the data rules out)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--clients", required=True, type=Path, help="tblclients as CSV")
        parser.add_argument("--notes", required=True, type=Path, help="tblnotes as CSV")
        parser.add_argument("--cluster", required=True, help="the cluster the add-on used")
        parser.add_argument(
            "--dry-run", action="store_true", help="report what would happen, save nothing"
        )

    def handle(self, *args, clients, notes, cluster, dry_run, **options):
        found = StorageCluster.objects.filter(name=cluster).first()
        if found is None:
            raise CommandError(f"There is no cluster {cluster!r} in the portal.")

        try:
            report = whmcs_import.whmcs_notes_import(
                actor=None, cluster=found, clients_csv=clients, notes_csv=notes, dry_run=dry_run
            )
        except ServiceRefused as refusal:
            raise CommandError(str(refusal)) from None
        except GatewayError as error:
            raise CommandError(f"Could not list the S3 users of {cluster}. {error}") from None

        if dry_run:
            self.stdout.write("Dry run: nothing is saved.")
        for line in report.lines:
            self.stdout.write(f"{line.outcome:<{OUTCOME_WIDTH}}  {line.source}: {line.text}")

        counts = report.counts()
        summary = ", ".join(f"{count} {outcome}" for outcome, count in counts.items())
        self.stdout.write(f"Summary: {summary}." + (" (dry run)" if dry_run else ""))
        if counts[whmcs_import.FAILED]:
            raise CommandError(f"{counts[whmcs_import.FAILED]} S3 user(s) failed; see above.")
