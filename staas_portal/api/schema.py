"""The OpenAPI description: problem answers, the token scheme, shared parameters.

Each operation names the problems it can answer with (`problems(...)` in its
`extend_schema`); 401 for every operation and 403 for every write are added by
`add_token_problems`, since the token check answers them before any view runs.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from staas_portal.api.permissions import READ_METHODS
from staas_portal.api.problems import PROBLEM_CONTENT_TYPE

# The statuses an operation that asks a gateway can answer with, beyond its own.
GATEWAY = (404, 409, 502, 503, 504)
# ... and one that needs a newer gateway's feature, such as storage quotas.
GATEWAY_FEATURE = (*GATEWAY, 501)

DESCRIPTIONS = {
    400: "The request is not valid: `errors` names each field.",
    401: "No valid API token.",
    403: "The token's scope does not allow this.",
    404: "No such resource, here or on the gateway.",
    409: "Refused in the current state, or the gateway refused.",
    415: "The body is not application/json.",
    422: "The Idempotency-Key came before with another request.",
    501: "The cluster's gateway does not support this.",
    502: "The gateway failed or refused the portal.",
    503: "The gateway cannot be reached.",
    504: "The gateway did not answer in time.",
}


class FieldErrorSerializer(serializers.Serializer):
    field = serializers.CharField(
        allow_null=True, help_text="Dotted path of the field, header or query parameter."
    )
    detail = serializers.CharField()


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details, with this API's own members where they apply."""

    type = serializers.CharField(help_text="A stable URI naming the kind of problem.")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    instance = serializers.CharField(help_text="The path that was requested.")
    request_id = serializers.CharField(help_text="Finds the request's lines in the log.")
    errors = FieldErrorSerializer(many=True, required=False)
    buckets = serializers.ListField(child=serializers.CharField(), required=False)
    gateway = serializers.CharField(required=False, help_text="The cluster whose gateway failed.")
    gateway_message = serializers.CharField(required=False)
    gateway_status = serializers.IntegerField(required=False, allow_null=True)

    class Meta:
        ref_name = "Problem"


def problem_answer(code: int) -> dict:
    return {(code, PROBLEM_CONTENT_TYPE): OpenApiResponse(ProblemSerializer, DESCRIPTIONS[code])}


def problems(*codes) -> dict:
    """The problem answers of an operation, for its `responses`."""
    flat = []
    for code in codes:
        flat.extend(code if isinstance(code, tuple) else [code])
    answers = {}
    for code in sorted(set(flat)):
        answers.update(problem_answer(code))
    return answers


class ApiSchema(AutoSchema):
    def get_response_serializers(self):
        declared = super().get_response_serializers()
        assert isinstance(declared, dict), f"{self.view} {self.method}: declare its responses"
        return declared


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "staas_portal.api.authentication.TokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token made by an admin under API tokens, sent as "
            "`Authorization: Bearer <token>` (`Token <token>` works too).",
        }


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Repeating the request with the same key gets the first answer again "
    "(with `Idempotent-Replayed: true`) instead of doing it twice. A secret is never "
    "repeated: it is null in a replay.",
    pattern=r"^[!-~]{1,255}$",
)


def name_bucket_operations(result, generator, request, public):
    """The limits and quota views serve S3 users and buckets alike: the bucket paths'
    operations get names of their own."""
    for path, operations in result["paths"].items():
        if "{bucket}" in path:
            for operation in operations.values():
                operation["operationId"] = "bucket_" + operation["operationId"]
    return result


def add_token_problems(result, generator, request, public):
    """401 on every operation, and 403 on every write: the token's own answers."""
    for operations in result["paths"].values():
        for method, operation in operations.items():
            codes = [401] if method.upper() in READ_METHODS else [401, 403]
            for code in codes:
                operation["responses"][str(code)] = {
                    "content": {PROBLEM_CONTENT_TYPE: {"schema": PROBLEM_REF}},
                    "description": DESCRIPTIONS[code],
                }
    return result


PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
