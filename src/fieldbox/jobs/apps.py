from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "fieldbox.jobs"
    label = "jobs"
    verbose_name = _("Jobs")

    def ready(self) -> None:
        from fieldbox.jobs import audit_labels, events, messages, partnerships, services  # noqa: F401
