import json
import os
import secrets
import signal
import string
import subprocess
import sys
import time
import urllib.error
import urllib.request
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from staas_portal.clusters.services import ensure_cluster_from_settings

STARTUP_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 10


class Command(BaseCommand):
    help = (
        "Runs the whole portal on this machine: the web server; the gateway emulator as "
        "the default gateway when STAAS_GATEWAY_URL is unset; and a Celery worker and beat "
        "when REDIS_URL is set. Loads the demo logins on the first start. Ctrl-C stops "
        "everything it started."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--gateway-port", type=int, default=9000, help="the emulator's port, when it runs"
        )

    def handle(self, *args, host, port, gateway_port, **options):
        demo = StringIO()
        call_command("seed_demo", stdout=demo)

        # SIGTERM (from `kill` or a supervisor) takes the same way out as Ctrl-C.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        children = {}
        try:
            if not settings.STAAS_GATEWAY["url"]:
                gateway_url = self.start_emulator(gateway_port, children)
                demo.write(f"Gateway emulator (the default gateway): {gateway_url}\n")
            if cluster := ensure_cluster_from_settings():
                demo.write(f"Cluster {cluster.name!r} added as the default, from the settings.\n")
            children["web"] = self.start([self.manage, "runserver", f"{host}:{port}"])
            if settings.REDIS_URL:
                children["worker"] = self.start(self.celery("worker", "--loglevel=INFO"))
                children["beat"] = self.start(
                    self.celery("beat", "--loglevel=INFO", *self.beat_args)
                )

            url = f"http://{host}:{port}/"
            self.wait_until_serving(url + "login/", children)
            self.stdout.write(self.style.SUCCESS(f"\nStaaS Portal is running at {url}"))
            self.stdout.write(demo.getvalue())
            self.stdout.write(f"Running: {', '.join(children)}. Press Ctrl-C to stop.\n")
            self.stdout.flush()
            self.watch(children)
        except KeyboardInterrupt:
            self.stdout.write("\nStopping...")
        finally:
            self.stop(children)

    def start_emulator(self, port: int, children: dict) -> str:
        """Starts the emulator and hands its URL and system key to every later child."""
        state = Path(settings.VAR_DIR) / "emulator.json"
        os.environ.update(
            {
                **self.emulator_keys(),
                "STAAS_GATEWAY_URL": f"http://127.0.0.1:{port}/",
                "STAAS_GATEWAY_SIGNATURE": "v2",
            }
        )
        settings.STAAS_GATEWAY.update(
            url=os.environ["STAAS_GATEWAY_URL"],
            access_key=os.environ["STAAS_GATEWAY_ACCESS_KEY"],
            secret_key=os.environ["STAAS_GATEWAY_SECRET_KEY"],
            signature="v2",
        )
        children["gateway"] = self.start(
            ["-m", "staas_portal.gateway.emulator", "--port", str(port), "--state", str(state)]
        )
        self.wait_until_serving(f"http://127.0.0.1:{port}/_emulator/features", children)
        return os.environ["STAAS_GATEWAY_URL"]

    def emulator_keys(self) -> dict[str, str]:
        """The emulator's system key pair, made on the first start and kept in var/."""
        key_file = Path(settings.VAR_DIR) / "emulator-key.json"
        if key_file.exists():
            return json.loads(key_file.read_text())

        user_id = secrets.token_hex(8)
        suffix = "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(4))
        alphabet = string.ascii_letters + string.digits
        keys = {
            "STAAS_GATEWAY_ACCESS_KEY": user_id + suffix,
            "STAAS_GATEWAY_SECRET_KEY": "".join(secrets.choice(alphabet) for _ in range(40)),
        }
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(json.dumps(keys))
        key_file.chmod(0o600)
        return keys

    @property
    def manage(self) -> str:
        return str(Path(settings.BASE_DIR) / "manage.py")

    @property
    def beat_args(self) -> list[str]:
        return [f"--schedule={Path(settings.VAR_DIR) / 'celerybeat-schedule'}"]

    def celery(self, *arguments: str) -> list[str]:
        return ["-m", "celery", "-A", "staas_portal", *arguments]

    def start(self, arguments: list[str]) -> subprocess.Popen:
        # Each child leads its own process group, so that stopping it also stops
        # whatever it forked (runserver's reloader child, Celery's pool).
        return subprocess.Popen([sys.executable, *arguments], start_new_session=True)

    def wait_until_serving(self, url: str, children: dict) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            self.check_alive(children)
            try:
                with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (our own loopback URL)
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        raise CommandError(f"Nothing answered at {url} within {STARTUP_TIMEOUT_SECONDS} seconds.")

    def watch(self, children: dict) -> None:
        while True:
            self.check_alive(children)
            time.sleep(0.5)

    def check_alive(self, children: dict) -> None:
        for name, process in children.items():
            if process.poll() is not None:
                raise CommandError(f"The {name} process stopped (exit code {process.returncode}).")

    def stop(self, children: dict) -> None:
        for process in children.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)

        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for process in children.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
