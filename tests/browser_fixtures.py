"""Fixtures for tests that drive a real browser: Debian's Chromium through Playwright,
against the portal served by pytest-django's live server.

`browser_page` yields a BrowserPage: a Playwright page whose requests the portal
takes as HTTPS (the suite runs with HTTPS enforced), `sign_in(login)` with a session
made for it, `sign_in_with_form(login)` through the sign-in page, `open(path)`, and
`screenshot(step)`, which waits for the page's htmx panels and charts first. The
screens are saved under var/test-screenshots/, each test's last one too.
Without /usr/bin/chromium the tests that use it are skipped.
"""

import contextlib
import re
import threading
from pathlib import Path

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD, REPO

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = REPO / "var" / "test-screenshots"
# A page has settled once it has loaded, every panel htmx loads on its own has
# arrived, no htmx request or swap is under way, and every chart is drawn: only then
# is its screen the same from one run to the next.
SETTLED = """() => document.readyState === "complete" && !document.querySelector(
    '[hx-trigger~="load"] > .loading, .htmx-request, .htmx-swapping, .htmx-settling')
  && Array.from(document.querySelectorAll("canvas[data-chart]")).every(
    (canvas) => window.Chart && Chart.getChart(canvas))"""


class BrowserPage:
    def __init__(self, page, base_url: str, name: str = "browser"):
        self.page = page
        self.base_url = base_url.rstrip("/")
        self.name = name
        self.shots = 0
        self.errors: list[str] = []
        # Each screenshot's step with the page's HTML at that moment.
        self.shown: list[tuple[str, str]] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on(
            "console",
            lambda message: message.type == "error" and self.errors.append(message.text),
        )

    def sign_in(self, login) -> None:
        """Signs the browser in as `login`, with a session made by Django's test client."""
        client = Client()
        client.force_login(login)
        cookie = client.cookies["sessionid"]
        self.page.context.add_cookies(
            [{"name": "sessionid", "value": cookie.value, "url": self.base_url}]
        )

    def sign_in_with_form(self, login, password: str = PASSWORD) -> None:
        """Signs in as a person does, on the sign-in page; its screen is kept first."""
        self.open(reverse("login"))
        self.page.fill("#id_username", login.username)
        self.page.fill("#id_password", password)
        self.screenshot("sign-in")
        self.page.click("main button[type=submit]")
        self.page.wait_for_load_state()

    def settle(self) -> None:
        self.page.wait_for_function(SETTLED)

    def screenshot(self, step: str, *, settle: bool = True) -> Path:
        """Keeps the screen of one step of a journey, numbered in the order taken,
        once the page has settled."""
        if settle:
            self.settle()
        self.shots += 1
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{self.name}-{self.shots:02}-{step}.png"
        self.page.screenshot(path=str(path), full_page=True, animations="disabled")
        self.shown.append((step, self.page.content()))
        return path

    def steps_showing(self, text: str) -> list[str]:
        """The steps whose page held `text` when its screen was kept."""
        return [step for step, html in self.shown if text in html]

    def open(self, path: str):
        response = self.page.goto(self.base_url + path)
        assert response is not None and response.ok, (path, response and response.status)
        return response


@contextlib.contextmanager
def one_request_at_a_time(live_server):
    """Has the live server answer one request at a time while its threads share the
    test's database connection.

    They share it on SQLite, whose test database lives in memory, in that one
    connection: two requests at once, such as the htmx panels of one page, would run
    their statements and transactions interleaved on it. On PostgreSQL each thread has
    a connection of its own and the panels load side by side, as in production.
    """
    server = live_server.thread.httpd
    if not live_server.thread.connections_override:
        yield
        return

    app, lock = server.get_app(), threading.Lock()

    def serialised(environ, start_response):
        with lock:
            return app(environ, start_response)

    server.set_app(serialised)
    try:
        yield
    finally:
        server.set_app(app)


# django_db_setup comes before live_server: the live server, started once a session,
# shares the test database's in-memory SQLite connection only if that database already
# exists when it starts. Otherwise each of its threads opens its own connection to it,
# and SQLite refuses one's write while another reads.
@pytest.fixture
def browser_page(django_db_setup, live_server, settings, monkeypatch, request):
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    # The live server speaks plain HTTP; the header below makes each request count
    # as HTTPS, so the HTTPS redirect and secure cookies stay as in production.
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.CSRF_TRUSTED_ORIGINS = [live_server.url]
    # Playwright's sync API keeps an event loop running in this thread, which makes
    # Django take every ORM call of the test for one from async code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    with one_request_at_a_time(live_server), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(
            extra_http_headers={"X-Forwarded-Proto": "https"},
            viewport={"width": 1280, "height": 900},
        )
        name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.nodeid).strip("-")
        for stale in SCREENSHOTS.glob(f"{name}-*.png"):
            stale.unlink()
        page = BrowserPage(context.new_page(), live_server.url, name)
        try:
            yield page
        finally:
            # A failed test may have left a page that never settles.
            page.screenshot("last", settle=False)
            context.close()
            browser.close()
            # Queries made while Playwright runs leave a connection that pytest-django
            # does not close; left open, it keeps the test database from being dropped.
            connections.close_all()
