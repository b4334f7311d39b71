"""What the gateway client costs over a bare requests.Session.

Starts the gateway emulator on loopback, then sends the same signed admin reads
(`GET ?ostor-users&emailAddress=...` for a rotating set of users) through the
portal's GatewayClient and through a bare `requests.Session`, interleaved in
blocks so that both meet the same machine load. Prints calls/s for each and the
client's overhead. Target: at most 15% over the bare session.

    .venv/bin/python benchmarks/gateway_client.py [--calls 2000] [--signature v2|v4]
"""

import argparse
import logging
import secrets
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.support import start_emulator, stop  # noqa: E402
from staas_portal.gateway import signing  # noqa: E402
from staas_portal.gateway.client import GatewayClient, GatewayConfig  # noqa: E402

USERS = 20
BLOCK = 100
TARGET_OVERHEAD = 0.15


def bare_call(session: requests.Session, config: GatewayConfig, host: str, email: str) -> None:
    pairs = [("ostor-users", None), ("emailAddress", email)]
    query = signing.build_query(pairs)
    now = datetime.now(UTC)
    if config.signature == "v4":
        headers = signing.v4_headers(
            method="GET", host=host, path="/", query_pairs=pairs, body=b"",
            access_key=config.access_key, secret_key=config.secret_key,
            region=config.region, now=now,
        )  # fmt: skip
    else:
        headers = signing.v2_admin_headers(
            method="GET", query=query, access_key=config.access_key,
            secret_key=config.secret_key, now=now,
        )  # fmt: skip
    response = session.get(f"{config.url}?{query}", headers=headers, timeout=(3.05, 30))
    response.raise_for_status()
    response.json()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--signature", choices=["v2", "v4"], default="v2")
    options = parser.parse_args()

    access_key, secret_key = secrets.token_hex(10), secrets.token_urlsafe(30)
    with tempfile.TemporaryDirectory() as workdir:
        # Production logs one line per call; the benchmark pays for it too, into a file.
        logging.basicConfig(
            filename=str(Path(workdir) / "calls.log"), level=logging.INFO,
            format="%(asctime)s %(levelname)s %(name)s %(message)s",
        )  # fmt: skip
        emulator, url = start_emulator(Path(workdir), access_key, secret_key)
        try:
            run(options, url, access_key, secret_key)
        finally:
            stop(emulator)


def run(options, url: str, access_key: str, secret_key: str) -> None:
    config = GatewayConfig(
        name="bench", url=url, access_key=access_key, secret_key=secret_key,
        signature=options.signature,
    )  # fmt: skip
    client = GatewayClient(config)
    emails = [f"bench+{index}@example.com" for index in range(USERS)]
    for email in emails:
        client.user_create(email=email)

    bare_session = requests.Session()
    host = url.split("/")[2]
    timings = {"client": 0.0, "bare": 0.0}
    calls = {"client": 0, "bare": 0}
    rounds = max(1, options.calls // BLOCK)
    for round_number in range(rounds):
        # Alternate which goes first, so neither always meets a warmer machine.
        order = ("client", "bare") if round_number % 2 == 0 else ("bare", "client")
        for name in order:
            started = time.perf_counter()
            for index in range(BLOCK):
                email = emails[index % USERS]
                if name == "client":
                    client.user_get(email=email)
                else:
                    bare_call(bare_session, config, host, email)
            timings[name] += time.perf_counter() - started
            calls[name] += BLOCK

    client_rate = calls["client"] / timings["client"]
    bare_rate = calls["bare"] / timings["bare"]
    overhead = timings["client"] / calls["client"] / (timings["bare"] / calls["bare"]) - 1
    verdict = "meets" if overhead <= TARGET_OVERHEAD else "MISSES"
    print(f"signature {options.signature}, {calls['client']} calls each, emulator on loopback")
    print(f"bare requests.Session: {bare_rate:8.1f} calls/s")
    print(f"GatewayClient:         {client_rate:8.1f} calls/s")
    print(f"client/bare time ratio: {1 + overhead:.3f} (overhead {overhead:+.1%}); "
          f"{verdict} the target of at most {TARGET_OVERHEAD:.0%}")  # fmt: skip


if __name__ == "__main__":
    main()
