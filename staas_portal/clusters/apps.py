from django.apps import AppConfig


class ClustersConfig(AppConfig):
    name = "staas_portal.clusters"
    label = "clusters"
    verbose_name = "Storage clusters"
