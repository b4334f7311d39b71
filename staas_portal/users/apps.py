from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "staas_portal.users"
    label = "users"
    verbose_name = "Portal logins"
