"""The messages and events of the messaging app itself: device events and the test SMS."""

from django.utils.translation import gettext_lazy as _

from fieldbox.accounts.choices import PROVIDER_STAFF, PROVIDERS
from fieldbox.messaging import events, kinds
from fieldbox.messaging.choices import Channel
from fieldbox.messaging.events import EventType
from fieldbox.messaging.kinds import MessageKind

kinds.register(
    MessageKind(
        key="fleet.device_activated",
        channel=Channel.EMAIL,
        label=_("Device activated"),
        variables={"serial": _("serial number"), "imei": _("IMEI"), "time": _("time of activation")},
        template="messaging/email/device_activated",
        sample={"serial": "TBA1234567", "imei": "356938035643809", "time": "2026-11-22 09:30"},
    ),
    MessageKind(
        key="messaging.test_sms",
        channel=Channel.SMS,
        label=_("Test SMS"),
        variables={"organisation": _("your organisation's name")},
        template="messaging/sms/test",
        required=frozenset({"organisation"}),
        sample={"organisation": "Telematica Italia"},
    ),
)


events.register(
    EventType(
        "device.activated",
        _("A device reported its activation"),
        kind="fleet.device_activated",
        roles=PROVIDER_STAFF,
        email_default=False,
        kinds=PROVIDERS,
    ),
    EventType("device.online", _("A device came online"), kinds=PROVIDERS),
    EventType("device.offline", _("A device went offline"), kinds=PROVIDERS),
    EventType("device.event", _("A device reported another event"), kinds=PROVIDERS),
)
