from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemovalsConfig(AppConfig):
    name = "fieldbox.removals"
    label = "removals"
    verbose_name = _("Removal requests")

    def ready(self) -> None:
        from fieldbox.removals import actions, audit_labels, messages, notifications, partnerships, tasks  # noqa: F401
