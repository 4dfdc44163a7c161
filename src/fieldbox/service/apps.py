from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "fieldbox.service"
    label = "service"
    verbose_name = _("After-sales service")

    def ready(self) -> None:
        from fieldbox.service import (  # noqa: F401 - webhooks of ticket moves, the worker's tasks
            assignments,  # work orders sent to their people: e-mails, links to answer
            call_contract,  # the call page's contract (in its section 1)
            call_verified,  # the call page's "verified" section (final verification)
            events,
            events_work,  # webhooks of work-order moves
            panels,
            panels_calls,
            tasks,
        )
        from fieldbox.service.services import (  # noqa: F401 - their words in the audit log (and message kinds)
            checklists,  # a work order's checklists start with the work (a hook of WORK_ORDER_TABLE)
            contacts,
            contracts,  # contracts: words in the audit log, the notice e-mail, webhooks
            equipment,
            reports,
            telematics,
            verification,  # the final verification: words in the audit log
            work_orders,
        )
