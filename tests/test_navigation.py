"""The side navigation marks the area a page belongs to."""

import re

import pytest
from django.urls import reverse

from staas_portal.limits.models import Plan


def current_item(response) -> str:
    return re.search(r'aria-current="page">([^<]+)</a>', response.content.decode())[1]


@pytest.mark.parametrize(
    ("name", "args", "area"),
    [
        ("customers:list", [], "Customers"),
        ("limits:plan_assign", ["customer"], "Customers"),
        ("limits:plan_list", [], "Plans"),
        ("limits:plan_detail", ["plan"], "Plans"),
        ("usage:overview", [], "Usage"),
    ],
)
def test_each_page_marks_its_area(client, admin_login, customer, name, args, area):
    plan = Plan.objects.create(name="Starter")
    values = {"customer": customer.pk, "plan": plan.pk}
    client.force_login(admin_login)

    response = client.get(reverse(name, args=[values[arg] for arg in args]))

    assert current_item(response) == area
