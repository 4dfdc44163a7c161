from django.contrib import admin

from fieldbox.fleet.models import Device


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ["serial", "imei", "provider", "status", "online", "last_event_at"]
    list_filter = ["status", "online"]
    search_fields = ["serial", "imei"]
    raw_id_fields = ["provider"]
