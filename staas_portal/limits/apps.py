from django.apps import AppConfig


class LimitsConfig(AppConfig):
    name = "staas_portal.limits"
    label = "limits"
    verbose_name = "Limits, quotas and plans"
