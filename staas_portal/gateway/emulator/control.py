"""Control calls under `/_emulator/`, for tests and benchmarks (see the package
docstring for the list). They need no signature, so only loopback clients get
them: anyone who can reach the loopback interface can read the state file too.
"""

import ipaddress
import json
import logging
from collections.abc import Callable

from staas_portal.gateway.emulator import usage
from staas_portal.gateway.emulator.messages import Request, Response, json_response
from staas_portal.gateway.emulator.switches import parse_plan

logger = logging.getLogger(__name__)

PREFIX = "/_emulator/"


def is_loopback(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_loopback


def _error(status: int, message: str) -> Response:
    return json_response(status, {"error": message})


class Control:
    def __init__(self, emulator):
        self.emulator = emulator
        self.routes: dict[tuple[str, str], Callable[[dict], Response]] = {
            ("GET", "state"): self._state,
            ("POST", "reset"): self._reset,
            ("GET", "features"): self._features,
            ("POST", "features"): self._set_features,
            ("GET", "faults"): self._faults,
            ("POST", "faults"): self._set_faults,
            ("DELETE", "faults"): self._clear_faults,
            ("POST", "usage/end-period"): self._end_period,
            ("POST", "usage/generate"): self._generate,
        }

    def handle(self, request: Request) -> Response:
        if not is_loopback(request.client_ip):
            logger.warning("refused a control call from %s", request.client_ip)
            return _error(403, "control calls are for loopback clients only")
        route = self.routes.get((request.method, request.path[len(PREFIX) :].strip("/")))
        if route is None:
            return _error(404, f"no control call {request.method} {request.path}")

        try:
            return route(self._document(request.body))
        except ValueError as error:
            return _error(400, str(error))

    def _document(self, body: bytes) -> dict:
        if not body.strip():
            return {}
        try:
            document = json.loads(body)
        except ValueError:
            raise ValueError("the body is not JSON") from None
        if not isinstance(document, dict):
            raise ValueError("the body must be a JSON object")
        return document

    def _state(self, document: dict) -> Response:
        with self.emulator.store.lock:
            return json_response(200, self.emulator.store.data)

    def _reset(self, document: dict) -> Response:
        self.emulator.reset()
        return json_response(200, {"reset": True})

    def _features(self, document: dict) -> Response:
        return json_response(200, self.emulator.features.as_dict())

    def _set_features(self, document: dict) -> Response:
        self.emulator.features.update(document)
        logger.info("features now %s", self.emulator.features.as_dict())
        return self._features(document)

    def _faults(self, document: dict) -> Response:
        return json_response(200, self.emulator.faults.as_dict())

    def _set_faults(self, document: dict) -> Response:
        self.emulator.faults.replace(parse_plan(document))
        logger.info("faults now %s", self.emulator.faults.as_dict())
        return self._faults(document)

    def _clear_faults(self, document: dict) -> Response:
        self.emulator.faults.clear()
        return self._faults(document)

    def _end_period(self, document: dict) -> Response:
        return json_response(200, {"name": self.emulator.end_period()})

    def _generate(self, document: dict) -> Response:
        names = self.emulator.generate_usage(**generate_settings(document))
        return json_response(200, {"names": names})


def _is_count(value) -> bool:
    # JSON true is a Python int too, and no count.
    return isinstance(value, int) and not isinstance(value, bool)


def generate_settings(document: dict) -> dict:
    """The checked arguments of a `usage/generate` call; ValueError names the bad one."""
    unknown = sorted(set(document) - {"objects", "items", "user_ids", "start_ts"})
    if unknown:
        raise ValueError(f"unknown setting {unknown[0]!r}")
    settings = {
        "objects": document.get("objects", 1),
        "items": document.get("items", 1),
        "user_ids": document.get("user_ids"),
        "start_ts": document.get("start_ts"),
    }

    for name in ("objects", "items"):
        if not _is_count(settings[name]) or not 0 <= settings[name] <= usage.MAX_GENERATED:
            raise ValueError(f"{name} must be a whole number from 0 to {usage.MAX_GENERATED}")
    if settings["start_ts"] is not None and not _is_count(settings["start_ts"]):
        raise ValueError("start_ts must be a Unix time in whole seconds")
    user_ids = settings["user_ids"]
    if user_ids is not None and not (
        isinstance(user_ids, list) and user_ids and all(isinstance(i, str) and i for i in user_ids)
    ):
        raise ValueError("user_ids must be a non-empty list of user ids")
    return settings
