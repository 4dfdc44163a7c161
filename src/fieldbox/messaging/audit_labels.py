"""How the audit log names the actions of the messaging app, and the states of a message sent again."""

from django.utils.translation import gettext_lazy as _

from fieldbox.accounts.audit_labels import label_states
from fieldbox.core.audit import label_actions
from fieldbox.messaging.choices import MessageStatus

label_states("outbox", MessageStatus)

label_actions(
    {
        "wording.create": _("Message wording written"),
        "wording.update": _("Message wording changed"),
        "wording.delete": _("Message wording reset to default"),
        "webhook.create": _("Webhook endpoint added"),
        "webhook.update": _("Webhook endpoint changed"),
        "webhook.delete": _("Webhook endpoint removed"),
        "feed.create": _("Device event key created"),
        "feed.revoke": _("Device event key revoked"),
        "outbox.retry": _("Failed messages sent again"),
    }
)
