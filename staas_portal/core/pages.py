"""Small pieces that many pages share: confirmations and outcome messages."""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import render

from staas_portal.audit.services import ServiceRefused
from staas_portal.gateway.errors import GatewayError

# What a view catches from a service to turn into a message instead of an error page.
EXPECTED_FAILURES = (GatewayError, ServiceRefused, ValidationError)

PAGE_SIZE = 25


def posted_data(request):
    """The form data of a POST, even an empty one; None otherwise, for an unbound form."""
    return request.POST if request.method == "POST" else None


def confirm_page(
    request,
    *,
    title: str,
    question: str,
    action_url: str,
    cancel_url: str,
    button_label: str,
    details=(),
    danger: bool = True,
    hidden_fields: dict | None = None,
):
    """The page a destructive action shows on GET; its form POSTs the action itself."""
    return render(
        request,
        "core/confirm.html",
        {
            "title": title,
            "question": question,
            "details": list(details),
            "action_url": action_url,
            "cancel_url": cancel_url,
            "button_label": button_label,
            "danger": danger,
            "hidden_fields": hidden_fields or {},
        },
    )


def failure_text(failure: Exception) -> str:
    if isinstance(failure, ValidationError):
        return " ".join(failure.messages)
    return str(failure)


def report_failure(request, what: str, failure: Exception) -> None:
    """`what` failed: a message that quotes the gateway's or the rule's own words."""
    messages.error(request, f"{what} failed. {failure_text(failure)}")


def gateway_panel(request, template: str, context: dict, **reads: Callable):
    """A panel filled by asking the gateway: each read's answer under its name, or the
    gateway's error as `error`, so that a failing gateway fails this panel only."""
    try:
        for name, read in reads.items():
            context[name] = read()
    except GatewayError as error:
        context["error"] = error
    return render(request, template, context)
