"""Adopting S3 users the portal does not know: the service, the page and the command."""

from io import StringIO

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from staas_portal.audit.models import AuditEvent, Outcome
from staas_portal.customers import adoption
from staas_portal.customers.models import Customer, KeyPairNote, S3Account


def adopt(actor, cluster, user_ids=None, **options):
    return adoption.users_adopt(actor=actor, cluster=cluster, user_ids=user_ids, **options)


def disable(emulator, email):
    answer = emulator.admin(
        "POST", [("ostor-users", None), ("emailAddress", email), ("disable", None)]
    )
    assert answer.status == 200


@pytest.fixture
def strangers(gateway_emulator, cluster):
    """Two S3 users made on the gateway, not through the portal."""
    return (
        gateway_emulator.create_customer("ben.okafor@example.net"),
        gateway_emulator.create_customer("Ops@Acme.example"),
    )


class TestUnknownUsers:
    def test_it_lists_users_without_a_live_account_but_not_system_users(
        self, admin_login, provisioned, strangers, cluster, customer
    ):
        ben, acme = strangers

        unknown = adoption.unknown_users(actor=admin_login, cluster=cluster)

        assert [user.user_id for user in unknown] == [ben.user_id, acme.user_id]
        assert [user.state for user in unknown] == ["enabled", "enabled"]

    def test_it_matches_customers_by_email_whatever_the_case(
        self, admin_login, strangers, cluster, customer
    ):
        unknown = adoption.unknown_users(actor=admin_login, cluster=cluster)

        assert {user.email: user.customer for user in unknown} == {
            "ben.okafor@example.net": None,
            "Ops@Acme.example": customer,
        }

    def test_it_is_for_admins_only(self, support_login, cluster):
        with pytest.raises(PermissionDenied):
            adoption.unknown_users(actor=support_login, cluster=cluster)


