"""The final verification (SYS "verifica intervento finale"): an admin marks a done work order or a resolved call
verified, with the lines it is billed by. The lines start as proposed from what was recorded
(``selectors_verification``); the admin may correct a line's quantity or minutes, say whether it is covered by
the contract or billable, drop it or add one — each change with a reason, kept on the line with the recorded value.
What was recorded (the signed report, its hours, materials and expenses, the call's charges) never changes.

A work order moves by its table's ``verify`` move; a call is verified when its ``Verification`` row exists (the
unique constraint refuses a second one, and the call's row is locked meanwhile)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fieldbox.core import audit, transitions
from fieldbox.core.errors import Conflict
from fieldbox.core.tenancy import Scope
from fieldbox.core.validators import typed_text
from fieldbox.service import selectors_verification as reads
from fieldbox.service.choices import WORK_ORDER_TABLE
from fieldbox.service.models import Ticket, WorkOrder
from fieldbox.service.models.verification import Verification, VerifiedLine, VerifiedLineKind
from fieldbox.service.selectors_verification import Line, Proposal

REASON_LIMIT = 500
NOTE_LIMIT = 5000
MOST = Decimal("99999999.99")
MOST_MINUTES = 100_000
MOST_LINES = 500

audit.label_actions(
    {
        "verification.call": gettext_lazy("Final verification of a call"),
        "verification.work_order": gettext_lazy("Final verification of a work order"),
    }
)


@dataclass(frozen=True)
class Correction:
    """What the admin changed on one line: ``key`` names a proposed line (``time_entry:12``), or is empty for a
    line added (then ``kind`` and ``description`` are needed). ``None`` keeps the proposed value."""

    key: str = ""
    quantity: Decimal | None = None
    minutes: int | None = None
    unit_price: Decimal | None = None
    covered: bool | None = None
    billable: bool | None = None
    drop: bool = False
    reason: str = ""
    kind: str = ""
    description: str = ""
    item_code: str = ""


def _name(n: int, line: Line) -> str:
    return _("Line %(n)s (%(what)s)") % {"n": n, "what": line.description[:60]}


def _checked(n: int, line: Line, c: Correction, errors: list[str]) -> Line:
    """The line with the correction's values, its problems added to ``errors``."""
    who = _name(n, line)
    if c.quantity is not None and not Decimal(0) <= c.quantity <= MOST:
        errors.append(_("%(line)s: the quantity cannot be negative.") % {"line": who})
    if c.minutes is not None and not 0 <= c.minutes <= MOST_MINUTES:
        errors.append(_("%(line)s: the minutes cannot be negative.") % {"line": who})
    if c.unit_price is not None and not Decimal(0) <= c.unit_price <= MOST:
        errors.append(_("%(line)s: the price cannot be negative.") % {"line": who})
    new = replace(line)
    if c.minutes is not None and line.kind in reads.TIMED:
        new.minutes, new.quantity = c.minutes, reads.hours_of(max(c.minutes, 0))
    elif c.quantity is not None:
        new.quantity = c.quantity
    if c.unit_price is not None:
        new.unit_price = c.unit_price
    new.covered = line.covered if c.covered is None else c.covered
    new.billable = line.billable if c.billable is None else c.billable
    if new.covered and new.billable:  # covered by the contract means not billed: the one chosen wins
        if c.covered and c.billable:
            errors.append(_("%(line)s: a line the contract covers is not billed; choose one.") % {"line": who})
        elif c.covered:
            new.billable = False
        else:
            new.covered = False
    if c.drop:
        new.dropped, new.billable = True, False
    new.reason = typed_text(c.reason, "reason", REASON_LIMIT, lines=False)
    if new.facts() != line.facts() or new.dropped:
        new.recorded = line.facts()
        if not new.reason:
            errors.append(_("%(line)s: say why it differs from what was recorded.") % {"line": who})
    else:
        new.reason = ""
    return new


def _added(n: int, c: Correction, errors: list[str]) -> Line:
    what = typed_text(c.description, "description", 255, lines=False)
    who = _("Line %(n)s (%(what)s)") % {"n": n, "what": what[:60] or _("added")}
    if c.kind not in VerifiedLineKind.values:
        errors.append(_("%(line)s: choose what the line bills.") % {"line": who})
    if not what:
        errors.append(_("%(line)s: describe it.") % {"line": who})
    timed = c.kind in reads.TIMED
    if timed and c.minutes is None:
        errors.append(_("%(line)s: give its minutes.") % {"line": who})
    base = Line("", c.kind, what, None, Decimal(1), "h" if timed else "", 0 if timed else None, billable=True)
    new = _checked(n, base, replace(c, reason=c.reason or "-"), errors)
    new.reason = typed_text(c.reason, "reason", REASON_LIMIT, lines=False)
    new.item_code = typed_text(c.item_code, "item_code", 40, lines=False)
    new.recorded = {}
    if not new.reason:
        errors.append(_("%(line)s: say why the line is added.") % {"line": who})
    return new


