"""A provider's own wording of a message kind, checked when saved."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fieldbox.accounts.choices import Role
from fieldbox.core import audit
from fieldbox.core.tenancy import Scope
from fieldbox.messaging import kinds
from fieldbox.messaging.models import MessageTemplate
from fieldbox.messaging.rendering import check_wording

LANGUAGES = ("it", "fr", "en")


def _kind(key: str) -> kinds.MessageKind:
    kind = kinds.KINDS.get(key)
    if kind is None or not kind.overridable:
        raise ValidationError({"kind": _("Unknown message.")})
    return kind


def wording_save(*, scope: Scope, kind: str, language: str, subject: str, body: str) -> MessageTemplate:
    """Save the organisation's wording of ``kind`` in ``language``; a wording that cannot render is refused."""
    scope.require_role(Role.PROVIDER_ADMIN)
    spec = _kind(kind)
    if language not in LANGUAGES:
        raise ValidationError({"language": _("Choose Italian, French or English.")})
    check_wording(spec, subject, body, language)
    with transaction.atomic():
        template, created = MessageTemplate.objects.update_or_create(
            organisation=scope.organisation,
            kind=kind,
            language=language,
            defaults={"subject": subject.strip(), "body": body.strip(), "updated_by": scope.user},
        )
        audit.record(
            actor=scope.user,
            organisation=scope.organisation,
            obj=template,
            action="wording.create" if created else "wording.update",
            data={"kind": kind, "language": language},
        )
    return template


def wording_delete(*, scope: Scope, kind: str, language: str) -> None:
    """Go back to the default wording."""
    scope.require_role(Role.PROVIDER_ADMIN)
    with transaction.atomic():
        template = MessageTemplate.objects.select_for_update().get(
            organisation=scope.organisation, kind=kind, language=language
        )
        audit.record(
            actor=scope.user,
            organisation=scope.organisation,
            obj=template,
            action="wording.delete",
            data={"kind": kind, "language": language},
        )
        template.delete()
