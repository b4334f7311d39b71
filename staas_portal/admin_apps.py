from django.contrib.admin.apps import AdminConfig


class PortalAdminConfig(AdminConfig):
    """Django's admin app, with the site that only the portal's admins may enter."""

    default_site = "staas_portal.core.admin_site.PortalAdminSite"
