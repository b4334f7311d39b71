"""The daily charts in a real browser: drawn from the page's data, with the portal's own files."""

import pytest
from django.urls import reverse

from tests.usage.report_fixture import write_month

CHARTS = ("requests", "traffic", "storage")
DRAWN = """() => Array.from(document.querySelectorAll("[data-chart]")).map((canvas) => {
  const chart = Chart.getChart(canvas);
  return {
    kind: canvas.dataset.chart,
    datasets: chart ? chart.data.datasets.map((set) => [set.label, set.data]) : null,
    width: canvas.width,
  };
})"""


@pytest.fixture
def acme(cluster):
    return write_month(cluster)[0]


def test_the_report_page_draws_its_three_charts(browser_page, admin_login, acme):
    browser_page.sign_in(admin_login)

    browser_page.open(reverse("usage:customer", args=[acme.pk]) + "?month=2026-11")

    page = browser_page.page
    page.wait_for_function("() => window.Chart && Chart.getChart(document.querySelector("
                           "'[data-chart=storage]'))")  # fmt: skip
    drawn = {chart["kind"]: chart for chart in page.evaluate(DRAWN)}
    requests = dict(drawn["requests"]["datasets"])
    assert set(drawn) == set(CHARTS)
    assert all(chart["width"] > 0 for chart in drawn.values())
    assert requests["put"][2] == 15
    assert dict(drawn["traffic"]["datasets"])["downloaded"][19] == 3
    assert dict(drawn["storage"]["datasets"])["stored"] == [7] * 10 + [8] * 20
    assert browser_page.errors == []


def test_the_customer_page_draws_the_charts_of_the_panel_htmx_loads(
    browser_page, support_login, acme
):
    browser_page.sign_in(support_login)

    browser_page.open(reverse("customers:detail", args=[acme.pk]))

    page = browser_page.page
    page.wait_for_selector("#usage-heading")
    page.wait_for_function("() => window.Chart && document.querySelectorAll('[data-chart]')"
                           ".length === 3 && Array.from(document.querySelectorAll("
                           "'[data-chart]')).every((c) => Chart.getChart(c))")  # fmt: skip
    scripts = page.evaluate(
        "() => Array.from(document.scripts).filter((s) => s.src).map((s) => s.src)"
    )
    assert all(src.startswith(browser_page.base_url) for src in scripts)
    assert any(src.endswith("vendor/chartjs/chart.umd.min.js") for src in scripts)
    assert browser_page.errors == []
