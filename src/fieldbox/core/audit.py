"""The audit row, built in one place: for a single write (``record``), a bulk write (``record_many``) and the
SQL hot paths (``insert_sql``), so that an event reads the same whichever way it was written.

Services call these inside their transaction; the transition kernel (``core.transitions``) calls them for every
change of state. The client address of the request being served comes from ``current_ip`` (set by the scope
middleware and the API authentication), so services need not pass it around.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from django.db import connection, models
from django.utils import timezone

from fieldbox.core.models import AuditEvent

if TYPE_CHECKING:
    from fieldbox.accounts.models import Organisation, User

current_ip: ContextVar[str | None] = ContextVar("fieldbox_current_ip", default=None)


def org_id(organisation: Organisation | int | None) -> int | None:
    if organisation is None or isinstance(organisation, int):
        return organisation
    return organisation.pk


def build(
    *,
    actor: User | None,
    organisation: Organisation | int | None,
    obj: models.Model,
    action: str,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
    shared_with: Organisation | int | None = None,
    label: str | None = None,
) -> AuditEvent:
    """One audit row for ``obj``, not saved yet: who (the person and their address, kept even if the account goes),
    which organisation's log it belongs to (and which other one reads it too), what, from what to what, why."""
    person = actor if actor is not None and actor.pk is not None else None
    return AuditEvent(
        actor=person,
        actor_label=person.email if person else "",
        organisation_id=org_id(organisation),
        shared_with_id=org_id(shared_with),
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_label=(str(obj) if label is None else label)[:255],
        action=action,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        ip_address=current_ip.get() or None,
        data=data or {},
    )


def record(**fields: Any) -> AuditEvent:
    """Write one audit event (the arguments of ``build``)."""
    event = build(**fields)
    event.save()
    return event


def record_many(events: list[AuditEvent]) -> list[AuditEvent]:
    """Write events made by ``build`` in multi-row inserts (imports and bulk moves)."""
    return AuditEvent.objects.bulk_create(events, batch_size=1000)


# The columns the hot path's SQL fills from the row it changed, by name: the rest comes from ``build``.
ROW_COLUMNS = ("organisation_id", "object_id", "object_label")


def insert_sql(template: AuditEvent, *, source: str, columns: dict[str, str]) -> tuple[str, list[Any]]:
    """``INSERT INTO <audit> (…) SELECT … FROM <source>``: the event ``build`` made, for each row of ``source``
    (a CTE of the statement that changed the rows), with the SQL expressions ``columns`` gives for
    ``organisation_id``, ``object_id`` and ``object_label``. Answers the SQL and its parameters, in order."""
    assert set(columns) == set(ROW_COLUMNS), "the hot path names the changed row's organisation, id and label"
    names: list[str] = []
    values: list[str] = []
    params: list[Any] = []
    for field in AuditEvent._meta.concrete_fields:
        if field.primary_key:
            continue
        names.append(str(field.column))
        if field.attname in columns:
            values.append(columns[field.attname])
            continue
        value = timezone.now() if field.name == "at" else getattr(template, field.attname)
        params.append(field.get_db_prep_save(value, connection=connection))
        values.append("%s")
    table = AuditEvent._meta.db_table
    sql = f"INSERT INTO {table} ({', '.join(names)}) SELECT {', '.join(values)} FROM {source}"  # noqa: S608
    return sql, params


# Words for the actions people read in the audit log; apps add theirs with ``label_actions``.
ACTION_LABELS: dict[str, Any] = {}


def label_actions(labels: dict[str, Any]) -> None:
    ACTION_LABELS.update(labels)


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))
