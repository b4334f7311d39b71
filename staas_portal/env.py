"""Typed readers for the environment variables that configure the portal.

Every setting comes from the environment; these helpers fail loudly with the
variable's name so that a typo stops start-up instead of running half-configured.
"""

import math
import os
from pathlib import Path

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default

    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name} must be 1 or 0 (got {raw!r}).")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default

    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number (got {raw!r}).") from None


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default

    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number (got {raw!r}).") from None
    if not math.isfinite(value):
        raise ImproperlyConfigured(f"{name} must be a finite number (got {raw!r}).")
    return value


def env_list(name: str, default: str = "") -> list[str]:
    raw = os.environ.get(name, default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_required(name: str, *, unless_debug: bool, debug: bool) -> str:
    value = env_str(name)
    if value or (unless_debug and debug):
        return value
    raise ImproperlyConfigured(
        f"The environment variable {name} is required and is not set. "
        "See the configuration table in README.md."
    )


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = env_str(name, default).lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)} (got {value!r}).")
    return value


def development_encryption_key(var_dir: Path) -> str:
    """A key kept in var/ so that secrets stored by `make run` survive restarts."""
    key_file = var_dir / "encryption.key"
    if key_file.exists():
        return key_file.read_text().strip()

    var_dir.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key().decode()
    key_file.write_text(key + "\n")
    key_file.chmod(0o600)
    return key
