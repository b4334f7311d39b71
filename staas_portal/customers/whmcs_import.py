"""Importing what the WHMCS add-on knew: its clients and the key pairs in their notes.

The add-on wrote one client note per key pair it made, `UserId: …`,
`AWSAccessKeyId: …` and `AWSSecretAccessKey: …` on three lines, and never
checked a gateway answer, so notes can name users or keys that do not exist.
The cluster decides: a user id it does not list, or a key id it does not list
for that user, is reported and left out. WHMCS clients become customers only
when at least one of their S3 users is imported. Secrets go into the database
encrypted and never into a report or a log line.
"""

import csv
import logging
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from staas_portal.audit.services import ServiceRefused, audited
from staas_portal.clusters.models import StorageCluster
from staas_portal.customers.adoption import (
    ADOPTION_FAILURES,
    RecordedAccount,
    customers_by_email,
    dry_run_transaction,
    failure_sentence,
    plural,
    record_account,
    require_admin,
)
from staas_portal.customers.models import Customer
from staas_portal.customers.services import actor_name
from staas_portal.gateway import results

logger = logging.getLogger(__name__)

CLIENT_COLUMNS = ("id", "firstname", "lastname", "companyname", "email", "phonenumber", "status")
NOTE_COLUMNS = ("id", "userid", "note")
CUSTOMER_STATUSES = {
    "active": Customer.Status.ACTIVE,
    "inactive": Customer.Status.SUSPENDED,
    "fraud": Customer.Status.SUSPENDED,
    "closed": Customer.Status.CLOSED,
}
NOTE_FIELD = re.compile(
    r"^[ \t]*(UserId|AWSAccessKeyId|AWSSecretAccessKey)[ \t]*:(.*)$", re.MULTILINE | re.IGNORECASE
)
GATEWAY_ID = re.compile(r"[A-Za-z0-9]+")

# Outcomes of a report line. SKIPPED is what the data rules out, WARNING a doubt about
# something imported all the same, FAILED something that broke and may pass on a rerun.
IMPORTED = "imported"
UNCHANGED = "unchanged"
WARNING = "warning"
SKIPPED = "skipped"
FAILED = "failed"
OUTCOMES = (IMPORTED, UNCHANGED, WARNING, SKIPPED, FAILED)


@dataclass(frozen=True)
class Client:
    row_id: str
    name: str
    company: str
    email: str
    phone: str
    status: str


@dataclass(frozen=True)
class NotedKey:
    note_id: str
    client_id: str
    user_id: str
    access_key_id: str
    secret_access_key: str = field(repr=False)


@dataclass(frozen=True)
class ReportLine:
    source: str
    outcome: str
    text: str


@dataclass
class ImportReport:
    dry_run: bool
    lines: list[ReportLine] = field(default_factory=list)

    def add(self, source: str, outcome: str, text: str) -> None:
        self.lines.append(ReportLine(source, outcome, text))

    def count(self, outcome: str) -> int:
        return sum(line.outcome == outcome for line in self.lines)

    def counts(self) -> dict[str, int]:
        return {outcome: self.count(outcome) for outcome in OUTCOMES}


def whmcs_notes_import(
    *,
    actor,
    cluster: StorageCluster,
    clients_csv: Path,
    notes_csv: Path,
    dry_run: bool = False,
    address: str = "",
) -> ImportReport:
    """Imports the S3 users and key pairs the notes name, as far as the cluster confirms them.

    Raises ServiceRefused when a file cannot be read as the export it should be,
    and GatewayError when the cluster cannot list its users. Running it again
    changes nothing: clients, users and keys already imported are matched.
    """
    require_admin(actor)
    report = ImportReport(dry_run)
    clients = {client.row_id: client for client in read_clients(clients_csv)}
    note_rows = read_table(notes_csv, NOTE_COLUMNS)
    keys = read_noted_keys(note_rows, clients, clients_csv.name, report)

    listed = {user.user_id: user for user in cluster.gateway().user_list()}

    with dry_run_transaction(dry_run):
        for client_id, client in clients.items():
            by_user = group_by_user(keys.get(client_id, []))
            if not by_user:
                report.add(f"client {client_id}", SKIPPED, "no note names a key pair of it.")
            for user_id, noted in by_user.items():
                import_user(actor, cluster, client, listed.get(user_id), noted, report, address)

    logger.info(
        "%s imported WHMCS notes into cluster %s: %s users imported, %s failed%s",
        actor_name(actor), cluster.name, report.count(IMPORTED), report.count(FAILED),
        " (dry run, rolled back)" if dry_run else "",
    )  # fmt: skip
    return report


