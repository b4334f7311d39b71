import os

from celery import Celery, signals

from staas_portal.core.request_context import request_id_var

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "staas_portal.settings")

app = Celery("staas_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

REQUEST_ID_HEADER = "staas_request_id"


@signals.before_task_publish.connect
def carry_request_id(headers=None, **kwargs):
    # The id travels in the message so that the worker's log lines for this task
    # can be found from the request that started it.
    request_id = request_id_var.get()
    if headers is not None and request_id != "-":
        headers.setdefault(REQUEST_ID_HEADER, request_id)


@signals.task_prerun.connect
def adopt_request_id(task=None, **kwargs):
    # Scheduled tasks have no request behind them; their own id groups their lines.
    request_id = getattr(task.request, REQUEST_ID_HEADER, None) or task.request.id
    if request_id and not task.request.is_eager:
        task.request.request_id_token = request_id_var.set(request_id)


@signals.task_postrun.connect
def drop_request_id(task=None, **kwargs):
    token = getattr(task.request, "request_id_token", None)
    if token is not None:
        request_id_var.reset(token)
