import pytest

from tests.journeys.steps import harvest_usage, use_bucket

BUCKET = "acme-photos"


@pytest.fixture
def used(provisioned, gateway_emulator):
    """The provisioned customer's bucket, used with the first key pair and harvested:
    what the emulator counted."""
    account, first = provisioned
    s3 = gateway_emulator.s3_client(first.note.access_key_id, first.secret_access_key)
    use_bucket(s3, BUCKET)
    return harvest_usage(gateway_emulator, account.cluster)
