"""The demo's maintenance contracts: each customer's equipment under a yearly contract with automatic renewal,
one contract already renewed once (last year's, "renewed", and this year's pointing to it), one whose notice
deadline is near, and a draft. Built through the services, as the office would."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import QuerySet

from fieldbox.accounts.models import Organisation, User
from fieldbox.accounts.selectors import scope_for
from fieldbox.core import clock
from fieldbox.core.tenancy import Scope
from fieldbox.fleet.models import Customer
from fieldbox.service.choices import FeePeriod, Renewal
from fieldbox.service.models import Equipment, WorkType
from fieldbox.service.models.contracts import Contract, ContractEquipment, ContractNotice
from fieldbox.service.services import contracts as services
from fieldbox.service.services.contracts import Terms

OFFICE = "ufficio@rossi.example"
# (months of service, fee, fee period, included visits)
KINDS = [
    ("3,9", Decimal("480.00"), FeePeriod.YEAR, 2),
    ("1,4,7,10", Decimal("90.00"), FeePeriod.QUARTER, 4),
    ("5", Decimal("25.00"), FeePeriod.MONTH, 1),
]


def reset(companies: QuerySet[Organisation]) -> None:
    """Remove the demo's contracts (the renewals first: each points to the one it renewed)."""
    owned = Contract.objects.filter(organisation__in=companies)
    ContractNotice.objects.filter(contract__in=owned).delete()
    ContractEquipment.objects.filter(contract__in=owned).delete()
    while owned.exists():
        owned.filter(renewals__isnull=True).delete()


def contracts(
    org: Organisation,
    customers: Sequence[Customer],
    equipment: Sequence[Equipment],
    *,
    office_email: str = OFFICE,
    work_type: WorkType | None = None,
) -> list[Contract]:
    """Contracts of ``org`` for ``customers``, covering their pieces of ``equipment`` (top-level ones): the first
    customer's renewed once (last year's contract renewed into this year's), the others' active for this year with
    automatic renewal, the last one's ending in 45 days (its notice deadline near), and a draft for next year.
    Answers every contract made, the oldest first."""
    scope = scope_for(User.objects.get(email=office_email), org.pk)
    assert scope is not None
    today = clock.today(org.time_zone)
    year = date(today.year, 1, 1), date(today.year, 12, 31)
    by_customer = {c.pk: [e for e in equipment if e.customer_id == c.pk and e.parent_id is None] for c in customers}
    served = [c for c in customers if by_customer[c.pk]]
    made: list[Contract] = []
    for n, customer in enumerate(served):
        months, fee, period, visits = KINDS[n % len(KINDS)]
        starts_on, ends_on = year
        if n == 0:  # last year's, renewed by the daily run into this year's
            starts_on, ends_on = date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
        elif n == len(served) - 1 and n > 1:  # a term ending soon: the office hears of its notice deadline
            starts_on, ends_on = today - timedelta(days=320), today + timedelta(days=45)
        terms = Terms(
            starts_on=starts_on,
            ends_on=ends_on,
            notice_days=30 if n else 60,
            renewal=Renewal.AUTOMATIC if n != 2 else Renewal.ON_REQUEST,
            renewal_months=12,
            fee=fee,
            fee_period=period,
            included_visits=visits,
            notes="Manutenzione programmata secondo il libretto d'impianto.",
        )
        made.append(_active(scope, customer, by_customer[customer.pk], terms, months, work_type))
    if made:
        renewal = services.contracts_end_due()  # the first one ended last year: renewed into this year's
        made += list(Contract.objects.filter(renews__in=made).order_by("pk"))
        assert renewal.renewed, "the demo's first contract is renewed"
    if served:
        first = served[0]
        draft = services.contract_create(
            scope=scope,
            customer_id=first.pk,
            terms=Terms(
                starts_on=date(today.year + 2, 1, 1),
                ends_on=date(today.year + 2, 12, 31),
                notice_days=60,
                renewal=Renewal.NONE,
                renewal_months=0,
                fee=Decimal("600.00"),
                fee_period=FeePeriod.YEAR,
                included_visits=2,
                notes="Bozza: proposta con due visite l'anno.",
            ),
        )
        made.append(draft)
    return made


def _active(
    scope: Scope,
    customer: Customer,
    pieces: Sequence[Equipment],
    terms: Terms,
    months: str,
    work_type: WorkType | None,
) -> Contract:
    contract = services.contract_create(scope=scope, customer_id=customer.pk, terms=terms)
    for piece in pieces:
        services.contract_equipment_add(
            scope=scope,
            contract_id=contract.pk,
            equipment_id=piece.pk,
            months=months,
            work_type_id=work_type.pk if work_type else None,
        )
    return services.contract_activate(scope=scope, contract_id=contract.pk)
