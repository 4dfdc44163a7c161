from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "fieldbox.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from fieldbox.core import (
            checks,  # noqa: F401 - registers the deployment checks
            logs,  # noqa: F401 - carries the request's id into the Celery tasks it queues
        )
