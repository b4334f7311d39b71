from django.urls import path

from staas_portal.selfservice import views

app_name = "selfservice"

account = "accounts/<int:account_pk>/"
key = account + "keys/<int:note_pk>/"

urlpatterns = [
    path("", views.home, name="home"),
    path("usage/", views.usage, name="usage"),
    path(account + "state/", views.account_state, name="account_state"),
    path(account + "buckets/", views.account_buckets, name="account_buckets"),
    path(account + "limits/", views.account_limits, name="account_limits"),
    path(account + "keys/new/", views.key_new, name="key_new"),
    path(key + "check/", views.key_check, name="key_check"),
    path(key + "revoke/", views.key_revoke, name="key_revoke"),
]
