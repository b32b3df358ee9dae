from django.contrib import admin

from billingone.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is append-only (SECURITY.md 16.4.2)."""

    list_display = ["created_at", "organization", "actor_label", "action", "target_label", "ip"]
    list_filter = ["action"]
    search_fields = ["actor_label", "target_label", "action"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
