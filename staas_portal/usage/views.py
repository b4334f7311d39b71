"""Usage pages: the monthly overview and billing export, a customer's report and the
panel on the customer page (staff), and the statistics objects themselves (admins)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from staas_portal.clusters.models import StorageCluster
from staas_portal.clusters.services import default_cluster
from staas_portal.core.http import client_address
from staas_portal.core.pages import (
    EXPECTED_FAILURES,
    PAGE_SIZE,
    confirm_page,
    report_failure,
)
from staas_portal.customers.models import Customer, S3Account
from staas_portal.gateway.errors import GatewayError, GatewayNotFound
from staas_portal.usage import exports, selectors, services
from staas_portal.usage.forms import month_form
from staas_portal.usage.months import Month
from staas_portal.users.access import STAFF_ROLES, role_required
from staas_portal.users.models import Role

admin_only = role_required(Role.ADMIN)
staff_only = role_required(*STAFF_ROLES)


# Reports


@staff_only
@require_GET
def usage_overview(request):
    form, month = month_form(request.GET)
    context = {"form": form, "month": month, "runs": selectors.latest_runs()}
    if month is None:
        return render(request, "usage/overview.html", context, status=400)

    # A page of customers at a time: each line sums the customer's month of counters.
    page = Paginator(selectors.customers_with_accounts(), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context["page_obj"] = page
    context["lines"] = selectors.customers_month(month, now=timezone.now(), customers=list(page))
    return render(request, "usage/overview.html", context)


@staff_only
@require_GET
def export_customers(request):
    return export(request, exports.customers_csv, "customers")


@staff_only
@require_GET
def export_buckets(request):
    return export(request, exports.buckets_csv, "buckets")


def export(request, build, kind: str) -> HttpResponse:
    form, month = month_form(request.GET)
    if month is None:
        context = {"form": form, "month": None, "runs": selectors.latest_runs()}
        return render(request, "usage/overview.html", context, status=400)

    response = HttpResponse(build(month, now=timezone.now()), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="usage-{kind}-{month}.csv"'
    return response


@staff_only
@require_GET
def customer_usage(request, pk):
    customer = get_object_or_404(Customer, pk=pk)
    form, month = month_form(request.GET)
    context = {"customer": customer, "form": form, "month": month}
    if month is None:
        return render(request, "usage/customer.html", context, status=400)

    context.update(selectors.customer_month_view(customer, month, now=timezone.now()))
    return render(request, "usage/customer.html", context)


@staff_only
@require_GET
def customer_usage_panel(request, pk):
    """The current month on the customer page, loaded by htmx after the page."""
    customer = get_object_or_404(Customer, pk=pk)
    now = timezone.now()
    month = Month.of(now)
    context = {
        "customer": customer, "month": month,
        **selectors.customer_month_view(customer, month, now=now),
    }  # fmt: skip
    return render(request, "usage/_customer_panel.html", context)


# Statistics objects


def cluster_by_name(name: str) -> StorageCluster:
    return get_object_or_404(StorageCluster, name=name)


@admin_only
@require_GET
def object_list(request):
    clusters = StorageCluster.objects.order_by("name")
    chosen = clusters.filter(name=request.GET.get("cluster")).first() or default_cluster()
    context = {"clusters": clusters, "cluster": chosen}
    if chosen is not None:
        try:
            context["page"] = services.statistics_objects(
                actor=request.user, cluster=chosen, after=request.GET.get("after") or None
            )
        except GatewayError as error:
            context["error"] = error
    return render(request, "usage/objects.html", context)


@admin_only
@require_GET
def object_detail(request, cluster, name):
    cluster = cluster_by_name(cluster)
    context = {
        "cluster": cluster,
        "name": name,
        "harvested": services.statistics_object_harvested(cluster=cluster, name=name),
    }
    try:
        statistics = services.statistics_object(actor=request.user, cluster=cluster, name=name)
    except GatewayNotFound as missing:
        raise Http404("No such statistics object.") from missing
    except GatewayError as error:
        context["error"] = error
    else:
        context["statistics"] = statistics
        context["started"] = services.timestamp(statistics.start_ts)
        context["rows"] = items_with_owners(cluster, statistics)
    return render(request, "usage/object.html", context)


def items_with_owners(cluster: StorageCluster, statistics) -> list[tuple]:
    """Each item with the customer its S3 user belongs to, or None."""
    user_ids = {item.user_id for item in statistics.items}
    accounts = S3Account.objects.filter(cluster=cluster, user_id__in=user_ids)
    owners = {account.user_id: account.customer for account in accounts.select_related("customer")}
    return [(item, owners.get(item.user_id)) for item in statistics.items]


@admin_only
@require_http_methods(["GET", "POST"])
def object_delete(request, cluster, name):
    cluster = cluster_by_name(cluster)
    back = reverse("usage:object", args=[cluster.name, name])
    if request.method == "GET":
        harvested = services.statistics_object_harvested(cluster=cluster, name=name)
        warning = (
            "Its usage has been harvested: deleting it loses nothing."
            if harvested
            else "It has not been harvested: deleting it loses its usage for good, and no "
            "report or bill will count it."
        )
        return confirm_page(
            request,
            title="Delete a statistics object",
            question=f"Delete the statistics object {name} on cluster {cluster.name}?",
            details=[warning],
            action_url=request.path,
            cancel_url=back,
            button_label="Delete the statistics object",
            danger=not harvested,
        )

    try:
        services.statistics_object_delete(
            actor=request.user, cluster=cluster, name=name, address=client_address(request)
        )
    except EXPECTED_FAILURES as failure:
        report_failure(request, f"Deleting {name}", failure)
        return redirect(back)
    messages.success(request, f"Statistics object {name} deleted.")
    return redirect(f"{reverse('usage:objects')}?cluster={cluster.name}")
