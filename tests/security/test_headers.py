"""What every answer tells the browser: its CSP, HTTPS only, cookies kept from scripts."""

import re
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PASSWORD
from tests.url_walk import allowed_methods, fill, portal_urls

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>")
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)


def test_pages_carry_a_strict_content_security_policy(client, admin_login):
    client.force_login(admin_login)

    policy = client.get(reverse("customers:list"))["Content-Security-Policy"]

    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


@pytest.mark.parametrize("path", ["/django-admin/", "/api/docs/"])
def test_only_the_admin_site_and_the_api_docs_may_style_inline(client, admin_login, path):
    client.force_login(admin_login)

    policy = client.get(path, follow=True)["Content-Security-Policy"]

    assert "style-src 'self' 'unsafe-inline'" in policy
    assert "script-src 'self';" in policy


def test_no_page_has_an_inline_script_handler_or_style(world, admin_login, client):
    """Every page a GET opens, as staff and as the customer, filled with real ids."""
    pages = {}
    for login in (admin_login, world.login):
        client.force_login(login)
        for route, view in portal_urls():
            if route.startswith("api/") or "GET" not in (allowed_methods(view) or {"GET"}):
                continue
            answer = client.get(fill(route, world.value_of(route)))
            if answer.status_code == 200 and "html" in answer.get("Content-Type", ""):
                pages[(login.username, route)] = answer.content.decode()

    offending = {
        key: [found.group(0) for pattern in (INLINE_SCRIPT, INLINE_HANDLER, INLINE_STYLE)
              for found in [pattern.search(page)] if found]
        for key, page in pages.items()
    }  # fmt: skip
    assert {key: found for key, found in offending.items() if found} == {}
    assert len(pages) > 40


def test_production_sends_hsts_and_redirects_plain_http(db):
    plain = Client().get(reverse("login"))
    secure = Client().get(reverse("login"), secure=True)

    assert plain.status_code == 301
    assert plain["Location"].startswith("https://")
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert secure["X-Frame-Options"] == "DENY"
    assert secure["Referrer-Policy"] == "same-origin"


def test_the_session_and_csrf_cookies_are_secure_and_kept_from_scripts(client, admin_login):
    page = client.get(reverse("login"))
    signed_in = client.post(reverse("login"), {"username": "ada", "password": PASSWORD})

    csrf = page.cookies["csrftoken"]
    session = signed_in.cookies["sessionid"]
    for cookie in (csrf, session):
        assert cookie["secure"] is True
        assert cookie["httponly"] is True
        assert cookie["samesite"] == "Lax"
    assert session["max-age"] == 8 * 60 * 60


def test_an_expired_session_signs_the_user_out(client, admin_login):
    client.force_login(admin_login)
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))

    answer = client.get(reverse("customers:list"))

    assert answer.status_code == 302
    assert answer["Location"].startswith(reverse("login"))
