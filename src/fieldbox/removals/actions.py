"""Actions that the remover's e-mail offers as signed links: accept or refuse a removal (confirmed with a POST,
through the same services as the screens)."""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fieldbox.core.tenancy import Scope
from fieldbox.messaging.links import Action, register
from fieldbox.removals import selectors
from fieldbox.removals.notifications import vehicle_of
from fieldbox.removals.services.lines import line_accept, line_refuse


def _describe(scope: Scope, pk: int) -> str | None:
    try:
        line = selectors.line_for(scope, pk)
    except Http404:
        return None
    return _("%(requester)s asks you to remove the box of %(brand)s %(model)s, VIN %(vin)s (%(place)s, %(date)s).") % {
        "requester": line.request.provider.name,
        **vehicle_of(line),
    }


def _accept(scope: Scope, pk: int, reason: str) -> tuple[str, str]:
    line_accept(scope=scope, line_id=pk)
    return _("Removal accepted."), reverse("removals:manage")


def _refuse(scope: Scope, pk: int, reason: str) -> tuple[str, str]:
    line_refuse(scope=scope, line_id=pk, reason=reason)
    return _("Removal refused: the requester is told why."), reverse("removals:manage")


register(
    Action("removal.accept", gettext_lazy("Accept the removal"), _describe, _accept),
    Action("removal.refuse", gettext_lazy("Refuse the removal"), _describe, _refuse, needs_reason=True),
)
