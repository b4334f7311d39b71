"""The admin's and support's customer pages. Views parse and render; services act."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from staas_portal.audit.models import AuditEvent
from staas_portal.clusters.models import StorageCluster
from staas_portal.clusters.services import default_cluster
from staas_portal.core.http import client_address
from staas_portal.core.pages import (
    EXPECTED_FAILURES,
    PAGE_SIZE,
    confirm_page,
    gateway_panel,
    posted_data,
    report_failure,
)
from staas_portal.customers import services
from staas_portal.customers.forms import (
    AccountDeleteForm,
    CustomerForm,
    CustomerSearchForm,
    KeyGenerateForm,
    ProvisionForm,
)
from staas_portal.customers.models import Customer, KeyPairNote, S3Account
from staas_portal.gateway.errors import GatewayError
from staas_portal.users.access import STAFF_ROLES, role_required
from staas_portal.users.models import Role

AUDIT_TRAIL_LENGTH = 25

admin_only = role_required(Role.ADMIN)
staff_only = role_required(*STAFF_ROLES)


# Customers


@staff_only
@require_GET
def customer_list(request):
    default_cluster()  # creates the cluster of STAAS_GATEWAY_* on the first start
    search = CustomerSearchForm(request.GET or None)
    customers = Customer.objects.prefetch_related("accounts__cluster")
    if request.GET:
        customers = search.filter(customers)

    page = Paginator(customers, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "customers/list.html", {"search": search, "page_obj": page})


@admin_only
@require_http_methods(["GET", "POST"])
def customer_create(request):
    form = CustomerForm(posted_data(request))
    if request.method == "POST" and form.is_valid():
        customer = form.save(commit=False)
        try:
            services.customer_save(
                actor=request.user, customer=customer, address=client_address(request)
            )
        except EXPECTED_FAILURES as failure:
            report_failure(request, "Adding the customer", failure)
        else:
            messages.success(request, f"Customer {customer.name} added.")
            return redirect("customers:detail", pk=customer.pk)
    return render(request, "customers/form.html", {"form": form, "customer": None})


@admin_only
@require_http_methods(["GET", "POST"])
def customer_edit(request, pk):
    customer = get_object_or_404(Customer, pk=pk)
    form = CustomerForm(posted_data(request), instance=customer)
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_save(
                actor=request.user, customer=form.save(commit=False),
                address=client_address(request),
            )  # fmt: skip
        except EXPECTED_FAILURES as failure:
            report_failure(request, "Saving the customer", failure)
        else:
            messages.success(request, f"Customer {customer.name} saved.")
            return redirect("customers:detail", pk=customer.pk)
    return render(request, "customers/form.html", {"form": form, "customer": customer})


@admin_only
@require_http_methods(["GET", "POST"])
def customer_delete(request, pk):
    customer = get_object_or_404(Customer, pk=pk)
    if request.method == "GET":
        return confirm_page(
            request,
            title=f"Delete {customer.name}",
            question=f"Delete the customer {customer.name} <{customer.email}>? "
            "Their audit trail is kept.",
            action_url=request.path,
            cancel_url=reverse("customers:detail", args=[pk]),
            button_label="Delete customer",
        )

    try:
        services.customer_delete(
            actor=request.user, customer=customer, address=client_address(request)
        )
    except EXPECTED_FAILURES as failure:
        report_failure(request, f"Deleting {customer.name}", failure)
        return redirect("customers:detail", pk=pk)
    messages.success(request, f"Customer {customer.name} deleted.")
    return redirect("customers:list")


@staff_only
@require_GET
def customer_detail(request, pk):
    customer = get_object_or_404(Customer, pk=pk)
    accounts = list(
        customer.accounts.select_related("cluster").prefetch_related("key_notes")
        .order_by("state", "cluster__name")
    )  # fmt: skip
    targets = [f"customer:{customer.pk}", *map(services.account_target, accounts)]
    events = AuditEvent.objects.filter(target__in=targets)[:AUDIT_TRAIL_LENGTH]
    live_clusters = {account.cluster_id for account in accounts if account.is_live}
    can_provision = StorageCluster.objects.exclude(pk__in=live_clusters).exists()
    return render(
        request,
        "customers/detail.html",
        {
            "customer": customer,
            "accounts": accounts,
            "events": events,
            "provision_form": ProvisionForm() if can_provision else None,
            "key_form": KeyGenerateForm(),
            "logins": customer.logins.order_by("username"),
        },
    )


# S3 accounts


def customer_account(pk: int, account_pk: int) -> S3Account:
    """The account, only if it is this customer's: an id from elsewhere is a 404."""
    return get_object_or_404(
        S3Account.objects.select_related("cluster", "customer"), pk=account_pk, customer_id=pk
    )


