"""Starting background jobs and following them to the end."""

import logging
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from staas_portal.jobs.models import Job

logger = logging.getLogger(__name__)


def job_start(
    *, task, actor, kind: str, title: str, target: str = "", parameters=None, total: int = 0
) -> Job:
    """Records the job, then hands it to a worker once the record is committed."""
    job = Job.objects.create(
        kind=kind,
        title=title,
        target=target,
        parameters=parameters or {},
        total=total,
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


def job_finish_when_done(job_id: int, *, message: Callable[[Job], str]) -> bool:
    """Ends a job that several tasks share, once its last item is in; True if this did.

    The row lock makes exactly one of the tasks that finish together end the job.
    """
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        if job.is_finished or job.done < job.total:
            return False
        job_finish(job, message=message(job))
    return True
