import logging

from celery import shared_task
from django.utils import timezone

from staas_portal.core.models import WorkerHeartbeat

logger = logging.getLogger(__name__)


@shared_task(bind=True)
def record_worker_heartbeat(self) -> str:
    """Beat runs this every minute, so the health page can tell whether workers run."""
    hostname = self.request.hostname or "inline"
    WorkerHeartbeat.objects.update_or_create(
        hostname=hostname, defaults={"last_seen": timezone.now()}
    )

    logger.info("worker %s is alive", hostname)
    return hostname