@admin_only
@require_http_methods(["GET", "POST"])
def account_provision(request, pk):
    customer = get_object_or_404(Customer, pk=pk)
    form = ProvisionForm(posted_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            account, first = services.account_provision(
                actor=request.user, customer=customer, cluster=form.cleaned_data["cluster"],
                email=form.cleaned_data["email"], address=client_address(request),
            )  # fmt: skip
        except EXPECTED_FAILURES as failure:
            report_failure(request, "Provisioning the S3 user", failure)
        else:
            messages.success(request, f"S3 user {account.user_id} created.")
            return new_key_page(request, account, first)
    return render(request, "customers/provision.html", {"customer": customer, "form": form})


def new_key_page(request, account: S3Account, new_pair) -> HttpResponse:
    """The one page that shows a new secret: rendered in the POST's answer, never cached."""
    response = render(
        request, "customers/new_key.html", {"account": account, "new_pair": new_pair}
    )
    response["Cache-Control"] = "no-store"
    return response


@staff_only
@require_GET
def account_live(request, pk, account_pk):
    """The live panel, loaded by htmx so that a slow gateway never holds the page up."""
    account = customer_account(pk, account_pk)
    return gateway_panel(
        request, "customers/_account_live.html",
        {"account": account, "customer": account.customer},
        live=lambda: services.account_live(actor=request.user, account=account),
    )  # fmt: skip


@staff_only
@require_GET
def account_buckets(request, pk, account_pk):
    account = customer_account(pk, account_pk)
    return gateway_panel(
        request, "customers/_account_buckets.html", {"account": account},
        buckets=lambda: services.account_buckets(actor=request.user, account=account),
    )  # fmt: skip


@admin_only
@require_http_methods(["GET", "POST"])
def account_suspend(request, pk, account_pk):
    account = customer_account(pk, account_pk)
    if request.method == "GET":
        return confirm_page(
            request,
            title=f"Suspend {account.customer.name}",
            question=f"Suspend the S3 user {account.user_id} of {account.customer.name}? "
            "Its key pairs stop working until it is resumed.",
            action_url=request.path,
            cancel_url=reverse("customers:detail", args=[pk]),
            button_label="Suspend S3 user",
        )
    return run_action(
        request, account, services.account_suspend, "Suspending", f"{account.user_id} suspended."
    )


@admin_only
@require_http_methods(["POST"])
def account_resume(request, pk, account_pk):
    account = customer_account(pk, account_pk)
    return run_action(
        request, account, services.account_resume, "Resuming", f"{account.user_id} resumed."
    )


def run_action(request, account, service, doing: str, done: str):
    try:
        service(actor=request.user, account=account, address=client_address(request))
    except EXPECTED_FAILURES as failure:
        report_failure(request, f"{doing} the S3 user {account.user_id}", failure)
    else:
        messages.success(request, f"S3 user {done}")
    return redirect("customers:detail", pk=account.customer_id)


@admin_only
@require_http_methods(["GET", "POST"])
def account_delete(request, pk, account_pk):
    account = customer_account(pk, account_pk)
    form = AccountDeleteForm(posted_data(request))
    if request.method == "POST" and form.is_valid():
        return delete_account(request, account, form.cleaned_data["delete_buckets"])

    return gateway_panel(
        request, "customers/account_delete.html", {"account": account, "form": form},
        buckets=lambda: services.account_buckets(actor=request.user, account=account),
    )  # fmt: skip


def delete_account(request, account: S3Account, with_buckets: bool):
    address = client_address(request)
    try:
        if with_buckets:
            job = services.account_delete_with_buckets(
                actor=request.user, account=account, address=address
            )
            return redirect("jobs:detail", pk=job.pk)
        services.account_delete(actor=request.user, account=account, address=address)
    except EXPECTED_FAILURES as failure:
        report_failure(request, f"Deleting the S3 user {account.user_id}", failure)
        return redirect("customers:account_delete", pk=account.customer_id, account_pk=account.pk)
    messages.success(request, f"S3 user {account.user_id} deleted.")
    return redirect("customers:detail", pk=account.customer_id)


# Key pairs


@admin_only
@require_http_methods(["GET", "POST"])
def key_generate(request, pk, account_pk):
    account = customer_account(pk, account_pk)
    form = KeyGenerateForm(posted_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            new_pair = services.key_generate(
                actor=request.user, account=account, label=form.cleaned_data["label"],
                address=client_address(request),
            )  # fmt: skip
        except EXPECTED_FAILURES as failure:
            report_failure(request, "Generating a key pair", failure)
            return redirect("customers:detail", pk=pk)
        messages.success(request, f"Key pair {new_pair.note.access_key_id} generated.")
        return new_key_page(request, account, new_pair)
    return render(request, "customers/key_generate.html", {"account": account, "form": form})


def account_key(pk: int, account_pk: int, note_pk: int) -> KeyPairNote:
    return get_object_or_404(
        KeyPairNote.objects.select_related("account__cluster", "account__customer"),
        pk=note_pk, account_id=account_pk, account__customer_id=pk,
    )  # fmt: skip


@admin_only
@require_http_methods(["GET", "POST"])
def key_revoke(request, pk, account_pk, note_pk):
    note = account_key(pk, account_pk, note_pk)
    account = note.account
    if request.method == "GET":
        return confirm_page(
            request,
            title=f"Revoke a key pair of {account.customer.name}",
            question=f"Revoke the key pair {note.access_key_id} of {account.customer.name} "
            f"(S3 user {account.user_id})? Programs using it stop working at once.",
            action_url=request.path,
            cancel_url=reverse("customers:detail", args=[pk]),
            button_label="Revoke key pair",
        )

    try:
        services.key_revoke(
            actor=request.user, account=account, access_key_id=note.access_key_id,
            address=client_address(request),
        )  # fmt: skip
    except EXPECTED_FAILURES as failure:
        report_failure(request, f"Revoking {note.access_key_id}", failure)
    else:
        messages.success(request, f"Key pair {note.access_key_id} revoked.")
    return redirect("customers:detail", pk=pk)


@admin_only
@never_cache
@require_http_methods(["GET", "POST"])
def key_reveal(request, pk, account_pk, note_pk):
    note = account_key(pk, account_pk, note_pk)
    if request.method == "GET":
        return confirm_page(
            request,
            title="Reveal a secret key",
            question=f"Show the secret key of {note.access_key_id} "
            f"({note.account.customer.name})? The audit log records that you did.",
            action_url=request.path,
            cancel_url=reverse("customers:detail", args=[pk]),
            button_label="Reveal the secret",
            danger=False,
        )

    try:
        secret = services.key_reveal(
            actor=request.user, note=note, address=client_address(request)
        )
    except EXPECTED_FAILURES as failure:
        report_failure(request, f"Revealing the secret of {note.access_key_id}", failure)
        return redirect("customers:detail", pk=pk)
    return render(request, "customers/key_reveal.html", {"note": note, "secret": secret})


# Cluster-wide S3 users


@staff_only
@require_GET
def cluster_users(request):
    clusters = StorageCluster.objects.all()
    chosen = clusters.filter(name=request.GET.get("cluster")).first() or default_cluster()
    context = {"clusters": clusters, "cluster": chosen}
    if chosen is not None:
        try:
            users = services.cluster_users(actor=request.user, cluster=chosen)
        except GatewayError as error:
            context["error"] = error
        else:
            context["page_obj"] = Paginator(users, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "customers/cluster_users.html", context)
