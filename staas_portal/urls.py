from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("staas_portal.core.urls")),
    path("", include("staas_portal.users.urls")),
    path("django-admin/", admin.site.urls),
]

handler500 = "staas_portal.core.views.server_error"
