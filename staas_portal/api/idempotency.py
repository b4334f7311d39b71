"""Idempotency-Key: a create repeated with the same key is answered, not done again.

A key belongs to the token that sent it. The first request with a key records its
fingerprint (method, path, body) and, once answered with a success, the answer;
the same request again gets that answer, marked `Idempotent-Replayed: true`. A
request that failed keeps nothing, so that it can be retried with the same key.
"""

import hashlib
import json
import re
from functools import wraps

from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from staas_portal.api.models import IdempotencyKey
from staas_portal.api.problems import INVALID, KEY_IN_USE, KEY_REUSED, Problem, field_problem

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
ACCEPTABLE_KEY = re.compile(r"[!-~]{1,255}")
# Secrets are shown in the first answer only: a replay carries null instead.
SECRET_FIELDS = frozenset({"secret_access_key"})


def idempotent(method):
    """For a view's create method: replays the answer to a repeated Idempotency-Key."""

    @wraps(method)
    def handle(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return method(view, request, *args, **kwargs)

        if not ACCEPTABLE_KEY.fullmatch(key):
            raise field_problem(
                INVALID, HEADER, "An Idempotency-Key is 1 to 255 visible ASCII characters."
            )
        record, first = IdempotencyKey.objects.get_or_create(
            token=request.auth, key=key, defaults={"fingerprint": fingerprint(request)}
        )
        if not first:
            return replay(record, request)

        try:
            response = method(view, request, *args, **kwargs)
        except BaseException:
            record.delete()
            raise
        keep(record, response)
        return response

    return handle


def fingerprint(request) -> str:
    return fingerprint_of(request.method, request.path, request.data)


def fingerprint_of(method: str, path: str, data) -> str:
    """The same for the same JSON, however its keys were ordered or spaced."""
    body = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{method} {path}\n{body}".encode()).hexdigest()


def replay(record: IdempotencyKey, request) -> Response:
    if record.fingerprint != fingerprint(request):
        raise Problem(
            KEY_REUSED,
            "This Idempotency-Key came before with another method, path or body; "
            "use a new key for a new request.",
        )
    if not record.answered:
        raise Problem(KEY_IN_USE, "The first request with this Idempotency-Key is still running.")

    headers = {REPLAYED_HEADER: "true"}
    if record.location:
        headers["Location"] = record.location
    return Response(record.body, status=record.status, headers=headers)


def keep(record: IdempotencyKey, response: Response) -> None:
    if not 200 <= response.status_code < 300:
        record.delete()
        return

    record.status = response.status_code
    # Through the renderer, so that the replay's numbers and dates read as the first's.
    record.body = without_secrets(json.loads(JSONRenderer().render(response.data)))
    record.location = response.get("Location", "")
    record.save(update_fields=["status", "body", "location"])


def without_secrets(data):
    if isinstance(data, dict):
        return {
            name: None if name in SECRET_FIELDS else without_secrets(value)
            for name, value in data.items()
        }
    if isinstance(data, list):
        return [without_secrets(value) for value in data]
    return data
