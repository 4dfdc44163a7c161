"""What the accounts app tells people: its e-mails and events, the actions its e-mails offer as signed links, and
the messenger that ``core.notify`` hands to accounts (which sits below messaging and never imports it)."""

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fieldbox.accounts import selectors, services
from fieldbox.accounts.choices import ADMIN_ROLES
from fieldbox.core import notify
from fieldbox.core.tenancy import Scope
from fieldbox.messaging import events, kinds, links
from fieldbox.messaging.choices import Channel
from fieldbox.messaging.events import EventType
from fieldbox.messaging.kinds import MessageKind
from fieldbox.messaging.links import Action
from fieldbox.messaging.services.messages import send_email

LINK = _("the link to open (required)")
EXAMPLE_LINK = "https://fieldbox.example/…"

kinds.register(
    MessageKind(
        key="accounts.invitation",
        channel=Channel.EMAIL,
        label=_("Invitation of a person"),
        variables={
            "organisation": _("your organisation's name"),
            "invited_by": _("who sent the invitation"),
            "role": _("the role offered"),
            "link": LINK,
            "expires_at": _("when the link expires"),
        },
        template="accounts/email/invitation",
        required=frozenset({"link"}),
        sample={
            "organisation": "Telematica Italia",
            "invited_by": "Giulia Rossi",
            "role": "Dispatcher",
            "link": EXAMPLE_LINK,
            "expires_at": "2026-11-25 09:30",
        },
    ),
    MessageKind(
        key="accounts.partnership_invitation",
        channel=Channel.EMAIL,
        label=_("Invitation of an installer company"),
        variables={
            "provider": _("your organisation's name"),
            "link": LINK,
            "accept_link": _("a link that accepts at once (empty for a company not yet on Fieldbox)"),
            "decline_link": _("a link that declines (empty for a company not yet on Fieldbox)"),
            "expires_at": _("when the link expires"),
        },
        template="accounts/email/partnership_invitation",
        required=frozenset({"link"}),
        sample={
            "provider": "Telematica Italia",
            "link": EXAMPLE_LINK,
            "accept_link": EXAMPLE_LINK,
            "decline_link": EXAMPLE_LINK,
            "expires_at": "2026-12-06 09:30",
        },
    ),
    MessageKind(
        key="accounts.password_reset",
        channel=Channel.EMAIL,
        label=_("Password reset"),
        variables={"link": LINK},
        template="accounts/email/password_reset",
        required=frozenset({"link"}),
        sample={"link": EXAMPLE_LINK},
        overridable=False,
    ),
)

for verb, action, label in (
    ("accept", "accepted", _("A company accepted the partnership")),
    ("decline", "declined", _("A company declined the partnership")),
    ("end", "ended", _("A partnership ended")),
):
    kinds.register(
        MessageKind(
            key=f"accounts.partnership_{action}",
            channel=Channel.EMAIL,
            label=label,
            variables={"organisation": _("the other organisation"), "reason": _("the reason given"), "link": LINK},
            template="accounts/email/partnership_changed",
            sample={"organisation": "Officina Bianchi", "reason": "", "link": EXAMPLE_LINK, "action": verb},
        )
    )
    events.register(
        EventType(
            f"partnership.{action}",
            label,
            kind=f"accounts.partnership_{action}",
            roles=ADMIN_ROLES,
        )
    )


# ---- the actions its e-mails offer -------------------------------------------------------------------


def _describe(scope: Scope, pk: int) -> str | None:
    try:
        partnership = selectors.partnership_for(scope, pk)
    except Http404:
        return None
    return gettext("%(provider)s invites %(company)s to receive its jobs.") % {
        "provider": partnership.provider.name,
        "company": scope.organisation.name,
    }


def _accept(scope: Scope, pk: int, reason: str) -> tuple[str, str]:
    services.partnership_accept(scope=scope, partnership_id=pk)
    return gettext("Invitation accepted."), reverse("accounts:partner_detail", kwargs={"pk": pk})


def _decline(scope: Scope, pk: int, reason: str) -> tuple[str, str]:
    services.partnership_decline(scope=scope, partnership_id=pk, reason=reason)
    return gettext("Invitation declined."), reverse("accounts:partner_detail", kwargs={"pk": pk})


links.register(
    Action("partnership.accept", _("Accept the invitation"), _describe, _accept),
    Action("partnership.decline", _("Decline the invitation"), _describe, _decline, needs_reason=True),
)


# ---- what accounts calls through core.notify -----------------------------------------------------------------


class OutboxMessenger:
    """E-mails and events of the apps below messaging, written to the outbox in their transaction."""

    send_email = staticmethod(send_email)
    emit = staticmethod(events.emit)
    action_url = staticmethod(links.action_url)


notify.install(OutboxMessenger())
