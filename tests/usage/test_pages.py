"""The usage pages and the billing export, through the test client."""

import csv
import io
import re

import pytest
from django.test import Client
from django.urls import reverse

from staas_portal.audit.models import AuditEvent
from staas_portal.customers.models import S3Account
from staas_portal.usage import services
from tests.portal_fixtures import make_customer
from tests.usage.report_fixture import at, counters, write_month
from tests.usage.statistics import generate, listed_names

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return response.content.decode()


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


@pytest.fixture
def month(cluster):
    return write_month(cluster)


class TestOverview:
    def test_it_shows_every_customers_month_to_support(self, client, support_login, month):
        client.force_login(support_login)

        response = client.get(reverse("usage:overview"), {"month": "2026-11"})

        page = text_of(response)
        assert response.status_code == 200
        assert "Usage, November 2026" in page
        assert [line.customer.name for line in response.context["lines"]] == [
            "Acme Hosting",
            "Beta Books",
        ]
        assert "7.667" in page

    def test_it_pages_customers_with_each_pages_own_figures(
        self, client, admin_login, cluster, month
    ):
        for number in range(25):
            zed = make_customer(f"Zed {number:02}", f"zed{number}@zed.example")
            S3Account.objects.create(
                customer=zed, cluster=cluster, user_id=f"zed{number}", gateway_email="z@x"
            )
        counters(cluster, "zed24", "films", at(5), 1, 2, 3, 4, 0, 0)
        client.force_login(admin_login)

        first = client.get(reverse("usage:overview"), {"month": "2026-11"})
        second = client.get(reverse("usage:overview"), {"month": "2026-11", "page": 2})

        first_names = [line.customer.name for line in first.context["lines"]]
        assert len(first_names) == 25
        assert first_names[:3] == ["Acme Hosting", "Beta Books", "Zed 00"]
        assert "Page 1 of 2 (27 in all)" in " ".join(text_of(first).split())
        assert [line.customer.name for line in second.context["lines"]] == ["Zed 23", "Zed 24"]
        assert [line.figures.requests for line in second.context["lines"]] == [0, 10]
        assert 'href="?month=2026-11&amp;page=1"' in text_of(second)

    @pytest.mark.parametrize(
        ("month", "error"),
        [
            ("2026-13", "Enter a month as YYYY-MM, for example 2026-11."),
            ("November", "Enter a month as YYYY-MM, for example 2026-11."),
            ("2999-01", "January 2999 has not begun yet."),
        ],
    )
    def test_it_refuses_a_bad_month_with_a_reason(self, client, admin_login, db, month, error):
        client.force_login(admin_login)

        response = client.get(reverse("usage:overview"), {"month": month})

        assert response.status_code == 400
        assert error in text_of(response)

    def test_it_shows_the_last_harvest_of_each_cluster(
        self, client, admin_login, cluster, gateway_emulator
    ):
        generate(gateway_emulator, objects=2, items=3)
        services.usage_harvest(cluster=cluster)
        client.force_login(admin_login)

        response = client.get(reverse("usage:overview"))

        run = response.context["runs"][0]
        assert (run.cluster.name, run.harvested, run.items, run.deleted) == ("main", 2, 6, 2)


class TestExport:
    def test_it_exports_one_row_per_customer_with_units_in_the_header(
        self, client, support_login, month
    ):
        client.force_login(support_login)

        response = client.get(reverse("usage:export_customers"), {"month": "2026-11"})

        rows = csv_rows(response)
        assert response["Content-Type"] == "text/csv"
        assert "usage-customers-2026-11.csv" in response["Content-Disposition"]
        assert [row["customer"] for row in rows] == ["Acme Hosting", "Beta Books"]
        assert {key: rows[0][key] for key in list(rows[0])[5:]} == {
            "requests_put": "23",
            "requests_get": "152",
            "requests_list": "8",
            "requests_other": "5",
            "requests_total": "188",
            "uploaded_gb": "10.000000",
            "downloaded_gb": "3.500000",
            "stored_gb_average": "7.666667",
            "stored_gb_peak": "8.000000",
            "stored_gb_months": "7.666667",
        }
        assert rows[0]["s3_users"] == "main/acme main/acme-old"

    def test_it_exports_the_buckets_in_a_file_of_their_own(self, client, admin_login, month):
        client.force_login(admin_login)

        response = client.get(reverse("usage:export_buckets"), {"month": "2026-11"})

        rows = csv_rows(response)
        assert [(row["customer"], row["s3_user_id"], row["bucket"]) for row in rows] == [
            ("Acme Hosting", "acme-old", "archive"),
            ("Acme Hosting", "acme", "logs"),
            ("Acme Hosting", "acme", "photos"),
            ("Beta Books", "beta", "beta-data"),
        ]
        assert (rows[2]["requests_total"], rows[2]["stored_gb_months"]) == ("171", "5.333333")

    def test_it_refuses_a_bad_month(self, client, admin_login, db):
        client.force_login(admin_login)

        response = client.get(reverse("usage:export_customers"), {"month": "2026-1"})

        assert response.status_code == 400
        assert "Enter a month as YYYY-MM" in text_of(response)

    def test_it_keeps_a_customer_name_from_running_as_a_formula(self, client, admin_login, month):
        acme, _ = month
        acme.name = "=HYPERLINK(1)"
        acme.save()
        client.force_login(admin_login)

        response = client.get(reverse("usage:export_customers"), {"month": "2026-11"})

        assert "'=HYPERLINK(1)" in [row["customer"] for row in csv_rows(response)]


