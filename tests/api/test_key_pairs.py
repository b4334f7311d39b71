"""Key pairs through the API: listed without secrets, generated with the secret once, revoked."""

from staas_portal.audit.models import AuditEvent
from staas_portal.customers.models import KeyPairNote
from tests.api.test_accounts import account_path
from tests.customers.test_services import gateway_user


def keys_path(account) -> str:
    return account_path(account) + "keys/"


def gateway_key_ids(emulator, account) -> list[str]:
    user = gateway_user(emulator, account.gateway_email)[1]
    return [pair["AWSAccessKeyId"] for pair in user["AWSAccessKeys"]]


def test_the_list_has_each_pair_and_no_secret(reader, provisioned):
    account, first_pair = provisioned

    response = reader.get(keys_path(account))

    assert response.status_code == 200
    assert [pair["access_key_id"] for pair in response.json()] == [first_pair.note.access_key_id]
    assert response.json()[0]["active"] is True
    assert response.json()[0]["created_by"] == "ada"
    assert first_pair.secret_access_key not in response.content.decode()


def test_generating_answers_the_secret_once_and_keeps_it_encrypted(
    api, provisioned, gateway_emulator
):
    account, _ = provisioned

    response = api.post(keys_path(account), {"label": "backup server"})

    body = response.json()
    note = KeyPairNote.objects.get(access_key_id=body["access_key_id"])
    assert response.status_code == 201
    assert response["Location"] == keys_path(account) + f"{note.access_key_id}/"
    assert body["label"] == "backup server"
    assert body["created_by"] == "storefront"
    assert note.secret_key() == body["secret_access_key"]
    assert body["secret_access_key"] not in note.secret_ciphertext
    assert note.access_key_id in gateway_key_ids(gateway_emulator, account)
    read_back = api.get(response["Location"]).json()
    assert "secret_access_key" not in read_back
    assert AuditEvent.objects.get(action="key.generate").actor_name == "storefront"


def test_a_third_pair_is_refused_before_the_gateway_is_asked(api, provisioned, gateway_emulator):
    account, _ = provisioned
    api.post(keys_path(account), {})

    response = api.post(keys_path(account), {})

    assert response.status_code == 409
    assert "already has 2 key pairs" in response.json()["detail"]
    assert len(gateway_key_ids(gateway_emulator, account)) == 2


def test_revoking_by_access_key_id_revokes_exactly_that_pair(api, provisioned, gateway_emulator):
    account, first_pair = provisioned
    second = api.post(keys_path(account), {}).json()["access_key_id"]

    response = api.delete(keys_path(account) + f"{first_pair.note.access_key_id}/")

    first_pair.note.refresh_from_db()
    assert response.status_code == 204
    assert gateway_key_ids(gateway_emulator, account) == [second]
    assert first_pair.note.revoked_by_name == "storefront"
    listed = {pair["access_key_id"]: pair["active"] for pair in api.get(keys_path(account)).json()}
    assert listed == {first_pair.note.access_key_id: False, second: True}


def test_an_access_key_id_the_account_does_not_have_is_404(api, provisioned, gateway_emulator):
    account, _ = provisioned
    stranger = gateway_emulator.create_customer("stranger@example.com")

    response = api.delete(keys_path(account) + f"{stranger.access_key}/")

    assert response.status_code == 404
    assert stranger.access_key in str(gateway_emulator.state())