class TestAdopt:
    def test_a_user_with_no_customer_gets_a_new_one_named_after_the_email(
        self, admin_login, strangers, cluster
    ):
        ben, _ = strangers

        [outcome] = adopt(admin_login, cluster, [ben.user_id])

        assert outcome.adopted and outcome.new_customer
        customer = Customer.objects.get(email="ben.okafor@example.net")
        assert (customer.name, customer.status) == ("Ben Okafor", "active")
        account = customer.accounts.get()
        assert (account.cluster, account.user_id, account.state) == (
            cluster,
            ben.user_id,
            "enabled",
        )
        note = account.key_notes.get()
        assert note.access_key_id == ben.access_key
        assert note.secret_key() == ben.secret_key
        assert ben.secret_key not in note.secret_ciphertext
        assert note.created_by == admin_login
        assert outcome.text == (
            f"S3 user {ben.user_id} (ben.okafor@example.net) adopted by new customer "
            f"Ben Okafor (#{customer.pk}), 1 key pair noted."
        )

    def test_a_user_goes_to_the_customer_with_its_email(
        self, admin_login, strangers, cluster, customer
    ):
        _, acme = strangers

        [outcome] = adopt(admin_login, cluster, [acme.user_id])

        assert outcome.adopted and not outcome.new_customer
        assert customer.accounts.get().user_id == acme.user_id
        assert Customer.objects.count() == 1

    def test_the_state_and_every_key_pair_come_from_the_gateway(
        self, admin_login, strangers, cluster, gateway_emulator
    ):
        ben, _ = strangers
        second = gateway_emulator.admin(
            "POST", [("ostor-users", None), ("emailAddress", ben.email), ("genKey", None)]
        ).json()["AWSAccessKeys"][0]
        disable(gateway_emulator, ben.email)

        adopt(admin_login, cluster, [ben.user_id])

        account = S3Account.objects.get(user_id=ben.user_id)
        assert account.state == "disabled"
        assert account.customer.status == "suspended"
        secrets = {note.access_key_id: note.secret_key() for note in account.key_notes.all()}
        assert secrets == {
            ben.access_key: ben.secret_key,
            second["AWSAccessKeyId"]: second["AWSSecretAccessKey"],
        }

    def test_a_customer_with_an_account_on_the_cluster_is_not_given_a_second(
        self, admin_login, provisioned, cluster, gateway_emulator, customer
    ):
        other = gateway_emulator.create_customer(customer.email.upper())

        [outcome] = adopt(admin_login, cluster, [other.user_id])

        assert not outcome.adopted
        assert "already has S3 user" in outcome.text
        assert "one S3 user per cluster" in outcome.text
        assert not S3Account.objects.filter(user_id=other.user_id).exists()
        event = AuditEvent.objects.get(action="account.adopt")
        assert event.outcome == Outcome.REFUSED

    def test_users_it_cannot_take_are_named_with_the_reason(
        self, admin_login, provisioned, cluster, gateway_emulator
    ):
        account, _ = provisioned
        system_id = next(
            user["id"] for user in gateway_emulator.state()["users"].values() if user["flags"]
        )

        outcomes = adopt(admin_login, cluster, [account.user_id, system_id, "0123456789abcdef"])

        assert [outcome.adopted for outcome in outcomes] == [False, False, False]
        assert [outcome.text.split(": ", 1)[1] for outcome in outcomes] == [
            "it already belongs to Acme Hosting.",
            "it is a system user, which signs the portal's calls.",
            "cluster main does not list it.",
        ]

    def test_a_record_marked_deleted_comes_back_for_a_user_the_gateway_still_has(
        self, admin_login, provisioned, cluster, customer
    ):
        account, first = provisioned
        account.state = "deleted"
        account.save()
        account.key_notes.update(revoked_by_name="deleted with the S3 user")
        account.key_notes.update(revoked_at=account.created_at)

        [outcome] = adopt(admin_login, cluster, [account.user_id])

        assert outcome.adopted
        account.refresh_from_db()
        assert (account.state, account.deleted_at, account.customer) == ("enabled", None, customer)
        note = account.key_notes.get()
        assert note.is_active
        assert note.secret_key() == first.secret_access_key

    def test_one_failure_does_not_stop_the_others(
        self, admin_login, strangers, cluster, gateway_emulator
    ):
        ben, acme = strangers
        # The listing is call 1, the query of Ben call 2: it fails, the query of Acme passes.
        gateway_emulator.set_faults(fail_every=2)

        outcomes = adopt(admin_login, cluster, [ben.user_id, acme.user_id])

        assert [outcome.adopted for outcome in outcomes] == [False, True]
        assert "The gateway failed while handling the request" in outcomes[0].text
        assert list(S3Account.objects.values_list("user_id", flat=True)) == [acme.user_id]
        outcomes_on_record = AuditEvent.objects.filter(action="account.adopt").order_by("id")
        assert [event.outcome for event in outcomes_on_record] == [
            Outcome.FAILURE,
            Outcome.SUCCESS,
        ]

    def test_a_dry_run_saves_nothing(self, admin_login, strangers, cluster):
        outcomes = adopt(admin_login, cluster, None, dry_run=True)

        assert [outcome.adopted for outcome in outcomes] == [True, True]
        assert (Customer.objects.count(), S3Account.objects.count()) == (0, 0)
        assert KeyPairNote.objects.count() == 0
        assert not AuditEvent.objects.filter(action="account.adopt").exists()

    def test_every_adoption_is_audited_without_secrets(self, admin_login, strangers, cluster):
        ben, acme = strangers

        adopt(admin_login, cluster, [ben.user_id, acme.user_id])

        events = AuditEvent.objects.filter(action="account.adopt").order_by("id")
        assert [event.target for event in events] == [
            f"s3user:{ben.user_id}@main",
            f"s3user:{acme.user_id}@main",
        ]
        assert events[0].parameters["key_ids"] == [ben.access_key]
        assert events[0].parameters["new_customer"] is True
        assert ben.secret_key not in str(events[0].parameters)

    def test_support_may_not_adopt(self, support_login, strangers, cluster):
        with pytest.raises(PermissionDenied):
            adopt(support_login, cluster, None)

        assert not S3Account.objects.exists()


