"""How the audit log names the moves of removal requests, removal lines and pick-ups, and the states of their rows."""

from django.utils.translation import gettext_lazy as _

from fieldbox.core.audit import label_actions

label_actions(
    {
        "removal_request.upload": _("Removal file uploaded"),
        "removal_request.check": _("Removal file checked"),
        "removal_request.refuse": _("Removal file refused"),
        "removal_request.confirm_later": _("Removal request being saved"),
        "removal_request.confirm": _("Removal request confirmed"),
        "removal_request.confirm_failed": _("Removal request not saved"),
        "removal_request.discard": _("Removal request discarded"),
        "removal_request.expire": _("Unconfirmed removal request deleted"),
        "removal.notify": _("Remover told of the removal"),
        "removal.accept": _("Removal accepted"),
        "removal.refuse": _("Removal refused"),
        "removal.report": _("Removal done"),
        "removal.cancel": _("Removal cancelled"),
        "removal.code_issue": _("Job code given to a technician"),
        "pickup.record": _("Boxes picked up by the carrier"),
        "pickup.receive": _("Boxes received at the warehouse"),
    }
)
