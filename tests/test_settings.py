"""Start-up configuration, checked in fresh processes as an operator would meet it."""

import os
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet

from tests.conftest import REPO

PRODUCTION = {
    "SECRET_KEY": "k3y-" + "x9Qm2vL7pR4tW8zB" * 4,
    "STAAS_ENCRYPTION_KEY": Fernet.generate_key().decode(),
    "ALLOWED_HOSTS": "portal.example.net",
    "CSRF_TRUSTED_ORIGINS": "https://portal.example.net",
    "DATABASE_URL": "sqlite:////tmp/staas-settings-test.sqlite3",
}


def manage(*arguments, **environment):
    # A clean environment: nothing from the developer's shell or the test run leaks in.
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), **environment}
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def without(name):
    return {key: value for key, value in PRODUCTION.items() if key != name}


@pytest.mark.parametrize("name", ["SECRET_KEY", "STAAS_ENCRYPTION_KEY"])
def test_a_missing_required_variable_stops_start_up_and_is_named(name):
    result = manage("check", **without(name))

    assert result.returncode != 0
    assert f"The environment variable {name} is required and is not set" in result.stderr


def test_debug_needs_neither_secret_key_nor_encryption_key():
    result = manage("check", DEBUG="1", DATABASE_URL=PRODUCTION["DATABASE_URL"])

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
    assert (REPO / "var" / "encryption.key").exists()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("STAAS_ENCRYPTION_KEY", "not-a-fernet-key", "must be 32 url-safe base64-encoded bytes"),
        ("STAAS_GATEWAY_SIGNATURE", "v3", "STAAS_GATEWAY_SIGNATURE must be one of v2, v4"),
        ("DEBUG", "maybe", "DEBUG must be 1 or 0"),
        ("STAAS_PROXY_COUNT", "one", "STAAS_PROXY_COUNT must be a whole number"),
        ("STAAS_GATEWAY_TIMEOUT", "soon", "STAAS_GATEWAY_TIMEOUT must be a number"),
        ("STAAS_GATEWAY_TIMEOUT", "0", "STAAS_GATEWAY_TIMEOUT must be more than 0 seconds"),
        ("STAAS_GATEWAY_TIMEOUT", "nan", "STAAS_GATEWAY_TIMEOUT must be a finite number"),
    ],
)
def test_a_bad_value_stops_start_up_with_the_reason(name, value, message):
    result = manage("check", **{**PRODUCTION, name: value})

    assert result.returncode != 0
    assert message in result.stderr


def test_check_deploy_is_clean_in_production_mode():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_warns_when_debug_is_on():
    result = manage("check", "--deploy", "--fail-level", "WARNING", DEBUG="1", **PRODUCTION)

    assert result.returncode != 0
    assert "security.W018" in result.stderr + result.stdout