# Reading the export


def read_table(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as source:
            reader = csv.DictReader(source)
            missing = [name for name in columns if name not in (reader.fieldnames or [])]
            if missing:
                raise ServiceRefused(
                    f"{path.name} has no column {missing[0]!r}; it needs {', '.join(columns)}."
                )
            return [{name: (row.get(name) or "").strip() for name in columns} for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise ServiceRefused(f"{path.name} cannot be read as UTF-8 CSV: {error}") from None


def read_clients(path: Path) -> list[Client]:
    return [
        Client(
            row_id=row["id"],
            name=f"{row['firstname']} {row['lastname']}".strip(),
            company=row["companyname"],
            email=row["email"],
            phone=row["phonenumber"],
            status=row["status"],
        )
        for row in read_table(path, CLIENT_COLUMNS)
        if row["id"]
    ]


def read_noted_keys(
    rows: list[dict[str, str]], clients: dict[str, Client], clients_name: str, report: ImportReport
) -> dict[str, list[NotedKey]]:
    """The key pairs of the add-on's notes, by client id; every unusable note is reported."""
    keys: dict[str, list[NotedKey]] = defaultdict(list)
    first_note_of: dict[str, str] = {}
    for row in rows:
        source = f"note {row['id'] or '(no id)'}"
        pairs, problem = parse_note(row["note"])
        if problem:
            report.add(source, SKIPPED, problem)
            continue
        if row["userid"] not in clients:
            client_id = row["userid"] or "(none)"
            report.add(source, SKIPPED, f"its client {client_id} is not in {clients_name}.")
            continue

        for user_id, access_key_id, secret in pairs:
            if access_key_id in first_note_of:
                report.add(source, SKIPPED, f"key {access_key_id} is in note "
                           f"{first_note_of[access_key_id]} already.")  # fmt: skip
                continue
            first_note_of[access_key_id] = row["id"]
            keys[row["userid"]].append(
                NotedKey(row["id"], row["userid"], user_id, access_key_id, secret)
            )
    return keys


def parse_note(text: str) -> tuple[list[tuple[str, str, str]], str]:
    """(user id, key id, secret) for each key pair the note names, or the reason there is none.

    A note may name several key pairs: each `AWSAccessKeyId` starts one, of the
    `UserId` above it, and the `AWSSecretAccessKey` below it belongs to it.
    """
    found = NOTE_FIELD.findall(text)
    if not found:
        return [], "a staff note, not one of the add-on's key-pair notes."

    pairs: list[list[str]] = []
    user_id = ""
    for label, raw_value in found:
        name, value = label.lower(), raw_value.strip()
        if name == "userid":
            user_id = value
        elif name == "awsaccesskeyid":
            pairs.append([user_id, value, ""])
        elif pairs and not pairs[-1][2]:
            pairs[-1][2] = value
    if not pairs:
        pairs.append([user_id, "", ""])

    problem = note_problem(pairs)
    return ([tuple(pair) for pair in pairs], "") if not problem else ([], problem)


def note_problem(pairs: list[list[str]]) -> str:
    # Values are quoted only once they look like ids: a malformed line may hold a secret.
    if not any(user_id or key_id for user_id, key_id, _ in pairs):
        return "it names no S3 user id or key; the add-on left such notes when a create failed."
    for user_id, key_id, _ in pairs:
        if not GATEWAY_ID.fullmatch(user_id):
            return "its UserId is missing or is not a gateway user id."
        if not GATEWAY_ID.fullmatch(key_id):
            return f"its AWSAccessKeyId for S3 user {user_id} is missing or is not a key id."
    return ""


def group_by_user(keys: list[NotedKey]) -> dict[str, list[NotedKey]]:
    by_user: dict[str, list[NotedKey]] = defaultdict(list)
    for key in keys:
        by_user[key.user_id].append(key)
    return by_user


# Importing one S3 user of one client


def import_user(
    actor,
    cluster: StorageCluster,
    client: Client,
    listed: results.User | None,
    noted: list[NotedKey],
    report: ImportReport,
    address: str,
) -> None:
    user_id = noted[0].user_id
    note_ids = sorted({key.note_id for key in noted}, key=lambda note_id: (len(note_id), note_id))
    source = f"client {client.row_id}, " + (
        f"note {note_ids[0]}" if len(note_ids) == 1 else f"notes {', '.join(note_ids)}"
    )
    if listed is None or listed.is_system:
        what = "is a system user" if listed else "does not exist"
        report.add(source, SKIPPED, f"S3 user {user_id} {what} on cluster {cluster.name}; "
                   "nothing of it was imported.")  # fmt: skip
        return

    try:
        outcome, text = import_listed_user(
            actor, cluster, client, listed, noted, report, source, address
        )
    except ADOPTION_FAILURES as failure:
        outcome = SKIPPED if isinstance(failure, ServiceRefused | ValidationError) else FAILED
        text = f"S3 user {user_id} was not imported: {failure_sentence(failure)}"
    report.add(source, outcome, text)


def import_listed_user(
    actor,
    cluster: StorageCluster,
    client: Client,
    listed: results.User,
    noted: list[NotedKey],
    report: ImportReport,
    source: str,
    address: str,
) -> tuple[str, str]:
    """Records the user for the client's customer; the outcome and sentence to report."""
    parameters = {"client": client.row_id, "notes": sorted({key.note_id for key in noted})}
    with audited(actor=actor, action="account.import_whmcs", parameters=parameters,
                 target=f"s3user:{listed.user_id}@{cluster.name}",
                 address=address) as audit:  # fmt: skip
        require_admin(actor)
        status = CUSTOMER_STATUSES.get(client.status.lower())
        if status is None:
            raise ServiceRefused(
                f"client {client.row_id} has the status {client.status!r}, not Active, "
                "Inactive, Closed or Fraud."
            )

        # The listing shows no key pairs; the query of one user does.
        user = cluster.gateway().user_get(email=listed.email)
        user = user_with_noted_secrets(user, noted, report, source)

        with transaction.atomic():
            customer, new_customer = customer_for_client(client, status)
            recorded = record_account(
                actor=actor,
                cluster=cluster,
                customer=customer,
                user=user,
                labels={key.access_key_id: f"WHMCS note {key.note_id}" for key in noted},
            )

        audit.parameters.update(
            customer=customer.pk,
            new_customer=new_customer,
            key_ids=[note.access_key_id for note in recorded.notes],
        )
    return import_outcome(user, customer, new_customer, recorded)


def user_with_noted_secrets(
    user: results.User, noted: list[NotedKey], report: ImportReport, source: str
) -> results.User:
    """The gateway's user, its key pairs' secrets filled from the notes where it gave none.

    A key the notes name and the gateway does not list is reported and left out.
    """
    listed_keys = {pair.access_key_id: pair for pair in user.key_pairs}
    for key in noted:
        if key.access_key_id not in listed_keys:
            report.add(
                f"note {key.note_id}", SKIPPED,
                f"key {key.access_key_id} is not among the keys of S3 user {user.user_id} "
                "on the gateway (revoked since?); it was not imported.",
            )  # fmt: skip

    secrets = {key.access_key_id: key.secret_access_key for key in noted}
    pairs = []
    for pair in user.key_pairs:
        noted_secret = secrets.get(pair.access_key_id, "")
        if pair.secret_access_key and noted_secret and noted_secret != pair.secret_access_key:
            report.add(
                source, WARNING,
                f"the note's secret of key {pair.access_key_id} is not the gateway's; "
                "the gateway's was kept.",
            )  # fmt: skip
        pairs.append(replace(pair, secret_access_key=pair.secret_access_key or noted_secret))
    return replace(user, key_pairs=tuple(pairs))


def customer_for_client(client: Client, status: str) -> tuple[Customer, bool]:
    """The customer with the client's email, or a new one made from the client."""
    if not client.email:
        raise ServiceRefused(f"client {client.row_id} has no email address.")
    existing = customers_by_email([client.email]).get(client.email.lower())
    if existing is not None:
        return existing, False

    customer = Customer(
        name=client.name or client.company or client.email,
        company=client.company,
        email=client.email,
        phone=client.phone,
        status=status,
        notes=f"Imported from WHMCS client {client.row_id}.",
    )
    customer.full_clean()
    customer.save()
    return customer, True


def import_outcome(
    user: results.User, customer: Customer, new_customer: bool, recorded: RecordedAccount
) -> tuple[str, str]:
    keys = plural(len(recorded.notes), "key pair")
    if not recorded.is_new:
        if not recorded.notes:
            return UNCHANGED, f"S3 user {user.user_id} of {customer.name} is imported already."
        return IMPORTED, f"S3 user {user.user_id} of {customer.name}: {keys} more noted."

    kind = "new customer" if new_customer else "customer"
    text = f"S3 user {user.user_id} for {kind} {customer.name} (#{customer.pk}), {keys} noted"
    if customer.status != Customer.Status.ACTIVE and user.enabled:
        status = customer.get_status_display().lower()
        text += f"; the customer is {status} but the S3 user is enabled on the gateway"
    return IMPORTED, text + "."
