from django.http import HttpResponsePermanentRedirect, HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from staas_portal.core.health import system_health
from staas_portal.users.access import ALL_ROLES, STAFF_ROLES, has_role, public, role_required


@role_required(*ALL_ROLES)
@require_GET
def home(request):
    if request.user.is_customer:
        return redirect("selfservice:home")
    health = system_health() if has_role(request.user, *STAFF_ROLES) else None
    return render(request, "core/home.html", {"health": health})


@public
@require_GET
@never_cache
def healthz(request):
    health = system_health()
    return JsonResponse(health, status=200 if health["ok"] else 503)


@public
@require_GET
def favicon(request):
    """Browsers ask for /favicon.ico on pages that name no icon, such as the admin site's."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


def server_error(request):
    """The 500 page, with the request id so that support can find the log lines."""
    # Rendered without the request's context processors: whatever broke the page
    # (the database, say) must not break the error page too.
    page = loader.get_template("500.html").render(
        {"request_id": getattr(request, "request_id", "")}
    )
    return HttpResponseServerError(page)
