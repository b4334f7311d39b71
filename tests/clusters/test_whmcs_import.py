"""`manage.py import_whmcs_notes` with the sample export, broken rows, reruns and dry runs."""

import csv
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from staas_portal.audit.models import AuditEvent
from staas_portal.customers.models import Customer, KeyPairNote, S3Account
from tests.clusters.conftest import SeededUser
from tests.portal_fixtures import make_customer

SAMPLE = Path(__file__).resolve().parent.parent / "fixtures" / "whmcs"

ANNA = SeededUser(
    "3f9a0c1d2e4b5a67",
    "anna@kowalska-foto.example",
    [
        ("3f9a0c1d2e4b5a67QX2P", "kP4mZ8vR1tY6uI0oA3sD5fG7hJ9kL2zX4cV6bN8m"),
        ("3f9a0c1d2e4b5a67H7TQ", "Qw3Er5Ty7Ui9Op1As3Df5Gh7Jk9Lz1Xc3Vb5Nm7Q"),
    ],
)
BEN = SeededUser(
    "b81d6c5f895a8c86",
    "ben.okafor@example.net",
    [("b81d6c5f895a8c86M2KD", "Zx9Cv8Bn7Mm6Lk5Jh4Gf3Ds2Aq1Wp0Oi9Uy8Tr7E")],
)
CHLOE = SeededUser(
    "0c4e8a2f6b1d3957",
    "chloe+s3@atelier-martin.example",
    [("0c4e8a2f6b1d3957RR4A", "Mn2Bv4Cx6Zl8Kj0Hg2Fd4Sa6Qw8Er0Ty2Ui4Op6A")],
    state="disabled",
)
DMITRI = SeededUser(
    "9d80d59edbe2862a",
    "ops@volkov-backup.example",
    [("9d80d59edbe2862aV0LT", "Ty6Ui8Op0As2Df4Gh6Jk8Lz0Xc2Vb4Nm6Qw8Er0T")],
)
# The user of note 18, whose client is not in the export.
ORPHAN = SeededUser(
    "e86d1c19e616455a",
    "orphan@example.com",
    [("e86d1c19e616455aZZ01", "Aa1Bb2Cc3Dd4Ee5Ff6Gg7Hh8Ii9Jj0Kk1Ll2Mm3N")],
)
SAMPLE_USERS = (ANNA, BEN, CHLOE, DMITRI, ORPHAN)
SAMPLE_SECRETS = [secret for user in SAMPLE_USERS for _, secret in user.keys]


def run_import(clients=SAMPLE / "tblclients.csv", notes=SAMPLE / "tblnotes.csv", *options):
    output = StringIO()
    call_command(
        "import_whmcs_notes", "--clients", str(clients), "--notes", str(notes),
        "--cluster", "main", *options, stdout=output,
    )  # fmt: skip
    return output.getvalue()


def report_lines(output: str) -> dict[str, list[str]]:
    """The report's lines by outcome, each as "source: text"."""
    lines: dict[str, list[str]] = {}
    for line in output.splitlines():
        outcome, _, rest = line.partition("  ")
        lines.setdefault(outcome.strip(), []).append(rest.strip())
    return lines


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as target:
        writer = csv.writer(target)
        writer.writerow(header)
        writer.writerows(rows)
    return path


CLIENT_HEADER = ["id", "firstname", "lastname", "companyname", "email", "phonenumber", "status"]
NOTE_HEADER = ["id", "userid", "note"]


def key_note(user_id: str, key_id: str, secret: str) -> str:
    return f"UserId: {user_id}\nAWSAccessKeyId: {key_id}\nAWSSecretAccessKey: {secret}"


def database_counts():
    return Customer.objects.count(), S3Account.objects.count(), KeyPairNote.objects.count()


