from django.urls import path

from staas_portal.customers import drift_views

app_name = "drift"
urlpatterns = [
    path("", drift_views.drift_list, name="list"),
    path("run/", drift_views.drift_run, name="run"),
    path("<int:pk>/<slug:repair>/", drift_views.drift_repair, name="repair"),
]
