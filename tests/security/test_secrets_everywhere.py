"""After every flow that handles a secret, no table and no log line holds one in plain text.

The flow goes through the pages and the API as people would: a cluster added
with its system key, a customer provisioned, key pairs made, revealed and
revoked by an admin, a customer's login invited and its password set, the
customer rotating a key, a password changed, an API token made and used.
"""

import re

from django.core import mail
from django.urls import reverse

from staas_portal.api.services import token_create
from staas_portal.customers.models import Customer, KeyPairNote, S3Account
from tests.api.conftest import ApiClient, secret_part
from tests.conftest import HttpsClient
from tests.customers.test_pages import database_dump

CUSTOMER_PASSWORD = "a very long customer passphrase 1"
ADMIN_PASSWORD = "another long admin passphrase 2"


def secret_on(page) -> str:
    return re.search(r'<code class="secret" id="[^"]+">([^<]+)</code>', page.content.decode())[1]


def test_no_secret_is_kept_or_logged_anywhere(client, admin_login, cluster, gateway_emulator,
                                              all_logs):  # fmt: skip
    secrets = [gateway_emulator.secret_key]
    client.force_login(admin_login)
    client.post(reverse("clusters:add"), {
        "name": "second", "gateway_url": gateway_emulator.url, "s3_endpoint": "",
        "access_key": gateway_emulator.access_key, "secret_key": gateway_emulator.secret_key,
        "signature": "v4", "region": "us-east-1",
    })  # fmt: skip

    client.post(reverse("customers:create"), {
        "name": "Jo Bloggs", "email": "jo@bloggs.example", "status": "active",
    })  # fmt: skip
    customer = Customer.objects.get()
    provisioned = client.post(reverse("customers:provision", args=[customer.pk]),
                              {"cluster": cluster.pk})  # fmt: skip
    secrets.append(secret_on(provisioned))
    account = S3Account.objects.get()
    second = client.post(reverse("customers:key_generate", args=[customer.pk, account.pk]))
    secrets.append(secret_on(second))
    first_note, second_note = KeyPairNote.objects.order_by("pk")
    revealed = client.post(
        reverse("customers:key_reveal", args=[customer.pk, account.pk, first_note.pk])
    )
    assert secret_on(revealed) == secrets[1]

    client.post(reverse("login_invite", args=[customer.pk]),
                {"email": "jo@bloggs.example", "username": "jo"})  # fmt: skip
    link = re.search(r"https://\S+/password/set/\S+/", mail.outbox[0].body)[0]
    secrets.append(link.rstrip("/").rsplit("/", 1)[1])
    customer_client = HttpsClient()
    form = customer_client.get(link.split("testserver", 1)[1], follow=True)
    customer_client.post(form.redirect_chain[-1][0], {
        "new_password1": CUSTOMER_PASSWORD, "new_password2": CUSTOMER_PASSWORD,
    })  # fmt: skip
    customer_client.post(reverse("login"), {"username": "jo", "password": CUSTOMER_PASSWORD})
    customer_client.post(reverse("selfservice:key_revoke", args=[account.pk, first_note.pk]))
    rotated = customer_client.post(reverse("selfservice:key_new", args=[account.pk]))
    secrets.append(secret_on(rotated))
    third = KeyPairNote.objects.get(revoked_at__isnull=True, label="made by the customer")
    customer_client.post(reverse("selfservice:key_check", args=[account.pk, third.pk]))

    client.post(reverse("password_change"), {
        "old_password": "correct horse battery staple",
        "new_password1": ADMIN_PASSWORD, "new_password2": ADMIN_PASSWORD,
    })  # fmt: skip
    token = token_create(actor=admin_login, name="storefront", scope="read-write")
    api = ApiClient(token.text)
    keys = f"/api/v1/customers/{customer.pk}/accounts/{account.pk}/keys/"
    api.delete(keys + f"{second_note.access_key_id}/")
    made = api.post(keys, {"label": "from the storefront"}).json()
    secrets += [made["secret_access_key"], token.text, secret_part(token.text)]
    secrets += [CUSTOMER_PASSWORD, ADMIN_PASSWORD]

    dump, logs = database_dump(), all_logs.text()

    assert len(secrets) == 10 and all(len(secret) >= 20 for secret in secrets)
    assert [secret for secret in secrets if secret in dump] == []
    assert [secret for secret in secrets if secret in logs] == []
    assert made["access_key_id"] in dump  # the notes themselves are there
