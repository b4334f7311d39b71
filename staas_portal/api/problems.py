"""Every error of the API as application/problem+json (RFC 9457).

A problem's `type` is a stable identifier, `https://staas-portal.example/problems/<name>`,
that a client may switch on; README.md's API section documents each one. It names
a kind of problem and is not meant to be fetched. HTTP errors that need no more
than their status (405, 406, 415) use `about:blank`.
"""

import logging
from dataclasses import dataclass
from http import HTTPStatus

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import set_rollback

from staas_portal.api.authentication import CHALLENGE
from staas_portal.audit.services import ServiceRefused
from staas_portal.core.views import server_error
from staas_portal.customers.services import BucketsOwned
from staas_portal.gateway.errors import GatewayError
from staas_portal.limits.services import NotOwnBucket

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_BASE = "https://staas-portal.example/problems/"
API_PREFIX = "/api/"
SERVER_ERROR_DETAIL = "The portal failed to answer; quote the request id to the provider."


@dataclass(frozen=True)
class ProblemType:
    name: str
    status: int
    title: str
    meaning: str

    @property
    def uri(self) -> str:
        return PROBLEM_BASE + self.name


class BlankProblem(ProblemType):
    """`about:blank`: the status says it all, and the title is its phrase."""

    @property
    def uri(self) -> str:
        return "about:blank"


def blank_problem(code: int) -> ProblemType:
    phrase = HTTPStatus(code).phrase
    return BlankProblem(phrase, code, phrase, "")


def problem_type(name: str, status: int, title: str, meaning: str) -> ProblemType:
    found = ProblemType(name, status, title, meaning)
    PROBLEM_TYPES[name] = found
    return found


PROBLEM_TYPES: dict[str, ProblemType] = {}

INVALID = problem_type(
    "invalid-request", 400, "The request is not valid",
    "a field, query parameter or header is missing or wrong; `errors` names each one",
)  # fmt: skip
MALFORMED = problem_type(
    "malformed-body", 400, "The request body is not JSON", "the body could not be parsed"
)
UNAUTHENTICATED = problem_type(
    "unauthenticated", 401, "No valid API token",
    "the Authorization header is missing, or its token is unknown or revoked",
)  # fmt: skip
FORBIDDEN = problem_type(
    "forbidden", 403, "Not allowed", "the token's scope does not allow the call"
)
NOT_FOUND = problem_type(
    "not-found", 404, "No such resource", "nothing in the portal has this address"
)
ALREADY_EXISTS = problem_type(
    "already-exists", 409, "It exists already",
    "another record has this value; `errors` names the field",
)  # fmt: skip
REFUSED = problem_type(
    "refused", 409, "Refused by a rule of the portal",
    "the current state does not allow it (an S3 account left, a third key pair, ...); "
    "nothing was changed",
)  # fmt: skip
BUCKETS_OWNED = problem_type(
    "s3-user-owns-buckets", 409, "The S3 user owns buckets",
    "terminate with `delete_buckets=true`, or delete the buckets first; `buckets` names them",
)  # fmt: skip
KEY_IN_USE = problem_type(
    "idempotency-key-in-use", 409, "The first request with this key is still running",
    "repeat the request once it has been answered",
)  # fmt: skip
KEY_REUSED = problem_type(
    "idempotency-key-reused", 422, "The Idempotency-Key was used for another request",
    "the same key came with another method, path or body; use a new key",
)  # fmt: skip
SERVER_ERROR = problem_type(
    "server-error", 500, "The portal failed",
    "a fault in the portal; `request_id` finds its log lines",
)  # fmt: skip


def gateway_problem_name(kind: str) -> str:
    return "gateway-error" if kind == "gateway_error" else "gateway-" + kind.replace("_", "-")


GATEWAY_PROBLEMS = {
    kind: problem_type(gateway_problem_name(kind), status, title, meaning)
    for kind, status, title, meaning in [
        ("not_found", 404, "The gateway has no such thing",
         "the S3 user, key pair or bucket is not on the cluster"),
        ("conflict", 409, "The gateway refused because of the current state",
         "e.g. an email the cluster already has, or a bucket that is not empty"),
        ("access_denied", 502, "The gateway refused the portal's credentials",
         "the cluster's system key is wrong or the clocks differ: the provider must act"),
        ("invalid_request", 502, "The gateway rejected the portal's request",
         "the portal sent something the gateway does not accept"),
        ("server_error", 502, "The gateway failed", "the gateway answered with a 5xx error"),
        ("protocol_error", 502, "The gateway's answer could not be understood",
         "a success whose body is not what the call returns"),
        ("unavailable", 503, "The gateway cannot be reached",
         "refused, DNS, TLS or a dropped connection; try again later"),
        ("timeout", 504, "The gateway did not answer in time", "try again later"),
        ("feature_missing", 501, "The cluster's gateway does not support this",
         "e.g. storage quotas on a gateway without ostor-quotas"),
        ("gateway_error", 502, "The gateway refused the request", "any other gateway failure"),
    ]
}  # fmt: skip


