"""Limits, quotas and plans pages. Views parse and render; services act."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from staas_portal.core.http import client_address
from staas_portal.core.pages import (
    EXPECTED_FAILURES,
    PAGE_SIZE,
    confirm_page,
    gateway_panel,
    posted_data,
    report_failure,
)
from staas_portal.customers.models import Customer
from staas_portal.customers.views import customer_account
from staas_portal.jobs.models import Job
from staas_portal.limits import selectors, services
from staas_portal.limits.forms import LimitsForm, PlanAssignForm, PlanForm, QuotaForm
from staas_portal.limits.models import Plan
from staas_portal.limits.values import LIMIT_FIELDS, LimitValues
from staas_portal.users.access import STAFF_ROLES, role_required
from staas_portal.users.models import Role

admin_only = role_required(Role.ADMIN)
staff_only = role_required(*STAFF_ROLES)


def subject_of(account, bucket: str | None) -> str:
    if bucket:
        return f"bucket {bucket} of {account.customer.name}"
    return f"S3 user {account.user_id} of {account.customer.name}"


def back_to(account, bucket: str | None) -> str:
    if bucket:
        return reverse("limits:bucket_detail", args=[account.customer_id, account.pk, bucket])
    return reverse("customers:detail", args=[account.customer_id])


# Reading


@staff_only
@require_GET
def account_limits(request, pk, account_pk):
    """The limits panel of one S3 user, loaded on its own like every gateway panel."""
    account = customer_account(pk, account_pk)
    return gateway_panel(
        request, "limits/_account_limits.html",
        {"account": account, "customer": account.customer},
        reading=lambda: selectors.account_limits(actor=request.user, account=account),
    )  # fmt: skip


@staff_only
@require_GET
def bucket_detail(request, pk, account_pk, bucket):
    account = customer_account(pk, account_pk)
    context = {"account": account, "customer": account.customer, "bucket_name": bucket}
    try:
        context["reading"] = selectors.bucket_limits(
            actor=request.user, account=account, bucket=bucket
        )
    except EXPECTED_FAILURES as failure:
        context["error"] = failure
    return render(request, "limits/bucket_detail.html", context)


# Changing limits and quotas


@admin_only
@require_http_methods(["GET", "POST"])
def limits_edit(request, pk, account_pk, bucket=None):
    account = customer_account(pk, account_pk)
    form = LimitsForm(posted_data(request), initial=current_limits(request, account, bucket))
    if request.method == "POST" and form.is_valid():
        try:
            services.limits_set(
                actor=request.user, account=account, bucket=bucket,
                values=LimitValues.of_mapping(form.cleaned_data),
                address=client_address(request),
            )  # fmt: skip
        except EXPECTED_FAILURES as failure:
            subject = subject_of(account, bucket)
            report_failure(request, f"Setting the limits of {subject}", failure)
        else:
            messages.success(request, f"Limits of {subject_of(account, bucket)} set.")
            return redirect(back_to(account, bucket))

    context = {
        "account": account,
        "form": form,
        "bucket_name": bucket,
        "subject": subject_of(account, bucket),
        "cancel_url": back_to(account, bucket),
    }
    return render(request, "limits/limits_form.html", context)


def current_limits(request, account, bucket: str | None) -> dict:
    """The form starts from what the gateway holds now; on a gateway failure, from zero."""
    if request.method == "POST":
        return {}
    try:
        if bucket:
            reading = selectors.bucket_limits(actor=request.user, account=account, bucket=bucket)
        else:
            reading = selectors.account_limits(actor=request.user, account=account)
    except EXPECTED_FAILURES as failure:
        messages.warning(request, f"The current limits could not be read. {failure}")
        return {}
    return {field.name: getattr(reading.limits, field.name) for field in LIMIT_FIELDS}


@admin_only
@require_http_methods(["GET", "POST"])
def limits_delete(request, pk, account_pk, bucket=None):
    return removal_page(
        request, customer_account(pk, account_pk), bucket, what="limits",
        question="Remove every limit of the {subject}? Its operations and bandwidth "
        "become unlimited.",
        remove=services.limits_delete,
    )  # fmt: skip


def removal_page(request, account, bucket: str | None, *, what: str, question: str, remove):
    """Asks on GET; on POST removes the limits or the quota through `remove`."""
    subject = subject_of(account, bucket)
    if request.method == "GET":
        return confirm_page(
            request,
            title=f"Remove the {what} of {account.customer.name}",
            question=question.format(subject=subject),
            action_url=request.path,
            cancel_url=back_to(account, bucket),
            button_label=f"Remove {what}",
        )

    try:
        remove(actor=request.user, account=account, bucket=bucket, address=client_address(request))
    except EXPECTED_FAILURES as failure:
        report_failure(request, f"Removing the {what} of {subject}", failure)
    else:
        messages.success(request, f"{what.capitalize()} of {subject} removed.")
    return redirect(back_to(account, bucket))


@admin_only
@require_http_methods(["GET", "POST"])
def quota_edit(request, pk, account_pk, bucket=None):
    account = customer_account(pk, account_pk)
    subject = subject_of(account, bucket)
    form = QuotaForm(posted_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.quota_set(
                actor=request.user, account=account, size_gb=form.cleaned_data["size_gb"],
                bucket=bucket, address=client_address(request),
            )  # fmt: skip
        except EXPECTED_FAILURES as failure:
            report_failure(request, f"Setting the quota of {subject}", failure)
        else:
            messages.success(
                request, f"Quota of {subject} set to {quota_text(form.cleaned_data['size_gb'])}."
            )
            return redirect(back_to(account, bucket))

    context = {
        "account": account,
        "form": form,
        "subject": subject,
        "cancel_url": back_to(account, bucket),
    }
    return render(request, "limits/quota_form.html", context)


def quota_text(size_gb: int) -> str:
    return "unlimited" if size_gb == 0 else f"{size_gb:,} GB"


@admin_only
@require_http_methods(["GET", "POST"])
def quota_delete(request, pk, account_pk, bucket=None):
    return removal_page(
        request, customer_account(pk, account_pk), bucket, what="quota",
        question="Remove the storage quota of the {subject}? It may then store without limit.",
        remove=services.quota_delete,
    )  # fmt: skip


# A customer's plan


@staff_only
@require_GET
def customer_plan(request, pk):
    """The plan panel of the customer page."""
    customer = get_object_or_404(Customer, pk=pk)
    state = selectors.customer_plan(actor=request.user, customer=customer)
    return render(request, "limits/_customer_plan.html", {"customer": customer, "state": state})


@admin_only
@require_http_methods(["GET", "POST"])
def plan_assign(request, pk):
    customer = get_object_or_404(Customer, pk=pk)
    current = getattr(customer, "plan_assignment", None)
    form = PlanAssignForm(posted_data(request), initial={"plan": current and current.plan_id})
    if request.method == "POST" and form.is_valid():
        plan = form.cleaned_data["plan"]
        try:
            summary = services.plan_assign(
                actor=request.user, customer=customer, plan=plan,
                address=client_address(request),
            )  # fmt: skip
        except EXPECTED_FAILURES as failure:
            report_failure(request, f"Applying the plan {plan.name} to {customer.name}", failure)
            messages.info(request, f"{customer.name} is on the plan {plan.name}; re-apply it "
                          "from the plan's page once the gateway answers.")  # fmt: skip
        else:
            messages.success(request, f"{customer.name} is on the plan {plan.name}. {summary}")
        return redirect("customers:detail", pk=pk)

    context = {"customer": customer, "form": form, "current": current}
    return render(request, "limits/plan_assign.html", context)


@admin_only
@require_http_methods(["GET", "POST"])
def plan_unassign(request, pk):
    customer = get_object_or_404(Customer, pk=pk)
    if request.method == "GET":
        return confirm_page(
            request,
            title=f"Take {customer.name} off their plan",
            question=f"Take {customer.name} off their plan? The limits and quota on the "
            "gateway stay as they are until changed.",
            action_url=request.path,
            cancel_url=reverse("customers:detail", args=[pk]),
            button_label="Take off the plan",
        )

    try:
        services.plan_unassign(
            actor=request.user, customer=customer, address=client_address(request)
        )
    except EXPECTED_FAILURES as failure:
        report_failure(request, f"Taking {customer.name} off the plan", failure)
    else:
        messages.success(request, f"{customer.name} is on no plan now.")
    return redirect("customers:detail", pk=pk)


# Plans


@staff_only
@require_GET
def plan_list(request):
    plans = selectors.plans_with_customer_counts()
    return render(request, "limits/plan_list.html", {"plans": plans})


@staff_only
@require_GET
def plan_detail(request, plan_pk):
    plan = get_object_or_404(Plan, pk=plan_pk)
    assignments = plan.assignments.select_related("customer").order_by("customer__name")
    page_obj = Paginator(assignments, PAGE_SIZE).get_page(request.GET.get("page"))
    jobs = Job.objects.filter(kind=services.PLAN_JOB_KIND, target=services.plan_target(plan))
    context = {"plan": plan, "page_obj": page_obj, "jobs": jobs[:10]}
    return render(request, "limits/plan_detail.html", context)


@admin_only
@require_http_methods(["GET", "POST"])
def plan_create(request):
    return plan_form_page(request, Plan())


@admin_only
@require_http_methods(["GET", "POST"])
def plan_edit(request, plan_pk):
    return plan_form_page(request, get_object_or_404(Plan, pk=plan_pk))


def plan_form_page(request, plan: Plan):
    saved_name = plan.name if plan.pk else ""
    form = PlanForm(posted_data(request), instance=plan)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.plan_save(
                actor=request.user, plan=form.instance, address=client_address(request)
            )
        except EXPECTED_FAILURES as failure:
            report_failure(request, "Saving the plan", failure)
        else:
            messages.success(request, f"Plan {plan.name} saved.")
            if job is not None:
                messages.info(request, f"Re-applying it to the {job.total} customer(s) on it.")
                return redirect("jobs:detail", pk=job.pk)
            return redirect("limits:plan_detail", plan_pk=plan.pk)
    context = {"form": form, "plan": plan, "saved_name": saved_name}
    return render(request, "limits/plan_form.html", context)


@admin_only
@require_http_methods(["GET", "POST"])
def plan_delete(request, plan_pk):
    plan = get_object_or_404(Plan, pk=plan_pk)
    if request.method == "GET":
        return confirm_page(
            request,
            title=f"Delete the plan {plan.name}",
            question=f"Delete the plan {plan.name}? Customers' limits on the gateways are "
            "not changed.",
            action_url=request.path,
            cancel_url=reverse("limits:plan_detail", args=[plan.pk]),
            button_label="Delete plan",
        )

    try:
        services.plan_delete(actor=request.user, plan=plan, address=client_address(request))
    except EXPECTED_FAILURES as failure:
        report_failure(request, f"Deleting the plan {plan.name}", failure)
        return redirect("limits:plan_detail", plan_pk=plan.pk)
    messages.success(request, f"Plan {plan.name} deleted.")
    return redirect("limits:plan_list")


@admin_only
@require_http_methods(["GET", "POST"])
def plan_reapply(request, plan_pk):
    plan = get_object_or_404(Plan, pk=plan_pk)
    if request.method == "GET":
        count = plan.assignments.count()
        return confirm_page(
            request,
            title=f"Re-apply the plan {plan.name}",
            question=f"Send the plan's limits and quota to the gateways again, for the "
            f"{count} customer(s) on it?",
            action_url=request.path,
            cancel_url=reverse("limits:plan_detail", args=[plan.pk]),
            button_label="Re-apply",
            danger=False,
        )

    try:
        job = services.plan_reapply(actor=request.user, plan=plan, address=client_address(request))
    except EXPECTED_FAILURES as failure:
        report_failure(request, f"Re-applying the plan {plan.name}", failure)
        return redirect("limits:plan_detail", plan_pk=plan.pk)
    return redirect("jobs:detail", pk=job.pk)


@admin_only
@require_POST
def plan_job_retry(request, job_pk):
    job = get_object_or_404(Job, pk=job_pk, kind=services.PLAN_JOB_KIND)
    try:
        retry = services.plan_job_retry(
            actor=request.user, job=job, address=client_address(request)
        )
    except EXPECTED_FAILURES as failure:
        report_failure(request, "Retrying the failed customers", failure)
        return redirect("jobs:detail", pk=job.pk)
    messages.info(request, f"Retrying the {retry.total} customer(s) that failed.")
    return redirect("jobs:detail", pk=retry.pk)