class TestSampleExport:
    @pytest.fixture(autouse=True)
    def sample_cluster(self, seed_users, cluster):
        seed_users(*SAMPLE_USERS)

    def test_every_confirmed_user_is_imported_for_its_client(self, cluster):
        output = run_import()

        assert report_lines(output)["imported"] == [
            f"client 1, notes 11, 12: S3 user {ANNA.user_id} for new customer Anna Kowalska "
            f"(#{Customer.objects.get(name='Anna Kowalska').pk}), 2 key pairs noted.",
            f"client 2, note 14: S3 user {BEN.user_id} for new customer Ben Okafor "
            f"(#{Customer.objects.get(name='Ben Okafor').pk}), 1 key pair noted.",
            f"client 3, note 15: S3 user {CHLOE.user_id} for new customer Chloé Martin "
            f"(#{Customer.objects.get(name='Chloé Martin').pk}), 1 key pair noted.",
            f"client 4, note 17: S3 user {DMITRI.user_id} for new customer Dmitri Volkov "
            f"(#{Customer.objects.get(name='Dmitri Volkov').pk}), 1 key pair noted.",
        ]
        assert output.splitlines()[-1] == (
            "Summary: 4 imported, 0 unchanged, 0 warning, 4 skipped, 0 failed."
        )

    def test_customers_carry_the_clients_details_and_status(self, cluster):
        run_import()

        chloe = Customer.objects.get(email="chloe+s3@atelier-martin.example")
        assert (chloe.name, chloe.company, chloe.phone) == (
            "Chloé Martin", "Atelier Martin SARL", "+33.140000000"
        )  # fmt: skip
        assert chloe.status == "suspended"  # Inactive in WHMCS
        assert chloe.accounts.get().state == "disabled"  # as the gateway shows it
        assert Customer.objects.get(name="Anna Kowalska").status == "active"
        assert not Customer.objects.filter(name="Eve Nakamura").exists()  # no key notes

    def test_key_pairs_are_noted_with_their_secrets_encrypted(self, cluster):
        run_import()

        notes = {note.access_key_id: note for note in KeyPairNote.objects.all()}
        expected = {
            key: secret for user in (ANNA, BEN, CHLOE, DMITRI) for key, secret in user.keys
        }
        assert {key: note.secret_key() for key, note in notes.items()} == expected
        assert not [note for note in notes.values() if note.secret_key() in note.secret_ciphertext]
        assert notes["3f9a0c1d2e4b5a67H7TQ"].label == "WHMCS note 12"
        assert notes["3f9a0c1d2e4b5a67H7TQ"].created_by_name == "system"

    def test_each_unusable_row_is_reported_with_its_reason(self, cluster):
        output = run_import()

        assert report_lines(output)["skipped"] == [
            "note 13: a staff note, not one of the add-on's key-pair notes.",
            "note 16: it names no S3 user id or key; the add-on left such notes when a create "
            "failed.",
            "note 18: its client 9 is not in tblclients.csv.",
            "client 5: no note names a key pair of it.",
        ]

    def test_no_secret_is_printed_or_audited(self, cluster):
        output = run_import()

        assert not [secret for secret in SAMPLE_SECRETS if secret in output]
        events = AuditEvent.objects.filter(action="account.import_whmcs")
        assert events.count() == 4
        assert not [secret for secret in SAMPLE_SECRETS if secret in str(events.values())]
        assert events.filter(target=f"s3user:{ANNA.user_id}@main").get().parameters["notes"] == [
            "11", "12",
        ]  # fmt: skip

    def test_running_it_twice_creates_nothing_twice(self, cluster):
        run_import()
        first = database_counts()

        output = run_import()

        assert database_counts() == first == (4, 4, 5)
        assert output.splitlines()[-1] == (
            "Summary: 0 imported, 4 unchanged, 0 warning, 4 skipped, 0 failed."
        )
        assert f"client 1, notes 11, 12: S3 user {ANNA.user_id} of Anna Kowalska is imported " in (
            output
        )

    def test_a_dry_run_reports_the_same_and_saves_nothing(self, cluster):
        output = run_import(SAMPLE / "tblclients.csv", SAMPLE / "tblnotes.csv", "--dry-run")

        lines = output.splitlines()
        assert lines[0] == "Dry run: nothing is saved."
        assert lines[-1] == (
            "Summary: 4 imported, 0 unchanged, 0 warning, 4 skipped, 0 failed. (dry run)"
        )
        assert database_counts() == (0, 0, 0)
        assert not AuditEvent.objects.filter(action="account.import_whmcs").exists()

    def test_an_existing_customer_is_matched_by_email(self, cluster):
        anna = make_customer(name="Anna K.", email="ANNA@Kowalska-Foto.example")

        output = run_import()

        assert f"S3 user {ANNA.user_id} for customer Anna K. (#{anna.pk})" in output
        assert anna.accounts.get().user_id == ANNA.user_id
        assert Customer.objects.filter(name__startswith="Anna").count() == 1

    def test_an_account_of_another_customer_is_not_moved(self, cluster, admin_login):
        other = make_customer(name="Someone Else", email="else@example.com")
        S3Account.objects.create(
            customer=other, cluster=cluster, user_id=BEN.user_id, gateway_email=BEN.email
        )

        output = run_import()

        assert (
            f"skipped    client 2, note 14: S3 user {BEN.user_id} was not imported: S3 user "
            f"{BEN.user_id} already belongs to Someone Else in the portal."
        ) in output
        assert not Customer.objects.filter(email=BEN.email).exists()


