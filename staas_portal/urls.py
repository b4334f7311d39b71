from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("staas_portal.core.urls")),
    path("", include("staas_portal.users.urls")),
    path("customers/", include("staas_portal.customers.urls")),
    path("clusters/", include("staas_portal.clusters.urls")),
    path("drift/", include("staas_portal.customers.drift_urls")),
    path("search/", include("staas_portal.customers.search_urls")),
    path("jobs/", include("staas_portal.jobs.urls")),
    path("", include("staas_portal.limits.urls")),
    path("my/", include("staas_portal.selfservice.urls")),
    path("usage/", include("staas_portal.usage.urls")),
    path("api/", include("staas_portal.api.urls")),
    path("api-tokens/", include("staas_portal.api.token_urls")),
    path("django-admin/", admin.site.urls),
]

# The portal's 500 page, or a problem+json answer under /api/.
handler500 = "staas_portal.api.problems.server_error_handler"
