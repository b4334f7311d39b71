"""Requests and answers as the emulator's handlers see them, and S3-style errors."""

import json
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote
from xml.sax.saxutils import escape

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
S3_NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/"
ERROR_HEADER = "X-Amz-Err-Message"
ERROR_STYLES = ("xml", "json", "header", "bare")

QueryPairs = list[tuple[str, str | None]]


def parse_query(raw_query: str) -> QueryPairs:
    """`a=1&flag&b=x%2By`: a part without `=` is a valueless flag, and a raw `+`
    stays a `+` (a gateway does not read it as a space)."""
    pairs: QueryPairs = []
    for part in raw_query.split("&"):
        if not part:
            continue
        name, separator, value = part.partition("=")
        pairs.append((unquote(name), unquote(value) if separator else None))
    return pairs


class S3Error(Exception):
    """A refusal, answered in the error style the caller's API uses."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def invalid_argument(message: str) -> S3Error:
    return S3Error(400, "InvalidArgument", message)


def is_whole_number(raw: str | None) -> bool:
    """ASCII digits only: `str.isdigit` also takes characters like `²` that int() refuses."""
    return bool(raw) and raw.isascii() and raw.isdigit()


@dataclass
class Request:
    method: str
    raw_path: str
    raw_query: str
    headers: dict[str, str]
    body: bytes = b""
    client_ip: str = "127.0.0.1"
    path: str = field(init=False)
    query: QueryPairs = field(init=False)
    request_id: str = field(init=False)

    def __post_init__(self):
        self.headers = {name.lower(): value for name, value in self.headers.items()}
        self.path = unquote(self.raw_path)
        self.query = parse_query(self.raw_query)
        self.request_id = secrets.token_hex(8).upper()

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")

    def has(self, name: str) -> bool:
        return any(key == name for key, _ in self.query)

    def param(self, name: str) -> str | None:
        """The first value of `name`: "" for a bare flag, None when absent."""
        for key, value in self.query:
            if key == name:
                return value or ""
        return None

    @property
    def is_admin(self) -> bool:
        """An `ostor-*` service call: the service is the first query part."""
        return self.path == "/" and bool(self.query) and self.query[0][0].startswith("ostor-")


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False


def empty_response(status: int) -> Response:
    return Response(status)


def json_response(status: int, document: Any) -> Response:
    body = json.dumps(document, indent=2).encode()
    return Response(status, body, {"Content-Type": "application/json"})


def xml_response(status: int, document: str) -> Response:
    body = (XML_DECLARATION + document).encode()
    return Response(status, body, {"Content-Type": "application/xml"})


def element(name: str, value: Any) -> str:
    return f"<{name}>{escape(str(value))}</{name}>"


def header_safe(text: str) -> str:
    """Header values travel as Latin-1 on one line."""
    flat = " ".join(text.split())
    return flat.encode("ascii", "backslashreplace").decode("ascii")


def error_response(error: S3Error, style: str, request_id: str) -> Response:
    if style == "json":
        return json_response(error.status, {"code": error.code, "message": error.message})
    if style == "bare":
        return Response(error.status)
    headers = {ERROR_HEADER: header_safe(error.message)}
    if style == "header":
        return Response(error.status, b"", headers)

    document = (
        "<Error>"
        + element("Code", error.code)
        + element("Message", error.message)
        + element("RequestId", request_id)
        + "</Error>"
    )
    response = xml_response(error.status, document)
    response.headers.update(headers)
    return response
