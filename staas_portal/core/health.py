"""Whether the parts the portal depends on answer: database, broker, gateways."""

import logging
from dataclasses import asdict, dataclass, field

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from staas_portal.clusters.models import StorageCluster
from staas_portal.core.models import WorkerHeartbeat
from staas_portal.gateway.probe import probe_gateway

logger = logging.getLogger(__name__)

BROKER_TIMEOUT_SECONDS = 2


@dataclass
class PartHealth:
    name: str
    ok: bool
    detail: str = ""
    extra: dict = field(default_factory=dict)


def check_database() -> PartHealth:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        logger.warning("health: database does not answer: %s", error)
        return PartHealth("database", False, "does not answer")
    return PartHealth("database", True, connection.vendor)


def check_broker() -> PartHealth:
    if not settings.REDIS_URL:
        return PartHealth("broker", True, "none: tasks run inline")

    client = redis.Redis.from_url(
        settings.REDIS_URL,
        socket_connect_timeout=BROKER_TIMEOUT_SECONDS,
        socket_timeout=BROKER_TIMEOUT_SECONDS,
    )
    try:
        client.ping()
    except redis.RedisError as error:
        logger.warning("health: broker does not answer: %s", type(error).__name__)
        return PartHealth("broker", False, "does not answer")
    finally:
        client.close()
    return PartHealth("broker", True, "redis")


def configured_gateways() -> dict[str, str]:
    """Gateway name to URL: every cluster's, or the settings' before any cluster exists."""
    try:
        clusters = dict(StorageCluster.objects.values_list("name", "gateway_url"))
    except DatabaseError:
        clusters = {}  # the database check reports that failure itself
    url = settings.STAAS_GATEWAY["url"]
    return clusters or ({"default": url} if url else {})


def check_gateways() -> list[PartHealth]:
    parts = []
    for name, url in configured_gateways().items():
        probe = probe_gateway(url)
        detail = f"HTTP {probe.status_code}" if probe.reachable else "does not answer"
        parts.append(
            PartHealth(
                f"gateway:{name}", probe.reachable, detail, {"elapsed_ms": probe.elapsed_ms}
            )
        )
    return parts


def worker_heartbeats() -> list[dict]:
    now = timezone.now()
    return [
        {
            "hostname": beat.hostname,
            "last_seen": beat.last_seen.isoformat(),
            "seconds_ago": round((now - beat.last_seen).total_seconds()),
        }
        for beat in WorkerHeartbeat.objects.all()
    ]


def system_health() -> dict:
    """Every part's state; `ok` only when all of them answer.

    Worker heartbeats are reported but do not decide `ok`: a portal with no
    worker running still serves every page.
    """
    parts = [check_database(), check_broker(), *check_gateways()]
    database_ok = parts[0].ok
    return {
        "ok": all(part.ok for part in parts),
        "failing": [part.name for part in parts if not part.ok],
        "parts": [asdict(part) for part in parts],
        "workers": worker_heartbeats() if database_ok else [],
    }
