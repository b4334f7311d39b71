"""Tasks go through a real worker consuming from Redis when REDIS_URL is set."""

import pytest

from staas_portal.core.models import WorkerHeartbeat
from staas_portal.core.request_context import request_id_var
from staas_portal.core.tasks import record_worker_heartbeat

pytestmark = pytest.mark.django_db(transaction=True)


def run_as_request(request_id, task):
    token = request_id_var.set(request_id)
    try:
        return task.delay()
    finally:
        request_id_var.reset(token)


def test_the_worker_records_its_heartbeat(celery_worker):
    hostname = record_worker_heartbeat.delay().get(timeout=30)

    assert WorkerHeartbeat.objects.filter(hostname=hostname).exists()
    if celery_worker.is_real:
        # The worker process named itself after the test run's queue: not inline.
        assert hostname.startswith("staas-test-")


def test_a_task_logs_under_the_id_of_the_request_that_started_it(celery_worker):
    request_id = "req-follows-into-task-42"

    run_as_request(request_id, record_worker_heartbeat).get(timeout=30)

    alive_lines = [line for line in celery_worker.log_text().splitlines() if "is alive" in line]
    assert any(f"[{request_id}]" in line for line in alive_lines), alive_lines


def test_a_scheduled_task_logs_under_its_own_id(celery_worker):
    result = record_worker_heartbeat.delay()
    result.get(timeout=30)

    if celery_worker.is_real:
        log = celery_worker.log_text()
        assert any(f"[{result.id}]" in line for line in log.splitlines() if "is alive" in line)
    else:
        assert "is alive" in celery_worker.log_text()
