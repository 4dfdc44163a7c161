"""The demo's sales and stock, for Officina Rossi, made through the same services a person uses: a catalogue with
two price lists, a warehouse and the two technicians' vans with stock, a quote raised from Luca's finding on one of
his work orders, accepted by the customer's link and turned into materials to bring, a spare-parts offer with
hidden prices accepted into an order and shipped with a delivery note, and a supplier order partly received."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import QuerySet

from fieldbox.accounts.models import Organisation, User
from fieldbox.accounts.selectors import scope_for
from fieldbox.commerce import links
from fieldbox.commerce.choices import ItemKind, LocationKind, MoveKind, Unit
from fieldbox.commerce.models import (
    Billable,
    CommerceSettings,
    CostCheck,
    CustomerTerms,
    DeliveryNote,
    Item,
    Offer,
    PriceList,
    PurchaseOrder,
    Quote,
    Receipt,
    SerialNumber,
    StockBalance,
    StockLocation,
    StockMove,
    Supplier,
)
from fieldbox.commerce.services import (
    buying,
    catalogue,
    catalogue_prices,
    delivery,
    ledger,
    offers,
    offers_answers,
    quotes,
    quotes_convert,
    quotes_sending,
    stock,
    stock_moves,
)
from fieldbox.core import clock
from fieldbox.core.tenancy import Scope
from fieldbox.fleet.models import Customer
from fieldbox.service.models import Resource, WorkOrder, WorkType

OFFICE, LUCA, DAVIDE = "ufficio@rossi.example", "tecnico@rossi.example", "tecnico2@rossi.example"
# code, description, kind, unit, last cost, public price, dealer price, reorder level, warehouse stock
ITEMS = [
    ("FLT-100", "Filtro aria caldaia", ItemKind.PART, Unit.PIECE, "8.50", "24.90", "19.90", "5", "20"),
    ("GP-12", "Guarnizione pompa", ItemKind.PART, Unit.PIECE, "2.10", "7.50", "5.90", "10", "40"),
    ("VS-3", "Valvola di sicurezza 3 bar", ItemKind.PART, Unit.PIECE, "12.40", "32.00", "26.50", "3", "6"),
    ("SND-T", "Sonda di temperatura NTC", ItemKind.PART, Unit.PIECE, "6.80", "21.00", "17.00", "4", "12"),
    ("R32", "Gas refrigerante R32", ItemKind.CONSUMABLE, Unit.KILOGRAM, "14.00", "38.00", "32.00", "2", "9.5"),
    ("MO", "Manodopera tecnico", ItemKind.LABOUR, Unit.HOUR, None, "45.00", "40.00", None, None),
]
VAN_LOAD = {LUCA: [("FLT-100", "4"), ("GP-12", "10"), ("SND-T", "2")], DAVIDE: [("FLT-100", "2"), ("R32", "2.5")]}


def reset(companies: QuerySet[Organisation]) -> None:
    """Delete the demo's sales and stock (documents first: they hold the items, locations and customers)."""
    Billable.objects.filter(organisation__in=companies).delete()
    DeliveryNote.objects.filter(organisation__in=companies).delete()
    Offer.objects.filter(organisation__in=companies).delete()
    Quote.objects.filter(organisation__in=companies).delete()
    CostCheck.objects.filter(organisation__in=companies).delete()
    Receipt.objects.filter(organisation__in=companies).delete()
    PurchaseOrder.objects.filter(organisation__in=companies).delete()
    StockMove.objects.filter(organisation__in=companies).order_by("-pk").delete()
    StockBalance.objects.filter(organisation__in=companies).delete()
    SerialNumber.objects.filter(organisation__in=companies).delete()
    StockLocation.objects.filter(organisation__in=companies).delete()
    CustomerTerms.objects.filter(organisation__in=companies).delete()
    PriceList.objects.filter(organisation__in=companies).delete()
    Item.objects.filter(organisation__in=companies).delete()
    Supplier.objects.filter(organisation__in=companies).delete()
    CommerceSettings.objects.filter(organisation__in=companies).delete()


