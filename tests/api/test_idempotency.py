"""Idempotency-Key: a repeated create is answered with the first answer, never done twice."""

from staas_portal.api.idempotency import fingerprint_of
from staas_portal.api.models import IdempotencyKey
from staas_portal.api.services import token_create
from staas_portal.customers.models import Customer, KeyPairNote, S3Account
from tests.api.conftest import ApiClient, field_names
from tests.api.test_accounts import accounts_path, gateway_users
from tests.api.test_key_pairs import keys_path

CUSTOMERS = "/api/v1/customers/"
JO = {"name": "Jo Bloggs", "email": "jo@example.com"}


def with_key(key: str) -> dict:
    return {"headers": {"Idempotency-Key": key}}


def test_a_repeated_create_gets_the_first_answer_and_makes_one_customer(api):
    first = api.post(CUSTOMERS, JO, **with_key("signup-1"))

    again = api.post(CUSTOMERS, JO, **with_key("signup-1"))

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Location"] == first["Location"]
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Customer.objects.count() == 1


def test_without_the_key_a_repeat_is_a_conflict_on_the_email(api):
    api.post(CUSTOMERS, JO)

    again = api.post(CUSTOMERS, JO)

    assert again.status_code == 409
    assert field_names(again.json()) == ["email"]


def test_the_same_key_with_another_body_is_refused(api):
    api.post(CUSTOMERS, JO, **with_key("signup-1"))

    other = api.post(CUSTOMERS, {**JO, "name": "Someone Else"}, **with_key("signup-1"))

    assert other.status_code == 422
    assert other.json()["type"].endswith("/problems/idempotency-key-reused")
    assert Customer.objects.get().name == "Jo Bloggs"


def test_the_same_key_on_another_path_is_refused(api, customer, cluster):
    api.post(CUSTOMERS, JO, **with_key("k"))

    other = api.post(accounts_path(customer), JO, **with_key("k"))

    assert other.status_code == 422
    assert not S3Account.objects.exists()


def test_a_key_is_the_tokens_own(api, db):
    other_token = token_create(actor=None, name="shop-two", scope="read-write")
    api.post(CUSTOMERS, JO, **with_key("k"))

    other = ApiClient(other_token.text).post(CUSTOMERS, JO, **with_key("k"))

    assert other.status_code == 409
    assert "Idempotent-Replayed" not in other


def test_a_failed_request_keeps_nothing_and_can_be_retried(
    api, customer, cluster, gateway_emulator
):
    gateway_emulator.set_faults(fail_every=1)
    failed = api.post(accounts_path(customer), {}, **with_key("provision-1"))
    gateway_emulator.clear_faults()

    retried = api.post(accounts_path(customer), {}, **with_key("provision-1"))

    assert failed.status_code == 502
    assert retried.status_code == 201
    assert "Idempotent-Replayed" not in retried
    assert retried.json()["key_pair"]["secret_access_key"]


def test_a_replayed_provision_has_no_secret_and_makes_no_second_user(
    api, customer, cluster, gateway_emulator
):
    first = api.post(accounts_path(customer), {}, **with_key("provision-1"))

    again = api.post(accounts_path(customer), {}, **with_key("provision-1"))

    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert first.json()["key_pair"]["secret_access_key"]
    assert again.json()["key_pair"]["secret_access_key"] is None
    assert again.json()["key_pair"]["access_key_id"] == first.json()["key_pair"]["access_key_id"]
    assert len(gateway_users(gateway_emulator)) == 1
    stored = str(list(IdempotencyKey.objects.values()))
    assert first.json()["key_pair"]["secret_access_key"] not in stored


def test_a_replayed_key_generation_makes_no_second_pair(api, provisioned):
    account, _ = provisioned
    first = api.post(keys_path(account), {"label": "backup"}, **with_key("key-1"))

    again = api.post(keys_path(account), {"label": "backup"}, **with_key("key-1"))

    assert again.json()["access_key_id"] == first.json()["access_key_id"]
    assert again.json()["secret_access_key"] is None
    assert KeyPairNote.objects.filter(account=account).count() == 2


def test_a_key_whose_first_request_is_still_running_is_in_use(api, write_token):
    IdempotencyKey.objects.create(
        token=write_token.token, key="busy", fingerprint=fingerprint_of("POST", CUSTOMERS, JO)
    )

    response = api.post(CUSTOMERS, JO, **with_key("busy"))

    assert response.status_code == 409
    assert response.json()["type"].endswith("/problems/idempotency-key-in-use")
    assert not Customer.objects.exists()


def test_the_same_json_spaced_otherwise_is_the_same_request(api):
    first = api.post(CUSTOMERS, JO, **with_key("k"))

    again = api.client.post(
        CUSTOMERS, '{ "email" : "jo@example.com",  "name": "Jo Bloggs" }',
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.token}", "Idempotency-Key": "k"},
    )  # fmt: skip

    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"


def test_a_malformed_key_is_named(api):
    response = api.post(CUSTOMERS, JO, **with_key("x" * 256))

    assert response.status_code == 400
    assert field_names(response.json()) == ["Idempotency-Key"]
    assert not Customer.objects.exists()
