"""How the audit log names the actions on removal lines and what they do to boxes and subscriptions."""

from django.utils.translation import gettext_lazy as _

from fieldbox.core.audit import label_actions

label_actions(
    {
        "removal.accept": _("Removal accepted"),
        "removal.refuse": _("Removal refused"),
        "removal.report": _("Removal done"),
        "removal.cancel": _("Removal cancelled"),
        "device.remove": _("Box removed from the vehicle"),
        "subscription.end": _("Subscription ended"),
    }
)
