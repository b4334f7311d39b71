"""Reachability of a gateway, for the health endpoint."""

import logging
import time
from dataclasses import dataclass

import requests

logger = logging.getLogger(__name__)

PROBE_TIMEOUT = (3.0, 5.0)


@dataclass(frozen=True)
class ProbeResult:
    reachable: bool
    status_code: int | None
    elapsed_ms: float
    error: str = ""


def probe_gateway(url: str) -> ProbeResult:
    """Any HTTP answer, even a refusal of the unsigned request, shows the gateway is up."""
    started = time.monotonic()
    try:
        response = requests.get(url, timeout=PROBE_TIMEOUT, allow_redirects=False)
    except requests.RequestException as error:
        elapsed_ms = (time.monotonic() - started) * 1000
        logger.warning("gateway %s GET / failed after %.0fms: %s", url, elapsed_ms, error)
        return ProbeResult(False, None, elapsed_ms, type(error).__name__)

    elapsed_ms = (time.monotonic() - started) * 1000
    logger.info("gateway %s GET / answered %s in %.0fms", url, response.status_code, elapsed_ms)
    return ProbeResult(True, response.status_code, elapsed_ms)
