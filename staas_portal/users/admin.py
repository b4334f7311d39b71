from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from staas_portal.users.models import User


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    list_display = ["username", "email", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    fieldsets = [
        *UserAdmin.fieldsets,
        ("Portal role", {"fields": ["role"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "role", "password1", "password2"]}),
    ]
