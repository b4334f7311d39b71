"""Starting background jobs and following them to the end."""

import logging

from django.db import transaction
from django.utils import timezone

from staas_portal.jobs.models import Job

logger = logging.getLogger(__name__)


def job_start(*, task, actor, kind: str, title: str, target: str = "", parameters=None) -> Job:
    """Records the job, then hands it to a worker once the record is committed."""
    job = Job.objects.create(
        kind=kind,
        title=title,
        target=target,
        parameters=parameters or {},
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    # A worker must find the row it is given, so the task waits for the commit.
    transaction.on_commit(lambda: task.delay(job.pk))
    logger.info("%s started job %s: %s", actor, job.pk, title)
    return job


def job_running(job: Job, *, total: int) -> None:
    job.state, job.total = Job.State.RUNNING, total
    job.save(update_fields=["state", "total"])


def job_finish(job: Job, *, message: str = "", failed: bool = False) -> None:
    """Ends the job: failed outright, partly failed (some items), or succeeded."""
    if failed:
        job.state = Job.State.FAILED
    elif job.failures.exists():
        job.state = Job.State.PARTIAL
    else:
        job.state = Job.State.SUCCEEDED
    job.message = message
    job.finished_at = timezone.now()
    job.save(update_fields=["state", "message", "finished_at"])
    logger.info("job %s %s: %s", job.pk, job.state, message)
