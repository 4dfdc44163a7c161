"""How the audit log names the moves of devices and subscriptions, and the states of their rows."""

from django.utils.translation import gettext_lazy as _

from fieldbox.core.audit import label_actions

label_actions(
    {
        "device.load": _("Device loaded into stock"),
        "device.load_installed": _("Device loaded as already fitted"),
        "device.ship": _("Device shipped"),
        "device.receive": _("Device received"),
        "device.pair": _("Device paired with a vehicle"),
        "device.unpair": _("Device unpaired"),
        "device.activate": _("Device activated"),
        "device.remove": _("Box removed from the vehicle"),
        "device.return": _("Device back at the warehouse"),
        "device.restock": _("Device back in stock"),
        "subscription.create": _("Subscription created"),
        "subscription.end": _("Subscription ended"),
    }
)