def _scope(company: Organisation, email: str) -> Scope:
    scope = scope_for(User.objects.get(email=email), company.pk)
    assert scope is not None
    return scope


def load(company: Organisation) -> None:
    office = _scope(company, OFFICE)
    CommerceSettings.objects.create(organisation=company)
    items = _catalogue(office)
    warehouse = _stock(company, office, items)
    _buying(office, items, warehouse)
    _quote(company, office, _scope(company, LUCA))
    _offer_to_order(company, office, warehouse)


def _catalogue(office: Scope) -> dict[str, Item]:
    items = {}
    for code, words, kind, unit, cost, _public, _dealer, reorder, _stocked in ITEMS:
        data: dict[str, object] = {"code": code, "description": words, "kind": kind, "unit": unit}
        data |= {"last_cost": cost, "reorder_level": reorder, "tracked": kind != ItemKind.LABOUR}
        items[code] = catalogue.item_save(scope=office, data=data)
    since = date(clock.today(office.organisation.time_zone).year, 1, 1)
    lists = {}
    for name, default in (("Listino pubblico", True), ("Listino rivenditori", False)):
        lists[name] = catalogue_prices.price_list_save(scope=office, data={"name": name, "is_default": default})
    for code, _w, _k, _u, _c, public, dealer, _r, _s in ITEMS:
        for name, amount in (("Listino pubblico", public), ("Listino rivenditori", dealer)):
            catalogue_prices.price_add(
                scope=office, price_list_id=lists[name].pk, item_id=items[code].pk, price=amount, valid_from=since
            )
    upkeep = WorkType.objects.get(organisation=office.organisation, name="Manutenzione ordinaria")
    for name, rate, upkeep_rate in (("Listino pubblico", "45", "42"), ("Listino rivenditori", "40", "38")):
        catalogue_prices.labour_rate_add(
            scope=office, price_list_id=lists[name].pk, work_type_id=None, hourly_rate=rate, valid_from=since
        )
        catalogue_prices.labour_rate_add(
            scope=office,
            price_list_id=lists[name].pk,
            work_type_id=upkeep.pk,
            hourly_rate=upkeep_rate,
            call_out_fee="25",
            valid_from=since,
        )
    logistics = Customer.objects.filter(organisation=office.organisation, company_name="Logistica Po S.r.l.").first()
    if logistics is not None:
        catalogue_prices.customer_terms_save(
            scope=office, customer_id=logistics.pk, price_list_id=lists["Listino rivenditori"].pk, payment="riba"
        )
    return items


def _stock(company: Organisation, office: Scope, items: dict[str, Item]) -> StockLocation:
    """The central warehouse with its opening stock, and each technician's van filled from it."""
    warehouse = stock.location_create(
        scope=office, kind=LocationKind.WAREHOUSE, data={"name": "Magazzino centrale", "code": "MC"}
    )
    opening = catalogue.inventory_location(company.pk)
    lines = [
        ledger.Line(item_id=items[code].pk, quantity=Decimal(qty), source_id=opening.pk, target_id=warehouse.pk)
        for code, *_rest, qty in ITEMS
        if qty is not None
    ]
    ledger.post(organisation_id=company.pk, kind=MoveKind.OPENING, lines=lines, user_id=office.user.pk)
    van = Resource.objects.filter(organisation=company, name="Furgone Doblò").first()
    for email, load in VAN_LOAD.items():
        keeper = User.objects.get(email=email)
        data = {"name": f"Furgone di {keeper.get_full_name()}", "keeper_id": keeper.pk}
        if van is not None and email == LUCA:
            data["resource_id"] = van.pk
        own = stock.location_create(scope=office, kind=LocationKind.VAN, data=data)
        for code, qty in load:
            stock_moves.transfer(
                scope=office, item_id=items[code].pk, quantity=qty, source_id=warehouse.pk, target_id=own.pk
            )
    return warehouse


