"""API tokens and a JSON client for the API tests, over the suite's HTTPS test client."""

import json as json_module
from urllib.parse import urlencode

import pytest

from staas_portal.api.services import TOKEN_FORMAT, token_create
from tests.conftest import HttpsClient


class ApiClient:
    """Sends JSON to the API with a token, as a storefront would."""

    def __init__(self, token: str | None = None, scheme: str = "Bearer"):
        self.client = HttpsClient()
        self.token = token
        self.scheme = scheme

    def call(self, method: str, path: str, json=None, headers=None, query=None, **extra):
        if query:
            path = f"{path}?{urlencode(query)}"
        headers = dict(headers or {})
        if self.token is not None:
            headers.setdefault("Authorization", f"{self.scheme} {self.token}")
        body = "" if json is None else json_module.dumps(json)
        return self.client.generic(
            method, path, body, content_type="application/json", headers=headers, **extra
        )

    def get(self, path, **options):
        return self.call("GET", path, **options)

    def post(self, path, json=None, **options):
        return self.call("POST", path, json, **options)

    def put(self, path, json=None, **options):
        return self.call("PUT", path, json, **options)

    def patch(self, path, json=None, **options):
        return self.call("PATCH", path, json, **options)

    def delete(self, path, **options):
        return self.call("DELETE", path, **options)


@pytest.fixture
def write_token(db):
    return token_create(actor=None, name="storefront", scope="read-write")


@pytest.fixture
def read_token(db):
    return token_create(actor=None, name="billing", scope="read")


@pytest.fixture
def api(write_token):
    """A client with the read-write token `storefront`."""
    return ApiClient(write_token.text)


@pytest.fixture
def reader(read_token):
    """A client with the read token `billing`."""
    return ApiClient(read_token.text)


@pytest.fixture
def anonymous(db):
    return ApiClient()


def field_names(problem: dict) -> list:
    return [error["field"] for error in problem["errors"]]


def secret_part(token_text: str) -> str:
    """The random part of a token, after its prefix."""
    return TOKEN_FORMAT.fullmatch(token_text)["secret"]
