"""A customer reaches nothing of another customer's, whichever URL names it and however.

Every URL of the portal is filled with the other customer's ids and asked for with
GET, with POST and as an htmx request. The customer's own URLs answer 404, exactly
as for an id that does not exist; staff URLs answer 403 whatever they name; and
nothing of the other customer's changes. A view that takes only GET or only POST
may refuse the other method with 405 before it looks anything up: that answer is
accepted only when the customer's own ids get it too.
"""

import pytest
from django.urls import reverse

from staas_portal.customers.models import KeyPairNote
from staas_portal.limits.models import Plan
from staas_portal.users.models import Role
from tests.customers.gateway_changes import gateway_key_ids
from tests.url_walk import Party, fill, portal_urls


@pytest.fixture
def two(admin_login, cluster, gateway_emulator):
    Plan.objects.create(name="Starter")
    return (
        Party("Anna", "anna@example.com", "anna", admin=admin_login, cluster=cluster,
              emulator=gateway_emulator),
        Party("Boris", "boris@example.com", "boris", admin=admin_login, cluster=cluster,
              emulator=gateway_emulator),
    )  # fmt: skip


def routes_naming_objects():
    """Guarded routes with an id or a name in them: those that could reach another's object."""
    return [
        (route, view.allowed_roles)
        for route, view in portal_urls()
        if getattr(view, "allowed_roles", None) and "<" in route
    ]


def test_the_walk_covers_the_customer_pages():
    customer_routes = [route for route, roles in routes_naming_objects() if Role.CUSTOMER in roles]

    assert any(route.startswith("my/accounts/") for route in customer_routes)
    assert len(customer_routes) >= 6


def test_every_url_naming_another_customers_object_is_refused(client, two, gateway_emulator):
    anna, boris = two
    client.force_login(anna.login)
    before = list(KeyPairNote.objects.filter(account=boris.account).values())

    answers = []
    for route, roles in routes_naming_objects():
        path = fill(route, boris.value_of(route))
        for method, headers in (("get", {}), ("post", {}), ("get", {"HX-Request": "true"})):
            response = getattr(client, method)(path, headers=headers)
            expected = expected_status(client, route, roles, method, anna)
            answers.append((path, method, headers, response.status_code, expected))
            assert boris.customer.name.encode() not in response.content, path

    assert [answer[:4] for answer in answers if answer[3] != answer[4]] == []
    assert list(KeyPairNote.objects.filter(account=boris.account).values()) == before
    assert boris.note.access_key_id in gateway_key_ids(
        gateway_emulator, boris.account.gateway_email
    )


def expected_status(client, route, roles, method: str, own: Party) -> int:
    """403 on staff URLs; 404 on the customer's own, unless the view refuses the method
    before it looks anything up, as the same request with the customer's own ids shows."""
    if Role.CUSTOMER not in roles:
        return 403
    own_answer = getattr(client, method)(fill(route, own.value_of(route))).status_code
    return 405 if own_answer == 405 else 404


def test_the_same_urls_with_the_customers_own_ids_answer(client, two):
    anna, _ = two
    client.force_login(anna.login)

    missing = []
    for route, roles in routes_naming_objects():
        if Role.CUSTOMER not in roles:
            continue
        response = client.get(fill(route, anna.value_of(route)))
        if response.status_code == 404:
            missing.append(route)

    assert missing == []


def test_an_id_that_does_not_exist_answers_the_same_404(client, two):
    anna, boris = two
    client.force_login(anna.login)

    foreign = client.get(reverse("selfservice:key_new", args=[boris.account.pk]))
    missing = client.get(reverse("selfservice:key_new", args=[10_000]))

    assert foreign.status_code == missing.status_code == 404
    assert foreign.content == missing.content
