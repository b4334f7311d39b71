"""Usage of an S3 user the portal does not know is kept, and follows the user when adopted."""

import pytest
from django.utils import timezone

from staas_portal.customers.adoption import users_adopt
from staas_portal.customers.models import Customer
from staas_portal.usage import selectors, services
from staas_portal.usage.months import Month
from tests.usage.statistics import PAST, counted, generate

pytestmark = pytest.mark.django_db


def test_usage_harvested_before_adoption_is_the_adopting_customers(
    admin_login, cluster, gateway_emulator
):
    stranger = gateway_emulator.create_customer("stranger@example.net")
    names = generate(gateway_emulator, objects=3, items=4, user_ids=[stranger.user_id])
    expected = counted(gateway_emulator, names)
    services.usage_harvest(cluster=cluster)

    (adoption,) = users_adopt(actor=admin_login, cluster=cluster, user_ids=[stranger.user_id])

    customer = Customer.objects.get(email="stranger@example.net")
    month = Month.of(services.timestamp(PAST))
    report = selectors.customer_month(customer, month, now=timezone.now())
    assert adoption.adopted
    assert (report.totals.ops_put, report.totals.uploaded, report.totals.downloaded) == (
        expected["ops_put"],
        expected["uploaded"],
        expected["downloaded"],
    )
    assert {line.user_id for line in report.buckets} == {stranger.user_id}
