from django.contrib import admin

from staas_portal.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is written by the services and never edited."""

    list_display = ["created_at", "actor_name", "role", "action", "target", "outcome", "address"]
    list_filter = ["outcome", "role", "action"]
    search_fields = ["actor_name", "action", "target", "request_id"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
