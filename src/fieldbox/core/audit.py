"""Writing audit events. Called by services inside their transaction."""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from django.db import models

from fieldbox.core.models import AuditEvent

if TYPE_CHECKING:
    from fieldbox.accounts.models import Organisation, User

# The address of the request being served, set by the scope middleware and the API
# authentication, so that services need not pass it around.
current_ip: ContextVar[str | None] = ContextVar("fieldbox_current_ip", default=None)


def record(
    *,
    actor: User | None,
    organisation: Organisation | None,
    obj: models.Model,
    action: str,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Write one audit event for ``obj``."""
    actor_label = ""
    if actor is not None and actor.pk is not None:
        actor_label = actor.email
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.pk is not None else None,
        actor_label=actor_label,
        organisation=organisation,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_label=str(obj)[:255],
        action=action,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        ip_address=current_ip.get() or None,
        data=data or {},
    )


# Words for the actions people read in the audit log; apps add theirs with ``label_actions``.
ACTION_LABELS: dict[str, Any] = {}


def label_actions(labels: dict[str, Any]) -> None:
    ACTION_LABELS.update(labels)


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))
