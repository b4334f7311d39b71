"""Fixtures that start the gateway emulator on loopback, and helpers to talk to it.

`gateway_emulator` serves a fresh emulator for one test and yields an
EmulatorHandle: its URL and system key, control calls, signed admin calls sent
without the portal's client, and boto3 clients for customers' keys.
"""

import functools
import http.client
import json as json_module
import secrets
import urllib.request
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

from staas_portal.gateway import signing
from staas_portal.gateway.emulator import EmulatorServer

REGION = "us-east-1"
# Long enough that no statistics period closes on its own during a test.
TEST_PERIOD = 3600
BOTO_SIGNATURES = {"v2": "s3", "v4": "s3v4"}
# Control calls go straight to loopback, whatever proxy the environment names.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class AdminAnswer:
    status: int
    headers: Message
    body: bytes

    def json(self) -> Any:
        return json_module.loads(self.body)

    @property
    def error_code(self) -> str:
        """The <Code> of an S3 XML error body."""
        root = ElementTree.fromstring(self.body)  # noqa: S314 (the emulator's own answer)
        return root.findtext("Code") or ""


@dataclass(frozen=True)
class Customer:
    email: str
    user_id: str
    access_key: str
    secret_key: str


class EmulatorHandle:
    def __init__(self, state_path: Path, access_key: str, secret_key: str, region: str):
        self.state_path = state_path
        self.access_key = access_key
        self.secret_key = secret_key
        self.region = region
        self.server = self._serve(port=0)

    def _serve(self, port: int) -> EmulatorServer:
        server = EmulatorServer(
            "127.0.0.1",
            port,
            state_path=self.state_path,
            access_key=self.access_key,
            secret_key=self.secret_key,
            period=TEST_PERIOD,
            region=self.region,
        )
        return server.start()

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def host(self) -> str:
        return f"{self.server.host}:{self.server.port}"

    def restart(self) -> None:
        """A new emulator process in all but name: same port, same state file."""
        port = self.server.port
        self.server.stop()
        self.server = self._serve(port)

    def stop(self) -> None:
        self.server.stop()

    # Control calls

    def control(self, method: str, path: str, json: Any = None) -> Any:
        if not path.startswith("/_emulator/"):
            path = "/_emulator/" + path.lstrip("/")
        data = None if json is None else json_module.dumps(json).encode()
        request = urllib.request.Request(  # noqa: S310 (a loopback http URL)
            self.url.rstrip("/") + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with _OPENER.open(request, timeout=10) as response:
            body = response.read()
        return json_module.loads(body) if body else None

    def state(self) -> dict:
        return self.control("GET", "state")

    def set_features(self, **features) -> dict:
        return self.control("POST", "features", features)

    def set_faults(self, **faults) -> dict:
        return self.control("POST", "faults", faults)

    def clear_faults(self) -> dict:
        return self.control("DELETE", "faults")

    def end_period(self) -> str | None:
        return self.control("POST", "usage/end-period", {})["name"]

    # Signed calls, made here without the portal's client

    def admin(
        self,
        method: str,
        pairs: list[tuple[str, str | None]],
        *,
        path: str = "/",
        signature: str = "v2",
        access_key: str | None = None,
        secret_key: str | None = None,
        now: datetime | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 10,
    ) -> AdminAnswer:
        """One signed call to the admin API (or `DELETE /<bucket>` with `path`)."""
        query = signing.build_query(pairs)
        signed = sign_admin(
            method=method,
            host=self.host,
            path=path,
            pairs=pairs,
            query=query,
            access_key=access_key or self.access_key,
            secret_key=secret_key or self.secret_key,
            region=self.region,
            signature=signature,
            now=now or datetime.now(UTC),
        )
        target = path + (f"?{query}" if query else "")
        return send(self.host, method, target, {**signed, **(headers or {})}, timeout=timeout)

    def create_customer(self, email: str) -> Customer:
        answer = self.admin("PUT", [("ostor-users", None), ("emailAddress", email)])
        assert answer.status == 200, answer.body
        document = answer.json()
        pair = document["AWSAccessKeys"][0]
        return Customer(
            email, document["UserId"], pair["AWSAccessKeyId"], pair["AWSSecretAccessKey"]
        )

    def s3_client(self, access_key: str, secret_key: str, *, signature: str = "s3v4"):
        return emulator_s3_client(self, access_key, secret_key, signature=signature)


def sign_admin(
    *, method, host, path, pairs, query, access_key, secret_key, region, signature, now
) -> dict[str, str]:
    if signature == "v4":
        return signing.v4_headers(
            method=method,
            host=host,
            path=path,
            query_pairs=pairs,
            body=b"",
            access_key=access_key,
            secret_key=secret_key,
            region=region,
            now=now,
        )
    if path == "/":
        return signing.v2_admin_headers(
            method=method, query=query, access_key=access_key, secret_key=secret_key, now=now
        )
    date = signing.http_date(now)
    string_to_sign = signing.v2_string_to_sign(
        method=method,
        content_md5="",
        content_type="",
        date=date,
        amz_headers={},
        resource=signing.v2_canonical_resource(path, pairs),
    )
    authorization = f"AWS {access_key}:{signing.v2_signature(secret_key, string_to_sign)}"
    return {"Date": date, "Authorization": authorization}


def send(
    host: str, method: str, target: str, headers: dict[str, str], body=b"", *, timeout=10
) -> AdminAnswer:
    connection = http.client.HTTPConnection(host, timeout=timeout)
    try:
        connection.request(method, target, body=body, headers=headers)
        response = connection.getresponse()
        return AdminAnswer(response.status, response.headers, response.read())
    finally:
        connection.close()


@functools.cache
def _boto3_session():
    """One session for the run: each new one loads the S3 service model again."""
    # Imported here so that only the tests that build a client pay boto3's import time.
    import boto3

    return boto3.session.Session()


def emulator_s3_client(
    emulator: EmulatorHandle, access_key: str, secret_key: str, *, signature: str = "s3v4"
):
    """boto3 against the emulator, path-style; signature "s3" or "v2", "s3v4" or "v4"."""
    from botocore.config import Config

    config = Config(
        signature_version=BOTO_SIGNATURES.get(signature, signature),
        s3={"addressing_style": "path"},
        retries={"total_max_attempts": 1},
    )
    return _boto3_session().client(
        "s3",
        endpoint_url=emulator.url,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        region_name=emulator.region,
        config=config,
    )


@pytest.fixture
def gateway_emulator(tmp_path):
    access_key = secrets.token_hex(8) + "SYST"
    handle = EmulatorHandle(
        tmp_path / "emulator.json", access_key, secrets.token_urlsafe(30), REGION
    )
    yield handle
    handle.stop()
