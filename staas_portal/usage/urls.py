from django.urls import path

from staas_portal.usage import views

app_name = "usage"

statistics_object = "objects/<slug:cluster>/<str:name>/"

urlpatterns = [
    path("", views.usage_overview, name="overview"),
    path("export/customers.csv", views.export_customers, name="export_customers"),
    path("export/buckets.csv", views.export_buckets, name="export_buckets"),
    path("customers/<int:pk>/", views.customer_usage, name="customer"),
    path("customers/<int:pk>/panel/", views.customer_usage_panel, name="customer_panel"),
    path("objects/", views.object_list, name="objects"),
    path(statistics_object, views.object_detail, name="object"),
    path(statistics_object + "delete/", views.object_delete, name="object_delete"),
]
