from django.urls import path

from staas_portal.clusters import views

app_name = "clusters"

cluster = "<slug:name>/"

urlpatterns = [
    path("", views.cluster_list, name="list"),
    path("new/", views.cluster_add, name="add"),
    path(cluster + "edit/", views.cluster_edit, name="edit"),
    path(cluster + "test/", views.cluster_test, name="test"),
    path(cluster + "default/", views.cluster_make_default, name="make_default"),
    path(cluster + "buckets/", views.cluster_bucket_list, name="buckets"),
    path(cluster + "adopt/", views.cluster_adopt, name="adopt"),
]