class TestWhatTheClusterDoesNotConfirm:
    def test_a_user_id_unknown_to_the_gateway_is_not_imported(self, seed_users, cluster):
        seed_users(ANNA, CHLOE, DMITRI)

        output = run_import()

        assert (
            f"skipped    client 2, note 14: S3 user {BEN.user_id} does not exist on cluster "
            "main; nothing of it was imported."
        ) in output
        assert not Customer.objects.filter(email=BEN.email).exists()
        assert not S3Account.objects.filter(user_id=BEN.user_id).exists()

    def test_a_key_the_gateway_does_not_list_is_not_imported(self, seed_users, cluster):
        seed_users(SeededUser(ANNA.user_id, ANNA.email, ANNA.keys[:1]))

        output = run_import()

        assert (
            "skipped    note 12: key 3f9a0c1d2e4b5a67H7TQ is not among the keys of S3 user "
            f"{ANNA.user_id} on the gateway (revoked since?); it was not imported."
        ) in output
        account = S3Account.objects.get(user_id=ANNA.user_id)
        assert [note.access_key_id for note in account.key_notes.all()] == [ANNA.keys[0][0]]

    def test_the_gateways_secret_wins_over_a_stale_note(self, seed_users, cluster):
        seed_users(SeededUser(BEN.user_id, BEN.email, [(BEN.keys[0][0], "the-gateway-secret")]))

        output = run_import()

        assert (
            "warning    client 2, note 14: the note's secret of key b81d6c5f895a8c86M2KD is "
            "not the gateway's; the gateway's was kept."
        ) in output
        assert KeyPairNote.objects.get().secret_key() == "the-gateway-secret"

    def test_a_key_only_the_gateway_lists_is_noted_too(self, seed_users, cluster):
        extra = ("b81d6c5f895a8c86NEW1", "secret-of-a-key-made-elsewhere")
        seed_users(SeededUser(BEN.user_id, BEN.email, [*BEN.keys, extra]))

        run_import()

        notes = {note.access_key_id: note for note in KeyPairNote.objects.all()}
        assert notes[extra[0]].secret_key() == extra[1]
        assert notes[extra[0]].label == ""
        assert notes[BEN.keys[0][0]].label == "WHMCS note 14"

    def test_a_failing_query_is_a_failure_and_exits_non_zero(
        self, seed_users, cluster, gateway_emulator
    ):
        seed_users(*SAMPLE_USERS)
        # Call 1 lists the users; calls 2 and 4, the queries of Anna and Chloé, fail.
        gateway_emulator.set_faults(fail_every=2)
        output = StringIO()

        with pytest.raises(CommandError, match="2 S3 user"):
            call_command(
                "import_whmcs_notes", "--clients", str(SAMPLE / "tblclients.csv"),
                "--notes", str(SAMPLE / "tblnotes.csv"), "--cluster", "main", stdout=output,
            )  # fmt: skip

        failed = report_lines(output.getvalue())["failed"]
        assert [line.split(":")[0] for line in failed] == [
            "client 1, notes 11, 12",
            "client 3, note 15",
        ]
        assert "The gateway failed while handling the request" in failed[0]
        assert sorted(S3Account.objects.values_list("user_id", flat=True)) == sorted(
            [BEN.user_id, DMITRI.user_id]
        )

    def test_a_gateway_that_cannot_list_stops_the_import(self, cluster, gateway_emulator):
        gateway_emulator.set_faults(fail_every=1)

        with pytest.raises(CommandError, match="Could not list the S3 users of main"):
            run_import()

        assert database_counts() == (0, 0, 0)


