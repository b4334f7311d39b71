"""The scheduled harvest, through the Celery worker (a real one with Redis)."""

import time

import pytest

from staas_portal.usage import tasks
from staas_portal.usage.models import HarvestRun
from tests.usage.statistics import counted, generate, listed_names, stored

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for_run(timeout: float = 30) -> HarvestRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = HarvestRun.objects.exclude(state=HarvestRun.State.RUNNING).first()
        if run is not None:
            return run
        time.sleep(0.1)
    raise AssertionError(f"no harvest finished within {timeout}s")


def test_the_beat_task_has_each_cluster_harvested_by_the_worker(
    celery_worker, cluster, gateway_emulator
):
    names = generate(gateway_emulator, objects=3, items=5)
    expected = counted(gateway_emulator, names)

    tasks.harvest_all_clusters.delay()

    run = wait_for_run()
    assert (run.state, run.harvested, run.items, run.deleted) == ("done", 3, 15, 3)
    assert stored() == expected
    assert listed_names(gateway_emulator) == []
    assert "harvest main: harvested 3 statistics objects (15 items)" in celery_worker.log_text()


def test_the_beat_schedule_runs_the_harvest(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["harvest-usage"]

    assert entry["task"] == "staas_portal.usage.tasks.harvest_all_clusters"
    assert entry["schedule"] == settings.STAAS_USAGE_HARVEST_MINUTES * 60
