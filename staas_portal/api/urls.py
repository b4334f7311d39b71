"""The API's addresses, under /api/. Version 1 lives under v1/, one group per resource."""

from django.urls import path, re_path

from staas_portal.api import views

app_name = "api"

customer = "v1/customers/<int:customer_pk>/"
account = customer + "accounts/<int:account_pk>/"
bucket = account + "buckets/<str:bucket>/"

customer_urls = [
    path("v1/customers/", views.CustomerList.as_view(), name="customers"),
    path(customer, views.CustomerDetail.as_view(), name="customer"),
]

account_urls = [
    path(customer + "accounts/", views.AccountList.as_view(), name="accounts"),
    path(account, views.AccountDetail.as_view(), name="account"),
    path(account + "suspend/", views.AccountSuspend.as_view(), name="account_suspend"),
    path(account + "resume/", views.AccountResume.as_view(), name="account_resume"),
    path(account + "buckets/", views.AccountBuckets.as_view(), name="account_buckets"),
]

key_urls = [
    path(account + "keys/", views.KeyList.as_view(), name="keys"),
    path(account + "keys/<str:access_key_id>/", views.KeyDetail.as_view(), name="key"),
]

limit_urls = [
    path(account + "limits/", views.Limits.as_view(), name="limits"),
    path(account + "quota/", views.Quota.as_view(), name="quota"),
    path(bucket + "limits/", views.Limits.as_view(), name="bucket_limits"),
    path(bucket + "quota/", views.Quota.as_view(), name="bucket_quota"),
]

plan_urls = [
    path("v1/plans/", views.PlanList.as_view(), name="plans"),
    path("v1/plans/<int:plan_pk>/", views.PlanDetail.as_view(), name="plan"),
    path(customer + "plan/", views.CustomerPlan.as_view(), name="customer_plan"),
]

usage_urls = [
    path(customer + "usage/<str:month>/", views.CustomerUsage.as_view(), name="customer_usage"),
    path("v1/usage/<str:month>/", views.UsageExport.as_view(), name="usage_export"),
]

task_urls = [
    path("v1/tasks/<int:task_pk>/", views.TaskDetail.as_view(), name="task"),
    path("v1/clusters/", views.ClusterList.as_view(), name="clusters"),
]

urlpatterns = [
    *customer_urls,
    *account_urls,
    *key_urls,
    *limit_urls,
    *plan_urls,
    *usage_urls,
    *task_urls,
    path("schema/", views.schema_view, name="schema"),
    path("docs/", views.docs_view, name="docs"),
    # Last: any other address under /api/ is answered as a problem.
    re_path(r"^.*$", views.no_such_address, name="no_such_address"),
]
