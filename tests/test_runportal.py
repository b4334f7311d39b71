"""`make run`'s last step: the whole portal in one command, stopped by Ctrl-C."""

import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

from tests.conftest import REPO


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_answers(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def fresh_environment(tmp_path):
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "DEBUG": "1",
        "PYTHONUNBUFFERED": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
    }
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert migrate.returncode == 0, migrate.stderr
    return env


def read_until(stream, pattern: str, timeout: float) -> str:
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in stream], daemon=True).start()
    seen = ""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            seen += lines.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            break
        if re.search(pattern, seen):
            return seen
    raise AssertionError(f"never saw {pattern!r} in:\n{seen}")


def test_it_serves_the_login_page_prints_the_logins_and_stops_on_ctrl_c(fresh_environment):
    port, gateway_port = free_port(), free_port()
    portal = subprocess.Popen(
        [sys.executable, "manage.py", "runportal", "--port", str(port),
         "--gateway-port", str(gateway_port)],
        cwd=REPO, env=fresh_environment, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        banner = read_until(portal.stdout, r"Press Ctrl-C to stop", timeout=60)

        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5) as page:
            assert page.status == 200
        assert f"StaaS Portal is running at http://127.0.0.1:{port}/" in banner
        for username in ("admin", "support", "customer"):
            assert re.search(rf"user {username}\s+password \S{{16}}", banner)
        emulator_url = f"http://127.0.0.1:{gateway_port}/"
        assert f"Gateway emulator (the default gateway): {emulator_url}" in banner
        assert "Cluster 'default' added as the default, from the settings." in banner
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as health:
            gateway = json.load(health)["parts"][-1]
        assert (gateway["name"], gateway["ok"]) == ("gateway:default", True)

        portal.send_signal(signal.SIGINT)
        portal.wait(timeout=20)
        assert not port_answers(port)
        assert not port_answers(gateway_port)
    finally:
        if portal.poll() is None:
            portal.kill()


def test_with_redis_it_also_runs_a_worker_and_beat(fresh_environment, settings):
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL: without it tasks run inline and nothing else starts")
    port = free_port()
    environment = {
        **fresh_environment,
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_QUEUE": f"staas-runportal-{port}",
    }
    portal = subprocess.Popen(
        [sys.executable, "manage.py", "runportal", "--port", str(port),
         "--gateway-port", str(free_port())],
        cwd=REPO, env=environment, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        banner = read_until(portal.stdout, r"Press Ctrl-C to stop", timeout=60)

        assert "Running: gateway, web, worker, beat." in banner
        portal.send_signal(signal.SIGINT)
        assert portal.wait(timeout=30) == 0
    finally:
        if portal.poll() is None:
            portal.kill()


def test_a_second_start_keeps_the_logins_and_shows_no_password(fresh_environment):
    first = subprocess.run(
        [sys.executable, "manage.py", "seed_demo"],
        cwd=REPO, env=fresh_environment, capture_output=True, text=True, timeout=60,
    )  # fmt: skip

    second = subprocess.run(
        [sys.executable, "manage.py", "seed_demo"],
        cwd=REPO, env=fresh_environment, capture_output=True, text=True, timeout=60,
    )  # fmt: skip

    assert "password" in first.stdout
    assert "Logins: admin, customer, support." in second.stdout
    assert not re.search(r"password \S{16}", second.stdout)
