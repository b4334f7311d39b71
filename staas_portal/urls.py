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
    path("django-admin/", admin.site.urls),
]

handler500 = "staas_portal.core.views.server_error"
