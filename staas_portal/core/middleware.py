import logging
import time

from django.conf import settings

from staas_portal.core.request_context import accept_request_id, request_id_var

logger = logging.getLogger("staas_portal.requests")


class RequestIdMiddleware:
    """Gives each request an id and writes one log line for it when it is answered.

    The line names the path but never the query string or body, where a
    password or token could travel; a token that is part of the path itself (a
    set-password link) is replaced in the line.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = accept_request_id(request.headers.get("X-Request-ID"))
        request.request_id = request_id
        token = request_id_var.set(request_id)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            self.log_request(request, response.status_code, started)
        finally:
            request_id_var.reset(token)
        return response

    def log_request(self, request, status: int, started: float) -> None:
        user = getattr(request, "user", None)
        username = user.get_username() if user and user.is_authenticated else "-"
        elapsed_ms = (time.monotonic() - started) * 1000
        logger.info(
            "%s %s %s %.1fms user=%s",
            request.method,
            loggable_path(request),
            status,
            elapsed_ms,
            username,
        )


class ContentSecurityPolicyMiddleware:
    """Sends the policy of CSP_POLICY with every answer that does not set its own."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.strict = policy_text(settings.CSP_POLICY)
        self.inline_styles = policy_text(
            {**settings.CSP_POLICY, "style-src": "'self' 'unsafe-inline'"}
        )

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            relaxed = request.path.startswith(settings.CSP_INLINE_STYLE_PATHS)
            response["Content-Security-Policy"] = self.inline_styles if relaxed else self.strict
        return response


def policy_text(policy: dict[str, str]) -> str:
    return "; ".join(f"{directive} {sources}" for directive, sources in policy.items())


# URL parts that carry a secret, by the name the URL patterns give them.
SECRET_PATH_PARTS = ("token", "uidb64")


def loggable_path(request) -> str:
    path = request.path
    match = getattr(request, "resolver_match", None)
    for name in SECRET_PATH_PARTS:
        value = match.kwargs.get(name) if match else None
        if value:
            path = path.replace(str(value), f"[{name}]")
    return path
