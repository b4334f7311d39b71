from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "staas_portal.customers"
    label = "customers"
    verbose_name = "Customers and S3 accounts"
