"""Tasks: a storefront follows a background job to its end (a real worker with Redis)."""

import time

import pytest

from staas_portal.customers.models import S3Account
from tests.api.test_accounts import account_path, make_bucket

pytestmark = pytest.mark.django_db(transaction=True)


def follow(api, location: str, timeout: float = 60) -> dict:
    """The task once it has finished, read as a storefront polls it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        task = api.get(location).json()
        if task["finished"]:
            return task
        time.sleep(0.1)
    raise AssertionError(f"{location} still {task['state']} after {timeout}s")


def test_terminating_with_buckets_is_followed_to_the_end(
    celery_worker, api, provisioned, gateway_emulator
):
    account, first_pair = provisioned
    for name in ("alpha", "beta"):
        make_bucket(gateway_emulator, first_pair, name)

    response = api.delete(account_path(account), query={"delete_buckets": "true"})

    task = follow(api, response["Location"])
    assert response.status_code == 202
    assert (task["state"], task["done"], task["total"], task["percent"]) == (
        "succeeded", 3, 3, 100,
    )  # fmt: skip
    assert [(o["item"], o["ok"]) for o in task["outcomes"]] == [
        ("bucket alpha", True), ("bucket beta", True), (f"S3 user {account.user_id}", True),
    ]  # fmt: skip
    account.refresh_from_db()
    assert account.state == S3Account.State.DELETED


def test_a_bucket_the_gateway_keeps_is_reported_with_its_reason(
    celery_worker, api, provisioned, gateway_emulator
):
    account, first_pair = provisioned
    make_bucket(gateway_emulator, first_pair, "full", b"data")

    response = api.delete(account_path(account), query={"delete_buckets": "true"})

    task = follow(api, response["Location"])
    assert task["state"] == "partial"
    assert task["outcomes"][0]["ok"] is False
    assert "not empty" in task["outcomes"][0]["message"].lower()
    assert "was kept" in task["message"]


def test_an_unknown_task_is_404(reader):
    response = reader.get("/api/v1/tasks/999/")

    assert response.status_code == 404
    assert response.json()["detail"] == "There is no task 999."