def corrected(proposal: Proposal, corrections: Sequence[Correction]) -> list[Line]:
    """The lines as they will be verified: the proposal with the corrections made; ``ValidationError`` (on
    ``lines``, naming each line and what is wrong) when one is missing a reason, negative, or unknown."""
    if len(corrections) > MOST_LINES:
        raise ValidationError({"lines": _("At most %(n)s lines.") % {"n": MOST_LINES}})
    by_key = {line.key: line for line in proposal.lines}
    wanted: dict[str, Correction] = {}
    errors: list[str] = []
    for c in corrections:
        if c.key and c.key not in by_key:
            errors.append(_("%(key)s is not one of the recorded lines: look again.") % {"key": c.key[:40]})
        elif c.key in wanted:
            errors.append(_("%(key)s is corrected twice.") % {"key": c.key[:40]})
        elif c.key:
            wanted[c.key] = c
    lines = [
        _checked(n, line, wanted[line.key], errors) if line.key in wanted else line
        for n, line in enumerate(proposal.lines, 1)
    ]
    first = len(lines) + 1
    lines += [_added(first + i, c, errors) for i, c in enumerate(c for c in corrections if not c.key)]
    if errors:
        raise ValidationError({"lines": errors})
    return lines


def _store(verification: Verification, lines: list[Line]) -> None:
    VerifiedLine.objects.bulk_create(
        [
            VerifiedLine(
                organisation_id=verification.organisation_id,
                verification=verification,
                kind=line.kind,
                description=line.description,
                work_type_id=line.work_type_id,
                item_code=line.item_code,
                day=line.day,
                quantity=line.quantity,
                unit=line.unit,
                minutes=line.minutes,
                unit_price=line.unit_price,
                covered=line.covered,
                billable=line.billable,
                dropped=line.dropped,
                reason=line.reason,
                recorded=line.recorded,
                source_kind=line.source_kind,
                source_id=line.source_id,
            )
            for line in lines
        ]
    )


def _facts(lines: list[Line]) -> dict[str, object]:
    t = reads.totals_of(lines)
    changed = sum(1 for line in lines if line.reason)
    return {"lines": len(lines), "corrected": changed, "minutes": t.minutes, "billable_minutes": t.billable_minutes}


def _save(scope: Scope, proposal: Proposal, lines: list[Line], note: str, **owner: object) -> Verification:
    made = Verification(
        organisation_id=scope.organisation.pk,
        contract=proposal.contract,
        verified_by=scope.user,
        verified_at=timezone.now(),
        note=note,
        **owner,
    )
    try:
        with transaction.atomic():
            made.save()
    except IntegrityError:  # verified meanwhile by another admin (the row lock makes it rare)
        raise Conflict(_("This was verified meanwhile by someone else.")) from None
    _store(made, lines)
    return made


def verify_work_order(
    *, scope: Scope, work_order_id: int, corrections: Sequence[Correction] = (), note: str = ""
) -> Verification:
    """Verify a done work order: store its lines (as proposed, with the corrections) and move it to verified."""
    WORK_ORDER_TABLE.require("verify", scope)
    words = typed_text(note, "note", NOTE_LIMIT)
    with transitions.atomic():
        order = WORK_ORDER_TABLE.lock(WorkOrder.objects.visible_to(scope), work_order_id)
        WORK_ORDER_TABLE.check(order, "verify", scope)
        proposal = reads.propose_for_work_order(order)
        lines = corrected(proposal, corrections)
        made = _save(scope, proposal, lines, words, work_order=order, customer_id=order.customer_id)
        WORK_ORDER_TABLE.apply(order, "verify", scope=scope, reason=words, data=_facts(lines))
    return made


def verify_call(
    *, scope: Scope, ticket_id: int, corrections: Sequence[Correction] = (), note: str = ""
) -> Verification:
    """Verify a resolved or closed call: store its lines (its charges, with the corrections). Once only."""
    if scope.role not in reads.VERIFICATION_READERS:
        raise PermissionDenied
    words = typed_text(note, "note", NOTE_LIMIT)
    with transaction.atomic():
        ticket = Ticket.objects.visible_to(scope).select_for_update(of=("self",)).get(pk=ticket_id)
        refuse_unverifiable_call(ticket)
        proposal = reads.propose_for_call(ticket)
        lines = corrected(proposal, corrections)
        made = _save(scope, proposal, lines, words, ticket=ticket, customer_id=ticket.customer_id)
        audit.record(
            actor=scope.user,
            organisation=ticket.organisation_id,
            obj=ticket,
            action="verification.call",
            reason=words,
            data=_facts(lines),
        )
    return made


def refuse_unverifiable_call(ticket: Ticket) -> None:
    """A call is verified once it is resolved or closed, and only once (409 otherwise)."""
    done = reads.verification_of(ticket=ticket)
    if done is not None:
        when = timezone.localtime(done.verified_at).strftime("%d/%m/%Y %H:%M")
        raise Conflict(
            _("This call was already verified by %(who)s on %(when)s.") % {"who": done.verified_by, "when": when}
        )
    if ticket.status not in reads.CALLS_TO_VERIFY:
        raise Conflict(
            _("Only a resolved or closed call is verified (this one is “%(status)s”).")
            % {"status": ticket.get_status_display()}
        )
