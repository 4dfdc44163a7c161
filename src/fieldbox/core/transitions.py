"""The transition kernel: the one way a stateful record is created, changes state or is deleted.

Each stateful record (job, device, subscription, removal request and line, pick-up, partnership, invitation) has
one ``Table`` in its app's ``choices.py``: the moves (action, from which states, to which state, and the roles that
may act), the words of a refusal, what it counts. A service changes a record in four steps, inside
``transitions.atomic()``:

1. ``table.lock(queryset, pk)`` locks the row among those the scope may see (``Model.DoesNotExist``: 404) and
   remembers its state and counters;
2. ``table.check(record, action, scope)`` refuses a role the move does not name (``PermissionDenied``: 403), a
   state the move does not leave from, or a reason the move gives (``Conflict``: 409);
3. the service sets the record's other fields;
4. ``table.apply(record, action, …)`` checks again, sets the state, saves with ``update_fields``, writes the audit
   row (``core.audit``), keeps the counters (``core.counters``) and calls what the app hooked to the table
   (webhooks, e-mails: outbox rows), all in the same transaction.

Screens ask the same table which buttons to show (``table.allowed``), so a page never re-derives who may act.
A move made without a person (a device event, a job code, a worker, an expired link) passes ``scope=None``: the
table must name ``SYSTEM`` among the move's roles, and the calling service has checked the caller its own way.
No other code writes a state field: a test reads the source for it.
"""

from __future__ import annotations

import threading
from collections import Counter as Tally
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils import timezone
from django.utils.functional import Promise

from fieldbox.core import audit, bulk, counters
from fieldbox.core.counters import Counted
from fieldbox.core.errors import Conflict
from fieldbox.core.models import AuditEvent

if TYPE_CHECKING:
    from fieldbox.accounts.models import Organisation, User
    from fieldbox.core.tenancy import Scope

M = TypeVar("M", bound=models.Model)

SYSTEM = "system"  # among a move's roles: the move may be made without a person (scope=None)
SAME = "="  # a move's target: the state does not change
DELETED = "-"  # a move's target: the record is deleted
CREATED = ()  # a move's sources: the move creates the record

Refusal = Callable[[Any, "Scope | None"], "str | None"]
# Every table, by name: the counters command checks what each counts, the audit log names each one's states.
TABLES: dict[str, Table[Any]] = {}


@dataclass(frozen=True)
class Move:
    """One row of a transition table."""

    action: str
    sources: tuple[str, ...]
    target: str
    roles: frozenset[str]
    # Why this record may not make the move now although its state allows it (a 409 in the user's words), or None.
    unless: Refusal | None = None
    # The words of a refusal by state, when the table's own would not say enough (``%(status)s`` optional).
    refusal: str | Promise | None = None

    def leads_to(self, state: str) -> str:
        return state if self.target == SAME else self.target


@dataclass
class Step:
    """A move being made, as the hooks of a table see it."""

    record: Any
    move: Move
    old: str
    new: str
    scope: Scope | None
    event: AuditEvent | None
    data: dict[str, Any]

    @property
    def action(self) -> str:
        return self.move.action


