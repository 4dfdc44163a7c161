"""Messages of jobs: SMS to the vehicle owner, the installers' requests to customer care, job events."""

from django.utils.translation import gettext_lazy as _

from fieldbox.accounts.choices import CARE, PROVIDERS
from fieldbox.messaging import events, kinds
from fieldbox.messaging.choices import Channel
from fieldbox.messaging.events import EventType
from fieldbox.messaging.kinds import MessageKind

WORKSHOP = {
    "workshop": _("the installer company's name"),
    "address": _("its address"),
    "phone": _("its phone"),
    "plate": _("the vehicle's plate"),
    "provider": _("your organisation's name"),
}
WORKSHOP_SAMPLE = {
    "workshop": "Officina Rossi",
    "address": "Via Roma 1, Torino",
    "phone": "+39 011 123 4567",
    "plate": "AB123CD",
    "provider": "Telematica Italia",
}

kinds.register(
    MessageKind(
        key="jobs.installer_chosen",
        channel=Channel.SMS,
        label=_("SMS to the owner: the chosen workshop"),
        variables={**WORKSHOP, "link": _("the link to see the workshop and ask for another one")},
        template="jobs/sms/installer_chosen",
        required=frozenset({"workshop"}),
        sample={
            **WORKSHOP_SAMPLE,
            "link": "https://fieldbox.example.com/o/1234567.1234.tb0x3k.q2Xb7Wm3fK9pLrT0vYcA1s/",
        },
    ),
    MessageKind(
        key="jobs.appointment",
        channel=Channel.SMS,
        label=_("SMS to the owner: the appointment"),
        variables={**WORKSHOP, "when": _("date and time of the appointment")},
        template="jobs/sms/appointment",
        required=frozenset({"when"}),
        sample={**WORKSHOP_SAMPLE, "when": "25/11/2026 09:30"},
    ),
    MessageKind(
        key="jobs.help_requested",
        channel=Channel.EMAIL,
        label=_("An installer asks customer care"),
        variables={
            "job": _("job number"),
            "workshop": _("the installer company's name"),
            "message": _("their message"),
            "link": _("the link to the job"),
        },
        template="jobs/email/help_requested",
        sample={
            "job": "J0000042",
            "workshop": "Officina Rossi",
            "message": "Il cliente è in ferie fino al 20.",
            "link": "https://fieldbox.example/…",
        },
    ),
)

kinds.register(
    MessageKind(
        key="jobs.activation_missing",
        channel=Channel.EMAIL,
        label=_("A paired device did not activate"),
        variables={
            "job": _("job number"),
            "serial": _("serial number"),
            "plate": _("the vehicle's plate"),
            "hours": _("hours since pairing"),
            "link": _("the link to the job"),
        },
        template="jobs/email/activation_missing",
        sample={
            "job": "J0000042",
            "serial": "TBA0000001",
            "plate": "AB123CD",
            "hours": 24,
            "link": "https://fieldbox.example/…",
        },
    ),
)

kinds.register(
    MessageKind(
        key="jobs.owner_change_requested",
        channel=Channel.EMAIL,
        label=_("The owner asks for another workshop"),
        variables={
            "job": _("job number"),
            "plate": _("the vehicle's plate"),
            "workshop": _("the installer company's name"),
            "message": _("their message"),
            "link": _("the link to the job"),
        },
        template="jobs/email/owner_change_requested",
        sample={
            "job": "J0000042",
            "plate": "AB123CD",
            "workshop": "Officina Rossi",
            "message": "Preferisco un'officina vicino a Milano.",
            "link": "https://fieldbox.example/…",
        },
    ),
    MessageKind(
        key="jobs.certificate",
        channel=Channel.EMAIL,
        label=_("E-mail to the customer: the installation certificate"),
        variables={
            "job": _("job number"),
            "plate": _("the vehicle's plate"),
            "customer": _("the customer's name"),
            "provider": _("your organisation's name"),
        },
        template="jobs/email/certificate",
        required=frozenset(),
        sample={"job": "J0000042", "plate": "AB123CD", "customer": "Luca Bianchi", "provider": "Telematica Italia"},
    ),
)

events.register(
    EventType("job.status_changed", _("A job changed status"), kinds=PROVIDERS),
    EventType(
        "job.activation_missing",
        _("A paired device did not report its activation in time"),
        kind="jobs.activation_missing",
        roles=CARE,
        kinds=PROVIDERS,
    ),
    EventType(
        "job.help_requested",
        _("An installer asked customer care about a job"),
        kind="jobs.help_requested",
        roles=CARE,
        kinds=PROVIDERS,
    ),
    EventType(
        "job.owner_change_requested",
        _("A vehicle owner asked for another workshop"),
        kind="jobs.owner_change_requested",
        roles=CARE,
        kinds=PROVIDERS,
    ),
)
