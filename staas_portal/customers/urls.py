from django.urls import path

from staas_portal.customers import views

app_name = "customers"

account = "<int:pk>/accounts/<int:account_pk>/"
key = account + "keys/<int:note_pk>/"

urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create, name="create"),
    path("s3-users/", views.cluster_users, name="cluster_users"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/edit/", views.customer_edit, name="edit"),
    path("<int:pk>/delete/", views.customer_delete, name="delete"),
    path("<int:pk>/provision/", views.account_provision, name="provision"),
    path(account + "live/", views.account_live, name="account_live"),
    path(account + "buckets/", views.account_buckets, name="account_buckets"),
    path(account + "suspend/", views.account_suspend, name="account_suspend"),
    path(account + "resume/", views.account_resume, name="account_resume"),
    path(account + "delete/", views.account_delete, name="account_delete"),
    path(account + "keys/new/", views.key_generate, name="key_generate"),
    path(key + "revoke/", views.key_revoke, name="key_revoke"),
    path(key + "reveal/", views.key_reveal, name="key_reveal"),
]
