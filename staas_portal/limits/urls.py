from django.urls import path

from staas_portal.limits import views

app_name = "limits"

account = "customers/<int:pk>/accounts/<int:account_pk>/"
bucket = account + "buckets/<str:bucket>/"
plan = "plans/<int:plan_pk>/"

urlpatterns = [
    path(account + "limits/", views.account_limits, name="account_limits"),
    path(account + "limits/edit/", views.limits_edit, name="limits_edit"),
    path(account + "limits/delete/", views.limits_delete, name="limits_delete"),
    path(account + "quota/edit/", views.quota_edit, name="quota_edit"),
    path(account + "quota/delete/", views.quota_delete, name="quota_delete"),
    path(bucket, views.bucket_detail, name="bucket_detail"),
    path(bucket + "limits/edit/", views.limits_edit, name="bucket_limits_edit"),
    path(bucket + "limits/delete/", views.limits_delete, name="bucket_limits_delete"),
    path(bucket + "quota/edit/", views.quota_edit, name="bucket_quota_edit"),
    path(bucket + "quota/delete/", views.quota_delete, name="bucket_quota_delete"),
    path("customers/<int:pk>/plan/", views.customer_plan, name="customer_plan"),
    path("customers/<int:pk>/plan/change/", views.plan_assign, name="plan_assign"),
    path("customers/<int:pk>/plan/remove/", views.plan_unassign, name="plan_unassign"),
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/new/", views.plan_create, name="plan_create"),
    path(plan, views.plan_detail, name="plan_detail"),
    path(plan + "edit/", views.plan_edit, name="plan_edit"),
    path(plan + "delete/", views.plan_delete, name="plan_delete"),
    path(plan + "reapply/", views.plan_reapply, name="plan_reapply"),
    path("plans/jobs/<int:job_pk>/retry/", views.plan_job_retry, name="plan_job_retry"),
]
