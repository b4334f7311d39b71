from django.urls import reverse

from staas_portal.api.services import token_create
from staas_portal.core.crypto import encrypt_secret
from tests.api.conftest import secret_part
from tests.conftest import PASSWORD


def request_lines(capture, needle):
    return [line for line in capture.lines if "staas_portal.requests" in line and needle in line]


def test_each_request_writes_one_line_with_its_id(client, db, all_logs):
    response = client.get(reverse("login"))

    lines = request_lines(all_logs, "GET /login/ 200")
    assert len(lines) == 1
    assert f"[{response['X-Request-ID']}]" in lines[0]


def test_the_line_names_the_signed_in_user(client, support_login, all_logs):
    client.force_login(support_login)

    client.get(reverse("home"))

    assert request_lines(all_logs, "GET / 200")[0].endswith("user=sam")


def test_a_request_id_from_the_proxy_is_kept(client, db):
    response = client.get(reverse("login"), headers={"X-Request-ID": "lb-7f3a9c21e4"})

    assert response["X-Request-ID"] == "lb-7f3a9c21e4"


def test_a_malformed_request_id_is_replaced(client, db, all_logs):
    forged = "x\nFAKE 2026 INFO admin deleted everything"

    response = client.get(reverse("login"), headers={"X-Request-ID": forged})

    assert response["X-Request-ID"] != forged
    assert len(response["X-Request-ID"]) == 32
    assert "FAKE" not in all_logs.text()


def test_the_query_string_is_left_out(client, db, all_logs):
    client.get(reverse("login") + "?next=/&token=hunter2hunter2")

    assert request_lines(all_logs, "GET /login/ 200")
    assert "hunter2hunter2" not in all_logs.text()


def test_no_secret_reaches_a_log_line(client, admin_login, settings, all_logs, live_gateway_url):
    gateway_secret = "GatewaySecretKey/abc+123=="
    wrong_password = "wrong-password-Zq81!"
    new_password = "new passphrase for ada 7731"
    stored_secret = "S3SecretOfACustomer+xyz/0987"
    bearer_token = "tok_5f8e0c2a9b7d4e1f"
    settings.STAAS_GATEWAY = {
        "url": live_gateway_url,
        "access_key": "SYSTEMACCESSKEY",
        "secret_key": gateway_secret,
        "signature": "v2",
        "region": "",
    }

    for _ in range(5):
        client.post(reverse("login"), {"username": "ada", "password": wrong_password})
    client.post(reverse("login"), {"username": "ada", "password": PASSWORD})
    client.force_login(admin_login)
    client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
        headers={"Authorization": f"Token {bearer_token}"},
    )
    client.get(reverse("healthz"))
    client.get(reverse("home"))
    encrypt_secret(stored_secret)
    api_token = token_create(actor=admin_login, name="storefront", scope="read-write").text
    for scheme in ("Bearer", "Token"):
        client.post(
            "/api/v1/customers/", {"name": "Jo", "email": "jo@example.com"},
            content_type="application/json",
            headers={"Authorization": f"{scheme} {api_token}", "Idempotency-Key": "signup-1"},
        )  # fmt: skip
    client.get("/api/v1/customers/", headers={"Authorization": f"Bearer {api_token}x"})

    logged = all_logs.text()
    assert "POST /login/ 429" in logged
    assert "POST /password/ 302" in logged
    assert "gateway http://127.0.0.1" in logged
    assert "POST /api/v1/customers/ 201" in logged
    assert "GET /api/v1/customers/ 401" in logged
    secrets = [
        gateway_secret, wrong_password, PASSWORD, new_password, stored_secret, bearer_token,
        api_token, secret_part(api_token), settings.SECRET_KEY,
        *settings.STAAS_ENCRYPTION_KEYS,
    ]  # fmt: skip
    assert [secret for secret in secrets if secret in logged] == []
