"""After a storefront's whole flow, no table and no log line holds a secret in plain text."""

from staas_portal.customers.models import KeyPairNote
from tests.api.conftest import secret_part
from tests.api.test_accounts import account_path, accounts_path
from tests.api.test_key_pairs import keys_path
from tests.customers.test_pages import database_dump


def test_no_table_or_log_holds_a_secret_after_an_api_flow(
    api, write_token, customer, cluster, gateway_emulator, all_logs
):
    key = {"Idempotency-Key": "provision-1"}
    provisioned = api.post(accounts_path(customer), {}, headers=key).json()
    api.post(accounts_path(customer), {}, headers=key)
    account = customer.accounts.get()
    generated = api.post(
        keys_path(account), {"label": "second"}, headers={"Idempotency-Key": "k2"}
    )
    api.post(keys_path(account), {"label": "second"}, headers={"Idempotency-Key": "k2"})
    api.get(keys_path(account))
    api.get(account_path(account))
    api.post(account_path(account) + "suspend/")

    dump = database_dump()

    secrets = [
        provisioned["key_pair"]["secret_access_key"],
        generated.json()["secret_access_key"],
        gateway_emulator.secret_key,
        write_token.text,
        secret_part(write_token.text),
    ]
    assert all(len(secret) >= 20 for secret in secrets)
    assert sorted(note.secret_key() for note in KeyPairNote.objects.all()) == sorted(secrets[:2])
    assert [secret for secret in secrets if secret in dump] == []
    assert [secret for secret in secrets if secret in all_logs.text()] == []
    assert generated.json()["access_key_id"] in dump
