"""Clusters, customers and S3 accounts on the gateway emulator, for the portal's tests."""

import time

import pytest

from staas_portal.clusters.models import StorageCluster
from staas_portal.customers import services
from staas_portal.customers.models import Customer
from staas_portal.jobs.models import Job
from staas_portal.users.models import Role


@pytest.fixture
def cluster(db, gateway_emulator):
    """The default cluster: the emulator, reached over loopback HTTP."""
    cluster = StorageCluster(
        name="main",
        gateway_url=gateway_emulator.url,
        access_key=gateway_emulator.access_key,
        region=gateway_emulator.region,
        is_default=True,
    )
    cluster.set_secret_key(gateway_emulator.secret_key)
    cluster.save()
    return cluster


def make_customer(name: str = "Acme Hosting", email: str = "ops@acme.example", **fields):
    return Customer.objects.create(name=name, email=email, **fields)


@pytest.fixture
def customer(db):
    return make_customer(company="Acme Ltd", phone="+44 20 7946 0000")


@pytest.fixture
def provisioned(admin_login, customer, cluster):
    """The customer's S3 account on the emulator, and its first key pair's secret."""
    account, first_pair = services.account_provision(
        actor=admin_login, customer=customer, cluster=cluster
    )
    return account, first_pair


def wait_until_finished(job: Job, timeout: float = 60) -> Job:
    """The job once a worker has finished it; fails the test if none does in time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job.pk} still {job.state} after {timeout}s")


def login_of(customer: Customer, username: str):
    """A signed-up login of the customer, with the standing test password."""
    from tests.conftest import make_login

    login = make_login(Role.CUSTOMER, username)
    login.customer = customer
    login.save(update_fields=["customer"])
    return login


@pytest.fixture
def own_login(provisioned):
    """A login of the provisioned customer: the customer of `provisioned`, signed up."""
    account, _ = provisioned
    return login_of(account.customer, "cora")
