"""On-site checklists of jobs: the provider's items, the installer's answers and photos, and the closing rules."""

from django.utils.translation import gettext_lazy as _

from fieldbox.core.audit import label_actions

label_actions(
    {
        "job.check": _("Checklist item answered"),
        "job.photo_add": _("Photo added"),
        "job.photo_delete": _("Photo deleted"),
        "job.complete_manually": _("Job completed without the activation"),
        "checklist.item_save": _("Checklist item saved"),
        "checklist.item_move": _("Checklist item moved"),
        "checklist.item_remove": _("Checklist item deleted"),
    }
)
