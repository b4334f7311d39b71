"""What several benchmarks share: the emulator, a database of their own, Celery workers."""

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_emulator(
    workdir: Path, access_key: str, secret_key: str, *extra: str
) -> tuple[subprocess.Popen, str]:
    """The gateway emulator on a free loopback port; its process and URL."""
    port = free_port()
    command = [
        sys.executable, "-m", "staas_portal.gateway.emulator", "--host", "127.0.0.1",
        "--port", str(port), "--state", str(workdir / "emulator.json"),
        "--access-key", access_key, *extra,
    ]  # fmt: skip
    environment = {**os.environ, "STAAS_GATEWAY_SECRET_KEY": secret_key}
    emulator = subprocess.Popen(command, cwd=REPO, env=environment, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    wait_until_answering(url + "_emulator/state", emulator, "the emulator")
    return emulator, url


def wait_until_answering(url: str, process: subprocess.Popen, name: str) -> None:
    """Returns once the URL answers; stops the process and the run if it has not in 60 s."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).close()  # noqa: S310
            return
        except OSError:
            time.sleep(0.1)
    stop(process)
    raise SystemExit(f"{name} did not start")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def portal_environment(database_url: str, redis_url: str) -> dict[str, str]:
    """Production-like settings for the benchmark's own processes: DEBUG off, fresh keys."""
    from cryptography.fernet import Fernet

    return {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "STAAS_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_QUEUE": f"staas-bench-{uuid.uuid4().hex[:10]}",
        "LOG_LEVEL": "INFO",
    }


def fresh_postgres_database(database_url: str) -> None:
    """Drops and creates the database the URL names, so every run starts empty."""
    import psycopg

    base, name = database_url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def setup_django(environment: dict[str, str]) -> None:
    """Django configured by the environment given, migrated, in this process."""
    os.environ.update(environment)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "staas_portal.settings")
    sys.path.insert(0, str(REPO))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def log_to_file(path: Path) -> None:
    """The settings log to the console; the benchmark's own lines go to a file instead,
    formatted as in production, so that the process still pays for each line."""
    import logging

    root = logging.getLogger()
    for handler in list(root.handlers):
        if type(handler) is logging.StreamHandler:
            root.removeHandler(handler)
            replacement = logging.FileHandler(path)
            replacement.setFormatter(handler.formatter)
            for kept in handler.filters:
                replacement.addFilter(kept)
            root.addHandler(replacement)


def start_workers(count: int, environment: dict[str, str], log_dir: Path) -> list:
    """`count` single-process Celery workers on the environment's queue, once they answer."""
    from staas_portal.celery import app

    queue = environment["CELERY_QUEUE"]
    workers = []
    for number in range(count):
        log = (log_dir / f"worker-{number}.log").open("w")
        command = [
            sys.executable, "-m", "celery", "-A", "staas_portal", "worker", "--pool=solo",
            "--loglevel=INFO", f"--hostname=bench{number}-{queue}@%h", "-Q", queue,
        ]  # fmt: skip
        workers.append(subprocess.Popen(
            command, cwd=REPO, env={**os.environ, **environment}, stdout=log, stderr=log
        ))  # fmt: skip

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=0.5) or []
        names = [name for reply in replies for name in reply if queue in name]
        if len(names) >= count:
            return workers
    for worker in workers:
        stop(worker)
    raise SystemExit("the Celery workers did not come up")
