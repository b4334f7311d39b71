from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "staas_portal.core"
    label = "core"
    verbose_name = "Portal core"
