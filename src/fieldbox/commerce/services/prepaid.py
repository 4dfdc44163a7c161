"""Prepaid pay-per-call minutes (Appsistance "PAY PER CALL PREPAGATI"): the one place that writes a package's ledger.

- ``package_create``: a package sold to a customer (numbered ``PP-2026/00001``) and its purchase move (+ minutes);
- ``charge_used`` (called by ``service.charge_hooks`` inside ``charge_add``): a billable time charge on a call of a
  customer with a package valid today uses the package's minutes, rounded up to its blocks with its minimum per
  call. What the package covers is not billed again (the charge becomes not billable); what it does not cover
  (its balance ran out, and it may not go below zero) is billed as the price list says: a new billable time
  charge on the call with those minutes at the customer's hourly rate (``commerce.pricing``), which the
  verification and the invoice pick up like any other. A charge uses minutes once (a unique constraint);
- ``charge_removed``: a charge taken off the call gives its minutes back (a reversal) and takes off the charge
  made for its minutes beyond the balance;
- ``minutes_use`` / ``move_reverse``: the office's manual use (the minutes as written, no rounding) and
  correction of one move, each with a reason;
- ``packages_expire``: what is left on a package past its last day leaves with an expiry move (the beat task).

Every write locks the package row first, so two uses at once cannot both take the last minutes: the second waits
and then sees the first's move. The balance is the sum of the moves, read after the lock. Crossing the low
threshold or reaching zero tells the office (an event: in the app and by e-mail) and, with ``tell_customer``, the
customer's contact by e-mail, through the outbox, once per crossing (the key names the move that crossed)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, IntegerField, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fieldbox.accounts.models import Organisation
from fieldbox.commerce import numbering, pricing
from fieldbox.commerce.choices import PREPAID_SELLERS, DocumentKind, MinuteMoveKind
from fieldbox.commerce.models.prepaid import MinuteMove, PrepaidPackage
from fieldbox.core import audit, clock
from fieldbox.core.errors import Conflict
from fieldbox.core.money import rounded
from fieldbox.core.tenancy import Scope
from fieldbox.core.validators import typed_text
from fieldbox.fleet.models import Customer
from fieldbox.messaging import events, kinds
from fieldbox.messaging.choices import Channel
from fieldbox.messaging.events import EventType
from fieldbox.messaging.kinds import MessageKind
from fieldbox.messaging.services import send_email
from fieldbox.service import selectors_calls as calls
from fieldbox.service.choices import ChargeKind
from fieldbox.service.models import Charge, Contact, Ticket

MAX_MINUTES = 1_000_000
MAX_BLOCK = 600
MAX_PRICE = Decimal("99999999.99")
REASON_LIMIT = 500
EARLIEST_ZONE = "Pacific/Kiritimati"  # UTC+14: the first to see a new day
OFFICE_KIND = "commerce.prepaid_low"
CUSTOMER_KIND = "commerce.prepaid_low_customer"
MK = MinuteMoveKind

audit.label_actions(
    {
        "prepaid.create": gettext_lazy("Prepaid package sold"),
        "prepaid.use": gettext_lazy("Prepaid minutes used"),
        "prepaid.reverse": gettext_lazy("Prepaid move reversed"),
        "prepaid.expire": gettext_lazy("Prepaid minutes expired"),
    }
)

_variables = {
    "number": gettext_lazy("the package's number"),
    "customer": gettext_lazy("the customer's name"),
    "organisation": gettext_lazy("your organisation's name"),
    "balance": gettext_lazy("the minutes left"),
    "empty": gettext_lazy("whether no minute is left"),
}
_sample = {"number": "PP-2026/00003", "customer": "Condominio Aurora", "organisation": "Rossi Impianti", "balance": 20}
kinds.register(
    MessageKind(
        key=OFFICE_KIND,
        channel=Channel.EMAIL,
        label=gettext_lazy("A customer's prepaid minutes are running low or used up (to the office)"),
        variables={**_variables, "link": gettext_lazy("the link to the package")},
        template="commerce/prepaid/email/low",
        required=frozenset({"number", "link"}),
        sample={**_sample, "empty": False, "link": "https://fieldbox.example/…"},
    ),
    MessageKind(
        key=CUSTOMER_KIND,
        channel=Channel.EMAIL,
        label=gettext_lazy("E-mail to the customer: their prepaid minutes are running low or used up"),
        variables=_variables,
        template="commerce/prepaid/email/low_customer",
        required=frozenset({"number"}),
        sample={**_sample, "empty": False},
    ),
)
events.register(
    EventType(
        "prepaid.low",
        gettext_lazy("A customer's prepaid minutes are running low"),
        kind=OFFICE_KIND,
        roles=frozenset(PREPAID_SELLERS),
    ),
    EventType(
        "prepaid.empty",
        gettext_lazy("A customer's prepaid minutes are used up"),
        kind=OFFICE_KIND,
        roles=frozenset(PREPAID_SELLERS),
    ),
)


# ---- Reading the ledger -----------------------------------------------------------------------------------------


def rounded_minutes(package: PrepaidPackage, minutes: int) -> int:
    """A call's minutes as the package counts them: up to whole blocks, at least the minimum per call."""
    block = max(1, package.rounding_minutes)
    return max(package.minimum_minutes, -(-minutes // block) * block)


def balance_of(package_id: int) -> int:
    """The minutes left: the sum of the package's moves."""
    total = MinuteMove.objects.filter(package_id=package_id).aggregate(total=Sum("minutes"))["total"]
    return int(total or 0)


def balances(package_ids: list[int]) -> dict[int, int]:
    """The minutes left on each package, in one query."""
    rows = MinuteMove.objects.filter(package_id__in=package_ids).values("package_id").annotate(total=Sum("minutes"))
    found = {row["package_id"]: int(row["total"] or 0) for row in rows}
    return {pk: found.get(pk, 0) for pk in package_ids}


def valid_on(day: date) -> Q:
    return Q(valid_from__lte=day) & (Q(valid_until__isnull=True) | Q(valid_until__gte=day))


def is_valid(package: PrepaidPackage, day: date) -> bool:
    return package.valid_from <= day and (package.valid_until is None or package.valid_until >= day)


def _today(organisation: Organisation) -> date:
    return clock.today(organisation.time_zone)


def _locked(queryset: Any, pk: int) -> PrepaidPackage:
    found: PrepaidPackage | None = queryset.select_for_update().filter(pk=pk).first()
    if found is None:
        raise PrepaidPackage.DoesNotExist
    return found


# ---- Selling a package ------------------------------------------------------------------------------------------


def _whole(value: object, field: str, low: int, high: int) -> int:
    wrong = ValidationError({field: _("Write a whole number of minutes.")})
    if isinstance(value, bool):
        raise wrong
    try:
        number = value if isinstance(value, int) else int(str(value).strip())
    except (TypeError, ValueError):
        raise wrong from None
    if not low <= number <= high:
        raise ValidationError({field: _("Between %(low)s and %(high)s.") % {"low": low, "high": f"{high:,}"}})
    return number


def _price(value: object) -> Decimal:
    amount = pricing.price(value, "price")
    if amount != rounded(amount) or amount > MAX_PRICE:
        raise ValidationError({"price": _("At most two decimals, up to %(most)s.") % {"most": MAX_PRICE}})
    return amount


def _terms(scope: Scope, data: dict[str, Any]) -> dict[str, Any]:
    """The package's terms as the services keep them; a ``ValidationError`` naming every wrong field."""
    errors: dict[str, Any] = {}
    terms: dict[str, Any] = {}
    checks: dict[str, Callable[[object], object]] = {
        "minutes": lambda v: _whole(v, "minutes", 1, MAX_MINUTES),
        "price": _price,
        "rounding_minutes": lambda v: _whole(v, "rounding_minutes", 1, MAX_BLOCK),
        "minimum_minutes": lambda v: _whole(v, "minimum_minutes", 0, MAX_BLOCK),
        "low_minutes": lambda v: _whole(v, "low_minutes", 0, MAX_MINUTES),
        "notes": lambda v: typed_text(v, "notes", REASON_LIMIT),
    }
    for field, check in checks.items():
        try:
            terms[field] = check(data.get(field))
        except ValidationError as error:
            errors.update(error.message_dict)
    start = data.get("valid_from") or _today(scope.organisation)
    end = data.get("valid_until")
    if not isinstance(start, date) or (end is not None and not isinstance(end, date)):
        errors["valid_from"] = [_("Write a date.")]
    elif end is not None and end < start:
        errors["valid_until"] = [_("The last day comes on or after the first.")]
    if errors:
        raise ValidationError(errors)
    if terms["low_minutes"] >= terms["minutes"]:
        raise ValidationError({"low_minutes": _("Below the minutes bought.")})
    terms.update(valid_from=start, valid_until=end)
    return terms


def package_create(
    *,
    scope: Scope,
    customer_id: int,
    data: dict[str, Any],
) -> PrepaidPackage:
    """Sell a package: ``data`` holds ``minutes``, ``price``, ``rounding_minutes``, ``minimum_minutes``,
    ``valid_from`` (today when empty), ``valid_until`` (none: no end), ``low_minutes``, ``tell_customer``,
    ``allow_overdraft``, ``contact_id`` (who is told; else the customer's default contact) and ``notes``."""
    scope.require_role(*PREPAID_SELLERS)
    customer = calls.customer_for(scope, customer_id)
    if customer is None:
        raise ValidationError({"customer_id": _("Choose one of your customers.")})
    terms = _terms(scope, {"rounding_minutes": 15, "minimum_minutes": 15, "low_minutes": 60, **data})
    contact_id = data.get("contact_id")
    if contact_id and not calls.contacts_of(scope, customer.pk).filter(pk=contact_id).exists():
        raise ValidationError({"contact_id": _("Choose one of the customer's contacts.")})
    with transaction.atomic():
        package = PrepaidPackage.objects.create(
            organisation=scope.organisation,
            customer=customer,
            number=numbering.take(scope.organisation.pk, DocumentKind.PREPAID, _today(scope.organisation)),
            tell_customer=bool(data.get("tell_customer")),
            allow_overdraft=bool(data.get("allow_overdraft")),
            contact_id=contact_id or None,
            created_by=scope.user,
            **terms,
        )
        MinuteMove.objects.create(
            organisation=scope.organisation,
            package=package,
            minutes=package.minutes,
            kind=MK.PURCHASE,
            note=_("Bought"),
            by=scope.user,
        )
        audit.record(
            actor=scope.user,
            organisation=scope.organisation,
            obj=package,
            action="prepaid.create",
            data={"customer": customer.pk, "minutes": package.minutes, "price": str(package.price)},
        )
    return package


# ---- Using minutes ----------------------------------------------------------------------------------------------


def _refuse_expired(package: PrepaidPackage, day: date) -> None:
    if package.valid_until is not None and package.valid_until < day:
        shown = formats.date_format(package.valid_until, "SHORT_DATE_FORMAT")
        raise Conflict(
            _("Package %(number)s expired on %(day)s: its minutes can no longer be used.")
            % {"number": package.number, "day": shown}
        )
    if package.valid_from > day:
        shown = formats.date_format(package.valid_from, "SHORT_DATE_FORMAT")
        raise Conflict(
            _("Package %(number)s is valid from %(day)s: its minutes cannot be used yet.")
            % {"number": package.number, "day": shown}
        )


def _write_use(
    scope: Scope, package: PrepaidPackage, minutes: int, *, left: int, note: str, **links: Any
) -> MinuteMove:
    move = MinuteMove.objects.create(
        organisation_id=package.organisation_id,
        package=package,
        minutes=-minutes,
        kind=MK.USE,
        note=note[:REASON_LIMIT],
        by=scope.user,
        **links,
    )
    audit.record(
        actor=scope.user,
        organisation=package.organisation_id,
        obj=package,
        action="prepaid.use",
        reason=note[:REASON_LIMIT],
        data={"minutes": minutes, "move": move.pk, "left": left - minutes},
    )
    _tell(scope.organisation, package, left, left - minutes, move)
    return move


def minutes_use(*, scope: Scope, package_id: int, minutes: object, reason: object) -> MinuteMove:
    """The office uses minutes by hand (a call not recorded as a charge), as written, with a reason. Refused on an
    expired package and beyond the balance (unless the package may go below zero)."""
    scope.require_role(*PREPAID_SELLERS)
    count = _whole(minutes, "minutes", 1, MAX_MINUTES)
    why = typed_text(reason, "reason", REASON_LIMIT, required=True)
    with transaction.atomic():
        package = _locked(PrepaidPackage.objects.visible_to(scope), package_id)
        _refuse_expired(package, _today(scope.organisation))
        left = balance_of(package.pk)
        if count > left and not package.allow_overdraft:
            raise ValidationError(
                {
                    "minutes": _("Only %(left)s minutes are left on package %(number)s.")
                    % {"left": max(left, 0), "number": package.number}
                }
            )
        return _write_use(scope, package, count, left=left, note=why)


def _packages_for_call(organisation_id: int, customer_id: int, day: date) -> list[tuple[PrepaidPackage, int]]:
    """The customer's packages a call uses, in order, each locked with its balance: of those valid today, those with
    minutes left, the first to end first (a call beyond one goes on to the next); when none has any, the first to
    end alone (it bills the call beyond its balance, or takes it if it may go below zero)."""
    valid = PrepaidPackage.objects.filter(valid_on(day), organisation_id=organisation_id, customer_id=customer_id)
    first_to_end = (F("valid_until").asc(nulls_last=True), "valid_from", "pk")  # a package without end comes last
    ids = list(valid.order_by(*first_to_end).values_list("pk", flat=True)[:50])
    if not ids:
        return []
    left = balances(ids)
    chosen = [pk for pk in ids if left[pk] > 0] or ids[:1]
    return [(_locked(PrepaidPackage.objects.all(), pk), balance_of(pk)) for pk in chosen]  # read again, locked


def _hourly_rate(organisation_id: int, customer_id: int, day: date) -> Decimal | None:
    price_list = pricing.list_for(organisation_id, customer_id)
    rate = pricing.labour_rate(price_list.pk, None, day) if price_list is not None else None
    return rounded(rate.hourly_rate) if rate is not None else None


def charge_used(*, scope: Scope, charge: Charge) -> None:
    """A billable time charge on a customer's call uses the customer's packages (``service.charge_hooks``): the
    minutes as the first package counts them, from each package in turn while they last; what is left is billed
    at the customer's hourly rate, as a charge of its own."""
    if charge.kind != ChargeKind.TIME or not charge.minutes or not charge.billable:
        return
    if MinuteMove.objects.filter(charge=charge).exists():  # a charge uses minutes once
        return
    ticket = Ticket.objects.filter(pk=charge.ticket_id).values("customer_id").first()
    if ticket is None or ticket["customer_id"] is None:
        return
    day = _today(scope.organisation)
    packages = _packages_for_call(charge.organisation_id, ticket["customer_id"], day)
    if not packages:
        return
    needed = rounded_minutes(packages[0][0], charge.minutes)
    uses: list[tuple[PrepaidPackage, int, int]] = []  # package, minutes taken, balance before
    remaining = needed
    for package, left in packages:
        taken = remaining if package.allow_overdraft else max(0, min(remaining, left))
        if taken:
            uses.append((package, taken, left))
            remaining -= taken
        if not remaining:
            break
    rate = _hourly_rate(charge.organisation_id, ticket["customer_id"], day)
    if not uses:  # nothing left: the whole call is billed as the price list says
        if charge.unit_price is None and rate is not None:
            charge.unit_price = rate
            charge.save(update_fields=["unit_price"])
        return
    billed = None
    if remaining:
        billed = Charge.objects.create(
            organisation_id=charge.organisation_id,
            ticket_id=charge.ticket_id,
            kind=ChargeKind.TIME,
            description=(_("Beyond prepaid package %(number)s") % {"number": uses[-1][0].number})[:255],
            minutes=remaining,
            unit_price=charge.unit_price if charge.unit_price is not None else rate,
            billable=True,
            author=scope.user,
        )
    charge.billable = False  # covered by the packages: not billed again
    charge.save(update_fields=["billable"])
    note = _("%(minutes)s min recorded, %(counted)s counted") % {"minutes": charge.minutes, "counted": needed}
    for n, (package, taken, left) in enumerate(uses, start=1):
        extra = billed if n == len(uses) else None
        _write_use(scope, package, taken, left=left, note=note, ticket_id=charge.ticket_id, charge=charge, billed=extra)


def charge_removed(*, scope: Scope, charge: Charge) -> None:
    """A charge taken off its call gives back the minutes it used (of each package), and takes off what was billed
    beyond them."""
    moves = list(MinuteMove.objects.filter(charge=charge, kind=MK.USE, reversed_by__isnull=True).order_by("pk"))
    if not moves:
        return
    with transaction.atomic():
        for move in moves:
            package = _locked(PrepaidPackage.objects.all(), move.package_id)
            _reverse(scope, package, move, _("The charge was removed from the call."))
            extra = Charge.objects.filter(pk=move.billed_id).first() if move.billed_id is not None else None
            if extra is not None:
                audit.record(
                    actor=scope.user,
                    organisation=package.organisation_id,
                    obj=extra,
                    action="charge.remove",
                    data={"kind": extra.kind, "description": extra.description},
                )
                extra.delete()


def _reverse(scope: Scope, package: PrepaidPackage, move: MinuteMove, why: str) -> MinuteMove:
    left = balance_of(package.pk)
    reversal = MinuteMove.objects.create(
        organisation_id=package.organisation_id,
        package=package,
        minutes=-move.minutes,
        kind=MK.REVERSAL,
        reverses=move,
        ticket_id=move.ticket_id,
        note=why,
        by=scope.user,
    )
    audit.record(
        actor=scope.user,
        organisation=package.organisation_id,
        obj=package,
        action="prepaid.reverse",
        reason=why,
        data={"move": move.pk, "minutes": reversal.minutes, "left": left + reversal.minutes},
    )
    _tell(scope.organisation, package, left, left + reversal.minutes, reversal)
    return reversal


def move_reverse(*, scope: Scope, move_id: int, reason: object) -> MinuteMove:
    """Undo one move (a purchase, a use, an expiry) with a reason: a new move of the opposite minutes that points
    to it. A move is reversed once; a reversal is not reversed (use or buy again); taking back minutes already used
    is refused unless the package may go below zero."""
    scope.require_role(*PREPAID_SELLERS)
    why = typed_text(reason, "reason", REASON_LIMIT, required=True)
    with transaction.atomic():
        found = MinuteMove.objects.visible_to(scope).filter(pk=move_id).values_list("package_id", flat=True).first()
        if found is None:
            raise MinuteMove.DoesNotExist
        package = _locked(PrepaidPackage.objects.visible_to(scope), found)
        move = MinuteMove.objects.get(pk=move_id)
        if move.kind == MK.REVERSAL:
            raise Conflict(_("A correction is not reversed: use or add the minutes again."))
        if MinuteMove.objects.filter(reverses=move).exists():
            raise Conflict(_("This move was already reversed."))
        left = balance_of(package.pk)
        if left - move.minutes < 0 and not package.allow_overdraft:
            raise Conflict(
                _("Only %(left)s minutes are left: the package's minutes were already used.") % {"left": left}
            )
        return _reverse(scope, package, move, why)


def packages_expire(*, scope: Scope | None = None, day: date | None = None) -> int:
    """Every package past its last day with minutes left loses them (an expiry move); answers how many."""
    done = 0
    latest = day or clock.today(EARLIEST_ZONE)  # no organisation's today is later than this one's
    remaining = Coalesce(Sum("moves__minutes"), Value(0), output_field=IntegerField())
    candidates = PrepaidPackage.objects.filter(valid_until__lt=latest).annotate(left=remaining).filter(left__gt=0)
    if scope is not None:
        candidates = candidates.filter(organisation=scope.organisation)
    for package_id, organisation_id in candidates.values_list("pk", "organisation_id")[:10_000]:
        with transaction.atomic():
            package = _locked(PrepaidPackage.objects.select_related("organisation"), package_id)
            today = day or _today(package.organisation)
            assert package.valid_until is not None
            left = balance_of(package.pk)
            if package.valid_until >= today or left <= 0:
                continue
            move = MinuteMove.objects.create(
                organisation_id=organisation_id, package=package, minutes=-left, kind=MK.EXPIRY, note=_("Expired")
            )
            audit.record(
                actor=None,
                organisation=organisation_id,
                obj=package,
                action="prepaid.expire",
                data={"minutes": left, "move": move.pk},
            )
            done += 1
    return done


# ---- Telling the office and the customer ------------------------------------------------------------------------


def _tell(organisation: Organisation, package: PrepaidPackage, before: int, after: int, move: MinuteMove) -> None:
    """Crossing the low threshold or reaching zero: the office hears it, and the customer when chosen."""
    if after <= 0 < before:
        what = "empty"
    elif after <= package.low_minutes < before:
        what = "low"
    else:
        return
    customer = Customer.objects.get(pk=package.customer_id)
    context = {
        "number": package.number,
        "customer": customer.display_name,
        "organisation": organisation.name,
        "balance": max(after, 0) if not package.allow_overdraft else after,
        "empty": what == "empty",
    }
    key = f"prepaid:{package.pk}:{what}:{move.pk}"
    url = reverse("commerce:prepaid_package", kwargs={"pk": package.pk})
    events.emit(
        f"prepaid.{what}",
        organisation=organisation,
        key=key,
        context={**context, "link": settings.SITE_URL + url},
        url=url,
        data={"package_id": package.pk, "number": package.number, "balance": after},
    )
    if not package.tell_customer:
        return
    address = _customer_address(package, customer)
    if address:
        send_email(
            CUSTOMER_KIND,
            key=f"{key}:customer",
            to=address,
            language=customer.language or organisation.language,
            organisation=organisation,
            context=context,
        )


def _customer_address(package: PrepaidPackage, customer: Customer) -> str:
    """The package's contact, else the customer's default contact, else the customer's own address."""
    contacts = Contact.objects.filter(organisation_id=package.organisation_id, customer_id=customer.pk)
    chosen = contacts.filter(pk=package.contact_id).first() if package.contact_id else None
    chosen = chosen or contacts.exclude(email="").order_by("-is_default", "pk").first()
    return (chosen.email if chosen is not None else "") or customer.email or ""