class TestPage:
    def test_it_lists_the_unknown_users_with_their_customer(
        self, client, admin_login, strangers, cluster, customer
    ):
        ben, acme = strangers
        client.force_login(admin_login)

        response = client.get("/clusters/main/adopt/")

        assert response.status_code == 200
        assert f'value="{ben.user_id}"'.encode() in response.content
        assert f'value="{acme.user_id}"'.encode() in response.content
        assert b"new customer" in response.content
        assert [user.customer for user in response.context["users"]] == [None, customer]
        assert b">Acme Hosting</a>" in response.content
        assert b"(same email)" in response.content
        assert ben.secret_key.encode() not in response.content

    def test_posting_adopts_the_chosen_users_and_reports_each(
        self, client, admin_login, strangers, cluster
    ):
        ben, acme = strangers
        client.force_login(admin_login)

        response = client.post("/clusters/main/adopt/", {"user_id": [ben.user_id]})

        assert response.status_code == 302
        assert response["Location"] == "/clusters/main/adopt/"
        [message] = get_messages(response.wsgi_request)
        assert message.level_tag == "success"
        assert f"S3 user {ben.user_id} (ben.okafor@example.net) adopted" in str(message)
        assert list(S3Account.objects.values_list("user_id", flat=True)) == [ben.user_id]

    def test_choosing_nobody_is_an_error(self, client, admin_login, strangers, cluster):
        client.force_login(admin_login)

        response = client.post("/clusters/main/adopt/", {}, follow=True)

        assert b"Choose at least one S3 user to adopt." in response.content
        assert not S3Account.objects.exists()

    def test_a_failing_gateway_shows_an_error_panel(
        self, client, admin_login, cluster, gateway_emulator
    ):
        gateway_emulator.set_faults(fail_every=1)
        client.force_login(admin_login)

        response = client.get("/clusters/main/adopt/")

        assert response.status_code == 200
        assert b"Could not list the S3 users." in response.content

    def test_a_failing_gateway_on_post_is_a_message(
        self, client, admin_login, strangers, cluster, gateway_emulator
    ):
        ben, _ = strangers
        gateway_emulator.set_faults(fail_every=1)
        client.force_login(admin_login)

        response = client.post("/clusters/main/adopt/", {"user_id": [ben.user_id]}, follow=True)

        assert b"Adopting the S3 users failed. The gateway failed" in response.content
        assert not S3Account.objects.exists()

    def test_when_everybody_is_known_it_says_so(self, client, admin_login, provisioned):
        client.force_login(admin_login)

        response = client.get("/clusters/main/adopt/")

        assert b"Every S3 user of main belongs to a customer in the portal." in response.content


class TestCommand:
    def run(self, *arguments):
        output = StringIO()
        call_command("adopt_users", *arguments, stdout=output)
        return output.getvalue()

    def test_all_adopts_every_unknown_user_and_sums_up(self, strangers, cluster):
        ben, acme = strangers

        output = self.run("--cluster", "main", "--all")

        lines = output.splitlines()
        assert lines[0].startswith(f"S3 user {ben.user_id} (ben.okafor@example.net) adopted")
        assert lines[1].startswith(f"S3 user {acme.user_id} (Ops@Acme.example) adopted")
        assert lines[-1] == "2 adopted, 0 not adopted."
        assert S3Account.objects.count() == 2
        assert ben.secret_key not in output
        assert AuditEvent.objects.filter(action="account.adopt", actor_name="system").count() == 2

    def test_named_users_only(self, strangers, cluster):
        ben, acme = strangers

        self.run("--cluster", "main", "--user-id", acme.user_id)

        assert list(S3Account.objects.values_list("user_id", flat=True)) == [acme.user_id]

    def test_a_user_that_cannot_be_adopted_exits_non_zero(self, strangers, cluster):
        ben, _ = strangers
        output = StringIO()

        with pytest.raises(CommandError, match="1 S3 user"):
            call_command(
                "adopt_users", "--cluster", "main", "--user-id", ben.user_id, "feedfacefeedface",
                stdout=output,
            )  # fmt: skip

        assert "S3 user feedfacefeedface was not adopted: cluster main does not list it." in (
            output.getvalue()
        )
        assert output.getvalue().splitlines()[-1] == "1 adopted, 1 not adopted."
        assert S3Account.objects.get().user_id == ben.user_id

    def test_a_dry_run_says_so_and_saves_nothing(self, strangers, cluster):
        output = self.run("--cluster", "main", "--all", "--dry-run")

        assert output.splitlines()[0] == "Dry run: nothing is saved."
        assert output.splitlines()[-1] == "2 adopted, 0 not adopted. (dry run)"
        assert not S3Account.objects.exists()

    def test_nothing_left_to_adopt(self, provisioned, cluster):
        output = self.run("--cluster", "main", "--all")

        assert output.strip() == "No S3 user of main is left to adopt."

    def test_an_unknown_cluster_is_an_error(self, db):
        with pytest.raises(CommandError, match="There is no cluster 'nowhere'"):
            self.run("--cluster", "nowhere", "--all")

    def test_a_failing_gateway_is_an_error(self, cluster, gateway_emulator):
        gateway_emulator.set_faults(fail_every=1)

        with pytest.raises(CommandError, match="Could not list the S3 users of main"):
            self.run("--cluster", "main", "--all")
