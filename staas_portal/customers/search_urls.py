from django.urls import path

from staas_portal.customers import search_views

app_name = "search"
urlpatterns = [
    path("", search_views.search, name="results"),
]
