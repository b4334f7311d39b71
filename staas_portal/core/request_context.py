"""The id of the request being served, shared by its log lines and the tasks it starts."""

import re
import uuid
from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")

# An id from a trusted proxy is kept so that its logs and ours line up; anything
# else (too long, odd characters that could forge log lines) is replaced.
ACCEPTABLE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def new_request_id() -> str:
    return uuid.uuid4().hex


def accept_request_id(candidate: str | None) -> str:
    if candidate and ACCEPTABLE_REQUEST_ID.match(candidate):
        return candidate
    return new_request_id()


def current_request_id() -> str:
    return request_id_var.get()
