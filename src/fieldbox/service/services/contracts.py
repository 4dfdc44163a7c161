"""Maintenance contracts (Appsistance "gestione contratti"): a draft is written and its covered equipment chosen,
with the months in which each piece is serviced; once active it never changes. The daily run renews what ends
with an automatic renewal (the next contract, with the same terms and equipment, points to the old one, which
stays as it was, "renewed"), lets the others expire, and tells the office before a notice deadline passes.

Every change goes through ``CONTRACT_TABLE``. Two binding contracts (draft or active) never cover the same
equipment on overlapping dates: the services that add equipment or move dates lock the equipment's rows first,
so two offices writing at once are served one after the other and the second is told which contract is in the
way.
"""

from __future__ import annotations

import calendar
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fieldbox.accounts.choices import OFFICE
from fieldbox.accounts.models import Organisation
from fieldbox.core import audit, clock, money, numbering, transitions
from fieldbox.core.tenancy import Scope
from fieldbox.core.validators import typed_text
from fieldbox.fleet.models import Customer
from fieldbox.messaging import events, kinds
from fieldbox.messaging.choices import Channel
from fieldbox.messaging.events import EventType
from fieldbox.messaging.kinds import MessageKind
from fieldbox.service.choices import (
    BINDING_CONTRACT,
    CONTRACT_TABLE,
    ContractStatus,
    FeePeriod,
    Renewal,
    numbered,
)
from fieldbox.service.models import Equipment, WorkType
from fieldbox.service.models.contracts import Contract, ContractEquipment, ContractNotice

log = logging.getLogger(__name__)

NOTES_LIMIT = 5000
REASON_LIMIT = 500
MAX_MONTHS = 120  # a renewal term of at most ten years
MAX_NOTICE_DAYS = 730
MAX_MINUTES = 1_000_000
MAX_FEE = Decimal("99999999.99")
# How many days before a notice deadline the office is told (each once).
NOTICE_WARNINGS = (30, 7)
NOTICE_KIND = "service.contract_notice"
NOTICE_EVENT = "contract.notice_due"

audit.label_actions(
    {
        "contract.create": gettext_lazy("Contract drafted"),
        "contract.renew_as": gettext_lazy("Contract made by a renewal"),
        "contract.edit": gettext_lazy("Contract changed"),
        "contract.activate": gettext_lazy("Contract activated"),
        "contract.terminate": gettext_lazy("Contract terminated"),
        "contract.renew": gettext_lazy("Contract renewed"),
        "contract.expire": gettext_lazy("Contract expired"),
    }
)

kinds.register(
    MessageKind(
        key=NOTICE_KIND,
        channel=Channel.EMAIL,
        label=gettext_lazy("A contract's notice deadline is near (to the office)"),
        variables={
            "number": gettext_lazy("the contract's number"),
            "customer": gettext_lazy("the customer's name"),
            "ends_on": gettext_lazy("the contract's last day"),
            "notice_by": gettext_lazy("the last day to give notice"),
            "days": gettext_lazy("days left before the notice deadline"),
            "renewal": gettext_lazy("what happens at the end"),
            "link": gettext_lazy("the link to the contract"),
        },
        template="service/contracts/email/notice",
        required=frozenset({"number", "link"}),
        sample={
            "number": "C0000012",
            "customer": "Condominio Aurora",
            "ends_on": "31/12/2026",
            "notice_by": "01/12/2026",
            "days": 30,
            "renewal": "Automatic renewal",
            "link": "https://fieldbox.example/…",
        },
    ),
)
events.register(
    EventType(
        NOTICE_EVENT,
        gettext_lazy("A contract's notice deadline is near"),
        kind=NOTICE_KIND,
        roles=frozenset(OFFICE),
    ),
    EventType("contract.status_changed", gettext_lazy("A contract changed status")),
)


# ---- Checking what a person typed -----------------------------------------------------------------------------