class TestMalformedExports:
    def test_broken_notes_and_clients_are_reported_and_the_rest_imported(
        self, tmp_path, seed_users, cluster, gateway_emulator
    ):
        seed_users(
            SeededUser("aaaa000000000001", "one@example.com", [("aaaa000000000001KEY1", "s1"),
                                                              ("aaaa000000000001KEY2", "s2")]),
            SeededUser("aaaa000000000002", "two@example.com", [("aaaa000000000002KEY1", "s3")]),
            SeededUser("aaaa000000000003", "three@example.com", [("aaaa000000000003KEY1", "s4")]),
            SeededUser("aaaa000000000004", "four@example.com", [("aaaa000000000004KEY1", "s5")]),
        )  # fmt: skip
        clients = write_csv(tmp_path / "clients.csv", CLIENT_HEADER, [
            ["1", "One", "Two-Keys", "", "one@example.com", "", "Active"],
            ["2", "Pending", "Client", "", "two@example.com", "", "Pending"],
            ["3", "No", "Email", "", "", "", "Active"],
            ["4", "Two", "Users", "", "four@example.com", "", "Closed"],
        ])  # fmt: skip
        one_note_two_keys = (
            "UserId: aaaa000000000001\nAWSAccessKeyId: aaaa000000000001KEY1\n"
            "AWSSecretAccessKey: s1\nAWSAccessKeyId: aaaa000000000001KEY2\nAWSSecretAccessKey: s2"
        )
        notes = write_csv(tmp_path / "notes.csv", NOTE_HEADER, [
            ["21", "1", one_note_two_keys],
            ["22", "1", "UserId: aaaa000000000001\nAWSSecretAccessKey: s1"],
            ["23", "1", "AWSAccessKeyId: aaaa000000000001KEY1\nAWSSecretAccessKey: s1"],
            ["24", "1", "UserId: aaaa000000000001\nAWSAccessKeyId: Oops pasted-secret-here"],
            ["25", "2", key_note("aaaa000000000002", "aaaa000000000002KEY1", "s3")],
            ["26", "3", key_note("aaaa000000000003", "aaaa000000000003KEY1", "s4")],
            ["27", "4", key_note("aaaa000000000004", "aaaa000000000004KEY1", "s5")],
            ["28", "4", key_note("aaaa000000000003", "aaaa000000000003KEY1", "s4")],
            ["29", "", key_note("aaaa000000000003", "aaaa000000000003KEY1", "s4")],
        ])  # fmt: skip

        output = run_import(clients, notes)

        lines = report_lines(output)
        assert lines["imported"][0].startswith(
            "client 1, note 21: S3 user aaaa000000000001 for new customer One Two-Keys"
        )
        assert lines["imported"][0].endswith("2 key pairs noted.")
        assert lines["skipped"] == [
            "note 22: its AWSAccessKeyId for S3 user aaaa000000000001 is missing or is not a "
            "key id.",
            "note 23: its UserId is missing or is not a gateway user id.",
            "note 24: its AWSAccessKeyId for S3 user aaaa000000000001 is missing or is not a "
            "key id.",
            "note 28: key aaaa000000000003KEY1 is in note 26 already.",
            "note 29: its client (none) is not in clients.csv.",
            "client 2, note 25: S3 user aaaa000000000002 was not imported: client 2 has the "
            "status 'Pending', not Active, Inactive, Closed or Fraud.",
            "client 3, note 26: S3 user aaaa000000000003 was not imported: client 3 has no email "
            "address.",
        ]
        assert "pasted-secret-here" not in output
        four = Customer.objects.get(email="four@example.com")
        assert four.status == "closed"
        assert "the customer is closed but the S3 user is enabled on the gateway" in output
        assert database_counts() == (2, 2, 3)

    def test_a_second_user_of_one_client_is_refused(self, tmp_path, seed_users, cluster):
        seed_users(
            SeededUser("bbbb000000000001", "first@example.com", [("bbbb000000000001KEY1", "s1")]),
            SeededUser("bbbb000000000002", "second@example.com", [("bbbb000000000002KEY1", "s2")]),
        )
        clients = write_csv(
            tmp_path / "clients.csv", CLIENT_HEADER,
            [["7", "Many", "Users", "", "first@example.com", "", "Active"]],
        )  # fmt: skip
        notes = write_csv(tmp_path / "notes.csv", NOTE_HEADER, [
            ["31", "7", key_note("bbbb000000000001", "bbbb000000000001KEY1", "s1")],
            ["32", "7", key_note("bbbb000000000002", "bbbb000000000002KEY1", "s2")],
        ])  # fmt: skip

        output = run_import(clients, notes)

        assert (
            "skipped    client 7, note 32: S3 user bbbb000000000002 was not imported: Many Users "
            "already has S3 user bbbb000000000001 on main, and a customer has one S3 user per "
            "cluster."
        ) in output
        assert list(S3Account.objects.values_list("user_id", flat=True)) == ["bbbb000000000001"]

    def test_a_file_without_the_needed_columns_is_an_error(self, tmp_path, cluster):
        notes = write_csv(tmp_path / "notes.csv", ["id", "userid", "text"], [["1", "1", "x"]])

        with pytest.raises(CommandError, match="notes.csv has no column 'note'"):
            run_import(SAMPLE / "tblclients.csv", notes)

        assert database_counts() == (0, 0, 0)

    def test_a_missing_file_is_an_error(self, tmp_path, cluster):
        with pytest.raises(CommandError, match="missing.csv cannot be read"):
            run_import(tmp_path / "missing.csv")

    def test_an_unknown_cluster_is_an_error(self, db):
        with pytest.raises(CommandError, match="There is no cluster 'main'"):
            run_import()
