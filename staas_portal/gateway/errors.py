"""What can go wrong when talking to a gateway, one type per kind of failure.

Each error keeps the gateway's own message, wherever the gateway put it, so the
portal can show one specific sentence instead of a status code.
"""

import json
import xml.etree.ElementTree as ElementTree
from collections.abc import Mapping

UNCONFIRMED_NOTE = (
    "The gateway may have made the change all the same: the next reconcile run reads it "
    "back and records what it finds."
)


class GatewayError(Exception):
    """A call to a gateway that did not do what was asked."""

    kind = "gateway_error"
    summary = "The gateway refused the request"
    # Whether the gateway may have carried the request out all the same. A refusal
    # says it did not; a request that got no clear answer may have been done.
    may_have_acted = False

    def __init__(
        self,
        message: str,
        *,
        gateway: str = "",
        status: int | None = None,
        code: str = "",
        may_have_acted: bool | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.gateway = gateway
        self.status = status
        self.code = code
        if may_have_acted is not None:
            self.may_have_acted = may_have_acted
        # Set by a service that leaves its change for reconcile to settle.
        self.change_unconfirmed = False

    def __str__(self) -> str:
        text = f"{self.summary}: {self.message}" if self.message else self.summary
        if not self.change_unconfirmed:
            return text
        return f"{text.rstrip('.')}. {UNCONFIRMED_NOTE}"


class GatewayNotFound(GatewayError):
    kind = "not_found"
    summary = "The gateway has no such thing"


class GatewayConflict(GatewayError):
    """A third key pair, a user who owns buckets, an email already taken, a full bucket."""

    kind = "conflict"
    summary = "The gateway refused because of the current state"


class GatewayAccessDenied(GatewayError):
    """Bad signature, unknown or non-system key, skewed clock."""

    kind = "access_denied"
    summary = "The gateway refused the portal's credentials"


class GatewayInvalidRequest(GatewayError):
    kind = "invalid_request"
    summary = "The gateway rejected the request as invalid"


class GatewayServerError(GatewayError):
    kind = "server_error"
    summary = "The gateway failed while handling the request"
    may_have_acted = True


class GatewayUnavailable(GatewayError):
    """Connection refused, DNS failure, TLS failure, connection dropped.

    Only a dropped connection may have carried a request: the client says which.
    """

    kind = "unavailable"
    summary = "The gateway cannot be reached"


class GatewayTimeout(GatewayError):
    kind = "timeout"
    summary = "The gateway did not answer in time"
    may_have_acted = True


class GatewayFeatureMissing(GatewayError):
    """The gateway does not have a call or option that newer gateways have."""

    kind = "feature_missing"
    summary = "This gateway does not support that"


class GatewayProtocolError(GatewayError):
    """A success whose body is not what the call returns."""

    kind = "protocol_error"
    summary = "The gateway's answer could not be understood"
    may_have_acted = True


ERROR_HEADER = "X-Amz-Err-Message"


def error_details(status: int, reason: str, headers: Mapping[str, str], body: bytes):
    """The gateway's own (message, code) from a JSON body, an S3 XML <Error>
    body or the X-Amz-Err-Message header; the status line when it gave none."""
    message, code = _from_xml(body) or _from_json(body) or ("", "")
    message = message or headers.get(ERROR_HEADER, "").strip()
    return message or f"HTTP {status} {reason}".strip(), code


def _from_xml(body: bytes) -> tuple[str, str] | None:
    if not body.lstrip().startswith(b"<"):
        return None
    try:
        root = ElementTree.fromstring(body)  # noqa: S314 (no entities: stdlib parser, small body)
    except ElementTree.ParseError:
        return None
    if root.tag != "Error":
        return None
    return (root.findtext("Message") or "").strip(), (root.findtext("Code") or "").strip()


def _from_json(body: bytes) -> tuple[str, str] | None:
    try:
        document = json.loads(body)
    except ValueError:
        return None
    if not isinstance(document, dict):
        return None

    lowered = {str(key).lower(): value for key, value in document.items()}
    message = lowered.get("message") or lowered.get("error") or ""
    code = lowered.get("code") or ""
    return str(message).strip(), str(code).strip()
