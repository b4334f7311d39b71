"""A customer's own pages: their S3 accounts, key rotation, buckets and limits.

Every object is looked up through the signed-in login's customer, so an id of
another customer's object answers 404, exactly as an id that does not exist.
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from staas_portal.core.http import client_address
from staas_portal.core.pages import (
    EXPECTED_FAILURES,
    confirm_page,
    gateway_panel,
    report_failure,
)
from staas_portal.customers import services
from staas_portal.customers.models import MAX_KEY_PAIRS, KeyPairNote, S3Account
from staas_portal.limits import selectors as limits_selectors
from staas_portal.selfservice import configs
from staas_portal.usage import selectors as usage_selectors
from staas_portal.usage.forms import month_form
from staas_portal.usage.months import Month
from staas_portal.users.access import role_required
from staas_portal.users.models import Role

customer_only = role_required(Role.CUSTOMER)


def own_accounts(request):
    if request.user.customer_id is None:
        return S3Account.objects.none()
    return (
        S3Account.objects.filter(customer_id=request.user.customer_id)
        .exclude(state=S3Account.State.DELETED)
        .select_related("cluster", "customer")
    )


def own_account(request, account_pk: int) -> S3Account:
    return get_object_or_404(own_accounts(request), pk=account_pk)


def own_note(request, account_pk: int, note_pk: int) -> KeyPairNote:
    account = own_account(request, account_pk)
    note = get_object_or_404(account.key_notes, pk=note_pk, revoked_at__isnull=True)
    note.account = account
    return note


def home_url() -> str:
    return reverse("selfservice:home")


@customer_only
@require_GET
def home(request):
    customer = request.user.customer
    accounts = list(own_accounts(request).prefetch_related("key_notes"))
    return render(
        request,
        "selfservice/home.html",
        {"customer": customer, "accounts": accounts, "max_key_pairs": MAX_KEY_PAIRS},
    )


@customer_only
@require_GET
def account_state(request, account_pk):
    account = own_account(request, account_pk)
    return gateway_panel(
        request, "selfservice/_account_state.html", {"account": account},
        live=lambda: services.account_live(actor=request.user, account=account),
    )  # fmt: skip


@customer_only
@require_GET
def account_buckets(request, account_pk):
    account = own_account(request, account_pk)
    return gateway_panel(
        request, "selfservice/_account_buckets.html", {"account": account},
        buckets=lambda: services.account_buckets(actor=request.user, account=account),
    )  # fmt: skip


@customer_only
@require_GET
def account_limits(request, account_pk):
    account = own_account(request, account_pk)
    return gateway_panel(
        request, "selfservice/_account_limits.html", {"account": account},
        reading=lambda: limits_selectors.account_limits(actor=request.user, account=account),
    )  # fmt: skip


@customer_only
@require_GET
def usage(request):
    """The customer's usage by month: the current one unless another is asked for."""
    customer = request.user.customer
    query = request.GET if "month" in request.GET else {"month": str(Month.of(timezone.now()))}
    form, month = month_form(query)
    context = {"customer": customer, "form": form, "month": month}
    if customer is None or month is None:
        return render(request, "selfservice/usage.html", context, status=400 if customer else 200)

    context.update(usage_selectors.customer_month_view(customer, month, now=timezone.now()))
    return render(request, "selfservice/usage.html", context)


# Key rotation: a new pair, a check of it, then the old one revoked


@customer_only
@never_cache
@require_http_methods(["GET", "POST"])
def key_new(request, account_pk):
    account = own_account(request, account_pk)
    active = list(account.key_notes.filter(revoked_at__isnull=True))
    if request.method == "GET":
        context = {"account": account, "active": active, "max_key_pairs": MAX_KEY_PAIRS}
        return render(request, "selfservice/key_new.html", context)

    try:
        new_pair = services.key_generate(
            actor=request.user, account=account, label="made by the customer",
            address=client_address(request),
        )  # fmt: skip
    except EXPECTED_FAILURES as failure:
        report_failure(request, "Making a new key pair", failure)
        return redirect("selfservice:key_new", account_pk=account.pk)
    return new_key_page(request, account, new_pair, active)


def new_key_page(request, account, new_pair, older: list[KeyPairNote]):
    """The one page that shows the new secret: the POST's own answer, never cached."""
    key_id, secret = new_pair.note.access_key_id, new_pair.secret_access_key
    context = {
        "account": account,
        "note": new_pair.note,
        "secret": secret,
        "older": older,
        "profile": configs.profile_name(account),
        "aws_credentials": configs.aws_credentials(account, key_id, secret),
        "aws_config": configs.aws_config(account),
        "s3cmd_config": configs.s3cmd_config(account, key_id, secret),
    }
    response = render(request, "selfservice/key_created.html", context)
    response["Cache-Control"] = "no-store"
    return response


@customer_only
@require_POST
def key_check(request, account_pk, note_pk):
    note = own_note(request, account_pk, note_pk)
    try:
        check = services.key_check(actor=request.user, note=note, address=client_address(request))
    except EXPECTED_FAILURES as failure:
        report_failure(request, f"Checking key {note.access_key_id}", failure)
        return redirect(home_url())

    context = {"note": note, "account": note.account, "check": check}
    if request.htmx:
        return render(request, "selfservice/_key_check.html", context)
    return render(request, "selfservice/key_check.html", context)


@customer_only
@require_http_methods(["GET", "POST"])
def key_revoke(request, account_pk, note_pk):
    note = own_note(request, account_pk, note_pk)
    account = note.account
    if request.method == "GET":
        others = account.key_notes.filter(revoked_at__isnull=True).exclude(pk=note.pk)
        if not others.exists():
            messages.info(request, "This is your only key pair: make a new one first, then "
                          "revoke this one.")  # fmt: skip
            return redirect("selfservice:key_new", account_pk=account.pk)
        return confirm_page(
            request,
            title="Revoke a key pair",
            question=f"Revoke the key pair {note.access_key_id}? Every program that still uses "
            "it stops working at once. This cannot be undone.",
            details=[
                f"Your other key pair {other.access_key_id} keeps working." for other in others
            ],  # fmt: skip
            action_url=request.path,
            cancel_url=home_url(),
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
    return redirect(home_url())
