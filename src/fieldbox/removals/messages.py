"""The e-mails of removal requests: the remover's list of vehicles with its action links, the requester's steps."""

from django.utils.translation import gettext_lazy as _

from fieldbox.messaging import kinds
from fieldbox.messaging.choices import Channel
from fieldbox.messaging.kinds import MessageKind

EXAMPLE_LINK = "https://fieldbox.example/…"

LINE = {
    "vin": _("the vehicle's VIN"),
    "brand": _("the vehicle's brand"),
    "model": _("the vehicle's model"),
    "place": _("the place of removal"),
    "date": _("the wished date"),
    "remover": _("the remover's name"),
    "reason": _("the reason given (refused, cancelled)"),
    "removed_at": _("when the box was removed (done)"),
    "link": _("the link to the request"),
}
LINE_SAMPLE = {
    "vin": "WBA1T51080P596759",
    "brand": "BMW",
    "model": "Serie 1",
    "place": "Chambéry",
    "date": "30/07/2026",
    "remover": "Tramosa",
    "reason": "",
    "removed_at": "30/07/2026 10:23",
    "link": EXAMPLE_LINK,
}

kinds.register(
    MessageKind(
        key="removals.request_received",
        channel=Channel.EMAIL,
        label=_("Removal request sent to a remover"),
        variables={
            "requester": _("the requester's name"),
            "number": _("the request number"),
            "lines": _("the vehicles, each with its links to accept, refuse or report"),
            "total": _("how many vehicles the request gives this remover"),
            "more": _("how many of them the e-mail does not list (see the remover's list)"),
            "link": _("the link to the remover's list"),
        },
        template="removals/email/request_received",
        sample={
            "requester": "Sixt SAS",
            "number": "#63",
            "lines": [
                {
                    **LINE_SAMPLE,
                    "subscription": "140200C28",
                    "comment": "",
                    "accept_link": EXAMPLE_LINK,
                    "refuse_link": EXAMPLE_LINK,
                    "report_link": EXAMPLE_LINK,
                }
            ],
            "total": 1,
            "more": 0,
            "link": EXAMPLE_LINK,
        },
        # A list with links per vehicle: its wording is not one text an organisation could replace.
        overridable=False,
    ),
)

for action, label in (
    ("accept", _("A remover accepted a removal")),
    ("refuse", _("A remover refused a removal")),
    ("report", _("A removal was done")),
    ("cancel", _("A removal was cancelled")),
):
    kinds.register(
        MessageKind(
            key=f"removals.line_{action}",
            channel=Channel.EMAIL,
            label=label,
            variables=LINE,
            template="removals/email/line_changed",
            sample={**LINE_SAMPLE, "action": action},
        )
    )

kinds.register(
    MessageKind(
        key="removals.remover_cancel",
        channel=Channel.EMAIL,
        label=_("A removal was cancelled (to the remover)"),
        variables={
            **{k: v for k, v in LINE.items() if k not in ("remover", "removed_at", "link")},
            "requester": _("the requester's name"),
            "link": _("the link to the remover's list"),
        },
        template="removals/email/remover_cancel",
        sample={
            **{k: v for k, v in LINE_SAMPLE.items() if k not in ("remover", "removed_at")},
            "requester": "Sixt SAS",
        },
    )
)
