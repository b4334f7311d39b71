"""A customer's journey in a real browser: signing in, their storage and usage, and a key
rotated from a new key pair to the old one revoked.

Each page's screen is kept under var/test-screenshots/.
"""

import re

from staas_portal.customers.models import KeyPairNote
from tests.customers.gateway_changes import gateway_key_ids
from tests.journeys.conftest import BUCKET
from tests.journeys.steps import drawn_charts


def test_a_customer_reads_their_usage_and_rotates_a_key(browser_page, own_login, provisioned,
                                                        used, gateway_emulator):  # fmt: skip
    account, first = provisioned
    old_key = first.note.access_key_id
    page = browser_page.page

    browser_page.sign_in_with_form(own_login)
    page.wait_for_url(re.compile(r"/my/$"))
    browser_page.screenshot("my-storage")
    state = page.inner_text(f"section[aria-labelledby=account-{account.pk}-heading]")

    page.click("nav >> text=Usage")
    browser_page.screenshot("usage")
    charts = drawn_charts(page)
    usage_buckets = page.inner_text("section[aria-labelledby=buckets-heading]")

    page.click("nav >> text=My storage")
    page.click("text=Rotate keys: make a new key pair")
    browser_page.screenshot("rotate")
    page.click("button:has-text('Make a new key pair')")
    browser_page.screenshot("new-key")
    new_key = page.inner_text("#new-access-key")
    secret = page.inner_text("#new-secret")
    with page.expect_download() as download:
        page.click("[data-download='#s3cmd-config']")
    s3cfg = open(download.value.path()).read()  # noqa: PTH123, SIM115

    page.click("button:has-text('Test the new key pair')")
    page.wait_for_selector(f"text=Key {new_key} works")
    browser_page.screenshot("tested")

    page.click(f"text=Revoke {old_key}")
    page.wait_for_selector("text=Every program that still uses it stops working")
    browser_page.screenshot("confirm-revoke")
    page.click("button:has-text('Revoke key pair')")
    page.wait_for_selector(f"text=Key pair {old_key} revoked.")
    browser_page.screenshot("revoked")

    assert "working" in state
    assert BUCKET in state
    assert "Limits and quota" in state
    assert sum(charts["requests"]["put"]) == used["ops_put"] > 0
    assert sum(charts["requests"]["get"]) == used["ops_get"] > 0
    assert BUCKET in usage_buckets
    assert f"access_key = {new_key}\nsecret_key = {secret}\n" in s3cfg
    assert gateway_key_ids(gateway_emulator, account.gateway_email) == {new_key}
    assert KeyPairNote.objects.get(access_key_id=old_key).revoked_by_name == own_login.username
    s3 = gateway_emulator.s3_client(new_key, secret)
    assert [bucket["Name"] for bucket in s3.list_buckets()["Buckets"]] == [BUCKET]
    assert browser_page.steps_showing(first.secret_access_key) == []
    assert browser_page.steps_showing(secret) == ["new-key", "tested"]
    assert browser_page.errors == []
