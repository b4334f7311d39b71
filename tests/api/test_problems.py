"""Every error of the API is application/problem+json with a stable type, never a traceback."""

import pytest
from django.test import RequestFactory

from staas_portal.api.problems import GATEWAY_PROBLEMS, PROBLEM_TYPES, server_error_handler
from staas_portal.gateway import errors
from tests.api.test_accounts import account_path

CUSTOMERS = "/api/v1/customers/"


def assert_problem(response, status: int, type_name: str) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    expected_type = "about:blank" if type_name == "about:blank" else (
        f"https://staas-portal.example/problems/{type_name}"
    )  # fmt: skip
    assert problem["type"] == expected_type
    assert problem["status"] == status
    assert problem["title"] and problem["detail"]
    assert problem["request_id"] == response["X-Request-ID"]
    return problem


def test_a_problem_names_the_path_it_answers(reader):
    response = reader.get(f"{CUSTOMERS}12/")

    problem = assert_problem(response, 404, "not-found")
    assert problem["instance"] == "/api/v1/customers/12/"
    assert problem["title"] == "No such resource"


@pytest.mark.parametrize("path", ["/api/v1/nothing/", "/api/v1/customers", "/api/"])
def test_an_address_the_api_does_not_have_is_a_problem(reader, path):
    response = reader.get(path)

    assert_problem(response, 404, "not-found")


def test_a_method_a_resource_does_not_have_is_about_blank(api):
    response = api.put(CUSTOMERS, {})

    problem = assert_problem(response, 405, "about:blank")
    assert problem["title"] == "Method Not Allowed"
    assert "GET" in response["Allow"]


def test_a_body_that_is_not_json_is_415(api):
    response = api.client.post(
        CUSTOMERS, "name=Jo", content_type="application/x-www-form-urlencoded",
        headers={"Authorization": f"Bearer {api.token}"},
    )  # fmt: skip

    assert_problem(response, 415, "about:blank")


def test_broken_json_is_a_malformed_body(api):
    response = api.client.post(
        CUSTOMERS, "{", content_type="application/json",
        headers={"Authorization": f"Bearer {api.token}"},
    )  # fmt: skip

    assert_problem(response, 400, "malformed-body")


def test_a_gateway_refusing_the_portals_key_is_502_with_its_message(
    reader, provisioned, gateway_emulator
):
    account, _ = provisioned
    account.cluster.set_secret_key("not-the-system-secret")
    account.cluster.save()

    response = reader.get(account_path(account))

    problem = assert_problem(response, 502, "gateway-access-denied")
    assert problem["gateway"] == "main"
    assert problem["gateway_status"] == 403
    assert problem["gateway_message"] in problem["detail"]


def test_a_fault_of_the_portal_is_500_with_a_request_id_and_no_traceback(
    reader, provisioned, all_logs
):
    account, _ = provisioned
    account.cluster.secret_ciphertext = "not a ciphertext"
    account.cluster.save()

    response = reader.get(account_path(account))

    problem = assert_problem(response, 500, "server-error")
    assert "Traceback" not in response.content.decode()
    assert "SecretUnreadable" not in response.content.decode()
    assert "Traceback" in all_logs.text()
    assert problem["request_id"] in all_logs.text()


def test_djangos_own_500_under_api_is_a_problem_and_a_page_elsewhere(db):
    api_request = RequestFactory().get("/api/v1/customers/")
    page_request = RequestFactory().get("/customers/")

    api_answer = server_error_handler(api_request)
    page_answer = server_error_handler(page_request)

    assert api_answer.status_code == page_answer.status_code == 500
    assert api_answer["Content-Type"] == "application/problem+json"
    assert page_answer["Content-Type"].startswith("text/html")


EXPECTED_GATEWAY_PROBLEMS = {
    errors.GatewayNotFound: ("gateway-not-found", 404),
    errors.GatewayConflict: ("gateway-conflict", 409),
    errors.GatewayAccessDenied: ("gateway-access-denied", 502),
    errors.GatewayInvalidRequest: ("gateway-invalid-request", 502),
    errors.GatewayServerError: ("gateway-server-error", 502),
    errors.GatewayProtocolError: ("gateway-protocol-error", 502),
    errors.GatewayUnavailable: ("gateway-unavailable", 503),
    errors.GatewayTimeout: ("gateway-timeout", 504),
    errors.GatewayFeatureMissing: ("gateway-feature-missing", 501),
    errors.GatewayError: ("gateway-error", 502),
}


@pytest.mark.parametrize(("error", "expected"), EXPECTED_GATEWAY_PROBLEMS.items())
def test_each_kind_of_gateway_error_has_its_type_and_status(error, expected):
    problem = GATEWAY_PROBLEMS[error.kind]

    assert (problem.name, problem.status) == expected


def test_problem_types_are_unique_and_documented_in_the_readme():
    from tests.conftest import REPO

    readme = (REPO / "README.md").read_text()

    assert len({problem.uri for problem in PROBLEM_TYPES.values()}) == len(PROBLEM_TYPES)
    assert [name for name in PROBLEM_TYPES if f"`{name}`" not in readme] == []
