"""Support's journey in a real browser: the top-bar search finds a customer, whose page,
bucket, usage report and plan support reads, offered nothing to change and shown no secret.

Each page's screen is kept under var/test-screenshots/.
"""

import re
from decimal import Decimal
from urllib.parse import urldefrag

import pytest
from django.urls import reverse

from staas_portal.customers import services as customer_services
from staas_portal.limits import services as limits_services
from staas_portal.limits.models import Plan
from tests.journeys.conftest import BUCKET

ACTIONS = re.compile(
    r"\b(Add|Edit|Delete|Provision|Generate|Revoke|Reveal|Suspend|Resume|Remove|Set|Apply|"
    r"Re-apply|Retry|Put on|Take off|Invite|Disable|Enable|Test|Adopt|Repair|Make default)\b",
    re.IGNORECASE,
)

# What a page offers to do beyond reading: every form that posts, every button outside
# a form that only reads (a GET form, or the sign-out form whose path is the argument),
# and every element that would send more than a GET through htmx; and its links.
OFFERS = """(signOut) => {
  const reads = (form) => form.method === "get" || new URL(form.action).pathname === signOut;
  return {
    posting: Array.from(document.forms).filter((form) => !reads(form))
      .map((form) => form.getAttribute("action") || "(this page)"),
    buttons: Array.from(document.querySelectorAll("button, [type=submit], [type=button]"))
      .filter((button) => !(button.form && reads(button.form)))
      .map((button) => button.textContent.trim() || button.value),
    htmx: Array.from(document.querySelectorAll("[hx-post], [hx-put], [hx-patch], [hx-delete]"))
      .map((element) => element.outerHTML.slice(0, 100)),
    links: Array.from(document.links).map((link) => [link.textContent.trim(), link.href]),
  };
}"""


@pytest.fixture
def on_business(admin_login, provisioned, used):
    """The customer in use, with a second key pair, on the plan Business: the second pair."""
    account, _ = provisioned
    second = customer_services.key_generate(actor=admin_login, account=account, label="backup")
    plan = Plan.objects.create(
        name="Business", ops_get=Decimal(3600), bandwidth_out=Decimal(1024), quota_gb=50
    )
    limits_services.plan_assign(actor=admin_login, customer=account.customer, plan=plan)
    return second


def link(page, name: str):
    return page.get_by_role("link", name=name, exact=True)


def test_support_finds_a_customer_and_reads_everything_with_nothing_to_change(
    browser_page, support_login, provisioned, own_login, on_business, gateway_emulator
):
    account, first = provisioned
    page = browser_page.page
    offered = {}

    browser_page.sign_in_with_form(support_login)
    offered["overview"] = visit(browser_page, "overview")
    page.fill("#topbar-search", "cME hOSt")
    page.press("#topbar-search", "Enter")
    offered["search"] = visit(browser_page, "search")
    found = page.inner_text("main"), page.inner_text("main mark")
    link(page, "Acme Hosting").click()
    offered["customer"] = visit(browser_page, "customer")
    customer_page = page.inner_text("main")
    link(page, BUCKET).click()
    offered["bucket"] = visit(browser_page, "bucket")
    bucket_page = page.inner_text("main")
    link(page, "Back to Acme Hosting").click()
    offered["customer-again"] = visit(browser_page, "customer-again")
    link(page, "Report by month").click()
    offered["usage-report"] = visit(browser_page, "usage-report")
    report_page = page.inner_text("main")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Plans").click()
    offered["plans"] = visit(browser_page, "plans")
    link(page, "Business").click()
    offered["plan"] = visit(browser_page, "plan")
    plan_page = page.inner_text("main")
    opened = open_every_link(page, offered)

    secrets = [first.secret_access_key, on_business.secret_access_key, gateway_emulator.secret_key]
    assert found[1] == "cme Host"
    assert "Name" in found[0] and "Acme Hosting" in found[0]
    assert "enabled" in customer_page
    assert on_business.note.access_key_id in customer_page
    assert BUCKET in customer_page and "3,600" in customer_page and "applied" in customer_page
    assert "cora" in customer_page
    assert f"S3 user {account.user_id}" in bucket_page
    assert "Size now\n4.9\N{NO-BREAK SPACE}KB" in bucket_page
    assert BUCKET in report_page
    assert "Acme Hosting" in plan_page and "50 GB" in plan_page
    assert {step: changes for step, changes in changes_offered(offered).items() if changes} == {}
    assert [text for text, _ in links_of(offered) if ACTIONS.search(text)] == []
    assert {url: status for url, status in opened.items() if status != 200} == {}
    assert [browser_page.steps_showing(secret) for secret in secrets] == [[], [], []]
    assert browser_page.errors == []


def visit(browser_page, step: str) -> dict[str, list]:
    """Keeps the settled page's screen; what it offers to do and where its links go."""
    browser_page.screenshot(step)
    return browser_page.page.evaluate(OFFERS, reverse("logout"))


def changes_offered(offered: dict) -> dict[str, list]:
    """Each page's forms that post, buttons that act, and htmx that sends."""
    return {
        step: page_offers["posting"] + page_offers["buttons"] + page_offers["htmx"]
        for step, page_offers in offered.items()
    }


def links_of(offered: dict) -> list[tuple[str, str]]:
    return [tuple(each) for page_offers in offered.values() for each in page_offers["links"]]


def open_every_link(page, offered: dict) -> dict[str, int]:
    """The status of each link of the pages seen, opened with support's session."""
    urls = {urldefrag(url).url for _, url in links_of(offered)}
    return {url: page.request.get(url, max_redirects=0).status for url in sorted(urls)}
