"""The limits, quota and plan pages through the test client, with the emulator as gateway."""

from decimal import Decimal

import pytest
from django.urls import reverse

from staas_portal.jobs.models import Job
from staas_portal.limits import services
from staas_portal.limits.models import Plan, PlanAssignment
from tests.limits.gateway_reads import gateway_limits, gateway_quota

LIMITS_POST = {
    "ops_default": "0", "ops_get": "3600", "ops_put": "12.5", "ops_list": "0",
    "ops_delete": "0", "bandwidth_out": "100",
}  # fmt: skip


def url(name, account, *extra):
    return reverse(f"limits:{name}", args=[account.customer_id, account.pk, *extra])


def text_of(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def account(provisioned):
    return provisioned[0]


@pytest.fixture
def bucket(provisioned, gateway_emulator):
    _, first = provisioned
    s3 = gateway_emulator.s3_client(first.note.access_key_id, first.secret_access_key)
    s3.create_bucket(Bucket="photos")
    s3.put_object(Bucket="photos", Key="a", Body=b"x" * 2048)
    return "photos"


@pytest.fixture
def plan(db):
    return Plan.objects.create(name="Starter", ops_get=Decimal("100"), quota_gb=10)


class TestLimitsPanel:
    def test_it_shows_units_and_unlimited(self, client, admin_login, account):
        services.user_limits_set(
            actor=admin_login, account=account,
            values=services.LimitValues(ops_get=Decimal("3600"), bandwidth_out=Decimal("100")),
        )  # fmt: skip
        client.force_login(admin_login)

        response = client.get(url("account_limits", account), headers={"HX-Request": "true"})

        page = " ".join(text_of(response).split())
        assert "<td>GET operations</td> <td>3,600</td> <td>ops/s</td>" in page
        assert "<td>Outgoing bandwidth</td> <td>100</td> <td>kb/s</td>" in page
        assert "<td>PUT operations</td> <td>unlimited</td>" in page
        assert "Edit limits" in page

    def test_support_reads_without_actions(self, client, support_login, account):
        client.force_login(support_login)

        response = client.get(url("account_limits", account))

        assert response.status_code == 200
        assert "unlimited" in text_of(response)
        for action in ("Edit limits", "Set quota", "Remove"):
            assert action not in text_of(response)

    def test_the_quota_shows_beside_usage_as_a_bar(self, client, admin_login, account, bucket):
        services.quota_set(actor=admin_login, account=account, size_gb=1)
        client.force_login(admin_login)

        response = client.get(url("account_limits", account))

        assert response.context["reading"].quota.used_bytes == 2048
        assert "<strong>1 GB</strong>" in text_of(response)
        assert '<progress class="quota-bar" max="100"' in text_of(response)

    def test_a_gateway_without_quotas_says_so(self, client, admin_login, account,
                                              gateway_emulator):  # fmt: skip
        gateway_emulator.set_features(quotas=False)
        client.force_login(admin_login)

        response = client.get(url("account_limits", account))

        assert "this gateway has no <code>ostor-quotas</code> service" in text_of(response)
        assert "Set quota" not in text_of(response)

    def test_a_failing_gateway_fails_the_panel_only(self, client, admin_login, account,
                                                    gateway_emulator):  # fmt: skip
        gateway_emulator.set_faults(fail_every=1)
        client.force_login(admin_login)

        response = client.get(url("account_limits", account))

        assert response.status_code == 200
        assert "Could not read the limits from the gateway." in text_of(response)


class TestLimitsForm:
    def test_it_starts_from_the_gateways_values(self, client, admin_login, account):
        services.user_limits_set(
            actor=admin_login, account=account,
            values=services.LimitValues(ops_list=Decimal("7")),
        )  # fmt: skip
        client.force_login(admin_login)

        response = client.get(url("limits_edit", account))

        assert response.context["form"]["ops_list"].value() == "7"
        assert 'name="ops_list" value="7"' in text_of(response)

    def test_valid_values_go_to_the_gateway(self, client, admin_login, account,
                                            gateway_emulator):  # fmt: skip
        client.force_login(admin_login)

        response = client.post(url("limits_edit", account), LIMITS_POST, follow=True)

        assert messages_of(response) == [
            f"Limits of S3 user {account.user_id} of Acme Hosting set."
        ]
        limits = gateway_limits(gateway_emulator, email=account.gateway_email)
        assert (limits["ops:get"], limits["ops:put"]) == (Decimal(3600), Decimal("12.5"))

    @pytest.mark.parametrize(
        ("field", "typed", "error"),
        [
            ("ops_get", "-5", "A limit cannot be negative; 0 means unlimited."),
            ("ops_put", "1.234", "At most two decimals: the gateway keeps no more."),
            ("bandwidth_out", "10.5", "A whole number of kb/s: the gateway keeps no fractions."),
            ("ops_list", "lots", "Enter a number, such as 100 or 12.5."),
            ("ops_delete", "", "Enter a value; 0 means unlimited."),
            ("ops_default", "2000000", "At most 1,000,000 ops/s."),
        ],
    )
    def test_a_bad_value_is_named_and_kept_and_nothing_is_sent(
        self, client, admin_login, account, gateway_emulator, field, typed, error
    ):
        client.force_login(admin_login)

        response = client.post(url("limits_edit", account), {**LIMITS_POST, field: typed})

        assert response.status_code == 200
        assert response.context["form"].errors == {field: [error]}
        assert f'value="{typed}"' in text_of(response) or typed == ""
        assert gateway_limits(gateway_emulator, email=account.gateway_email)["ops:get"] == 0

    def test_removing_asks_first_naming_the_customer(self, client, admin_login, account,
                                                     gateway_emulator):  # fmt: skip
        services.user_limits_set(
            actor=admin_login, account=account,
            values=services.LimitValues(ops_get=Decimal("1")),
        )  # fmt: skip
        client.force_login(admin_login)

        asked = client.get(url("limits_delete", account))
        client.post(url("limits_delete", account))

        assert "Remove the limits of Acme Hosting" in text_of(asked)
        assert gateway_limits(gateway_emulator, email=account.gateway_email)["ops:get"] == 0


class TestQuotaForm:
    def test_it_sets_the_quota(self, client, admin_login, account, gateway_emulator):
        client.force_login(admin_login)

        response = client.post(url("quota_edit", account), {"size_gb": "25"}, follow=True)

        assert gateway_quota(gateway_emulator, email=account.gateway_email) == 25
        assert messages_of(response)[0].endswith("set to 25 GB.")

    @pytest.mark.parametrize(
        ("typed", "error"),
        [
            ("-1", "A quota cannot be negative; 0 means unlimited."),
            ("2.5", "Enter a whole number of GB, such as 50."),
            ("99999999", "At most 10,000,000 GB."),
        ],
    )
    def test_a_bad_size_is_refused_by_the_form(self, client, admin_login, account, typed, error):
        client.force_login(admin_login)

        response = client.post(url("quota_edit", account), {"size_gb": typed})

        assert response.context["form"].errors == {"size_gb": [error]}

    def test_a_gateway_without_quotas_is_reported(self, client, admin_login, account,
                                                  gateway_emulator):  # fmt: skip
        gateway_emulator.set_features(quotas=False)
        client.force_login(admin_login)

        response = client.post(url("quota_edit", account), {"size_gb": "5"}, follow=True)

        (message,) = messages_of(response)
        assert message.startswith("Setting the quota of S3 user")
        assert "no storage quotas" in message


class TestBucketPage:
    def test_it_shows_the_buckets_limits_and_quota(self, client, support_login, account, bucket):
        client.force_login(support_login)

        response = client.get(url("bucket_detail", account, bucket))

        assert response.status_code == 200
        assert "<dt>Size now</dt><dd>2.0\xa0KB</dd>" in text_of(response)
        assert "Edit limits" not in text_of(response)

    def test_an_admin_sets_the_buckets_limits(self, client, admin_login, account, bucket,
                                              gateway_emulator):  # fmt: skip
        client.force_login(admin_login)

        response = client.post(url("bucket_limits_edit", account, bucket), LIMITS_POST)

        assert response["Location"] == url("bucket_detail", account, bucket)
        assert gateway_limits(gateway_emulator, bucket=bucket)["ops:get"] == Decimal(3600)

    def test_a_bucket_of_someone_else_is_refused(self, client, admin_login, account,
                                                 gateway_emulator):  # fmt: skip
        stranger = gateway_emulator.create_customer("stranger@example.com")
        s3 = gateway_emulator.s3_client(stranger.access_key, stranger.secret_key)
        s3.create_bucket(Bucket="theirs")
        client.force_login(admin_login)

        shown = client.get(url("bucket_detail", account, "theirs"))
        posted = client.post(url("bucket_limits_edit", account, "theirs"), LIMITS_POST,
                             follow=True)  # fmt: skip

        assert "Acme Hosting has no bucket named &#x27;theirs&#x27;" in text_of(shown)
        assert "has no bucket named 'theirs'" in messages_of(posted)[-1]
        assert gateway_limits(gateway_emulator, bucket="theirs")["ops:get"] == 0


class TestPlanPages:
    def test_an_admin_adds_a_plan(self, client, admin_login):
        client.force_login(admin_login)

        response = client.post(
            reverse("limits:plan_create"),
            {"name": "  Business  Plus ", "description": "", **LIMITS_POST, "quota_gb": "100"},
        )

        plan = Plan.objects.get()
        assert response["Location"] == reverse("limits:plan_detail", args=[plan.pk])
        assert (plan.name, plan.ops_put, plan.quota_gb) == ("Business Plus", Decimal("12.5"), 100)

    def test_the_edit_form_takes_back_what_it_shows(self, client, admin_login, plan):
        plan.bandwidth_out = Decimal("2048")
        plan.save()
        client.force_login(admin_login)

        shown = client.get(reverse("limits:plan_edit", args=[plan.pk]))
        form = shown.context["form"]
        posted = client.post(
            reverse("limits:plan_edit", args=[plan.pk]),
            {name: form[name].value() for name in form.fields if form[name].value() is not None},
        )

        assert 'name="bandwidth_out" value="2048"' in text_of(shown)
        assert posted.status_code == 302

    def test_a_duplicate_name_is_refused_by_field(self, client, admin_login, plan):
        client.force_login(admin_login)

        response = client.post(
            reverse("limits:plan_create"), {"name": "Starter", **LIMITS_POST, "quota_gb": "1"}
        )

        assert response.context["form"].errors == {"name": ["Another plan already has this name."]}

    def test_the_list_shows_terms_and_customer_counts(self, client, support_login, plan,
                                                      customer):  # fmt: skip
        PlanAssignment.objects.create(customer=customer, plan=plan)
        client.force_login(support_login)

        response = client.get(reverse("limits:plan_list"))

        assert [p.customer_count for p in response.context["plans"]] == [1]
        assert "10 GB" in text_of(response)
        assert "Add a plan" not in text_of(response)

    def test_assigning_applies_and_the_customer_page_shows_it(
        self, client, admin_login, account, plan, gateway_emulator
    ):
        client.force_login(admin_login)

        response = client.post(
            reverse("limits:plan_assign", args=[account.customer_id]), {"plan": plan.pk},
            follow=True,
        )  # fmt: skip
        panel = client.get(reverse("limits:customer_plan", args=[account.customer_id]))

        assert messages_of(response)[0].startswith("Acme Hosting is on the plan Starter.")
        assert gateway_quota(gateway_emulator, email=account.gateway_email) == 10
        assert "applied" in text_of(panel) and "not applied" not in text_of(panel)

    def test_editing_terms_goes_to_the_job_and_a_failed_job_offers_a_retry(
        self, client, admin_login, account, plan, gateway_emulator,
        django_capture_on_commit_callbacks, tasks_inline,
    ):  # fmt: skip
        services.plan_assign(actor=admin_login, customer=account.customer, plan=plan)
        client.force_login(admin_login)
        gateway_emulator.set_faults(fail_every=1)

        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("limits:plan_edit", args=[plan.pk]),
                {"name": "Starter", **LIMITS_POST, "quota_gb": "10"},
            )
        job = Job.objects.get()
        job_page = client.get(response["Location"])
        gateway_emulator.clear_faults()
        with django_capture_on_commit_callbacks(execute=True):
            retried = client.post(reverse("limits:plan_job_retry", args=[job.pk]))

        assert response["Location"] == reverse("jobs:detail", args=[job.pk])
        assert "Retry the customers that failed" in text_of(job_page)
        retry = Job.objects.exclude(pk=job.pk).get()
        assert retried["Location"] == reverse("jobs:detail", args=[retry.pk])
        assert retry.state == Job.State.SUCCEEDED
        assert gateway_limits(gateway_emulator, email=account.gateway_email)["ops:get"] == 3600

    def test_deleting_a_plan_in_use_is_refused_with_a_message(self, client, admin_login,
                                                              customer, plan):  # fmt: skip
        PlanAssignment.objects.create(customer=customer, plan=plan)
        client.force_login(admin_login)

        response = client.post(reverse("limits:plan_delete", args=[plan.pk]), follow=True)

        assert "1 customer(s) are on the plan Starter" in messages_of(response)[0]
        assert Plan.objects.exists()