@dataclass
class Terms:
    """A contract's terms as the office writes them (the customer is chosen once, at creation)."""

    starts_on: date | None = None
    ends_on: date | None = None
    notice_days: int | None = 30
    renewal: str = Renewal.AUTOMATIC
    renewal_months: int | None = 12
    fee: Decimal | str | None = Decimal("0.00")
    fee_period: str = FeePeriod.YEAR
    included_minutes: int | None = 0
    included_visits: int | None = 0
    notes: str = ""

    def fields(self) -> dict[str, Any]:
        """The checked fields, or a ``ValidationError`` naming every wrong one."""
        errors: dict[str, str] = {}
        if self.starts_on is None:
            errors["starts_on"] = _("This field is required.")
        if self.ends_on is None:
            errors["ends_on"] = _("This field is required.")
        elif self.starts_on is not None and self.ends_on < self.starts_on:
            errors["ends_on"] = _("The end cannot come before the start.")
        notice = _whole(self.notice_days, "notice_days", MAX_NOTICE_DAYS, errors)
        if self.renewal not in Renewal.values:
            errors["renewal"] = _("Choose a kind of renewal.")
        months = _whole(self.renewal_months, "renewal_months", MAX_MONTHS, errors)
        if self.renewal == Renewal.AUTOMATIC and not months and "renewal_months" not in errors:
            errors["renewal_months"] = _("An automatic renewal is for one month at least.")
        if self.fee_period not in FeePeriod.values:
            errors["fee_period"] = _("Choose how often the fee is due.")
        fee = _fee(self.fee, errors)
        minutes = _whole(self.included_minutes, "included_minutes", MAX_MINUTES, errors)
        visits = _whole(self.included_visits, "included_visits", 10_000, errors)
        notes = ""
        try:
            notes = typed_text(self.notes, "notes", NOTES_LIMIT)
        except ValidationError as e:
            errors.update({k: str(v[0]) for k, v in e.message_dict.items()})
        if self.ends_on and self.starts_on and notice and "ends_on" not in errors and notice > self._days():
            errors["notice_days"] = _("The notice period is longer than the contract.")
        if errors:
            raise ValidationError(errors)
        assert self.starts_on is not None
        assert self.ends_on is not None
        assert notice is not None
        return {
            "starts_on": self.starts_on,
            "ends_on": self.ends_on,
            "notice_days": notice,
            "notice_by": self.ends_on - timedelta(days=notice),
            "renewal": self.renewal,
            "renewal_months": months or 0,
            "fee": fee,
            "fee_period": self.fee_period,
            "included_minutes": minutes or 0,
            "included_visits": visits or 0,
            "notes": notes,
        }

    def _days(self) -> int:
        assert self.starts_on is not None
        assert self.ends_on is not None
        return (self.ends_on - self.starts_on).days + 1


def _whole(value: object, name: str, limit: int, errors: dict[str, str]) -> int | None:
    try:
        number = int(value if value not in (None, "") else 0)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        errors[name] = _("A whole number.")
        return None
    if not 0 <= number <= limit:
        errors[name] = _("A whole number between 0 and %(n)s.") % {"n": limit}
        return None
    return number


def _fee(value: object, errors: dict[str, str]) -> Decimal:
    try:
        amount = Decimal(str(value if value not in (None, "") else "0"))
    except (InvalidOperation, ValueError):
        errors["fee"] = _("An amount, such as 120.50.")
        return Decimal("0.00")
    if not amount.is_finite():
        errors["fee"] = _("An amount, such as 120.50.")
        return Decimal("0.00")
    if amount < 0:
        errors["fee"] = _("The fee cannot be negative.")
    elif amount > MAX_FEE:
        errors["fee"] = _("At most %(n)s.") % {"n": MAX_FEE}
    return money.rounded(amount)


def parse_months(value: str | Iterable[int] | None) -> str:
    """The service months as stored: "1,4,7,10" (sorted, each once), from "1, 4,7 10" or a list of numbers."""
    parts = (value or "").replace(";", ",").replace(" ", ",").split(",") if isinstance(value, str) else value or []
    months: set[int] = set()
    for part in parts:
        text = str(part).strip()
        if not text:
            continue
        if not text.isdigit() or not 1 <= int(text) <= 12:
            raise ValidationError({"months": _("Months of the year, 1 to 12, separated by commas (1,4,7,10).")})
        months.add(int(text))
    return ",".join(str(m) for m in sorted(months))


# ---- Overlaps -------------------------------------------------------------------------------------------------


