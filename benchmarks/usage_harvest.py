"""What harvesting usage costs over merely reading the statistics objects.

Starts the gateway emulator on loopback and has it produce 2,000 statistics
objects of 50 items each. Then, in one run against one scratch PostgreSQL
database: fetches and parses every object through the portal's GatewayClient
without storing anything (the bare rate), and harvests the same objects with
`usage_harvest` (listing, fetching, one transaction per object adding its
counters and recording its name, then the delete on the gateway). Prints
items/s for both and their ratio, for each of a few rounds (the machine is
shared, so one round can meet a busier moment than the next) and the median.
Target: the harvest reaches at least half the bare rate.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/staas_bench \\
        .venv/bin/python benchmarks/usage_harvest.py [--objects 2000] [--items 50] [--rounds 3]

The database named in DATABASE_URL is not touched: Django's test-database
machinery creates `test_<name>` beside it, migrates it, and drops it at the end.
"""

import argparse
import json
import logging
import os
import secrets
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from cryptography.fernet import Fernet

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from gateway_client import start_emulator  # noqa: E402

TARGET_RATIO = 0.5
USER_IDS = [f"{number:016x}" for number in range(1, 21)]
# 2026-01-01T00:00:00Z: periods long ended.
START_TS = 1767225600


def configure_django(workdir: Path) -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL server, e.g. postgres://...:5432/x")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("STAAS_ENCRYPTION_KEY", Fernet.generate_key().decode())
    os.environ["DJANGO_SETTINGS_MODULE"] = "staas_portal.settings"

    import django

    django.setup()
    # Production logs one line per gateway call; the benchmark pays for it too, into a file.
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    log_file = logging.FileHandler(workdir / "calls.log")
    log_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root.addHandler(log_file)


def generate(url: str, objects: int, items: int, start_ts: int) -> list[str]:
    body = {"objects": objects, "items": items, "user_ids": USER_IDS, "start_ts": start_ts}
    request = urllib.request.Request(  # noqa: S310 (the emulator on loopback)
        url + "_emulator/usage/generate",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=120) as answer:  # noqa: S310
        return json.loads(answer.read())["names"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--objects", type=int, default=2000)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()

    access_key, secret_key = secrets.token_hex(10), secrets.token_urlsafe(30)
    with tempfile.TemporaryDirectory() as workdir:
        configure_django(Path(workdir))
        emulator, url = start_emulator(Path(workdir), access_key, secret_key)
        from django.db import connection

        connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            run(options, url, access_key, secret_key)
        finally:
            connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
            emulator.terminate()
            emulator.wait(timeout=10)


def run(options, url: str, access_key: str, secret_key: str) -> None:
    from staas_portal.clusters.models import StorageCluster
    from staas_portal.usage.models import HourlyUsage

    cluster = StorageCluster(name="bench", gateway_url=url, access_key=access_key)
    cluster.set_secret_key(secret_key)
    cluster.save()
    print(f"{options.objects} statistics objects of {options.items} items a round, "
          "emulator on loopback, PostgreSQL")  # fmt: skip

    ratios = []
    for number in range(options.rounds):
        # Each round's periods follow the last one's, so that its rows are new rows.
        start_ts = START_TS + number * options.objects * 300
        bare_rate, harvest_rate = one_round(cluster, url, options, start_ts)
        ratios.append(harvest_rate / bare_rate)
        print(f"round {number + 1}: fetch and parse only {bare_rate:7.0f} items/s, "
              f"harvest {harvest_rate:7.0f} items/s, ratio {ratios[-1]:.2f}")  # fmt: skip

    median = statistics.median(ratios)
    verdict = "meets" if median >= TARGET_RATIO else "MISSES"
    print(f"{HourlyUsage.objects.count()} hourly rows written")
    print(f"median harvest/bare rate ratio: {median:.2f}; {verdict} the target of at least "
          f"{TARGET_RATIO:.2f}")  # fmt: skip


def one_round(cluster, url: str, options, start_ts: int) -> tuple[float, float]:
    from staas_portal.usage.services import usage_harvest

    gateway = cluster.gateway()
    names = generate(url, options.objects, options.items, start_ts)
    items = len(names) * options.items

    started = time.perf_counter()
    parsed = sum(len(gateway.usage_get(name=name).items) for name in names)
    bare_seconds = time.perf_counter() - started

    started = time.perf_counter()
    report = usage_harvest(cluster=cluster)
    harvest_seconds = time.perf_counter() - started

    if parsed != items or report.items != items or report.deleted != len(names):
        raise SystemExit(f"the harvest did not take every object: {report.summary()}")
    return items / bare_seconds, items / harvest_seconds


if __name__ == "__main__":
    main()
