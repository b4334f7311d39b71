"""Gateway users with the ids and keys a test names, as the WHMCS sample export needs."""

import json
from dataclasses import dataclass, field

import pytest

from staas_portal.gateway.emulator.state import no_limits


@dataclass(frozen=True)
class SeededUser:
    user_id: str
    email: str
    # (access key id, secret key) pairs
    keys: list[tuple[str, str]] = field(default_factory=list)
    state: str = "enabled"


def seed_gateway_users(emulator, users: list[SeededUser]) -> None:
    """Writes the users into the emulator's state file and restarts it to load them.

    The emulator makes its own ids for users created through the API, so users
    with the ids of an export are written straight into its state instead.
    """
    emulator.server.stop()
    state = json.loads(emulator.state_path.read_text())
    for user in users:
        state["users"][user.user_id] = {
            "id": user.user_id,
            "email": user.email,
            "state": user.state,
            "flags": [],
            "keys": [{"access_key": key, "secret_key": secret} for key, secret in user.keys],
            "limits": no_limits(),
            "quota": 0,
        }
    emulator.state_path.write_text(json.dumps(state))
    emulator.restart()


@pytest.fixture
def seed_users(gateway_emulator):
    def seed(*users: SeededUser) -> None:
        seed_gateway_users(gateway_emulator, list(users))

    return seed
