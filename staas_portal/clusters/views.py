"""The cluster pages: the list, adding and editing, the connection test, the default,
a cluster's buckets, and the adoption of S3 users the portal does not know."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from staas_portal.clusters import services
from staas_portal.clusters.forms import ClusterForm
from staas_portal.clusters.models import StorageCluster
from staas_portal.core.http import client_address
from staas_portal.core.pages import (
    EXPECTED_FAILURES,
    PAGE_SIZE,
    confirm_page,
    failure_text,
    posted_data,
    report_failure,
)
from staas_portal.customers import adoption
from staas_portal.customers.services import cluster_buckets
from staas_portal.gateway.errors import GatewayError
from staas_portal.users.access import STAFF_ROLES, role_required
from staas_portal.users.models import Role

admin_only = role_required(Role.ADMIN)
staff_only = role_required(*STAFF_ROLES)


@staff_only
@require_GET
def cluster_list(request):
    clusters = services.clusters_with_account_counts()
    return render(request, "clusters/list.html", {"clusters": clusters})


@admin_only
@require_http_methods(["GET", "POST"])
def cluster_add(request):
    return cluster_form_page(request, StorageCluster())


@admin_only
@require_http_methods(["GET", "POST"])
def cluster_edit(request, name):
    return cluster_form_page(request, get_object_or_404(StorageCluster, name=name))


def cluster_form_page(request, cluster: StorageCluster):
    # Kept apart: a rejected rename must not retitle the page it is rejected on.
    saved_name = cluster.name if cluster.pk else ""
    form = ClusterForm(posted_data(request), instance=cluster)
    if request.method == "POST" and form.is_valid():
        try:
            services.cluster_save(
                actor=request.user, cluster=form.instance,
                secret_key=form.cleaned_data["secret_key"], address=client_address(request),
            )  # fmt: skip
        except EXPECTED_FAILURES as failure:
            form.add_error(None, failure_text(failure))
        else:
            verb = "saved" if saved_name else "added"
            messages.success(request, f"Cluster {cluster.name} {verb}. Test its connection "
                             "to check the address and the system key.")  # fmt: skip
            return redirect("clusters:list")
    return render(request, "clusters/form.html", {"form": form, "saved_name": saved_name})


@admin_only
@require_POST
def cluster_test(request, name):
    cluster = get_object_or_404(StorageCluster, name=name)
    result = services.cluster_test(
        actor=request.user, cluster=cluster, address=client_address(request)
    )

    if request.htmx:
        context = {"result": result, "sentence": connection_sentence(cluster, result)}
        return render(request, "clusters/_connection_test.html", context)
    report = messages.success if result.ok else messages.error
    report(request, connection_sentence(cluster, result))
    return redirect("clusters:list")


def connection_sentence(cluster: StorageCluster, result: services.ConnectionTest) -> str:
    if result.ok:
        users = "1 S3 user" if result.user_count == 1 else f"{result.user_count} S3 users"
        return f"{cluster.name} answers: {users} listed in {result.elapsed_ms:.0f} ms."
    return f"{cluster.name} failed the test after {result.elapsed_ms:.0f} ms. {result.error}"


@admin_only
@require_http_methods(["GET", "POST"])
def cluster_make_default(request, name):
    cluster = get_object_or_404(StorageCluster, name=name)
    if request.method == "GET":
        current = StorageCluster.objects.filter(is_default=True).exclude(pk=cluster.pk).first()
        return confirm_page(
            request,
            title=f"Make {cluster.name} the default cluster",
            question=f"Make {cluster.name} the cluster that new S3 accounts go to "
            "unless another is chosen?",
            details=[f"The default now is {current.name}."] if current else [],
            action_url=request.path,
            cancel_url=reverse("clusters:list"),
            button_label="Make default",
            danger=False,
        )

    try:
        services.cluster_make_default(
            actor=request.user, cluster=cluster, address=client_address(request)
        )
    except EXPECTED_FAILURES as failure:
        report_failure(request, f"Making {cluster.name} the default", failure)
    else:
        messages.success(request, f"{cluster.name} is now the default cluster.")
    return redirect("clusters:list")


@staff_only
@require_GET
def cluster_bucket_list(request, name):
    cluster = get_object_or_404(StorageCluster, name=name)
    context = {"cluster": cluster}
    try:
        buckets = cluster_buckets(actor=request.user, cluster=cluster)
    except GatewayError as error:
        context["error"] = error
    else:
        context["page_obj"] = Paginator(buckets, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "clusters/buckets.html", context)


@admin_only
@require_http_methods(["GET", "POST"])
def cluster_adopt(request, name):
    cluster = get_object_or_404(StorageCluster, name=name)
    if request.method == "POST":
        return adopt_chosen_users(request, cluster)

    context = {"cluster": cluster}
    try:
        context["users"] = adoption.unknown_users(actor=request.user, cluster=cluster)
    except GatewayError as error:
        context["error"] = error
    return render(request, "clusters/adopt.html", context)


def adopt_chosen_users(request, cluster: StorageCluster):
    user_ids = [user_id for user_id in request.POST.getlist("user_id") if user_id]
    if not user_ids:
        messages.error(request, "Choose at least one S3 user to adopt.")
        return redirect("clusters:adopt", name=cluster.name)

    try:
        adoptions = adoption.users_adopt(
            actor=request.user, cluster=cluster, user_ids=user_ids,
            address=client_address(request),
        )  # fmt: skip
    except EXPECTED_FAILURES as failure:
        report_failure(request, "Adopting the S3 users", failure)
    else:
        for outcome in adoptions:
            report = messages.success if outcome.adopted else messages.error
            report(request, outcome.text)
    return redirect("clusters:adopt", name=cluster.name)
