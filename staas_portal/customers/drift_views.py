"""The drift page: what reconcile found, and the repairs admins make from it."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from staas_portal.core.http import client_address
from staas_portal.core.pages import EXPECTED_FAILURES, PAGE_SIZE, confirm_page, report_failure
from staas_portal.customers import drift_services
from staas_portal.customers.drift_forms import DriftFilterForm
from staas_portal.customers.models import Drift, PendingChange
from staas_portal.customers.reconcile import reconcile_run
from staas_portal.users.access import STAFF_ROLES, has_role, role_required
from staas_portal.users.models import Role

# Changes left unconfirmed are rare: a gateway that keeps failing shows in its errors.
PENDING_SHOWN = 50


@dataclass(frozen=True)
class DriftRow:
    drift: Drift
    repairs: list[drift_services.Repair]
    adopt_url: str = ""


@role_required(*STAFF_ROLES)
@require_GET
def drift_list(request):
    form = DriftFilterForm(request.GET)
    drift = form.filter(Drift.objects.select_related("cluster", "account__customer"))
    page_obj = Paginator(drift, PAGE_SIZE).get_page(request.GET.get("page"))

    can_repair = has_role(request.user, Role.ADMIN)
    rows = [drift_row(drift, can_repair) for drift in page_obj]
    return render(
        request,
        "customers/drift_list.html",
        {
            "form": form,
            "page_obj": page_obj,
            "rows": rows,
            "can_repair": can_repair,
            "open_counts": open_counts(),
            "pending_changes": pending_changes(),
            "return_to": request.get_full_path(),
            "interval_minutes": settings.STAAS_RECONCILE_MINUTES,
        },
    )


def drift_row(drift: Drift, can_repair: bool) -> DriftRow:
    if not can_repair or drift.resolved_at is not None:
        return DriftRow(drift, [])

    adopt_url = ""
    if drift.kind == Drift.Kind.UNKNOWN_TO_PORTAL:
        # By path rather than by URL name: the adoption page belongs to the clusters
        # app, and this page must still render in a build that lacks it.
        adopt_url = f"/clusters/{drift.cluster.name}/adopt/"
    return DriftRow(drift, drift_services.repairs_for(drift), adopt_url)


def pending_changes() -> list[PendingChange]:
    changes = PendingChange.objects.select_related("cluster", "customer", "account")
    return list(changes[:PENDING_SHOWN])


def open_counts() -> list[dict]:
    labels = dict(Drift.Kind.choices)
    counts = (
        Drift.objects.filter(resolved_at__isnull=True)
        .values("cluster__name", "kind")
        .annotate(count=Count("id"))
        .order_by("cluster__name", "kind")
    )
    return [{**count, "label": labels[count["kind"]]} for count in counts]


@role_required(Role.ADMIN)
@require_POST
def drift_run(request):
    reports = reconcile_run(actor=request.user, address=client_address(request))

    for report in reports:
        if report.ok:
            messages.success(request, report.summary())
        else:
            messages.error(request, report.summary())
    if not reports:
        messages.info(request, "There is no cluster to reconcile yet.")
    return redirect("drift:list")


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def drift_repair(request, pk, repair):
    drift = get_object_or_404(Drift.objects.select_related("cluster", "account__customer"), pk=pk)
    chosen = drift_services.REPAIRS.get(repair)
    if chosen is None or chosen.kind != drift.kind:
        raise Http404("This drift has no such repair.")
    return_to = return_url(request)

    if request.method == "GET":
        return confirm_page(
            request,
            title=chosen.label,
            question=chosen.question_for(drift),
            details=[text for text in (drift.detail, chosen.consequence) if text],
            action_url=request.path,
            cancel_url=return_to,
            button_label=chosen.label,
            danger=chosen.needs_confirmation,
            hidden_fields={"next": return_to},
        )

    try:
        resolution = drift_services.drift_repair(
            actor=request.user, drift=drift, repair=repair, address=client_address(request)
        )
    except EXPECTED_FAILURES as failure:
        report_failure(request, chosen.label, failure)
    else:
        messages.success(request, f"Drift of S3 user {drift.user_id} resolved: {resolution}.")
    return redirect(return_to)


def return_url(request) -> str:
    """Back to the drift list the admin came from, with its filters and page."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    list_url = reverse("drift:list")
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe and target.startswith(list_url) else list_url
