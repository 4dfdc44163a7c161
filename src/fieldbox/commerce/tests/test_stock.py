"""The warehouse's services: locations made on demand (once, whoever asks), warehouses and vans, transfers, scrap,
counts and corrections through the ledger, who may move what, and the bad input that changes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fieldbox.accounts.choices import Role
from fieldbox.accounts.tests.factories import member
from fieldbox.accounts.tests.fixtures import scope_of
from fieldbox.commerce.choices import LocationKind, MoveKind
from fieldbox.commerce.models import Item, SerialNumber, StockBalance, StockLocation, StockMove
from fieldbox.commerce.services import ledger
from fieldbox.commerce.services import stock as locations
from fieldbox.commerce.services import stock_moves as moves
from fieldbox.fleet.models import Customer

pytestmark = pytest.mark.django_db


def balance(location, item) -> Decimal:
    found = StockBalance.objects.filter(location=location, item=item).values_list("quantity", flat=True).first()
    return found if found is not None else Decimal(0)


def stock(shop, quantity: str, item=None, where=None) -> None:
    """Goods received from the supplier into the warehouse (or ``where``)."""
    line = ledger.Line(
        item_id=(item or shop.filter_).pk,
        quantity=Decimal(quantity),
        source_id=locations.location_for_supplier(shop.org.pk, shop.supplier.pk).pk,
        target_id=(where or shop.warehouse).pk,
    )
    ledger.post(organisation_id=shop.org.pk, kind=MoveKind.RECEIPT, lines=[line], user_id=shop.office.pk)


# ---- Locations made on demand -------------------------------------------------------------------------------


def test_locations_made_on_demand_are_made_once(shop):
    customer = locations.location_for_customer(shop.org.pk, shop.customer.pk)
    assert customer.kind == LocationKind.CUSTOMER and customer.name == "Condominio Aurora"
    assert locations.location_for_customer(shop.org.pk, shop.customer.pk) == customer
    supplier = locations.location_for_supplier(shop.org.pk, shop.supplier.pk)
    assert supplier == locations.location_for_supplier(shop.org.pk, shop.supplier.pk)
    scrap = locations.scrap_location(shop.org.pk)
    assert scrap == locations.scrap_location(shop.org.pk) and scrap.kind == LocationKind.SCRAP
    assert locations.van_of(shop.org.pk, shop.marco.pk) == shop.van1
    assert locations.inventory_location(shop.org.pk).kind == LocationKind.INVENTORY


def test_two_customers_with_the_same_name_get_a_location_each(shop):
    twin = Customer.objects.create(organisation=shop.org, kind="company", company_name="Condominio Aurora")
    first = locations.location_for_customer(shop.org.pk, shop.customer.pk)
    second = locations.location_for_customer(shop.org.pk, twin.pk)
    assert first != second and second.name == f"Condominio Aurora ({twin.pk})"


def test_a_technician_without_a_van_gets_one_when_needed(shop):
    anna = member(shop.org, Role.TECHNICIAN, email="anna@rossi.example", first_name="Anna", last_name="Gialli")
    van = locations.van_of(shop.org.pk, anna.pk)
    assert van.kind == LocationKind.VAN and van.keeper == anna and "Anna Gialli" in van.name
    assert locations.van_of(shop.org.pk, anna.pk) == van


def test_another_organisations_customer_has_no_location_here(shop, other_tenant):
    stranger = Customer.objects.create(organisation=other_tenant.company, kind="company", company_name="Altro")
    with pytest.raises(Customer.DoesNotExist):
        locations.location_for_customer(shop.org.pk, stranger.pk)


# ---- Warehouses and vans --------------------------------------------------------------------------------------


def test_the_office_creates_a_warehouse_and_a_van(shop):
    scope = shop.scope(shop.office)
    made = locations.location_create(
        scope=scope, kind="warehouse", data={"name": "Magazzino Nord", "code": "MN", "address": "Via Po 3"}
    )
    assert made.kind == LocationKind.WAREHOUSE and made.code == "MN"
    anna = member(shop.org, Role.TECHNICIAN, email="anna@rossi.example")
    van = locations.location_create(scope=scope, kind="van", data={"name": "Furgone 3", "keeper_id": anna.pk})
    assert van.keeper == anna
    edited = locations.location_edit(scope=scope, location_id=made.pk, data={"active": False})
    assert not edited.active and edited.name == "Magazzino Nord"


@pytest.mark.parametrize(
    ("kind", "data", "field"),
    [
        ("warehouse", {"name": " "}, "name"),
        ("warehouse", {"name": "Magazzino centrale"}, "name"),
        ("van", {"name": "Furgone 9", "keeper_id": "marco"}, "keeper_id"),  # Marco already keeps van 1
        ("scrap", {"name": "Rottami"}, "kind"),
    ],
)
def test_bad_locations_are_refused_and_nothing_is_written(shop, kind, data, field):
    before = StockLocation.objects.count()
    if data.get("keeper_id") == "marco":
        data = {**data, "keeper_id": shop.marco.pk}
    with pytest.raises(ValidationError) as refused:
        locations.location_create(scope=shop.scope(shop.office), kind=kind, data=data)
    assert field in refused.value.message_dict
    assert StockLocation.objects.count() == before


def test_a_technician_creates_no_location(shop):
    with pytest.raises(PermissionDenied):
        locations.location_create(scope=shop.scope(shop.marco), kind="warehouse", data={"name": "Mio"})


# ---- Moves ----------------------------------------------------------------------------------------------------


def test_a_technician_takes_stock_into_their_van_and_returns_it(shop):
    stock(shop, "5")
    scope = shop.scope(shop.marco)
    taken = moves.transfer(
        scope=scope, item_id=shop.filter_.pk, quantity="2", source_id=shop.warehouse.pk, target_id=shop.van1.pk
    )
    assert taken.kind == MoveKind.TRANSFER and taken.unit_cost == Decimal("8.5")
    back = moves.transfer(
        scope=scope, item_id=shop.filter_.pk, quantity="0,5", source_id=shop.van1.pk, target_id=shop.warehouse.pk
    )
    assert back.kind == MoveKind.RETURN
    assert balance(shop.van1, shop.filter_) == Decimal("1.5")
    assert balance(shop.warehouse, shop.filter_) == Decimal("3.5")
    assert ledger.disagreements(shop.org.pk) == []


def test_a_technician_moves_nothing_from_another_van(shop):
    stock(shop, "3", where=shop.van2)
    for source, target in ((shop.van2, shop.warehouse), (shop.warehouse, shop.van2)):
        with pytest.raises(PermissionDenied):
            moves.transfer(
                scope=shop.scope(shop.marco),
                item_id=shop.filter_.pk,
                quantity="1",
                source_id=source.pk,
                target_id=target.pk,
            )
    with pytest.raises(PermissionDenied):
        moves.scrap(scope=shop.scope(shop.marco), item_id=shop.filter_.pk, quantity="1", source_id=shop.van2.pk)
    with pytest.raises(PermissionDenied):
        moves.adjust(scope=shop.scope(shop.marco), location_id=shop.van1.pk, item_id=shop.filter_.pk, counted="1")
    assert balance(shop.van2, shop.filter_) == 3


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"quantity": "-1"}, "quantity", "cannot be negative"),
        ({"quantity": "0"}, "quantity", "more than zero"),
        ({"quantity": "1.2345"}, "quantity", "At most 3 decimals"),
        ({"quantity": "due"}, "quantity", "Write a number"),
        ({"item": "labour"}, "item", "not kept in stock"),
        ({"item": "stranger"}, "item", "Choose one of your items"),
        ({"target": "stranger"}, "target", "Choose one of your stock locations"),
        ({"target": "customer"}, "target", "Choose a warehouse or a van"),
        ({"target": "same"}, "target", "another location"),
        ({"quantity": "9"}, "quantity", "Not enough FLT-100 at Magazzino centrale"),
    ],
)
def test_bad_moves_get_a_clear_message_and_change_nothing(shop, other_tenant, change, field, message):
    stock(shop, "2")
    alien = StockLocation.objects.create(organisation=other_tenant.company, name="Altrove")
    alien_item = Item.objects.create(organisation=other_tenant.company, code="X", description="x")
    items = {"labour": shop.labour.pk, "stranger": alien_item.pk}
    targets = {
        "stranger": alien.pk,
        "customer": locations.location_for_customer(shop.org.pk, shop.customer.pk).pk,
        "same": shop.warehouse.pk,
    }
    before = StockMove.objects.count()
    with pytest.raises(ValidationError) as refused:
        moves.transfer(
            scope=shop.scope(shop.office),
            item_id=items.get(change.get("item", ""), shop.filter_.pk),
            quantity=change.get("quantity", "1"),
            source_id=shop.warehouse.pk,
            target_id=targets.get(change.get("target", ""), shop.van1.pk),
        )
    assert message in " ".join(refused.value.message_dict[field])
    assert StockMove.objects.count() == before
    assert balance(shop.warehouse, shop.filter_) == 2


def test_a_move_from_an_empty_van_is_refused_where_negative_stock_is_forbidden(shop):
    with pytest.raises(ValidationError, match="Not enough FLT-100 at Furgone 1: this would leave -1"):
        moves.scrap(scope=shop.scope(shop.marco), item_id=shop.filter_.pk, quantity="1", source_id=shop.van1.pk)
    assert not StockMove.objects.exists()


def test_scrap_goes_to_the_scrap_location(shop):
    stock(shop, "2")
    move = moves.scrap(
        scope=shop.scope(shop.office), item_id=shop.filter_.pk, quantity="1", source_id=shop.warehouse.pk, note="rotto"
    )
    assert move.target == locations.scrap_location(shop.org.pk) and move.kind == MoveKind.SCRAP
    assert balance(shop.warehouse, shop.filter_) == 1


def test_a_count_records_the_difference(shop):
    stock(shop, "5")
    scope = shop.scope(shop.office)
    fewer = moves.adjust(scope=scope, location_id=shop.warehouse.pk, item_id=shop.filter_.pk, counted="3")
    assert fewer is not None and fewer.quantity == 2 and fewer.source == shop.warehouse
    assert fewer.target.kind == LocationKind.INVENTORY and fewer.kind == MoveKind.ADJUSTMENT
    assert moves.adjust(scope=scope, location_id=shop.warehouse.pk, item_id=shop.filter_.pk, counted="3") is None
    more = moves.adjust(scope=scope, location_id=shop.van1.pk, item_id=shop.gas.pk, counted="1,250")
    assert more is not None and more.target == shop.van1 and more.quantity == Decimal("1.25")
    emptied = moves.adjust(scope=scope, location_id=shop.warehouse.pk, item_id=shop.filter_.pk, counted="0")
    assert emptied is not None and balance(shop.warehouse, shop.filter_) == 0
    with pytest.raises(ValidationError, match="cannot be negative"):
        moves.adjust(scope=scope, location_id=shop.warehouse.pk, item_id=shop.filter_.pk, counted="-1")
    assert ledger.disagreements(shop.org.pk) == []


def test_units_tracked_by_serial_need_their_serial(shop):
    boiler = Item.objects.create(organisation=shop.org, code="CALD-24", description="Caldaia", serialised=True)
    scope = shop.scope(shop.office)
    with pytest.raises(ValidationError, match="give the unit's serial"):
        stock(shop, "1", item=boiler)
    moves.adjust(scope=scope, location_id=shop.warehouse.pk, item_id=boiler.pk, counted="1", serial="SN-1")
    assert SerialNumber.objects.get(serial="SN-1").location == shop.warehouse
    with pytest.raises(ValidationError, match="quantity 1"):
        moves.transfer(
            scope=scope,
            item_id=boiler.pk,
            quantity="2",
            source_id=shop.warehouse.pk,
            target_id=shop.van1.pk,
            serial="SN-1",
        )
    with pytest.raises(ValidationError, match="SN-1 is not there"):
        moves.transfer(
            scope=scope,
            item_id=boiler.pk,
            quantity="1",
            source_id=shop.van2.pk,
            target_id=shop.van1.pk,
            serial="SN-1",
        )
    moves.transfer(
        scope=scope,
        item_id=boiler.pk,
        quantity="1",
        source_id=shop.warehouse.pk,
        target_id=shop.van1.pk,
        serial="SN-1",
    )
    assert SerialNumber.objects.get(serial="SN-1").location == shop.van1


def test_a_correction_is_the_offices_with_a_reason(shop):
    stock(shop, "4")
    move = StockMove.objects.get(kind=MoveKind.RECEIPT)
    with pytest.raises(PermissionDenied):
        moves.correct(scope=shop.scope(shop.marco), move_id=move.pk, note="sbagliato")
    with pytest.raises(ValidationError, match="Say why"):
        moves.correct(scope=shop.scope(shop.office), move_id=move.pk, note="  ")
    correction = moves.correct(scope=shop.scope(shop.office), move_id=move.pk, note="Articolo sbagliato")
    assert correction.reverses == move and balance(shop.warehouse, shop.filter_) == 0


def test_another_organisations_move_is_not_found(shop, other_tenant):
    stock(shop, "1")
    move = StockMove.objects.get()
    outsider = member(other_tenant.company, Role.OFFICE, email="office@other.example")
    with pytest.raises(StockMove.DoesNotExist):
        moves.correct(scope=scope_of(outsider, other_tenant.company), move_id=move.pk, note="x")
