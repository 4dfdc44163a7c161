from django.urls import path

from fieldbox.fleet.views import catalogue, customers, devices, imports, vehicles

app_name = "fleet"

urlpatterns = [
    path("customers/", customers.customer_list, name="customers"),
    path("customers/new/", customers.customer_new, name="customer_new"),
    path("customers/<int:pk>/", customers.customer_detail, name="customer_detail"),
    path("customers/<int:pk>/edit/", customers.customer_edit, name="customer_edit"),
    path("customers/<int:pk>/files/", customers.customer_file_add, name="customer_file_add"),
    path("customers/files/<int:pk>/", customers.customer_file, name="customer_file"),
    path("customers/files/<int:pk>/delete/", customers.customer_file_delete, name="customer_file_delete"),
    path("vehicles/", vehicles.vehicle_list, name="vehicles"),
    path("vehicles/new/", vehicles.vehicle_new, name="vehicle_new"),
    path("vehicles/<int:pk>/", vehicles.vehicle_detail, name="vehicle_detail"),
    path("vehicles/<int:pk>/edit/", vehicles.vehicle_edit, name="vehicle_edit"),
    path("subscriptions/", catalogue.subscription_list, name="subscriptions"),
    path("subscriptions/new/", catalogue.subscription_new, name="subscription_new"),
    path("subscriptions/<int:pk>/", catalogue.subscription_detail, name="subscription_detail"),
    path("products/", catalogue.product_list, name="products"),
    path("products/new/", catalogue.product_new, name="product_new"),
    path("products/<int:pk>/edit/", catalogue.product_edit, name="product_edit"),
    path("devices/", devices.device_list, name="devices"),
    path("devices/ship/", devices.device_ship, name="device_ship"),
    path("devices/receive/", devices.device_receive, name="device_receive"),
    path("devices/import/", imports.device_import, name="device_import"),
    path("devices/import/load/", imports.device_import_load, name="device_import_load"),
    path("devices/import/template/", imports.device_import_template, name="device_import_template"),
]
