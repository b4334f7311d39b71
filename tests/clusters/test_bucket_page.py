"""The buckets of a whole cluster, each with its owner and the owner's customer."""

import pytest
from django.urls import reverse


@pytest.fixture
def buckets(provisioned, gateway_emulator):
    """`photos` with 3 KiB in it, owned by the provisioned customer; `strays`, by nobody known."""
    _, pair = provisioned
    s3 = gateway_emulator.s3_client(pair.note.access_key_id, pair.secret_access_key)
    s3.create_bucket(Bucket="photos")
    s3.put_object(Bucket="photos", Key="cat.jpg", Body=b"x" * 3072)

    stranger = gateway_emulator.create_customer("stranger@example.org")
    gateway_emulator.s3_client(stranger.access_key, stranger.secret_key).create_bucket(
        Bucket="strays"
    )
    return stranger


def test_it_lists_every_bucket_with_owner_customer_and_sizes(
    client, admin_login, buckets, provisioned, customer
):
    account, _ = provisioned
    client.force_login(admin_login)

    response = client.get("/clusters/main/buckets/")

    assert response.status_code == 200
    rows = [
        (bucket.name, bucket.owner_id, owner) for bucket, owner in response.context["page_obj"]
    ]
    assert rows == [("photos", account.user_id, account), ("strays", buckets.user_id, None)]
    detail = reverse("customers:detail", args=[customer.pk])
    assert f'<a href="{detail}">{customer.name}</a>'.encode() in response.content
    assert b"3.0\xc2\xa0KB" in response.content
    assert b"not known to the portal" in response.content


def test_support_may_look_too(client, support_login, buckets):
    client.force_login(support_login)

    response = client.get("/clusters/main/buckets/")

    assert response.status_code == 200
    assert b"photos" in response.content


def test_customers_may_not(client, customer_login, cluster):
    client.force_login(customer_login)

    response = client.get("/clusters/main/buckets/")

    assert response.status_code == 403


def test_a_failing_gateway_shows_an_error_panel(client, admin_login, cluster, gateway_emulator):
    gateway_emulator.set_faults(fail_every=1)
    client.force_login(admin_login)

    response = client.get("/clusters/main/buckets/")

    assert response.status_code == 200
    assert b"Could not list the buckets." in response.content
    assert b"The gateway failed while handling the request" in response.content


def test_an_empty_cluster_says_so(client, admin_login, cluster):
    client.force_login(admin_login)

    response = client.get("/clusters/main/buckets/")

    assert b"The cluster has no buckets." in response.content
