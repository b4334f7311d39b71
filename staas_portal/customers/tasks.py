import logging

from celery import shared_task

from staas_portal.customers import services
from staas_portal.customers.models import S3Account
from staas_portal.customers.reconcile import reconcile_all
from staas_portal.gateway.errors import GatewayError
from staas_portal.jobs.models import Job
from staas_portal.jobs.services import job_finish, job_running

logger = logging.getLogger(__name__)


@shared_task
def delete_account_with_buckets(job_id: int) -> str:
    """Deletes each bucket of the S3 user, then the user if every bucket is gone."""
    job = Job.objects.select_related("created_by").get(pk=job_id)
    account = S3Account.objects.select_related("cluster").get(pk=job.parameters["account_id"])
    gateway = account.cluster.gateway()
    try:
        buckets = gateway.bucket_list(email=account.gateway_email)
    except GatewayError as error:
        job_finish(job, failed=True, message=f"Could not list the buckets. {error}")
        return job.state

    job_running(job, total=len(buckets) + 1)
    for bucket in sorted(buckets, key=lambda bucket: bucket.name):
        try:
            gateway.bucket_delete(name=bucket.name)
        except GatewayError as error:
            job.add_outcome(f"bucket {bucket.name}", False, str(error))
        else:
            job.add_outcome(f"bucket {bucket.name}", True, "deleted")

    if failed := job.failures.count():
        job_finish(
            job,
            message=f"{failed} bucket(s) could not be deleted, so the S3 user "
            f"{account.user_id} was kept.",
        )
        return job.state

    try:
        services.account_delete(actor=job.created_by, account=account)
    except (GatewayError, services.ServiceRefused) as error:
        job.add_outcome(f"S3 user {account.user_id}", False, str(error))
        job_finish(job, message=f"The buckets are gone, but the S3 user was kept. {error}")
    else:
        job.add_outcome(f"S3 user {account.user_id}", True, "deleted")
        job_finish(job, message=f"The S3 user {account.user_id} and its buckets are deleted.")
    return job.state


@shared_task
def reconcile_clusters() -> dict[str, str]:
    """Beat runs this every STAAS_RECONCILE_MINUTES: each cluster's drift, kept current."""
    # reconcile_cluster logs each run and each failure itself.
    return {report.cluster: report.summary() for report in reconcile_all()}
