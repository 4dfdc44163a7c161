"""Demo final verification for the after-sales workshop: the company's admin verifies the done work orders waiting
in the queue — the first as recorded, the next with a correction and its reason — and one resolved call with its
charges, so that they are ready to bill. Through the services, as the admin's clicks would (called after the demo
work is loaded: its signed reports made work orders done)."""

from __future__ import annotations

from django.db.models import QuerySet

from fieldbox.accounts.models import Membership, Organisation
from fieldbox.accounts.selectors import scope_for
from fieldbox.core.tenancy import Scope
from fieldbox.service import selectors_verification as reads
from fieldbox.service.models.verification import Verification, VerifiedLineKind
from fieldbox.service.services.verification import Correction, verify_call, verify_work_order

CORRECTION = "Tolti 15 minuti di pausa, come da accordi col cliente"


def reset(companies: QuerySet[Organisation]) -> None:
    """The verifications go with their work orders and calls; this clears them first all the same."""
    Verification.objects.filter(organisation__in=companies).delete()


def _admin(company: Organisation) -> Scope:
    member = (
        Membership.objects.filter(organisation=company, role__in=reads.VERIFICATION_READERS)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    assert member is not None, "the demo company has an admin"
    scope = scope_for(member.user, company.pk)
    assert scope is not None
    return scope


def _trimmed(scope: Scope, order_id: int) -> list[Correction]:
    """Fifteen minutes less on the first labour line long enough (with the reason), or nothing to correct."""
    proposal = reads.propose_for_work_order(reads.work_order_for(scope, order_id))
    for line in proposal.lines:
        if line.kind == VerifiedLineKind.LABOUR and (line.minutes or 0) > 30:
            return [Correction(key=line.key, minutes=(line.minutes or 0) - 15, reason=CORRECTION)]
    return []


def verify_some(company: Organisation, *, work_orders: int = 2, calls: int = 1) -> list[Verification]:
    """Verify up to ``work_orders`` done work orders (oldest first; the second one corrected) and ``calls``
    resolved calls of ``company``; the verifications made."""
    scope = _admin(company)
    made: list[Verification] = []
    waiting = reads.work_orders_to_verify(scope, reads.Filters()).order_by("pk")[:work_orders]
    for n, order in enumerate(list(waiting)):
        corrections = _trimmed(scope, order.pk) if n == 1 else []
        made.append(verify_work_order(scope=scope, work_order_id=order.pk, corrections=corrections))
    resolved = reads.calls_to_verify(scope, reads.Filters(kind=reads.QueueKind.CALL)).order_by("pk")[:calls]
    for ticket in list(resolved):
        made.append(verify_call(scope=scope, ticket_id=ticket.pk, note="Verificata per la fatturazione"))
    return made
