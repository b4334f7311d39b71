from django.apps import AppConfig


class SelfServiceConfig(AppConfig):
    name = "staas_portal.selfservice"
    label = "selfservice"
    verbose_name = "Customer self-service"