class Table(Generic[M]):
    """The transition table of one model: its moves, who may make them, and what each costs."""

    def __init__(
        self,
        *,
        name: str,
        model: str,
        moves: Iterable[Move],
        refusal: str | Promise,
        states: type[models.TextChoices],
        field: str = "status",
        counted: Iterable[Counted] = (),
        owner: Callable[[Any, Scope | None], Organisation | int | None],
        shared_with: Callable[[Any, int | None], int | None] | None = None,
        since: str | None = None,
        closed: tuple[str, tuple[str, ...]] | None = None,
        touched: str | None = None,
    ) -> None:
        self.name = name  # the audit action's prefix: "job" for "job.take"
        self.model_label = model  # "jobs.Job": the model whose rows follow this table
        self.moves = {m.action: m for m in moves}
        self.refusal = refusal  # "Not possible while the job is “%(status)s”."
        self.states = states
        self.field = field
        self.counted = tuple(counted)
        self.owner = owner  # the organisation whose log holds the audit row
        self.shared_with = shared_with  # the other organisation that reads the row, given the owner's id
        self.since = since  # a field set to the time of every change of state
        # (a field, the final states): set to the time the record reaches one, emptied when it leaves it.
        self.closed = closed
        self.touched = touched  # a field set to the time of every move (the record's last change)
        self.hooks: list[Callable[[Step], None]] = []
        TABLES[name] = self

    @property
    def model(self) -> type[models.Model]:
        from django.apps import apps

        return apps.get_model(self.model_label)

    # -- reading the table ---------------------------------------------------------------------------------

    def move(self, action: str) -> Move:
        try:
            return self.moves[action]
        except KeyError:
            raise KeyError(f"{self.name} has no move {action!r}") from None

    def state_of(self, record: M) -> str:
        return str(getattr(record, self.field))

    def may_act(self, action: str, scope: Scope | None) -> bool:
        roles = self.move(action).roles
        return SYSTEM in roles if scope is None else scope.role in roles

    def require(self, action: str, scope: Scope | None) -> None:
        """403 unless the scope's role (or, without a scope, the system) may make this move."""
        if not self.may_act(action, scope):
            raise PermissionDenied

    def why_not(self, record: M, action: str, scope: Scope | None) -> str | None:
        """Why ``record`` cannot make ``action`` now, in the user's words (the role is checked apart)."""
        move = self.move(action)
        state = self.state_of(record)
        if state not in move.sources:
            return str(move.refusal or self.refusal) % {"status": self._label(state)}
        return move.unless(record, scope) if move.unless else None

    def check(self, record: M, action: str, scope: Scope | None) -> Move:
        """The move, or 403 (role) / 409 (state or the move's own reason)."""
        self.require(action, scope)
        reason = self.why_not(record, action, scope)
        if reason is not None:
            raise Conflict(reason)
        return self.move(action)

    def allowed(self, record: M, scope: Scope | None, actions: Iterable[str] | None = None) -> set[str]:
        """The moves this scope may make on ``record`` now: the buttons a screen shows."""
        names = self.moves if actions is None else actions
        return {a for a in names if self.may_act(a, scope) and self.why_not(record, a, scope) is None}

    def _label(self, state: str) -> str:
        try:
            return str(self.states(state).label)
        except ValueError:
            return state

    # -- changing records -------------------------------------------------------------------------------------

    def on_move(self, hook: Callable[[Step], None]) -> Callable[[Step], None]:
        """Register what every move of this table also does in its transaction (e.g. tell the webhooks)."""
        self.hooks.append(hook)
        return hook

    def lock(self, queryset: models.QuerySet[M], pk: Any) -> M:
        """The row ``pk`` of ``queryset`` (what the scope may see), locked until the transaction ends."""
        _require_block()
        record = queryset.select_for_update(of=("self",)).get(pk=pk)
        return self.hold(record)

    def hold(self, record: M) -> M:
        """Take charge of a record the caller locked itself (``SKIP LOCKED`` claims): remember its state."""
        _require_block()
        record.__dict__["_kernel_before"] = (self.state_of(record), counters.keys_of(record, self.counted))
        return record

    def apply(
        self,
        record: M,
        action: str,
        *,
        scope: Scope | None,
        changes: dict[str, Any] | None = None,
        actor: User | None = None,
        reason: str = "",
        data: dict[str, Any] | None = None,
        organisation: Organisation | int | None = None,
    ) -> Step:
        """Make the move on a record locked by ``lock`` (or ``hold``), checked as it was locked: set the state and
        ``changes``, save those fields, audit, count, hook."""
        _require_block()
        before = record.__dict__.pop("_kernel_before", None)
        if before is None:
            raise RuntimeError(f"lock the {self.name} through its table before moving it")
        old, old_keys = before
        move = self.check(record, action, scope)
        new = move.leads_to(old)
        for name, value in (changes or {}).items():
            setattr(record, name, value)
        setattr(record, self.field, new)
        if move.target == DELETED:
            step = self._audited(record, move, old, new, scope, actor, reason, data, organisation)
            record.delete()
            _count(old_keys, old, (), new)
        else:
            saved = {self.field, *(changes or {})}
            saved |= self._stamped(record, old, new)
            record.save(update_fields=sorted(saved))
            step = self._audited(record, move, old, new, scope, actor, reason, data, organisation)
            _count(old_keys, old, counters.keys_of(record, self.counted), new)
        self._tell(step)
        return step

    def apply_many(
        self,
        records: list[M],
        action: str,
        *,
        scope: Scope | None,
        changes: Callable[[M], dict[str, Any]],
        data: Callable[[M], dict[str, Any]] | None = None,
    ) -> list[Step]:
        """``apply`` for many records locked by ``lock`` (or ``hold``) in one transaction: each checked as ``apply``
        checks it, then their UPDATEs sent together (``bulk.update_rows``) and multi-row inserts of their audit rows;
        counted and hooked per record, in order. Not for a move that deletes."""
        _require_block()
        made: list[tuple[M, Move, str, str, Iterable[str]]] = []
        saved: set[str] = {self.field}
        for record in records:
            before = record.__dict__.pop("_kernel_before", None)
            if before is None:
                raise RuntimeError(f"lock the {self.name} through its table before moving it")
            old, old_keys = before
            move = self.check(record, action, scope)
            assert move.target != DELETED, f"{self.name}.{action} deletes: use apply"
            new = move.leads_to(old)
            for name, value in changes(record).items():
                setattr(record, name, value)
                saved.add(name)
            setattr(record, self.field, new)
            saved |= self._stamped(record, old, new)
            made.append((record, move, old, new, old_keys))
        if not made:
            return []
        bulk.update_rows([record for record, *_rest in made], sorted(saved))
        actor = scope.user if scope else None
        events = audit.record_many(
            [
                audit.build(
                    actor=actor,
                    organisation=(owner := audit.org_id(self.owner(record, scope))),
                    shared_with=self.shared_with(record, owner) if self.shared_with else None,
                    obj=record,
                    action=f"{self.name}.{move.action}",
                    from_state=old,
                    to_state=new,
                    data=data(record) if data else None,
                )
                for record, move, old, new, _keys in made
            ]
        )
        steps = []
        for (record, move, old, new, old_keys), event in zip(made, events, strict=True):
            _count(old_keys, old, counters.keys_of(record, self.counted), new)
            step = Step(record, move, old, new, scope, event, data(record) if data else {})
            self._tell(step)
            steps.append(step)
        return steps

    def _stamped(self, record: M, old: str, new: str) -> set[str]:
        """Set the times a change of state carries (since when, closed when); the names of those fields."""
        stamped, now = set(), timezone.now()
        if self.touched:
            setattr(record, self.touched, now)
            stamped.add(self.touched)
        if self.since and new != old:
            setattr(record, self.since, now)
            stamped.add(self.since)
        if self.closed and (new in self.closed[1]) != (old in self.closed[1]):  # reaching or leaving a final state
            setattr(record, self.closed[0], now if new in self.closed[1] else None)
            stamped.add(self.closed[0])
        return stamped

    def create(
        self,
        record: M,
        action: str,
        *,
        scope: Scope | None,
        actor: User | None = None,
        reason: str = "",
        data: dict[str, Any] | None = None,
        organisation: Organisation | int | None = None,
    ) -> Step:
        """Save a new record in the state the creating move leads to; audited, counted, hooked; held for a next
        move in the same transaction."""
        _require_block()
        move = self.move(action)
        assert move.sources == CREATED, f"{self.name}.{action} does not create"
        self.require(action, scope)
        setattr(record, self.field, move.target)
        record.save()
        step = self._audited(record, move, "", move.target, scope, actor, reason, data, organisation)
        _count((), "", counters.keys_of(record, self.counted), move.target)
        self._tell(step)
        self.hold(record)  # it may move on in the same transaction
        return step

    def create_many(
        self,
        records: list[M],
        action: str,
        *,
        scope: Scope | None,
        data: Callable[[M], dict[str, Any]] | None = None,
    ) -> list[M]:
        """``create`` for many records: one multi-row insert, one for their audit rows (no hooks: a bulk
        creation tells its own way, once)."""
        _require_block()
        move = self.move(action)
        assert move.sources == CREATED, f"{self.name}.{action} does not create"
        self.require(action, scope)
        for record in records:
            setattr(record, self.field, move.target)
        saved = type(records[0])._default_manager.bulk_create(records, batch_size=1000) if records else []
        actor = scope.user if scope else None
        events = [
            audit.build(
                actor=actor,
                organisation=self.owner(r, scope),
                obj=r,
                action=f"{self.name}.{action}",
                to_state=move.target,
                data=data(r) if data else None,
            )
            for r in saved
        ]
        audit.record_many(events)
        for record in saved:
            _count((), "", counters.keys_of(record, self.counted), move.target)
        return saved

    def audit_template(self, action: str, *, scope: Scope | None, old: str, record: M) -> AuditEvent:
        """The audit row a move would write, for a hot path that writes it in SQL (``audit.insert_sql``)."""
        move = self.move(action)
        return audit.build(
            actor=scope.user if scope else None,
            organisation=self.owner(record, scope),
            obj=record,
            action=f"{self.name}.{action}",
            from_state=old,
            to_state=move.leads_to(old),
        )

    def moved_in_sql(self, record: M, action: str, old: str, *, scope: Scope | None, event_id: int) -> Step:
        """Account for a move a hot path made in one SQL statement (state, audit row): counters and hooks. The record
        is as the statement returned it, already in its new state; ``old`` is the state it left."""
        _require_block()
        move = self.move(action)
        new = move.leads_to(old)
        keys = counters.keys_of(record, self.counted)
        _count(keys, old, keys, new)
        event = AuditEvent(pk=event_id)
        step = Step(record, move, old, new, scope, event, {})
        self._tell(step)
        return step

    def _audited(
        self,
        record: M,
        move: Move,
        old: str,
        new: str,
        scope: Scope | None,
        actor: User | None,
        reason: str,
        data: dict[str, Any] | None,
        organisation: Organisation | int | None,
    ) -> Step:
        person = actor if actor is not None else (scope.user if scope else None)
        owner = audit.org_id(organisation if organisation is not None else self.owner(record, scope))
        event = audit.record(
            actor=person,
            organisation=owner,
            shared_with=self.shared_with(record, owner) if self.shared_with else None,
            obj=record,
            action=f"{self.name}.{move.action}",
            from_state=old,
            to_state=new,
            reason=reason,
            data=data,
        )
        return Step(record, move, old, new, scope, event, dict(data or {}))

    def _tell(self, step: Step) -> None:
        for hook in self.hooks:
            hook(step)


