"""Deleting an S3 user with its buckets, through the Celery worker (a real one with Redis)."""

import pytest

from staas_portal.customers import services
from staas_portal.customers.models import S3Account
from staas_portal.jobs.models import Job
from tests.portal_fixtures import wait_until_finished

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_worker_deletes_the_buckets_then_the_user(
    celery_worker, admin_login, provisioned, gateway_emulator
):
    account, first = provisioned
    s3 = gateway_emulator.s3_client(first.note.access_key_id, first.secret_access_key)
    for name in ("alpha", "beta", "gamma"):
        s3.create_bucket(Bucket=name)

    job = services.account_delete_with_buckets(actor=admin_login, account=account)

    job = wait_until_finished(job)
    assert job.state == Job.State.SUCCEEDED
    assert (job.done, job.total, job.percent) == (4, 4, 100)
    assert gateway_emulator.admin("GET", [("ostor-buckets", None)]).json()["Buckets"] == []
    account.refresh_from_db()
    assert account.state == S3Account.State.DELETED
    assert f"job {job.pk} succeeded" in celery_worker.log_text()
