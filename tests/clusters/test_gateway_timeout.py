"""STAAS_GATEWAY_TIMEOUT: how long every client of a cluster waits for an answer."""

import time

import pytest

from staas_portal.gateway.errors import GatewayTimeout


def test_a_clusters_clients_wait_thirty_seconds_by_default(cluster):
    config = cluster.gateway_config()

    assert (config.connect_timeout, config.read_timeout) == (3.05, 30.0)


def test_the_setting_is_read_whenever_a_client_is_made(cluster, settings):
    settings.STAAS_GATEWAY_TIMEOUT = 2.5

    assert cluster.gateway_config().read_timeout == 2.5
    assert cluster.gateway().config.read_timeout == 2.5


def test_a_gateway_slower_than_the_setting_times_out_in_that_time(
    cluster, settings, gateway_emulator
):
    settings.STAAS_GATEWAY_TIMEOUT = 0.3
    gateway_emulator.set_faults(delay_seconds=1.0, method="PUT")
    started = time.monotonic()

    with pytest.raises(GatewayTimeout, match="no answer within 0.3 seconds"):
        cluster.gateway().user_create(email="slow@example.com")

    assert time.monotonic() - started < 0.9
