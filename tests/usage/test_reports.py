"""The report figures against the sums worked out by hand in report_fixture."""

from decimal import Decimal

import pytest

from staas_portal.usage import selectors
from staas_portal.usage.months import Month
from tests.usage.report_fixture import AFTER_NOVEMBER, MID_DECEMBER, NOVEMBER, write_month

pytestmark = pytest.mark.django_db


@pytest.fixture
def month(cluster):
    return write_month(cluster)


def figures_of(line) -> tuple:
    f = getattr(line, "figures", line)
    return (
        f.ops_put, f.ops_get, f.ops_list, f.ops_other, f.requests, f.gb_uploaded,
        f.gb_downloaded, f.gb_average, f.gb_peak, f.gb_months,
    )  # fmt: skip


def test_it_sums_a_customers_month_over_all_its_s3_users(month):
    acme, _ = month

    report = selectors.customer_month(acme, NOVEMBER, now=AFTER_NOVEMBER)

    assert figures_of(report.totals) == (
        23, 152, 8, 5, 188, Decimal("10.000000"), Decimal("3.500000"),
        Decimal("7.666667"), Decimal("8.000000"), Decimal("7.666667"),
    )  # fmt: skip


def test_it_breaks_a_customers_month_down_by_bucket(month):
    acme, _ = month

    report = selectors.customer_month(acme, NOVEMBER, now=AFTER_NOVEMBER)

    lines = {line.bucket: line for line in report.buckets}
    assert [(line.cluster, line.user_id, line.bucket) for line in report.buckets] == [
        ("main", "acme", "logs"),
        ("main", "acme", "photos"),
        ("main", "acme-old", "archive"),
    ]
    assert figures_of(lines["photos"]) == (
        15, 150, 5, 1, 171, Decimal("3.000000"), Decimal("0.500000"),
        Decimal("5.333333"), Decimal("6.000000"), Decimal("5.333333"),
    )  # fmt: skip
    assert figures_of(lines["logs"])[4:] == (
        10, Decimal("0.000000"), Decimal("3.000000"),
        Decimal("0.333333"), Decimal("1.000000"), Decimal("0.333333"),
    )  # fmt: skip
    assert figures_of(lines["archive"])[7:] == (
        Decimal("2.000000"), Decimal("2.000000"), Decimal("2.000000"),
    )  # fmt: skip


def test_it_averages_a_running_month_over_the_hours_gone_by(month):
    acme, _ = month

    report = selectors.customer_month(acme, Month(2026, 12), now=MID_DECEMBER)

    assert report.totals.gb_average == Decimal("8.000000")
    assert report.totals.gb_months == Decimal("2.580645")
    assert report.totals.gb_peak == Decimal("8.000000")


def test_it_gives_a_line_per_customer_and_leaves_unknown_users_out(month):
    lines = selectors.customers_month(NOVEMBER, now=AFTER_NOVEMBER)

    assert [line.customer.name for line in lines] == ["Acme Hosting", "Beta Books"]
    assert sorted(lines[0].accounts) == ["main/acme", "main/acme-old"]
    assert figures_of(lines[0]) == figures_of(
        selectors.customer_month(lines[0].customer, NOVEMBER, now=AFTER_NOVEMBER).totals
    )
    assert figures_of(lines[1])[4:] == (
        12, Decimal("1.000000"), Decimal("1.000000"),
        Decimal("3.000000"), Decimal("3.000000"), Decimal("3.000000"),
    )  # fmt: skip


def test_it_lists_every_customers_buckets_for_billing(month):
    lines = selectors.bucket_lines(NOVEMBER, now=AFTER_NOVEMBER)

    assert [(customer.name, line.bucket) for customer, line in lines] == [
        ("Acme Hosting", "archive"),
        ("Acme Hosting", "logs"),
        ("Acme Hosting", "photos"),
        ("Beta Books", "beta-data"),
    ]


def test_it_charts_each_day_of_the_month(month):
    acme, _ = month

    series = selectors.daily_series(
        NOVEMBER, now=AFTER_NOVEMBER, pairs=selectors.account_pairs(acme)
    )

    assert len(series["days"]) == 30
    assert series["days"][2] == "2026-11-03"
    assert series["requests"]["put"][2] == 15
    assert series["requests"]["get"][19] == 2
    assert series["gb"]["uploaded"][0] == 7.0
    assert series["gb"]["downloaded"][19] == 3.0
    assert series["gb_stored"] == [7.0] * 10 + [8.0] * 20


def test_it_charts_a_running_month_up_to_today(month):
    acme, _ = month

    series = selectors.daily_series(
        Month(2026, 12), now=MID_DECEMBER, pairs=selectors.account_pairs(acme)
    )

    assert len(series["days"]) == 31
    assert series["gb_stored"] == [8.0] * 10 + [0.0]
    assert series["requests"]["put"][0] == 1000
    assert len(series["gb"]["uploaded"]) == 11


def test_it_counts_nothing_for_a_customer_without_s3_users(db):
    from tests.portal_fixtures import make_customer

    nobody = make_customer("Nobody", "no@body.example")

    report = selectors.customer_month(nobody, NOVEMBER, now=AFTER_NOVEMBER)

    assert report.totals.requests == 0
    assert report.buckets == []
