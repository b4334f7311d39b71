"""The HTTP side: one threaded server on loopback, routing every request to the
control calls, the admin API or the data plane, with faults on admin calls."""

import contextlib
import logging
import socket
import socketserver
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from staas_portal.gateway.emulator import usage
from staas_portal.gateway.emulator.admin_api import AdminApi
from staas_portal.gateway.emulator.auth import Principal, authenticate
from staas_portal.gateway.emulator.control import PREFIX, Control
from staas_portal.gateway.emulator.data_plane import DataPlane, split_path
from staas_portal.gateway.emulator.messages import (
    Request,
    Response,
    S3Error,
    error_response,
    is_whole_number,
)
from staas_portal.gateway.emulator.state import SYSTEM_FLAG, Store
from staas_portal.gateway.emulator.switches import Faults, Features

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 17 * 1024 * 1024
# stop() waits up to this long for the serving loop; tests stop one emulator per test.
POLL_SECONDS = 0.01
MALFORMED_BODY = b'{"UserEmail": "trunc'
REDACTED_PARAMS = ("signature", "token", "credential")


class Emulator:
    """The gateway behind the HTTP server: takes a Request, gives a Response."""

    def __init__(self, store: Store, *, region: str, period: int, clock=time.time):
        self.store = store
        self.region = region
        self.period = period
        self.clock = clock
        self.features = Features()
        self.faults = Faults()
        self.admin = AdminApi(store, self.features)
        self.data_plane = DataPlane(store, clock=clock)
        self.control = Control(self)

    def handle(self, request: Request) -> Response:
        response = self._route(request)
        response.headers.setdefault("x-amz-request-id", request.request_id)
        return response

    def _route(self, request: Request) -> Response:
        if request.path.startswith(PREFIX):
            return self.control.handle(request)

        style = self.features.error_style if request.is_admin else "xml"
        try:
            with self.store.lock:
                principal = authenticate(
                    request, self.store.data, region=self.region, now=self.clock()
                )
            if request.is_admin or _is_bucket_delete(request, principal):
                return self._admin_call(request, principal)
            with self.store.lock:
                return self.data_plane.handle(request, principal)
        except S3Error as error:
            return error_response(error, style, request.request_id)

    def _admin_call(self, request: Request, principal: Principal) -> Response:
        style = self.features.error_style
        if not principal.is_system:
            raise S3Error(403, "AccessDenied", "Access Denied: not a system user's key")
        faults = self.faults.next_call(request.method)
        # Outside the store's lock: a slow call holds up no other.
        time.sleep(faults.delay("before"))
        if faults.fault_in("before") is not None:
            return _fault_response(faults.fault, None, style, request.request_id)

        try:
            with self.store.lock:
                response = self._admin_dispatch(request)
        except S3Error as error:
            response = error_response(error, style, request.request_id)
        # The change is saved by now, so a client that gives up still finds it made.
        time.sleep(faults.delay("after"))
        if faults.fault is not None:
            return _fault_response(faults.fault, response, style, request.request_id)
        return response

    def _admin_dispatch(self, request: Request) -> Response:
        if request.is_admin:
            return self.admin.handle(request)
        return self.admin.delete_bucket(split_path(request.path)[0])

    # Usage statistics and resets, for the period timer and the control calls

    def end_period(self) -> str | None:
        with self.store.change() as data:
            name = usage.end_period(data, period=self.period, now=self.clock())
        if name is not None:
            logger.info("wrote statistics object %s", name)
        return name

    def generate_usage(
        self, *, objects: int, items: int, user_ids: list[str] | None, start_ts: int | None
    ) -> list[str]:
        if start_ts is None:
            start_ts = int(self.clock()) - objects * self.period
        with self.store.change() as data:
            names = usage.generate(
                data,
                objects=objects,
                items=items,
                user_ids=user_ids or _customer_ids(data),
                start_ts=start_ts,
                period=self.period,
            )
        logger.info("generated %d statistics objects of %d items", objects, items)
        return names

    def reset(self) -> None:
        self.store.reset()
        self.features.reset()
        self.faults.clear()
        logger.info("reset to an empty cluster")


def _customer_ids(data: dict) -> list[str]:
    """The non-system users, or made-up ids when there are none yet."""
    ids = [user["id"] for user in data["users"].values() if SYSTEM_FLAG not in user["flags"]]
    return ids or [f"{number:016x}" for number in range(1, 4)]


def _is_bucket_delete(request: Request, principal: Principal) -> bool:
    """The system key deleting a bucket: the manual's `DELETE /<bucket>`."""
    bucket, key = split_path(request.path)
    return principal.is_system and request.method == "DELETE" and bool(bucket) and not key


