from django.apps import AppConfig


class UsageConfig(AppConfig):
    name = "staas_portal.usage"
    label = "usage"
    verbose_name = "Usage and billing"