class TestCustomerReport:
    def test_it_shows_the_month_and_each_bucket(self, client, support_login, month):
        acme, _ = month
        client.force_login(support_login)

        response = client.get(reverse("usage:customer", args=[acme.pk]), {"month": "2026-11"})

        page = text_of(response)
        assert response.status_code == 200
        assert [line.bucket for line in response.context["report"].buckets] == [
            "logs",
            "photos",
            "archive",
        ]
        assert "5.333" in page
        assert f'id="usage-chart-data-{acme.pk}"' in page

    def test_its_scripts_are_files_or_data_never_inline_code(self, client, admin_login, month):
        acme, _ = month
        client.force_login(admin_login)

        page = text_of(client.get(reverse("usage:customer", args=[acme.pk])))

        scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, flags=re.DOTALL)
        assert scripts
        for attributes, body in scripts:
            assert "src=" in attributes or 'type="application/json"' in attributes
            assert "src=" not in attributes or not body.strip()
        assert "cdn" not in page.lower()
        assert "onclick=" not in page.lower()

    def test_the_customer_page_loads_the_current_month_in_a_panel(
        self, client, admin_login, month
    ):
        acme, _ = month
        client.force_login(admin_login)

        page = text_of(client.get(reverse("customers:detail", args=[acme.pk])))
        panel = client.get(reverse("usage:customer_panel", args=[acme.pk]))

        assert reverse("usage:customer_panel", args=[acme.pk]) in page
        assert "vendor/chartjs/chart.umd.min.js" in page
        assert panel.status_code == 200
        assert 'data-chart="storage"' in text_of(panel)


class TestStatisticsObjects:
    @pytest.fixture
    def names(self, gateway_emulator):
        return generate(gateway_emulator, objects=2, items=2, user_ids=["feedface00000001"])

    def test_it_lists_the_objects_and_whether_they_were_harvested(
        self, client, admin_login, cluster, names
    ):
        client.force_login(admin_login)

        response = client.get(reverse("usage:objects"))

        listed = response.context["page"].objects
        assert [entry.name for entry in listed] == sorted(names)
        assert "not harvested" in text_of(response)

    def test_it_pages_where_the_gateway_pages(
        self, client, admin_login, cluster, gateway_emulator
    ):
        names = sorted(generate(gateway_emulator, objects=60, items=1))
        client.force_login(admin_login)

        first = client.get(reverse("usage:objects"))
        second = client.get(reverse("usage:objects"), {"after": first.context["page"].next_after})

        assert len(first.context["page"].objects) == 50
        assert [entry.name for entry in second.context["page"].objects] == names[50:]
        assert second.context["page"].next_after is None

    def test_it_shows_one_object_with_its_user_ids_and_customers(
        self, client, admin_login, cluster, provisioned, gateway_emulator
    ):
        account, _ = provisioned
        name = generate(gateway_emulator, objects=1, items=2, user_ids=[account.user_id])[0]
        client.force_login(admin_login)

        response = client.get(reverse("usage:object", args=[cluster.name, name]))

        page = text_of(response)
        assert [item.user_id for item, _ in response.context["rows"]] == [account.user_id] * 2
        assert f"<code>{account.user_id}</code>" in page
        assert account.customer.name in page

    def test_an_unknown_object_is_a_404(self, client, admin_login, cluster):
        client.force_login(admin_login)

        response = client.get(reverse("usage:object", args=[cluster.name, "s3-usage-nothing"]))

        assert response.status_code == 404

    def test_deleting_an_unharvested_object_warns_that_its_usage_is_lost(
        self, client, admin_login, cluster, names
    ):
        client.force_login(admin_login)

        response = client.get(reverse("usage:object_delete", args=[cluster.name, names[0]]))

        page = text_of(response)
        assert names[0] in page
        assert "It has not been harvested: deleting it loses its usage for good" in page

    def test_an_admin_deletes_an_object_and_the_audit_log_says_so(
        self, client, admin_login, cluster, names, gateway_emulator
    ):
        client.force_login(admin_login)

        response = client.post(reverse("usage:object_delete", args=[cluster.name, names[0]]))

        event = AuditEvent.objects.get(action="usage.object_delete")
        assert response.status_code == 302
        assert listed_names(gateway_emulator) == [names[1]]
        assert (event.outcome, event.parameters["object"]) == ("success", names[0])
        assert event.parameters["harvested"] is False

    def test_support_cannot_delete_an_object(
        self, client, support_login, cluster, names, gateway_emulator
    ):
        client.force_login(support_login)

        response = client.post(reverse("usage:object_delete", args=[cluster.name, names[0]]))

        assert response.status_code == 403
        assert sorted(listed_names(gateway_emulator)) == sorted(names)

    def test_a_delete_without_the_csrf_token_is_refused(
        self, admin_login, cluster, names, gateway_emulator
    ):
        strict = Client(enforce_csrf_checks=True)
        strict.force_login(admin_login)

        response = strict.post(
            reverse("usage:object_delete", args=[cluster.name, names[0]]), secure=True
        )

        assert response.status_code == 403
        assert sorted(listed_names(gateway_emulator)) == sorted(names)

    def test_the_service_refuses_support_too(self, support_login, cluster, names):
        from django.core.exceptions import PermissionDenied

        with pytest.raises(PermissionDenied):
            services.statistics_object_delete(actor=support_login, cluster=cluster, name=names[0])

        assert AuditEvent.objects.get(action="usage.object_delete").outcome == "refused"
