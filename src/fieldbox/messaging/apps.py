from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "fieldbox.messaging"
    label = "messaging"
    verbose_name = _("Messaging")

    def ready(self) -> None:
        from fieldbox.messaging import accounts, audit_labels, catalogue, signals, tasks  # noqa: F401
