from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from django_otp.admin import OTPAdminSite

from fieldbox.config.api import api

# Platform staff reach the Django admin only from a session verified with two-factor.
admin.site.__class__ = OTPAdminSite
admin.site.site_header = "Fieldbox"

urlpatterns = [
    path("", include("fieldbox.web.urls")),
    path("", include("fieldbox.accounts.urls")),
    path("", include("fieldbox.messaging.urls")),
    path("", include("fieldbox.jobs.urls")),
    path("", include("fieldbox.removals.urls")),
    path("", include("fieldbox.fleet.urls")),
    path("", include("fieldbox.service.urls")),
    path("", include("fieldbox.commerce.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("i18n/js/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]

handler404 = "fieldbox.web.views.not_found"
handler500 = "fieldbox.web.views.server_error"
