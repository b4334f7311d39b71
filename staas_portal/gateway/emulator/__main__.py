"""`python -m staas_portal.gateway.emulator`: serves until SIGINT or SIGTERM."""

import argparse
import logging
import os
import signal
import threading

from staas_portal.gateway.emulator.server import EmulatorServer

logger = logging.getLogger("staas_portal.gateway.emulator")


def positive_int(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be a positive number of seconds")
    return value


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m staas_portal.gateway.emulator",
        description="Serve an emulated ostor S3 gateway (admin API and S3) over HTTP.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--state", required=True, help="JSON file kept across restarts")
    # The keys default to the portal's own variables, so that a secret need not
    # appear on a command line where `ps` shows it to every user of the machine.
    parser.add_argument(
        "--access-key",
        default=os.environ.get("STAAS_GATEWAY_ACCESS_KEY"),
        help="the system user's access key (default: $STAAS_GATEWAY_ACCESS_KEY)",
    )
    parser.add_argument(
        "--secret-key",
        default=os.environ.get("STAAS_GATEWAY_SECRET_KEY"),
        help="the system user's secret key (default: $STAAS_GATEWAY_SECRET_KEY)",
    )
    parser.add_argument(
        "--period", type=positive_int, default=300, help="seconds per statistics object"
    )
    parser.add_argument("--region", default="us-east-1", help="the region V4 scopes must name")
    parser.add_argument(
        "--save-every",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="save the state at most this often and on stopping, instead of on every "
        "change (for benchmarks with thousands of writes); default 0, every change",
    )
    options = parser.parse_args(argv)
    for flag, variable in (
        ("--access-key", "STAAS_GATEWAY_ACCESS_KEY"),
        ("--secret-key", "STAAS_GATEWAY_SECRET_KEY"),
    ):
        if not getattr(options, flag[2:].replace("-", "_")):
            parser.error(f"{flag} is required (or set {variable})")
    return options


def main(argv: list[str] | None = None) -> None:
    options = parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    server = EmulatorServer(
        options.host,
        options.port,
        state_path=options.state,
        access_key=options.access_key,
        secret_key=options.secret_key,
        period=options.period,
        region=options.region,
        save_every=options.save_every,
    )

    stopping = threading.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda number, frame: stopping.set())
    server.start()
    # A timed wait returns to the interpreter often enough to run the signal handler.
    while not stopping.wait(0.5):
        pass

    logger.info("stopping on a signal")
    server.stop()


if __name__ == "__main__":
    main()