def _refuse_overlaps(contract: Contract, equipment_ids: Iterable[int], starts_on: date, ends_on: date) -> None:
    """Lock the equipment's rows (writers of the same equipment wait here for each other), then refuse when
    another binding contract covers one of them on overlapping dates, naming it."""
    ids = sorted(set(equipment_ids))
    if not ids:
        return
    list(Equipment.objects.filter(pk__in=ids).select_for_update().order_by("pk").values_list("pk", flat=True))
    clash = (
        ContractEquipment.objects.filter(
            equipment_id__in=ids,
            contract__status__in=BINDING_CONTRACT,
            contract__starts_on__lte=ends_on,
            contract__ends_on__gte=starts_on,
        )
        .exclude(contract_id=contract.pk)
        .select_related("contract", "equipment")
        .order_by("contract__starts_on", "pk")
        .first()
    )
    if clash is not None:
        other = clash.contract
        raise ValidationError(
            {
                "equipment_id": _(
                    "%(equipment)s is already covered by contract %(number)s from %(start)s to %(end)s: "
                    "a piece of equipment has one contract at a time."
                )
                % {
                    "equipment": clash.equipment,
                    "number": other.number,
                    "start": formats.date_format(other.starts_on, "SHORT_DATE_FORMAT"),
                    "end": formats.date_format(other.ends_on, "SHORT_DATE_FORMAT"),
                }
            }
        )


# ---- Drafts -----------------------------------------------------------------------------------------------------


def _locked(scope: Scope, pk: int) -> Contract:
    return CONTRACT_TABLE.lock(Contract.objects.visible_to(scope), pk)


def new_contract_number(organisation_id: int) -> str:
    """The organisation's next contract number ("C0000042"), in the caller's transaction."""
    return numbered("C", numbering.take(f"service.contract:{organisation_id}"))


def contract_create(*, scope: Scope, customer_id: int | None, terms: Terms) -> Contract:
    """A draft contract for one of the organisation's customers."""
    CONTRACT_TABLE.require("create", scope)
    checked = terms.fields()
    with transitions.atomic():
        customer = Customer.objects.visible_to(scope).filter(pk=customer_id or 0).first()
        if customer is None:
            raise ValidationError({"customer_id": _("Choose one of your customers.")})
        contract = Contract(
            organisation_id=scope.organisation.pk,
            customer=customer,
            number=new_contract_number(scope.organisation.pk),
            **checked,
        )
        CONTRACT_TABLE.create(contract, "create", scope=scope)
    return contract


def contract_edit(*, scope: Scope, contract_id: int, terms: Terms) -> Contract:
    """Change a draft's terms; new dates are checked against the other contracts of its equipment."""
    checked = terms.fields()
    with transitions.atomic():
        contract = _locked(scope, contract_id)
        CONTRACT_TABLE.check(contract, "edit", scope)
        covered = ContractEquipment.objects.filter(contract=contract).values_list("equipment_id", flat=True)
        _refuse_overlaps(contract, list(covered), checked["starts_on"], checked["ends_on"])
        changed = {k: v for k, v in checked.items() if getattr(contract, k) != v}
        CONTRACT_TABLE.apply(contract, "edit", scope=scope, changes=changed, data={"fields": sorted(changed)})
    return contract


def contract_equipment_add(
    *,
    scope: Scope,
    contract_id: int,
    equipment_id: int | None,
    months: str | Iterable[int] | None = "",
    work_type_id: int | None = None,
) -> ContractEquipment:
    """Cover a piece of the customer's equipment by a draft, serviced in ``months`` with ``work_type``."""
    stored = parse_months(months)
    with transitions.atomic():
        contract = _locked(scope, contract_id)
        CONTRACT_TABLE.check(contract, "edit", scope)
        equipment = (
            Equipment.objects.visible_to(scope).filter(pk=equipment_id or 0, customer_id=contract.customer_id).first()
        )
        if equipment is None:
            raise ValidationError({"equipment_id": _("Choose equipment of this contract's customer.")})
        work_type = None
        if work_type_id:
            work_type = WorkType.objects.visible_to(scope).filter(pk=work_type_id, active=True).first()
            if work_type is None:
                raise ValidationError({"work_type_id": _("Choose one of your types of work.")})
        if ContractEquipment.objects.filter(contract=contract, equipment=equipment).exists():
            raise ValidationError({"equipment_id": _("This contract already covers %(e)s.") % {"e": equipment}})
        _refuse_overlaps(contract, [equipment.pk], contract.starts_on, contract.ends_on)
        line = ContractEquipment.objects.create(
            contract=contract, equipment=equipment, months=stored, work_type=work_type
        )
        CONTRACT_TABLE.apply(contract, "edit", scope=scope, data={"equipment_added": str(equipment), "months": stored})
    return line


