from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommerceConfig(AppConfig):
    name = "fieldbox.commerce"
    label = "commerce"
    verbose_name = _("Sales and stock")

    def ready(self) -> None:
        from fieldbox.commerce import hooks  # noqa: F401 - what commerce does when a work report is signed
