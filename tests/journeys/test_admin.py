"""An admin's journey in a real browser: a customer added, their S3 user provisioned,
key pairs generated and revoked, limits set, a plan made and applied, and their usage read.

Each page's screen is kept under var/test-screenshots/.
"""

import re
from decimal import Decimal

from django.urls import reverse

from staas_portal.customers.models import Customer, KeyPairNote
from staas_portal.limits.models import Plan
from tests.customers.gateway_changes import gateway_key_ids
from tests.journeys.steps import drawn_charts, harvest_usage, use_bucket
from tests.limits.gateway_reads import gateway_limits, gateway_quota

EMAIL = "jo.bloggs@example.com"
ENDPOINT = "https://s3.example.net/"
BUCKET = "bloggs-backups"


def link(page, name: str):
    return page.get_by_role("link", name=name, exact=True)


def button(page, name: str):
    return page.get_by_role("button", name=name, exact=True)


def nav(page, name: str):
    return page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True)


def messages(page) -> str:
    return page.inner_text("ul.messages")


def new_pair(page) -> tuple[str, str]:
    """The access key id and secret of the page that answers a new key pair."""
    key = page.inner_text("dt:text-is('Access key id') + dd")
    return key, page.inner_text("code.secret")


def test_an_admin_takes_a_customer_from_sign_up_to_usage(browser_page, admin_login, cluster,
                                                          gateway_emulator):  # fmt: skip
    cluster.s3_endpoint = ENDPOINT
    cluster.save()
    browser_page.sign_in_with_form(admin_login)
    browser_page.screenshot("overview")
    customer = adds_a_customer(browser_page)
    account, first = provisions_the_s3_user(browser_page, customer, gateway_emulator)
    second = generates_a_second_key_and_is_refused_a_third(browser_page, account, gateway_emulator)
    revokes_the_first_key(browser_page, account, first, gateway_emulator)
    sets_the_user_limits(browser_page, account, gateway_emulator)
    plan = adds_the_business_plan(browser_page)
    puts_the_customer_on_the_plan(browser_page, customer, account, plan, gateway_emulator)
    reads_the_usage(browser_page, account, second, gateway_emulator)

    assert browser_page.steps_showing(first[1]) == ["new-secret"]
    assert browser_page.steps_showing(second[1]) == ["second-key"]
    assert browser_page.errors == []


def adds_a_customer(browser_page) -> Customer:
    page = browser_page.page
    nav(page, "Customers").click()
    browser_page.screenshot("customers")
    link(page, "Add customer").click()
    browser_page.screenshot("add-customer")
    page.fill("#id_name", "Jo Bloggs")
    page.fill("#id_company", "Bloggs Ltd")
    page.fill("#id_email", "jo.bloggs@")
    page.fill("#id_phone", "+44 20 7946 0001")
    button(page, "Add customer").click()
    browser_page.screenshot("add-customer-bad-email")
    error = page.inner_text(".field-invalid")
    kept = [page.input_value(field) for field in ("#id_name", "#id_company", "#id_email")]

    page.fill("#id_email", EMAIL)
    button(page, "Add customer").click()
    browser_page.screenshot("customer-added")

    assert "Enter a valid email address." in error
    assert "Email" in error
    assert kept == ["Jo Bloggs", "Bloggs Ltd", "jo.bloggs@"]
    assert "Customer Jo Bloggs added." in messages(page)
    assert "Jo Bloggs has no S3 user yet." in page.inner_text("main")
    return Customer.objects.get(email=EMAIL, name="Jo Bloggs", company="Bloggs Ltd")


def provisions_the_s3_user(browser_page, customer, gateway_emulator):
    page = browser_page.page
    with page.expect_response(lambda answer: answer.request.method == "POST") as answer:
        button(page, "Create S3 user").click()
    browser_page.screenshot("new-secret")
    key, secret = new_pair(page)
    shown = messages(page), page.inner_text("main section")
    link(page, "Back to Jo Bloggs").click()
    browser_page.screenshot("customer-provisioned")

    account = customer.accounts.get()
    assert shown[0] == f"S3 user {account.user_id} created."
    assert "this page is the only time it is shown" in shown[1]
    assert ENDPOINT in shown[1]
    assert answer.value.headers["cache-control"] == "no-store"
    assert account.gateway_email == EMAIL
    assert gateway_key_ids(gateway_emulator, EMAIL) == {key}
    assert gateway_emulator.s3_client(key, secret).list_buckets()["Buckets"] == []
    assert secret not in page.content()
    return account, (key, secret)


def generates_a_second_key_and_is_refused_a_third(browser_page, account, gateway_emulator):
    page = browser_page.page
    page.fill(f"#key-label-{account.pk}", "backup server")
    button(page, "Generate key pair").click()
    browser_page.screenshot("second-key")
    second = new_pair(page)
    link(page, "Back to Jo Bloggs").click()
    page.fill(f"#key-label-{account.pk}", "one too many")
    button(page, "Generate key pair").click()
    browser_page.screenshot("third-key-refused")

    assert "Generating a key pair failed." in messages(page)
    assert "already has 2 key pairs" in messages(page)
    assert gateway_key_ids(gateway_emulator, EMAIL) == {note.access_key_id for note in
                                                        account.key_notes.all()}  # fmt: skip
    assert account.key_notes.get(access_key_id=second[0]).label == "backup server"
    assert account.key_notes.count() == 2
    return second


