"""A customer rotates a key pair in a real browser, from signing in to revoking the old key.

Each step's screen is kept under var/test-screenshots/.
"""

import re

from django.urls import reverse

from staas_portal.customers.models import KeyPairNote
from tests.conftest import PASSWORD
from tests.customers.gateway_changes import gateway_key_ids


def test_a_customer_rotates_a_key_end_to_end(browser_page, own_login, provisioned,
                                             gateway_emulator):  # fmt: skip
    account, first = provisioned
    old_key = first.note.access_key_id
    page = browser_page.page

    browser_page.open(reverse("login"))
    page.fill("#id_username", own_login.username)
    page.fill("#id_password", PASSWORD)
    browser_page.screenshot("sign-in")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/my/$"))
    page.wait_for_selector("text=working")
    browser_page.screenshot("my-storage")

    page.click("text=Rotate keys: make a new key pair")
    browser_page.screenshot("rotate")
    page.click("button:has-text('Make a new key pair')")
    page.wait_for_selector("#new-secret")
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

    assert f"access_key = {new_key}\nsecret_key = {secret}\n" in s3cfg
    assert gateway_key_ids(gateway_emulator, account.gateway_email) == {new_key}
    assert KeyPairNote.objects.get(access_key_id=old_key).revoked_by_name == own_login.username
    s3 = gateway_emulator.s3_client(new_key, secret)
    assert s3.list_buckets()["Buckets"] == []
    assert browser_page.errors == []