def contract_equipment_remove(*, scope: Scope, contract_id: int, line_id: int) -> None:
    """A draft no longer covers a piece of equipment."""
    with transitions.atomic():
        contract = _locked(scope, contract_id)
        CONTRACT_TABLE.check(contract, "edit", scope)
        line = ContractEquipment.objects.filter(contract=contract, pk=line_id).select_related("equipment").first()
        if line is None:
            raise ValidationError({"line_id": _("This contract does not cover that equipment.")})
        name = str(line.equipment)
        line.delete()
        CONTRACT_TABLE.apply(contract, "edit", scope=scope, data={"equipment_removed": name})


# ---- Moves --------------------------------------------------------------------------------------------------


def contract_activate(*, scope: Scope, contract_id: int) -> Contract:
    """The draft comes into force (from then on it never changes)."""
    with transitions.atomic():
        contract = _locked(scope, contract_id)
        CONTRACT_TABLE.check(contract, "activate", scope)
        covered = list(ContractEquipment.objects.filter(contract=contract).values_list("equipment_id", flat=True))
        if not covered:
            raise ValidationError({"equipment_id": _("Add the equipment the contract covers before activating it.")})
        _refuse_overlaps(contract, covered, contract.starts_on, contract.ends_on)
        CONTRACT_TABLE.apply(contract, "activate", scope=scope)
    return contract


def contract_terminate(*, scope: Scope, contract_id: int, reason: str, on: date | None = None) -> Contract:
    """End an active contract early (the customer gave notice, or the office did): it covers up to ``on``
    (today when not given), and is never renewed."""
    words = typed_text(reason, "reason", REASON_LIMIT, required=True)
    with transitions.atomic():
        contract = _locked(scope, contract_id)
        CONTRACT_TABLE.check(contract, "terminate", scope)
        last = on or clock.today(scope.organisation.time_zone)
        if last > contract.ends_on:
            raise ValidationError({"on": _("Choose a day no later than the contract's end.")})
        last = max(last, contract.starts_on - timedelta(days=1))
        changes = {"terminated_on": last, "end_reason": words}
        CONTRACT_TABLE.apply(contract, "terminate", scope=scope, changes=changes, reason=words)
    return contract


# ---- The daily run: renewals, expiries, notices ----------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` (the 31st becomes the month's last day)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def next_term(contract: Contract) -> tuple[date, date]:
    """The dates of the contract that renews ``contract``: from the day after its end, for its renewal months."""
    starts_on = contract.ends_on + timedelta(days=1)
    return starts_on, add_months(starts_on, contract.renewal_months) - timedelta(days=1)


@dataclass
class Renewed:
    renewed: list[str] = field(default_factory=list)  # "C0000001 → C0000007"
    expired: list[str] = field(default_factory=list)
    notices: int = 0


def contracts_run_daily() -> Renewed:
    """The scheduler's daily work: renew or expire the contracts that ended, then tell the office of the notice
    deadlines near. Safe to run twice or at once: each contract is locked and checked again."""
    done = Renewed()
    contracts_end_due(done)
    done.notices = contracts_announce_notices()
    return done


def _zones(org_ids: Iterable[int]) -> dict[int, str]:
    return dict(Organisation.objects.filter(pk__in=set(org_ids)).values_list("pk", "time_zone"))


def contracts_end_due(done: Renewed | None = None) -> Renewed:
    """Every active contract whose last day has passed (on its organisation's clock) is renewed (an automatic
    renewal: the next contract, active) or expires. A renewal whose end has passed too is renewed in turn."""
    done = done or Renewed()
    seen: set[int] = set()
    while True:
        candidates = list(
            Contract.objects.filter(status=ContractStatus.ACTIVE, ends_on__lt=clock.today("UTC") + timedelta(days=1))
            .exclude(pk__in=seen)
            .values_list("pk", "organisation_id")
            .order_by("pk")
        )
        if not candidates:
            return done
        zones = _zones(o for _pk, o in candidates)
        for pk, org in candidates:
            seen.add(pk)
            _end_one(pk, clock.today(zones.get(org) or "UTC"), done)


def _end_one(pk: int, today: date, done: Renewed) -> None:
    with transitions.atomic():
        try:
            contract = CONTRACT_TABLE.lock(Contract.objects.filter(status=ContractStatus.ACTIVE), pk)
        except Contract.DoesNotExist:
            return  # ended meanwhile (another run, the office)
        if contract.ends_on >= today:
            return
        if contract.renewal != Renewal.AUTOMATIC or contract.renewal_months < 1:
            CONTRACT_TABLE.apply(contract, "expire", scope=None)
            done.expired.append(contract.number)
            return
        renewal = _renewal_of(contract)
        if renewal is None:
            CONTRACT_TABLE.apply(contract, "expire", scope=None, reason="another contract covers its equipment")
            done.expired.append(contract.number)
            return
        CONTRACT_TABLE.apply(contract, "renew", scope=None, data={"renewed_by": renewal.number})
        done.renewed.append(f"{contract.number} → {renewal.number}")


