"""Usage through the API: a customer's month, and every customer's month for billing.

The figures are those of tests/usage/report_fixture.py, worked out there by hand.
"""

import pytest

from tests.usage.report_fixture import write_month

FIGURES_OF_ACME = {
    "requests_put": 23, "requests_get": 152, "requests_list": 8, "requests_other": 5,
    "requests_total": 188, "uploaded_gb": "10.000000", "downloaded_gb": "3.500000",
    "stored_gb_average": "7.666667", "stored_gb_peak": "8.000000",
    "stored_gb_months": "7.666667",
}  # fmt: skip


@pytest.fixture
def month(cluster):
    return write_month(cluster)


def test_a_customers_month_in_all_and_per_bucket(api, month):
    acme, _ = month

    answer = api.get(f"/api/v1/customers/{acme.pk}/usage/2026-11/")

    body = answer.json()
    assert answer.status_code == 200
    assert (body["customer_id"], body["month"]) == (acme.pk, "2026-11")
    assert body["totals"] == FIGURES_OF_ACME
    assert [(line["s3_user_id"], line["bucket"]) for line in body["buckets"]] == [
        ("acme", "logs"), ("acme", "photos"), ("acme-old", "archive"),
    ]  # fmt: skip
    photos = body["buckets"][1]["figures"]
    assert (photos["requests_total"], photos["stored_gb_months"]) == (171, "5.333333")


def test_the_monthly_export_has_a_line_per_customer(read_token, month):
    from tests.api.conftest import ApiClient

    answer = ApiClient(read_token.text).get("/api/v1/usage/2026-11/")

    body = answer.json()
    assert answer.status_code == 200
    assert body["count"] == 2
    acme, beta = body["results"]
    assert (acme["customer"], sorted(acme["s3_users"])) == (
        "Acme Hosting", ["main/acme", "main/acme-old"],
    )  # fmt: skip
    assert acme["figures"] == FIGURES_OF_ACME
    assert (beta["customer"], beta["figures"]["stored_gb_months"]) == ("Beta Books", "3.000000")


def test_the_monthly_export_sums_each_page_for_its_own_customers(api, month):
    acme, beta = month

    first = api.get("/api/v1/usage/2026-11/?page_size=1").json()
    second = api.get("/api/v1/usage/2026-11/?page_size=1&page=2").json()

    assert (first["count"], second["count"]) == (2, 2)
    assert [line["customer_id"] for line in first["results"]] == [acme.pk]
    assert first["results"][0]["figures"] == FIGURES_OF_ACME
    assert [line["customer_id"] for line in second["results"]] == [beta.pk]
    assert second["results"][0]["figures"]["stored_gb_months"] == "3.000000"


@pytest.mark.parametrize(
    ("month_text", "detail"),
    [("2026-13", "Enter a month as YYYY-MM"), ("2999-01", "has not begun yet"),
     ("last", "Enter a month as YYYY-MM")],
)  # fmt: skip
def test_a_bad_month_is_a_problem_naming_the_field(api, month, month_text, detail):
    acme, _ = month

    answer = api.get(f"/api/v1/customers/{acme.pk}/usage/{month_text}/")

    assert answer.status_code == 400
    assert answer["Content-Type"] == "application/problem+json"
    (error,) = answer.json()["errors"]
    assert error["field"] == "month"
    assert detail in error["detail"]


def test_another_customer_id_is_not_found(api, month):
    answer = api.get("/api/v1/customers/99999/usage/2026-11/")

    assert answer.status_code == 404
    assert answer["Content-Type"] == "application/problem+json"