def revokes_the_first_key(browser_page, account, first, gateway_emulator):
    page = browser_page.page
    key, _ = first
    page.locator("tr", has_text=key).get_by_role("link", name="Revoke").click()
    browser_page.screenshot("confirm-revoke")
    question = page.inner_text(".confirm-question")
    button(page, "Revoke key pair").click()
    browser_page.screenshot("key-revoked")

    assert key in question
    assert "Jo Bloggs" in question
    assert f"Key pair {key} revoked." in messages(page)
    assert page.locator("tr.revoked", has_text=key).get_by_role("link").count() == 0
    assert gateway_key_ids(gateway_emulator, EMAIL) == {
        note.access_key_id for note in account.key_notes.filter(revoked_at__isnull=True)
    }
    assert KeyPairNote.objects.get(access_key_id=key).revoked_by_name == "ada"


def sets_the_user_limits(browser_page, account, gateway_emulator):
    page = browser_page.page
    link(page, "Edit limits").click()
    browser_page.screenshot("edit-limits")
    page.fill("#id_ops_default", "-5")
    page.fill("#id_ops_get", "250")
    button(page, "Set limits").click()
    browser_page.screenshot("limits-refused")
    error = page.inner_text(".field-invalid")
    kept = page.input_value("#id_ops_default"), page.input_value("#id_ops_get")
    refused = gateway_limits(gateway_emulator, email=EMAIL)

    page.fill("#id_ops_default", "100")
    page.fill("#id_bandwidth_out", "2048")
    button(page, "Set limits").click()
    browser_page.screenshot("limits-set")

    assert "A limit cannot be negative; 0 means unlimited." in error
    assert "Operations, default" in error
    assert kept == ("-5", "250")
    assert set(refused.values()) == {0}
    assert f"Limits of S3 user {account.user_id} of Jo Bloggs set." in messages(page)
    assert "2,048" in page.inner_text(".limits-table")
    limits = gateway_limits(gateway_emulator, email=EMAIL)
    assert (limits["ops:default"], limits["ops:get"], limits["bandwidth:out"]) == (100, 250, 2048)


def adds_the_business_plan(browser_page) -> Plan:
    page = browser_page.page
    nav(page, "Plans").click()
    browser_page.screenshot("plans")
    link(page, "Add a plan").click()
    browser_page.screenshot("add-plan")
    page.fill("#id_name", "Business")
    page.fill("#id_description", "For teams that back up every night.")
    page.fill("#id_ops_get", "3600")
    page.fill("#id_ops_put", "1200")
    page.fill("#id_bandwidth_out", "1024")
    page.fill("#id_quota_gb", "50")
    button(page, "Add plan").click()
    browser_page.screenshot("plan-added")

    plan = Plan.objects.get(name="Business")
    assert "Plan Business saved." in messages(page)
    assert page.inner_text("h1") == "Plan Business"
    assert "50 GB" in page.inner_text("section[aria-labelledby=terms-heading]")
    assert (plan.ops_get, plan.ops_put, plan.bandwidth_out) == (3600, 1200, 1024)
    assert plan.quota_gb == 50
    return plan


def puts_the_customer_on_the_plan(browser_page, customer, account, plan, gateway_emulator):
    page = browser_page.page
    nav(page, "Customers").click()
    browser_page.screenshot("customers-with-jo")
    link(page, "Jo Bloggs").click()
    link(page, "Put on a plan").click()
    browser_page.screenshot("put-on-plan")
    page.select_option("#id_plan", label="Business")
    button(page, "Apply the plan").click()
    browser_page.screenshot("on-the-plan")
    panel = page.inner_text("section[aria-labelledby=plan-heading]")

    limits = gateway_limits(gateway_emulator, email=EMAIL)
    assert "Jo Bloggs is on the plan Business." in messages(page)
    assert "On the plan Business" in panel
    assert re.search(rf"S3 user {account.user_id} on main:\s+applied", panel)
    assert customer.plan_assignment.plan == plan
    assert (limits["ops:get"], limits["ops:put"], limits["bandwidth:out"]) == (3600, 1200, 1024)
    assert limits["ops:default"] == Decimal(0)
    assert gateway_quota(gateway_emulator, email=EMAIL) == 50


def reads_the_usage(browser_page, account, second, gateway_emulator):
    page = browser_page.page
    use_bucket(gateway_emulator.s3_client(*second), BUCKET)
    used = harvest_usage(gateway_emulator, account.cluster)
    requests = sum(used[f"ops_{kind}"] for kind in ("put", "get", "list", "other"))
    browser_page.open(reverse("customers:detail", args=[account.customer_id]))
    browser_page.screenshot("customer-with-usage")
    panel = page.inner_text("section[aria-labelledby=usage-heading]")
    buckets = page.inner_text(f"section[aria-labelledby=account-{account.pk}-heading]")
    link(page, "Report by month").click()
    browser_page.screenshot("usage-report")
    charts = drawn_charts(page)

    assert f"{requests} ({used['ops_put']} put, {used['ops_get']} get" in panel
    assert BUCKET in buckets
    assert page.inner_text("h1").startswith("Usage of Jo Bloggs, ")
    assert BUCKET in page.inner_text("section[aria-labelledby=buckets-heading]")
    assert set(charts) == {"requests", "traffic", "storage"}
    assert sum(charts["requests"]["put"]) == used["ops_put"] > 0
    assert sum(charts["requests"]["get"]) == used["ops_get"] > 0
    assert sum(charts["traffic"]["uploaded"]) > 0