def _buying(office: Scope, items: dict[str, Item], warehouse: StockLocation) -> None:
    """A supplier order of filters and valves, sent, and received in part with the supplier's delivery note."""
    supplier = catalogue.supplier_save(
        scope=office,
        data={"name": "Ricambi Emilia srl", "email": "ordini@ricambiemilia.example", "lead_days": 5},
    )
    catalogue.supplier_save(scope=office, data={"name": "Idrotermica Nord spa", "email": "vendite@idronord.example"})
    order = buying.purchase_create(
        scope=office,
        supplier_id=supplier.pk,
        location_id=warehouse.pk,
        lines=[buying.OrderLine(items["FLT-100"].pk, "10"), buying.OrderLine(items["VS-3"].pk, "4", "12.90")],
        notes="Consegna al mattino, dalle 8 alle 12.",
    )
    buying.purchase_send(scope=office, order_id=order.pk)
    filters = order.lines.get(item=items["FLT-100"])
    buying.receipt_create(
        scope=office,
        order_id=order.pk,
        supplier_ddt="881/26",
        supplier_ddt_date=clock.today(office.organisation.time_zone) - timedelta(days=1),
        lines=[buying.ReceivedLine(filters.pk, "6", "8.75")],
    )


def _quote(company: Organisation, office: Scope, luca: Scope) -> None:
    """Luca finds a worn sensor on one of his accepted work orders: the office prices and sends the quote, the
    customer accepts it by the link, and its parts become materials to bring on that work order."""
    order = (
        WorkOrder.objects.filter(organisation=company, technician=luca.user, status="accepted")
        .order_by("starts_at")
        .first()
    )
    if order is None:
        return
    quote = quotes.quote_request(
        scope=luca,
        work_order_id=order.pk,
        finding="La sonda di temperatura legge 8 °C in più: va sostituita, insieme alla guarnizione della pompa.",
        lines=[
            {"item_code": "SND-T", "quantity": "1"},
            {"item_code": "GP-12", "quantity": "1"},
            {"item_code": "MO", "quantity": "1", "kind": "labour"},
        ],
    )
    quotes.quote_apply_price_list(scope=office, quote_id=quote.pk)
    sent, _to = quotes_sending.quote_send(scope=office, quote_id=quote.pk)
    assert sent.sent_at is not None
    token = links.token_for("quote", sent.pk, sent.sent_at)
    quotes_sending.quote_answer_by_link(token=token, accept=True, note="Procedete pure, grazie.")
    quotes_convert.quote_convert(scope=office, quote_id=quote.pk, into="work_order")


def _offer_to_order(company: Organisation, office: Scope, warehouse: StockLocation) -> None:
    """A spare-parts offer for Bar Centrale, its prices hidden on the PDF, accepted into an order and shipped from
    the warehouse with a delivery note; a second offer waits for the customer's answer."""
    bar = Customer.objects.filter(organisation=company, company_name="Bar Centrale").first()
    if bar is None:
        return
    offer = offers.offer_create(scope=office, customer_id=bar.pk, delivery_days=3, notes="Ricambi di scorta.")
    for code, qty in (("FLT-100", "2"), ("GP-12", "4")):
        item = Item.objects.get(organisation=company, code=code)
        offers.offer_line_add(scope=office, offer_id=offer.pk, item_id=item.pk, quantity=qty)
    offers.offer_edit(scope=office, offer_id=offer.pk, show_prices=False)
    offers_answers.offer_send(scope=office, offer_id=offer.pk)
    offers_answers.offer_answer(scope=office, offer_id=offer.pk, accept=True, reference="Ordine 12/2026")
    note = delivery.delivery_from_offer(scope=office, offer_id=offer.pk, source_id=warehouse.pk)
    delivery.delivery_issue(scope=office, note_id=note.pk)
    waiting = offers.offer_create(scope=office, customer_id=bar.pk, notes="Valvola di ricambio.")
    valve = Item.objects.get(organisation=company, code="VS-3")
    offers.offer_line_add(scope=office, offer_id=waiting.pk, item_id=valve.pk, quantity="1")
    offers_answers.offer_send(scope=office, offer_id=waiting.pk)
