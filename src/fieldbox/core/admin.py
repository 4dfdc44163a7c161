from django.contrib import admin

from fieldbox.core.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_label", "organisation", "action", "object_label", "from_state", "to_state"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_label", "object_label", "reason"]
    date_hierarchy = "at"

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
