"""The admins' pages for API tokens: list, create (shown once) and revoke."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from staas_portal.api import services
from staas_portal.api.forms import TokenForm
from staas_portal.api.models import ApiToken
from staas_portal.core.http import client_address
from staas_portal.core.pages import EXPECTED_FAILURES, confirm_page, posted_data, report_failure
from staas_portal.users.access import role_required
from staas_portal.users.models import Role

admin_only = role_required(Role.ADMIN)


@admin_only
@require_GET
def token_list(request):
    tokens = ApiToken.objects.all()
    return render(request, "api/token_list.html", {"tokens": tokens})


@admin_only
@require_http_methods(["GET", "POST"])
def token_create(request):
    form = TokenForm(posted_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            new = services.token_create(
                actor=request.user, name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"], address=client_address(request),
            )  # fmt: skip
        except EXPECTED_FAILURES as failure:
            report_failure(request, "Creating the token", failure)
        else:
            return new_token_page(request, new)
    return render(request, "api/token_form.html", {"form": form})


def new_token_page(request, new: services.NewToken):
    """The one page that shows a token: rendered in the POST's answer, never cached."""
    response = render(request, "api/token_created.html", {"new": new})
    response["Cache-Control"] = "no-store"
    return response


@admin_only
@require_http_methods(["GET", "POST"])
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk)
    if request.method == "GET":
        return confirm_page(
            request,
            title=f"Revoke the token {token.name}",
            question=f"Revoke the API token {token.name}? Every request that shows it is "
            "refused from now on; a revoked token cannot be restored.",
            action_url=request.path,
            cancel_url=reverse("api_tokens:list"),
            button_label="Revoke token",
        )

    try:
        services.token_revoke(actor=request.user, token=token, address=client_address(request))
    except EXPECTED_FAILURES as failure:
        report_failure(request, f"Revoking {token.name}", failure)
    else:
        messages.success(request, f"Token {token.name} revoked.")
    return redirect("api_tokens:list")
