"""The Content-Security-Policy holds in a real browser: nothing the pages need is refused."""

from django.urls import reverse


def test_the_api_docs_render_under_the_policy(browser_page, db):
    browser_page.open("/api/docs/")

    browser_page.page.wait_for_selector(".swagger-ui .info .title")
    browser_page.screenshot("api-docs")

    assert "StaaS Portal API" in browser_page.page.inner_text(".swagger-ui .info .title")
    assert browser_page.errors == []


def test_the_customer_page_and_its_panels_run_under_the_policy(browser_page, admin_login,
                                                               provisioned):  # fmt: skip
    account, _ = provisioned
    browser_page.sign_in(admin_login)

    browser_page.open(reverse("customers:detail", args=[account.customer_id]))
    page = browser_page.page
    page.wait_for_selector("text=Key ids on the gateway")
    page.wait_for_selector("text=Outgoing bandwidth")
    browser_page.screenshot("customer-page")

    assert browser_page.errors == []


def test_the_admin_site_runs_under_the_policy(browser_page, admin_login):
    browser_page.sign_in(admin_login)

    browser_page.open("/django-admin/users/user/")
    browser_page.screenshot("admin-site")

    assert browser_page.errors == []