def _fault_response(fault: str, real: Response | None, style: str, request_id: str) -> Response:
    if fault == "drop":
        return Response(0, drop=True)
    if fault == "fail":
        error = S3Error(
            500, "InternalError", "We encountered an internal error. Please try again."
        )
        return error_response(error, style, request_id)
    # Half of the real answer where there is one, else a JSON string never closed.
    body = real.body[: len(real.body) // 2] if real is not None and len(real.body) > 1 else b""
    return Response(200, body or MALFORMED_BODY, {"Content-Type": "application/json"})


def _loggable_target(request: Request) -> str:
    parts = [
        part
        for part in request.raw_query.split("&")
        if part and not any(word in part.split("=", 1)[0].lower() for word in REDACTED_PARAMS)
    ]
    return request.raw_path + ("?" + "&".join(parts) if parts else "")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "GatewayEmulator"
    # An idle keep-alive connection is closed after this long.
    timeout = 60
    # Headers and body go out in two writes; with Nagle's algorithm on, the body
    # waits for the client's delayed ACK and every call takes 40 ms longer.
    disable_nagle_algorithm = True

    def do_GET(self):
        self._serve()

    do_HEAD = do_PUT = do_POST = do_DELETE = do_GET

    def _serve(self) -> None:
        started = time.monotonic()
        raw_path, _, raw_query = self.path.partition("?")
        request = Request(
            method=self.command,
            raw_path=raw_path,
            raw_query=raw_query,
            headers={name: ",".join(self.headers.get_all(name)) for name in self.headers},
            client_ip=self.client_address[0],
        )
        response = self._answer(request)

        outcome = "dropped" if response.drop else response.status
        if response.drop:
            self.close_connection = True
        else:
            try:
                self._write(request, response)
            except (BrokenPipeError, ConnectionResetError):
                # A client that timed out on a slow answer has gone away.
                self.close_connection = True
                outcome = f"{response.status}, client gone"
        elapsed_ms = (time.monotonic() - started) * 1000
        logger.info(
            "%s %s %s %s %.1fms",
            request.client_ip,
            request.method,
            _loggable_target(request),
            outcome,
            elapsed_ms,
        )

    def _answer(self, request: Request) -> Response:
        try:
            request.body = self._read_body()
        except S3Error as error:
            # The rest of the body is still on the wire: the connection cannot go on.
            self.close_connection = True
            return error_response(error, "xml", request.request_id)
        try:
            return self.server.emulator.handle(request)
        except Exception:
            logger.exception("failed on %s %s", request.method, _loggable_target(request))
            error = S3Error(500, "InternalError", "The emulator failed; see its log.")
            return error_response(error, "xml", request.request_id)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length = self.headers.get("Content-Length", "")
        if not length:
            return b""
        if not is_whole_number(length):
            raise S3Error(400, "InvalidArgument", "Content-Length is not a number")
        if int(length) > MAX_BODY_BYTES:
            raise S3Error(400, "EntityTooLarge", "The emulator takes bodies up to 17 MiB")
        return self.rfile.read(int(length))

    def _read_chunked(self) -> bytes:
        chunks, total = [], 0
        while True:
            size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline().strip():
                    pass
                return b"".join(chunks)
            total += size
            if total > MAX_BODY_BYTES:
                raise S3Error(400, "EntityTooLarge", "The emulator takes bodies up to 17 MiB")
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    def _write(self, request: Request, response: Response) -> None:
        self.send_response(response.status)
        headers = dict(response.headers)
        if response.status != 204:
            headers.setdefault("Content-Length", str(len(response.body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if request.method != "HEAD" and response.body:
            self.wfile.write(response.body)

    def log_request(self, code="-", size="-"):
        # _serve logs one line per request with the elapsed time instead.
        pass

    def log_message(self, format, *args):
        logger.debug(format, *args)


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], emulator: Emulator):
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.emulator = emulator
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self):
        # HTTPServer.server_bind looks the host name up in DNS, which can stall start-up.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def process_request(self, request, client_address):
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Ends kept-alive connections, whose threads would otherwise serve on after stop."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class EmulatorServer:
    """The emulator on `host:port` (0 picks a free port), served from daemon threads."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        state_path: str | Path,
        access_key: str,
        secret_key: str,
        period: int = 300,
        region: str = "us-east-1",
        save_every: float = 0.0,
    ):
        if period <= 0:
            raise ValueError("the statistics period must be a positive number of seconds")
        if save_every < 0:
            raise ValueError("save_every must be 0 (save on every change) or more seconds")
        self.region = region
        self.period = period
        self.save_every = save_every
        self.store = Store(
            Path(state_path), access_key=access_key, secret_key=secret_key,
            save_later=save_every > 0,
        )  # fmt: skip
        self.emulator = Emulator(self.store, region=region, period=period)
        self._httpd = _HttpServer((host, port), self.emulator)
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def host(self) -> str:
        return self._httpd.server_address[0]

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def start(self) -> "EmulatorServer":
        serving = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": POLL_SECONDS}, daemon=True
        )
        ticking = threading.Thread(target=self._tick, daemon=True)
        self._threads = [serving, ticking]
        if self.save_every:
            self._threads.append(threading.Thread(target=self._save_now_and_then, daemon=True))
        for thread in self._threads:
            thread.start()
        logger.info(
            "gateway emulator on %s, region %s, statistics every %ss, state in %s",
            self.url,
            self.region,
            self.period,
            self.store.path,
        )
        return self

    def _tick(self) -> None:
        while not self._stopping.wait(self.period):
            try:
                self.emulator.end_period()
            except Exception:
                logger.exception("could not close the statistics period")

    def _save_now_and_then(self) -> None:
        while not self._stopping.wait(self.save_every):
            try:
                self.store.save_if_changed()
            except Exception:
                logger.exception("could not save the state to %s", self.store.path)

    def stop(self) -> None:
        if self._stopping.is_set():
            return
        self._stopping.set()
        if self._threads:
            self._httpd.shutdown()
        self._httpd.close_connections()
        self._httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads = []
        self.store.save_if_changed()
        logger.info("gateway emulator on %s stopped", self.url)

    def __enter__(self) -> "EmulatorServer":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