# -- the block: counters written once, last --------------------------------------------------------------------


@dataclass
class _Frame:
    deltas: Tally[tuple[str, str]] = field(default_factory=Tally)


_blocks = threading.local()


def _frames() -> list[_Frame]:
    if not hasattr(_blocks, "frames"):
        _blocks.frames = []
    frames: list[_Frame] = _blocks.frames
    return frames


def _require_block() -> None:
    if not _frames():
        raise RuntimeError("records change state inside transitions.atomic()")


def _count(old_keys: Iterable[str], old: str, new_keys: Iterable[str], new: str) -> None:
    deltas = _frames()[-1].deltas
    for key in old_keys:
        if old:
            deltas[(key, old)] -= 1
    for key in new_keys:
        deltas[(key, new)] += 1


@contextmanager
def atomic() -> Iterator[None]:
    """``transaction.atomic()`` for changes of state: the counters they moved are written when the outermost
    block ends well (a failed inner block's changes are forgotten with its savepoint)."""
    frames = _frames()
    frames.append(_Frame())
    try:
        with transaction.atomic():
            yield
            frame = frames[-1]
            if len(frames) == 1:
                counters.flush(frame.deltas)
    except BaseException:
        frames.pop()
        raise
    frame = frames.pop()
    if frames:
        frames[-1].deltas.update(frame.deltas)
