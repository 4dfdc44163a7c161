from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FleetConfig(AppConfig):
    name = "fieldbox.fleet"
    label = "fleet"
    verbose_name = _("Fleet")

    def ready(self) -> None:
        from fieldbox.fleet import audit_labels, events  # noqa: F401
