"""The customer pages through the test client, with the emulator as the gateway."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from staas_portal.audit.models import AuditEvent
from staas_portal.customers import services
from staas_portal.customers.models import Customer, KeyPairNote, S3Account
from staas_portal.jobs.models import Job
from tests.portal_fixtures import make_customer


def detail_url(customer):
    return reverse("customers:detail", args=[customer.pk])


def account_url(name, account, *extra):
    return reverse(f"customers:{name}", args=[account.customer_id, account.pk, *extra])


def text_of(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


class TestList:
    @pytest.fixture
    def three(self, db):
        return [
            make_customer("Anna Kowalska", "anna@kowalska.example", company="Kowalska Foto"),
            make_customer("Ben Okafor", "ben@okafor.example", status="suspended"),
            make_customer("Chloé Martin", "chloe@martin.example", company="Atelier Martin"),
        ]

    def names(self, response):
        return [customer.name for customer in response.context["page_obj"]]

    def test_lists_every_customer_to_support(self, client, support_login, three):
        client.force_login(support_login)

        response = client.get(reverse("customers:list"))

        assert self.names(response) == ["Anna Kowalska", "Ben Okafor", "Chloé Martin"]
        assert "Add customer" not in text_of(response)

    @pytest.mark.parametrize(
        ("term", "expected"),
        [
            ("KOWAL", ["Anna Kowalska"]),
            ("atelier", ["Chloé Martin"]),
            ("okafor.ex", ["Ben Okafor"]),
        ],
    )
    def test_searches_name_company_and_email_in_any_case(
        self, client, admin_login, three, term, expected
    ):
        client.force_login(admin_login)

        response = client.get(reverse("customers:list"), {"q": term})

        assert self.names(response) == expected

    def test_searches_s3_user_ids_key_ids_and_bucket_names(
        self, client, admin_login, provisioned, gateway_emulator, three
    ):
        account, first = provisioned
        s3 = gateway_emulator.s3_client(first.note.access_key_id, first.secret_access_key)
        s3.create_bucket(Bucket="holiday-photos")
        services.account_buckets(actor=admin_login, account=account)
        client.force_login(admin_login)

        found = {
            term: self.names(client.get(reverse("customers:list"), {"q": term}))
            for term in (account.user_id[3:9], first.note.access_key_id.lower(), "HOLIDAY")
        }

        assert set(map(tuple, found.values())) == {(account.customer.name,)}

    def test_filters_by_status_and_cluster(self, client, admin_login, provisioned, three):
        client.force_login(admin_login)

        suspended = client.get(reverse("customers:list"), {"status": "suspended"})
        on_main = client.get(reverse("customers:list"), {"cluster": "main"})

        assert self.names(suspended) == ["Ben Okafor"]
        assert self.names(on_main) == ["Acme Hosting"]

    def test_pages_through_many_customers(self, client, admin_login):
        for number in range(30):
            make_customer(f"Customer {number:02}", f"c{number}@example.com")
        client.force_login(admin_login)

        second = client.get(reverse("customers:list"), {"page": 2})

        assert self.names(second) == [f"Customer {number:02}" for number in range(25, 30)]
        assert "Page 2 of 2" in text_of(second)

    def test_says_when_nothing_matches(self, client, admin_login, three):
        client.force_login(admin_login)

        response = client.get(reverse("customers:list"), {"q": "nobody"})

        assert "No customer matches this search." in text_of(response)


class TestCustomerForm:
    def test_adds_a_customer(self, client, admin_login):
        client.force_login(admin_login)

        response = client.post(
            reverse("customers:create"),
            {"name": "Dmitri Volkov", "email": "ops@volkov.example", "status": "active"},
        )

        customer = Customer.objects.get()
        assert response["Location"] == detail_url(customer)
        assert AuditEvent.objects.filter(action="customer.create", outcome="success").exists()

    def test_names_each_bad_field(self, client, admin_login, customer):
        client.force_login(admin_login)

        response = client.post(
            reverse("customers:create"),
            {"name": "", "email": customer.email.upper(), "status": "active"},
        )

        assert response.status_code == 200
        assert response.context["form"].errors == {
            "name": ["This field is required."],
            "email": ["Another customer already has this email address."],
        }
        assert Customer.objects.count() == 1

    def test_support_cannot_post(self, client, support_login, customer):
        client.force_login(support_login)

        response = client.post(
            reverse("customers:edit", args=[customer.pk]),
            {"name": "Changed", "email": customer.email, "status": "active"},
        )

        assert response.status_code == 403
        customer.refresh_from_db()
        assert customer.name == "Acme Hosting"

    def test_a_customer_with_an_s3_account_is_not_deleted(self, client, admin_login, provisioned):
        account, _ = provisioned
        client.force_login(admin_login)

        response = client.post(
            reverse("customers:delete", args=[account.customer_id]), follow=True
        )

        assert Customer.objects.filter(pk=account.customer_id).exists()
        assert "still has an S3 account" in " ".join(messages_of(response))


class TestProvisionAndKeys:
    def test_provision_shows_the_secret_once(self, client, admin_login, customer, cluster):
        client.force_login(admin_login)

        response = client.post(
            reverse("customers:provision", args=[customer.pk]), {"cluster": cluster.pk}
        )

        note = KeyPairNote.objects.get()
        secret = note.secret_key()
        assert secret in text_of(response)
        assert response["Cache-Control"] == "no-store"
        assert secret not in text_of(client.get(detail_url(customer)))

    def test_the_new_key_page_gives_the_endpoint_customers_use(self, client, admin_login,
                                                               customer, cluster):  # fmt: skip
        cluster.s3_endpoint = "https://s3.example.net/"
        cluster.save()
        client.force_login(admin_login)

        response = client.post(
            reverse("customers:provision", args=[customer.pk]), {"cluster": cluster.pk}
        )

        assert "<code>https://s3.example.net/</code>" in text_of(response)
        assert cluster.gateway_url not in text_of(response)

    def test_the_detail_page_shows_the_accounts_and_keys(self, client, admin_login, provisioned):
        account, first = provisioned
        client.force_login(admin_login)

        page = text_of(client.get(detail_url(account.customer)))
        live = text_of(client.get(account_url("account_live", account)))

        assert account.user_id in page and first.note.access_key_id in page
        assert "Generate key pair" in page and "Reveal secret" in page
        assert first.note.access_key_id in live and "Suspend" in live
        assert first.secret_access_key not in page + live

    def test_generate_then_revoke_through_the_pages(
        self, client, admin_login, provisioned, gateway_emulator
    ):
        account, first = provisioned
        client.force_login(admin_login)

        generated = client.post(account_url("key_generate", account), {"label": "backup"})
        second = account.key_notes.get(label="backup")
        confirmation = client.get(account_url("key_revoke", account, first.note.pk))
        revoked = client.post(account_url("key_revoke", account, first.note.pk), follow=True)

        assert second.secret_key() in text_of(generated)
        assert account.customer.name in text_of(confirmation)
        assert first.note.access_key_id in text_of(confirmation)
        assert messages_of(revoked) == [f"Key pair {first.note.access_key_id} revoked."]
        live = services.account_live(actor=admin_login, account=account)
        assert live.access_key_ids == (second.access_key_id,)

    def test_a_third_key_is_refused_with_a_message(self, client, admin_login, provisioned):
        account, _ = provisioned
        services.key_generate(actor=admin_login, account=account)
        client.force_login(admin_login)

        response = client.post(account_url("key_generate", account), follow=True)

        assert "already has 2 key pairs" in " ".join(messages_of(response))
        assert account.key_notes.count() == 2

    def test_reveal_needs_a_post_and_is_audited(self, client, admin_login, provisioned):
        account, first = provisioned
        client.force_login(admin_login)
        url = account_url("key_reveal", account, first.note.pk)

        asked = client.get(url)
        revealed = client.post(url)

        assert first.secret_access_key not in text_of(asked)
        assert first.secret_access_key in text_of(revealed)
        assert AuditEvent.objects.filter(action="key.reveal", actor_name="ada").count() == 1

    def test_an_id_from_another_customer_is_a_404(self, client, admin_login, provisioned):
        account, first = provisioned
        other = make_customer("Other", "other@example.com")
        client.force_login(admin_login)

        response = client.get(
            reverse("customers:key_reveal", args=[other.pk, account.pk, first.note.pk])
        )

        assert response.status_code == 404


class TestStatesAndDelete:
    def test_suspend_asks_first_then_suspends(
        self, client, admin_login, provisioned, gateway_emulator
    ):
        account, _ = provisioned
        client.force_login(admin_login)

        asked = client.get(account_url("account_suspend", account))
        untouched = services.account_live(actor=admin_login, account=account)
        done = client.post(account_url("account_suspend", account), follow=True)

        assert "Acme Hosting" in text_of(asked) and untouched.enabled
        assert messages_of(done) == [f"S3 user {account.user_id} suspended."]
        assert not services.account_live(actor=admin_login, account=account).enabled

    def test_a_failing_gateway_shows_its_error_in_the_panel(
        self, client, admin_login, provisioned, gateway_emulator
    ):
        account, _ = provisioned
        client.force_login(admin_login)
        gateway_emulator.set_faults(fail_every=1)

        page = client.get(detail_url(account.customer))
        panel = client.get(account_url("account_live", account))

        assert page.status_code == panel.status_code == 200
        assert "Could not read the S3 user from the gateway." in text_of(panel)

    def test_a_failed_suspend_quotes_the_gateway(
        self, client, admin_login, provisioned, gateway_emulator
    ):
        account, _ = provisioned
        client.force_login(admin_login)
        gateway_emulator.set_faults(fail_every=1)

        response = client.post(account_url("account_suspend", account), follow=True)

        (message,) = messages_of(response)
        assert message.startswith(f"Suspending the S3 user {account.user_id} failed.")
        account.refresh_from_db()
        assert account.state == S3Account.State.ENABLED

    def test_delete_lists_the_buckets_and_starts_the_job_when_asked(
        self,
        client,
        admin_login,
        provisioned,
        gateway_emulator,
        django_capture_on_commit_callbacks,
        tasks_inline,
    ):
        account, first = provisioned
        s3 = gateway_emulator.s3_client(first.note.access_key_id, first.secret_access_key)
        s3.create_bucket(Bucket="archive")
        client.force_login(admin_login)

        asked = client.get(account_url("account_delete", account))
        refused = client.post(account_url("account_delete", account), follow=True)
        with django_capture_on_commit_callbacks(execute=True):
            started = client.post(account_url("account_delete", account), {"delete_buckets": "on"})
        job_page = client.get(started["Location"])

        assert "archive" in text_of(asked)
        assert "owns 1 bucket(s): archive" in " ".join(messages_of(refused))
        job = Job.objects.get()
        assert started["Location"] == reverse("jobs:detail", args=[job.pk])
        assert job.state == Job.State.SUCCEEDED
        assert "bucket archive" in text_of(job_page)
        account.refresh_from_db()
        assert account.state == S3Account.State.DELETED


class TestSupportSeesNoActions:
    def test_no_action_buttons_and_no_secret(self, client, support_login, provisioned):
        account, first = provisioned
        client.force_login(support_login)

        page = text_of(client.get(detail_url(account.customer)))
        live = text_of(client.get(account_url("account_live", account)))

        labels = ("Generate key pair", "Reveal secret", "Revoke", "Suspend", "Delete", "Edit")
        shown = [
            label for label in labels if re.search(rf">\s*{label}[^<]*</(a|button)>", page + live)
        ]
        assert shown == []
        assert page.count('method="post"') == 1  # signing out
        assert account.user_id in page
        assert first.secret_access_key not in page + live

    def test_every_action_url_refuses_support(self, client, support_login, provisioned):
        account, first = provisioned
        client.force_login(support_login)
        urls = [
            account_url(name, account)
            for name in ("account_suspend", "account_resume", "account_delete", "key_generate")
        ] + [account_url(name, account, first.note.pk) for name in ("key_revoke", "key_reveal")]

        statuses = {url: client.post(url).status_code for url in urls}

        assert set(statuses.values()) == {403}


def test_the_customer_page_costs_the_same_queries_however_much_it_shows(
    client, admin_login, provisioned, gateway_emulator
):
    account, first = provisioned
    client.force_login(admin_login)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(detail_url(account.customer)).status_code == 200
        return len(captured)

    small = queries()
    services.key_generate(actor=admin_login, account=account)
    for _ in range(10):
        services.account_suspend(actor=admin_login, account=account)
        services.account_resume(actor=admin_login, account=account)
    s3 = gateway_emulator.s3_client(first.note.access_key_id, first.secret_access_key)
    for number in range(5):
        s3.create_bucket(Bucket=f"bucket-{number}")
    services.account_buckets(actor=admin_login, account=account)
    large = queries()

    assert small == large


def test_no_table_holds_a_secret_in_plain_text(
    client,
    admin_login,
    customer,
    cluster,
    gateway_emulator,
    django_capture_on_commit_callbacks,
    tasks_inline,
):
    client.force_login(admin_login)
    client.post(reverse("customers:provision", args=[customer.pk]), {"cluster": cluster.pk})
    account = S3Account.objects.get()
    client.post(account_url("key_generate", account), {"label": "second"})
    secrets = [note.secret_key() for note in KeyPairNote.objects.all()]
    first, second = KeyPairNote.objects.all()
    client.post(account_url("key_reveal", account, first.pk))
    client.post(account_url("key_revoke", account, first.pk))
    client.post(account_url("account_suspend", account))
    client.post(account_url("account_resume", account))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(account_url("account_delete", account), {"delete_buckets": "on"})

    dump = database_dump()

    secrets.append(gateway_emulator.secret_key)
    assert len(secrets) == 3 and all(len(secret) >= 20 for secret in secrets)
    assert [secret for secret in secrets if secret in dump] == []
    assert second.access_key_id in dump  # the dump does hold the notes themselves


def database_dump() -> str:
    """Every row of every table, as text."""
    lines = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            lines.extend(repr(row) for row in cursor.fetchall())
    return re.sub(r"\s+", " ", "\n".join(lines))
