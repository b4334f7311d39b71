"""A portal with one of everything, for the tests that walk every URL."""

import pytest

from staas_portal.limits.models import Plan
from tests.url_walk import Party


@pytest.fixture
def world(admin_login, cluster, gateway_emulator):
    """A customer with a login, an S3 user, a key pair, a bucket, a job, drift and a plan."""
    Plan.objects.create(name="Starter")
    return Party("Anna", "anna@example.com", "anna", admin=admin_login, cluster=cluster,
                 emulator=gateway_emulator)  # fmt: skip
