from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import reverse


class PortalAdminSite(admin.AdminSite):
    """Django's admin site, open to the portal's admins and nobody else.

    It has no login page of its own: anonymous visitors go to the portal's
    login, and a signed-in support or customer user gets the 403 page.
    """

    site_header = "StaaS Portal administration"
    site_title = "StaaS Portal"
    index_title = "Database records"

    def has_permission(self, request):
        return request.user.is_active and getattr(request.user, "is_admin", False)

    def login(self, request, extra_context=None):
        if request.user.is_authenticated:
            raise PermissionDenied
        return redirect_to_login(request.GET.get("next") or reverse("admin:index"))
