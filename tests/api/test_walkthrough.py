"""The README's storefront walk-through, run as it is against `make run`'s stack."""

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import urllib.request

import pytest

from tests.conftest import REPO
from tests.test_runportal import free_port, read_until

WALKTHROUGH_HEADING = "### Storefront walk-through"


def readme_script() -> str:
    """The first `sh` block after the walk-through's heading in README.md."""
    readme = (REPO / "README.md").read_text()
    section = readme[readme.index(WALKTHROUGH_HEADING) :]
    return re.search(r"```sh\n(.*?)```", section, re.DOTALL).group(1)


def manage(env: dict, *arguments: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def stack(tmp_path):
    """`make run` in a var/ of its own: migrate, then runportal with the emulator."""
    var = tmp_path / "var"
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "DEBUG": "1",
        "PYTHONUNBUFFERED": "1",
        "STAAS_VAR_DIR": str(var),
        "DATABASE_URL": f"sqlite:///{var / 'portal.sqlite3'}",
    }
    manage(env, "migrate", "--noinput")
    manage(env, "shell", "-c", "from staas_portal.limits.models import Plan; "
           "Plan.objects.create(name='Starter', ops_get=100, quota_gb=10)")  # fmt: skip
    token = manage(env, "api_token", "create", "storefront", "--scope", "read-write").strip()
    port, gateway_port = free_port(), free_port()
    portal = subprocess.Popen(
        [sys.executable, "manage.py", "runportal", "--port", str(port),
         "--gateway-port", str(gateway_port)],
        cwd=REPO, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        read_until(portal.stdout, r"Press Ctrl-C to stop", timeout=60)
        yield {
            "base": f"http://127.0.0.1:{port}",
            "gateway": f"http://127.0.0.1:{gateway_port}",
            "token": token,
            "database": var / "portal.sqlite3",
        }
    finally:
        portal.send_signal(signal.SIGINT)
        try:
            portal.wait(timeout=20)
        except subprocess.TimeoutExpired:
            portal.kill()


def test_the_readme_walk_through_runs_green_step_by_step(stack):
    email = "jo.bloggs@example.com"

    run = subprocess.run(
        ["bash", "-c", readme_script()],
        env={"PATH": os.environ["PATH"], "BASE": stack["base"], "TOKEN": stack["token"],
             "EMAIL": email},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip

    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert re.fullmatch(r"customer \d+ created", lines[0])
    assert re.fullmatch(
        r"S3 account \d+ at http://127\.0\.0\.1:\d+/, access key \S+, secret of 40 characters",
        lines[1],
    )
    assert re.fullmatch(r"S3 user \S+: limits and a quota of 10 GB\.", lines[2])
    assert re.fullmatch(r"requests in \d{4}-\d{2}: 0", lines[3])
    assert lines[4:] == ["suspended: disabled", "resumed: enabled", "terminated: deleted"]
    assert email not in gateway_emails(stack["gateway"])
    assert audited_actions(stack["database"]) == [
        "customer.create", "account.provision", "plan.assign", "account.suspend",
        "account.resume", "account.delete",
    ]  # fmt: skip
    assert stack["token"] not in run.stdout + run.stderr


def gateway_emails(gateway: str) -> list[str]:
    with urllib.request.urlopen(f"{gateway}/_emulator/state", timeout=10) as answer:  # noqa: S310
        return [user["email"] for user in json.load(answer)["users"].values()]


def audited_actions(database) -> list[str]:
    """What the token did, as the audit log has it."""
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "SELECT action FROM audit_auditevent WHERE actor_name = 'storefront' "
            "AND outcome = 'success' ORDER BY id"
        ).fetchall()
    return [action for (action,) in rows]
