"""The emulator as a program: its command line, signals, state file and imports."""

import ast
import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest

from staas_portal.gateway import signing
from staas_portal.gateway.emulator import EmulatorServer
from tests.emulator_fixtures import send

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "staas_portal" / "gateway" / "emulator"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the emulator exited:\n{process.stderr.read()}")
        try:
            urllib.request.urlopen(url + "_emulator/state", timeout=1).close()  # noqa: S310
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("the emulator did not come up")


def test_the_command_serves_signed_calls_and_stops_on_sigterm(tmp_path):
    port, secret = free_port(), secrets.token_urlsafe(30)
    command = [
        sys.executable, "-m", "staas_portal.gateway.emulator", "--host", "127.0.0.1",
        "--port", str(port), "--state", str(tmp_path / "state.json"),
        "--access-key", "a14040e0b2ef8b28FZZ8", "--period", "60",
    ]  # fmt: skip
    # The secret comes from the environment, as `make run` passes it: never on a command line.
    environment = {**os.environ, "STAAS_GATEWAY_SECRET_KEY": secret}
    process = subprocess.Popen(
        command, cwd=REPO, env=environment, stderr=subprocess.PIPE, text=True
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/", process)
        headers = signing.v2_admin_headers(
            method="GET",
            query="ostor-users",
            access_key="a14040e0b2ef8b28FZZ8",
            secret_key=secret,
            now=datetime.now(UTC),
        )
        answer = send(f"127.0.0.1:{port}", "GET", "/?ostor-users", headers)
    finally:
        process.send_signal(signal.SIGTERM)
        returncode = process.wait(timeout=10)
        log = process.stderr.read()

    assert answer.status == 200
    assert [user["UserId"] for user in answer.json()] == ["a14040e0b2ef8b28"]
    assert returncode == 0
    assert "GET /?ostor-users 200" in log
    assert "stopped" in log
    assert secret not in log


def test_the_command_refuses_a_period_of_zero(tmp_path):
    command = [
        sys.executable, "-m", "staas_portal.gateway.emulator", "--state",
        str(tmp_path / "state.json"), "--access-key", "K", "--secret-key", "S", "--period", "0",
    ]  # fmt: skip

    finished = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=30)

    assert finished.returncode == 2
    assert "--period" in finished.stderr


def test_the_command_names_the_variable_when_no_secret_key_is_given(tmp_path):
    command = [
        sys.executable, "-m", "staas_portal.gateway.emulator", "--state",
        str(tmp_path / "state.json"), "--access-key", "K",
    ]  # fmt: skip
    environment = {
        name: value for name, value in os.environ.items() if name != "STAAS_GATEWAY_SECRET_KEY"
    }

    finished = subprocess.run(
        command, cwd=REPO, env=environment, capture_output=True, text=True, timeout=30
    )

    assert finished.returncode == 2
    assert "--secret-key is required (or set STAAS_GATEWAY_SECRET_KEY)" in finished.stderr


def test_the_state_survives_a_restart(gateway_emulator):
    customer = gateway_emulator.create_customer("client@example.com")
    s3 = gateway_emulator.s3_client(customer.access_key, customer.secret_key)
    s3.create_bucket(Bucket="photos")
    s3.put_object(Bucket="photos", Key="cat", Body=b"meow")

    gateway_emulator.restart()

    s3 = gateway_emulator.s3_client(customer.access_key, customer.secret_key)
    assert s3.get_object(Bucket="photos", Key="cat")["Body"].read() == b"meow"
    shown = gateway_emulator.admin("GET", [("ostor-users", None), ("id", customer.user_id)])
    assert shown.json()["UserEmail"] == "client@example.com"


def test_the_state_file_is_whole_json_with_no_temporary_files_left(gateway_emulator):
    gateway_emulator.create_customer("client@example.com")

    document = json.loads(gateway_emulator.state_path.read_text())

    assert "client@example.com" in {user["email"] for user in document["users"].values()}
    assert list(gateway_emulator.state_path.parent.iterdir()) == [gateway_emulator.state_path]


def test_with_save_every_a_change_is_saved_later_and_on_stopping(tmp_path):
    state = tmp_path / "state.json"
    server = EmulatorServer(
        state_path=state, access_key="BENCHKEY", secret_key="secret", save_every=3600
    ).start()
    with server.store.change() as data:
        data["users"]["late"] = {"email": "late@example.com"}
    saved_before_stopping = json.loads(state.read_text())["users"]

    server.stop()

    assert "late" not in saved_before_stopping
    assert json.loads(state.read_text())["users"]["late"] == {"email": "late@example.com"}


def test_a_new_start_up_key_joins_an_existing_state(tmp_path):
    state = tmp_path / "state.json"
    EmulatorServer(state_path=state, access_key="FIRSTKEY", secret_key="one").stop()

    server = EmulatorServer(state_path=state, access_key="SECONDKEY", secret_key="two")
    server.stop()

    users = server.store.data["users"].values()
    keys = {pair["access_key"]: user["flags"] for user in users for pair in user["keys"]}
    assert keys == {"FIRSTKEY": ["system"], "SECONDKEY": ["system"]}


def test_stop_ends_kept_alive_connections(gateway_emulator):
    connection = http.client.HTTPConnection(gateway_emulator.host, timeout=5)
    connection.request("GET", "/_emulator/features")
    assert connection.getresponse().read()

    gateway_emulator.stop()

    assert connection.sock.recv(1) == b""
    connection.close()


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda path: path.name)
def test_the_emulator_imports_only_the_standard_library_and_signing(path):
    imported = {name.split(".")[0] for name in imported_modules(path)}
    own = {name for name in imported_modules(path) if name.startswith("staas_portal")}

    assert imported - {"staas_portal"} <= set(sys.stdlib_module_names)
    assert all(
        name == "staas_portal.gateway.signing" or name.startswith("staas_portal.gateway.emulator")
        for name in own
    )
