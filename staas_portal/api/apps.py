from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "staas_portal.api"
    label = "api"
    verbose_name = "REST API"

    def ready(self):
        # Registers the token scheme with the schema generator.
        from staas_portal.api import schema  # noqa: F401
