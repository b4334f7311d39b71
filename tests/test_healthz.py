import socket

import pytest
from django.db import OperationalError
from django.urls import reverse

from staas_portal.core.models import WorkerHeartbeat


@pytest.fixture
def dead_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def gateway_settings(url):
    return {"url": url, "access_key": "", "secret_key": "", "signature": "v2", "region": ""}


def test_it_answers_200_when_every_part_answers(client, db, settings, live_gateway_url):
    settings.STAAS_GATEWAY = gateway_settings(live_gateway_url)

    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["failing"] == []
    names = [part["name"] for part in body["parts"]]
    assert names == ["database", "broker", "gateway:default"]
    assert body["parts"][2]["detail"] == "HTTP 403"


def test_it_names_a_gateway_that_does_not_answer(client, db, settings, dead_port):
    settings.STAAS_GATEWAY = gateway_settings(f"http://127.0.0.1:{dead_port}/")

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json()["failing"] == ["gateway:default"]


def test_it_names_a_broker_that_does_not_answer(client, db, settings, dead_port):
    settings.REDIS_URL = f"redis://127.0.0.1:{dead_port}/0"

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json()["failing"] == ["broker"]


def test_it_checks_the_broker_when_one_is_configured(client, db, settings):
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL: without it there is no broker to check")

    response = client.get(reverse("healthz"))

    broker = next(part for part in response.json()["parts"] if part["name"] == "broker")
    assert broker == {"name": "broker", "ok": True, "detail": "redis", "extra": {}}


class UnreachableDatabase:
    vendor = "postgresql"

    def cursor(self):
        raise OperationalError("connection refused")


def test_it_names_a_database_that_does_not_answer(client, db, monkeypatch):
    # Only the health check's connection is cut: the request itself still needs a session.
    monkeypatch.setattr("staas_portal.core.health.connection", UnreachableDatabase())

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json()["failing"] == ["database"]


def test_it_reports_worker_heartbeats(client, db):
    from django.utils import timezone

    WorkerHeartbeat.objects.create(hostname="celery@node1", last_seen=timezone.now())

    response = client.get(reverse("healthz"))

    assert [worker["hostname"] for worker in response.json()["workers"]] == ["celery@node1"]


def test_staff_see_the_same_status_on_their_overview(client, support_login):
    client.force_login(support_login)

    response = client.get(reverse("home"))

    assert b"System status" in response.content
    assert b"All parts answer" in response.content


def test_customers_do_not_see_the_system_status(client, customer_login):
    client.force_login(customer_login)

    response = client.get(reverse("home"), follow=True)

    assert response.redirect_chain == [(reverse("selfservice:home"), 302)]
    assert b"System status" not in response.content
    assert b"My storage" in response.content


def test_it_takes_only_get(client, db):
    response = client.post(reverse("healthz"))

    assert response.status_code == 405