class Problem(exceptions.APIException):
    """An API answer that is a problem of a known type, with its own members."""

    def __init__(self, kind: ProblemType, detail: str, **members):
        super().__init__(detail)
        self.status_code = kind.status
        self.kind, self.members = kind, members


def field_problem(kind: ProblemType, field: str, detail: str) -> Problem:
    return Problem(kind, detail, errors=[{"field": field, "detail": detail}])


def exception_handler(exc, context):
    """The problem that answers `exc`: every exception ends here, never as a traceback."""
    request = context["request"]
    kind, detail, members, headers = problem_of(exc, request)
    set_rollback()
    return Response(
        problem_body(kind, detail, request, **members),
        status=kind.status,
        headers=headers,
        content_type=PROBLEM_CONTENT_TYPE,
    )


def problem_of(exc, request) -> tuple:
    """(type, detail, members, headers) for the exception."""
    if isinstance(exc, Problem):
        return exc.kind, str(exc.detail), dict(exc.members), {}
    if isinstance(exc, GatewayError):
        return gateway_problem(exc)
    if isinstance(exc, NotOwnBucket):
        return NOT_FOUND, str(exc), {}, {}
    if isinstance(exc, BucketsOwned):
        return BUCKETS_OWNED, str(exc), {"buckets": exc.bucket_names}, {}
    if isinstance(exc, ServiceRefused):
        return REFUSED, str(exc), {}, {}
    if isinstance(exc, DjangoValidationError):
        return invalid_problem(django_errors(exc))
    if isinstance(exc, exceptions.ValidationError):
        return invalid_problem(flatten(exc.detail))
    if isinstance(exc, Http404 | exceptions.NotFound):
        return NOT_FOUND, str(exc) or NOT_FOUND.title, {}, {}
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        header = getattr(exc, "auth_header", None)
        return UNAUTHENTICATED, str(exc.detail), {}, {"WWW-Authenticate": header or CHALLENGE}
    if isinstance(exc, PermissionDenied | exceptions.PermissionDenied):
        return FORBIDDEN, str(exc) or FORBIDDEN.title, {}, {}
    if isinstance(exc, exceptions.ParseError):
        return MALFORMED, str(exc.detail), {}, {}
    if isinstance(exc, exceptions.APIException):
        return blank_problem(exc.status_code), str(exc.detail), {}, {}

    logger.exception("API request %s %s failed", request.method, request.path)
    return SERVER_ERROR, SERVER_ERROR_DETAIL, {}, {}


def gateway_problem(error: GatewayError) -> tuple:
    kind = GATEWAY_PROBLEMS.get(error.kind, GATEWAY_PROBLEMS["gateway_error"])
    members = {
        "gateway": error.gateway,
        "gateway_message": error.message,
        "gateway_status": error.status,
    }
    return kind, str(error), members, {}


def invalid_problem(errors: list[dict]) -> tuple:
    fields = ", ".join(dict.fromkeys(error["field"] or "the request" for error in errors))
    return INVALID, f"Check {fields}.", {"errors": errors}, {}


def flatten(detail, path: str = "") -> list[dict]:
    """DRF's nested error detail as a flat list, each error with its field's dotted path."""
    if isinstance(detail, dict):
        return [
            error for name, inner in detail.items() for error in flatten(inner, dotted(path, name))
        ]
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return [{"field": path or None, "detail": str(item)} for item in detail]
        return [error for index, inner in enumerate(detail)
                for error in flatten(inner, dotted(path, str(index)))]  # fmt: skip
    return [{"field": path or None, "detail": str(detail)}]


def dotted(path: str, name: str) -> str:
    if name in ("non_field_errors", "__all__"):
        return path
    return f"{path}.{name}" if path else name


def django_errors(error: DjangoValidationError) -> list[dict]:
    if hasattr(error, "error_dict"):
        return flatten({name: list(messages) for name, messages in error.message_dict.items()})
    return flatten(list(error.messages))


def problem_body(kind: ProblemType, detail: str, request, **members) -> dict:
    body = {
        "type": kind.uri,
        "title": kind.title,
        "status": kind.status,
        "detail": detail,
        "instance": request.path,
        "request_id": getattr(request, "request_id", ""),
    }
    return {**body, **members}


def problem_response(kind: ProblemType, detail: str, request) -> JsonResponse:
    """A problem answered outside the REST framework: Django's own 404 and 500."""
    return JsonResponse(
        problem_body(kind, detail, request),
        status=kind.status,
        content_type=PROBLEM_CONTENT_TYPE,
    )


def is_api_request(request) -> bool:
    return request.path.startswith(API_PREFIX)


def server_error_handler(request):
    if is_api_request(request):
        return problem_response(SERVER_ERROR, SERVER_ERROR_DETAIL, request)
    return server_error(request)
