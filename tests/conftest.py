import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from staas_portal.core.logging import RequestIdFilter
from staas_portal.users.models import Role, User

pytest_plugins = ["tests.emulator_fixtures", "tests.portal_fixtures", "tests.browser_fixtures"]

REPO = Path(__file__).resolve().parent.parent
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def pytest_configure(config):
    # The suite runs with DEBUG off like production, but without a collectstatic
    # step; tests/test_static.py builds the real manifest once on its own.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.STATIC_ROOT = tempfile.mkdtemp(prefix="staas-static-")
    # Hashing strength is not under test, and the strong hasher costs seconds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


PASSWORD = "correct horse battery staple"


class HttpsClient(Client):
    """Django's test client speaking HTTPS, as browsers do to a production portal."""

    def generic(self, method, path, data="", content_type="application/octet-stream",
                secure=True, **extra):  # fmt: skip
        return super().generic(method, path, data, content_type, secure=True, **extra)


@pytest.fixture
def client():
    return HttpsClient()


def make_login(role: Role, username: str | None = None) -> User:
    username = username or f"{role}-{uuid.uuid4().hex[:6]}"
    user = User(username=username, email=f"{username}@example.com", role=role)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def admin_login(db):
    return make_login(Role.ADMIN, "ada")


@pytest.fixture
def support_login(db):
    return make_login(Role.SUPPORT, "sam")


@pytest.fixture
def customer_login(db):
    return make_login(Role.CUSTOMER, "carla")


@pytest.fixture
def logins(admin_login, support_login, customer_login):
    return {Role.ADMIN: admin_login, Role.SUPPORT: support_login, Role.CUSTOMER: customer_login}


class LogCapture(logging.Handler):
    """Every record of every logger, formatted as the console would show it."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.addFilter(RequestIdFilter())
        self.setFormatter(logging.Formatter(LOG_FORMAT))
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(self.format(record))

    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
def all_logs():
    """Captures every log record at DEBUG level, whatever level each logger is set to."""
    capture = LogCapture()
    root = logging.getLogger()
    loggers = [root] + [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    levels = {logger: logger.level for logger in loggers}
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    root.addHandler(capture)

    yield capture

    root.removeHandler(capture)
    for logger, level in levels.items():
        logger.setLevel(level)


def database_url_for_subprocess() -> str:
    """The URL of the test database, for a worker process started by the tests."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


class WorkerHandle:
    def __init__(self, log_path: Path | None, capture: LogCapture | None = None):
        self.log_path = log_path
        self.capture = capture

    @property
    def is_real(self) -> bool:
        return self.log_path is not None

    def log_text(self) -> str:
        if self.capture is not None:
            return self.capture.text()
        return self.log_path.read_text(errors="replace")


@pytest.fixture(scope="session")
def real_celery_worker(django_db_setup, django_db_blocker, tmp_path_factory):
    """A Celery worker process consuming from Redis, on a queue of this test run's own.

    Only with REDIS_URL set; without it tasks run inline and this yields None.
    """
    if not settings.REDIS_URL:
        yield None
        return

    from staas_portal.celery import app

    queue = f"staas-test-{uuid.uuid4().hex[:10]}"
    log_path = tmp_path_factory.mktemp("worker") / "worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_subprocess(),
        "CELERY_QUEUE": queue,
    }
    command = [
        sys.executable, "-m", "celery", "-A", "staas_portal", "worker",
        "--pool=solo", "--loglevel=INFO", f"--hostname={queue}@%h", "-Q", queue,
    ]  # fmt: skip
    with log_path.open("w") as log:
        worker = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=log)
    previous_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue

    try:
        wait_for_worker(app, queue, worker, log_path)
        yield WorkerHandle(log_path)
    finally:
        app.conf.task_default_queue = previous_queue
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def wait_for_worker(app, queue: str, worker: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise RuntimeError(f"Celery worker exited:\n{log_path.read_text()}")
        replies = app.control.ping(timeout=0.5) or []
        if any(queue in name for reply in replies for name in reply):
            return
    raise RuntimeError(f"Celery worker did not come up:\n{log_path.read_text()}")


@pytest.fixture
def tasks_inline():
    """Runs Celery tasks in the test's own process, even with a broker configured.

    For tests of what a job does; tests of how it travels use `celery_worker`.
    """
    from staas_portal.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def celery_worker(real_celery_worker, all_logs):
    """The real worker when REDIS_URL is set, else the inline runner's captured logs."""
    if real_celery_worker is not None:
        return real_celery_worker
    return WorkerHandle(None, all_logs)


class RefusingGateway(BaseHTTPRequestHandler):
    """Answers every request as a gateway answers an unsigned one: 403."""

    def do_GET(self):
        self.send_response(403)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def live_gateway_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), RefusingGateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
