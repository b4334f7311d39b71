from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from staas_portal.jobs.models import Job
from staas_portal.users.access import STAFF_ROLES, role_required


@role_required(*STAFF_ROLES)
@require_GET
def job_detail(request, pk):
    job = get_object_or_404(Job, pk=pk)
    return render(request, "jobs/detail.html", {"job": job})


@role_required(*STAFF_ROLES)
@require_GET
def job_progress(request, pk):
    """The progress panel alone, polled by htmx until the job has finished."""
    job = get_object_or_404(Job, pk=pk)
    return render(request, "jobs/_progress.html", {"job": job})