def _renewal_of(old: Contract) -> Contract | None:
    """The next contract of ``old``: its terms and equipment, the next term's dates, active; None when another
    contract already covers some of its equipment then (the office wrote the next one by hand)."""
    starts_on, ends_on = next_term(old)
    lines = list(ContractEquipment.objects.filter(contract=old).order_by("pk"))
    new = Contract(
        organisation_id=old.organisation_id,
        customer_id=old.customer_id,
        number="",
        starts_on=starts_on,
        ends_on=ends_on,
        notice_days=old.notice_days,
        notice_by=ends_on - timedelta(days=old.notice_days),
        renewal=old.renewal,
        renewal_months=old.renewal_months,
        fee=old.fee,
        fee_period=old.fee_period,
        included_minutes=old.included_minutes,
        included_visits=old.included_visits,
        notes=old.notes,
        renews=old,
    )
    try:
        _refuse_overlaps(new, [line.equipment_id for line in lines], starts_on, ends_on)
    except ValidationError as e:
        log.info("contract %s not renewed: %s", old.number, e.messages)
        return None
    new.number = new_contract_number(old.organisation_id)
    CONTRACT_TABLE.create(new, "renew_as", scope=None, data={"renews": old.number})
    ContractEquipment.objects.bulk_create(
        [
            ContractEquipment(
                contract=new, equipment_id=line.equipment_id, months=line.months, work_type_id=line.work_type_id
            )
            for line in lines
        ]
    )
    return new


def contracts_announce_notices() -> int:
    """Tell the office of every active contract whose notice deadline is at most 30 (then 7) days away, each
    warning once; answers how many were told now."""
    widest = max(NOTICE_WARNINGS)
    candidates = list(
        Contract.objects.filter(
            status=ContractStatus.ACTIVE,
            notice_by__gte=clock.today("UTC") - timedelta(days=1),
            notice_by__lte=clock.today("UTC") + timedelta(days=widest + 1),
        )
        .values_list("pk", "organisation_id")
        .order_by("pk")
    )
    zones = _zones(o for _pk, o in candidates)
    told = 0
    for pk, org in candidates:
        told += _announce_one(pk, clock.today(zones.get(org) or "UTC"))
    return told


def _announce_one(pk: int, today: date) -> int:
    with transaction.atomic():
        contract = Contract.objects.filter(pk=pk, status=ContractStatus.ACTIVE).select_related("customer").first()
        if contract is None:
            return 0
        left = (contract.notice_by - today).days
        due = [d for d in NOTICE_WARNINGS if 0 <= left <= d]
        if not due:
            return 0
        days = min(due)
        try:
            with transaction.atomic():
                _notice, created = ContractNotice.objects.get_or_create(contract=contract, days=days)
        except IntegrityError:
            created = False  # another run told it at the same moment
        if not created:
            return 0
        _tell_notice(contract, days, left)
        return 1


def _tell_notice(contract: Contract, days: int, left: int) -> None:
    link = reverse("service:contract", kwargs={"pk": contract.pk})
    context = {
        "number": contract.number,
        "customer": contract.customer.display_name,
        "ends_on": contract.ends_on.strftime("%d/%m/%Y"),
        "notice_by": contract.notice_by.strftime("%d/%m/%Y"),
        "days": left,
        "renewal": str(Renewal(contract.renewal).label),
        "link": settings.SITE_URL + link,
    }
    events.emit(
        NOTICE_EVENT,
        organisation=Organisation.objects.get(pk=contract.organisation_id),
        key=f"contract:{contract.pk}:notice:{days}",
        context=context,
        url=link,
    )


@CONTRACT_TABLE.on_move
def _webhook(step: transitions.Step) -> None:
    """Other systems hear of every change of a contract's status."""
    contract: Contract = step.record
    if step.old == step.new or step.event is None:
        return
    events.emit(
        "contract.status_changed",
        organisation=Organisation(pk=contract.organisation_id),
        key=f"contract:{contract.pk}:event:{step.event.pk}",
        data={
            "contract_id": contract.pk,
            "number": contract.number,
            "customer_id": contract.customer_id,
            "renews_id": contract.renews_id,
            "from": step.old,
            "to": step.new,
            "action": step.action,
        },
    )
