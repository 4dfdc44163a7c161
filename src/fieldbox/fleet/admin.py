from django.contrib import admin

from fieldbox.fleet.models import Customer, CustomerAddress, Device, Product, Subscription, Vehicle


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ["serial", "imei", "provider", "product", "status", "company", "online", "last_event_at"]
    list_filter = ["status", "online"]
    search_fields = ["serial", "imei"]
    raw_id_fields = ["provider", "company", "vehicle", "product"]


class AddressInline(admin.TabularInline):
    model = CustomerAddress
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "phone", "email", "organisation"]
    search_fields = ["last_name", "company_name", "phone", "email"]
    raw_id_fields = ["organisation"]
    inlines = [AddressInline]


@admin.register(Vehicle)
class VehicleAdmin(admin.ModelAdmin):
    list_display = ["plate", "plate_country", "vin", "make", "model", "provider"]
    search_fields = ["plate", "vin"]
    raw_id_fields = ["provider"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "serial_prefix", "imei_required", "provider"]
    raw_id_fields = ["provider"]


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["number", "customer", "vehicle", "product", "status", "arrived_on", "provider"]
    search_fields = ["number"]
    raw_id_fields = ["provider", "customer", "vehicle", "product"]
