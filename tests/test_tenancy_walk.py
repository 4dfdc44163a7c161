"""Walk every URL and every API operation as users of another organisation: nothing may leak.

An object of another organisation must answer exactly like an object that does not exist,
lists, counts and exports must not show it, and no action may change it. A route or API
operation added without an entry here makes this test fail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from fieldbox.accounts import services
from fieldbox.accounts.choices import InvitationStatus, PartnershipStatus, Role
from fieldbox.accounts.models import ApiToken, Invitation, Membership, Partnership, User
from fieldbox.accounts.tests.factories import member
from fieldbox.accounts.tests.fixtures import Tenant, make_tenant, scope_of, signed_in
from fieldbox.config.api import api
from fieldbox.fleet.models import Customer, CustomerFile, Device, Subscription
from fieldbox.fleet.services import customer_save
from fieldbox.fleet.tests.factories import device as make_device
from fieldbox.fleet.tests.factories import registry
from fieldbox.jobs import services as jobs
from fieldbox.jobs.models import ChecklistItem, Job, JobPhoto
from fieldbox.messaging import services as messaging
from fieldbox.messaging.choices import Channel, MessageStatus
from fieldbox.messaging.models import (
    DeviceEvent,
    DeviceFeed,
    MessageTemplate,
    Notification,
    OutboxMessage,
    WebhookEndpoint,
)
from fieldbox.removals.models import BoxPickup, RemovalLine
from fieldbox.removals.services import requests as removal_uploads
from fieldbox.removals.tests.factories import confirmed_request
from fieldbox.service import services as desk
from fieldbox.service.models import (
    Activity,
    Attachment,
    Booking,
    Charge,
    ClockEvent,
    ClockPoint,
    Contact,
    Equipment,
    Mailbox,
    Material,
    Resource,
    ServiceLevel,
    Team,
    Ticket,
    TimeEntry,
    WorkFile,
    WorkOrder,
    WorkReport,
    WorkType,
)
from fieldbox.service.services import (
    activities,
    calls,
    clock,
    contacts,
    equipment,
    files,
    materials,
    reports,
    resources,
    timesheets,
    work_orders,
)
from tests import walk_billing

pytestmark = pytest.mark.django_db

MISSING = 987654321


@dataclass
class World:
    a: Tenant
    b: Tenant
    ids: dict[str, int]
    markers: list[str]
    billing: tuple[Any, ...] = ()  # Alpha's contracts, plans, minutes, verifications and invoices, as built


@pytest.fixture
def world(db: Any) -> World:
    a, b = make_tenant("alpha"), make_tenant("beta")
    invitation = services.invitation_create(
        scope=a.scope(a.company_admin), email="secret.hire@alpha.example", role=Role.INSTALLER
    )
    pending = services.partnership_invite(scope=a.scope(a.provider_admin), email="prospect@alpha-only.example")
    token, _raw = services.token_create(scope=a.scope(a.company_admin), name="alpha-integration", days=10)
    admin = a.scope(a.provider_admin)
    hook = messaging.webhook_create(
        scope=admin, url="https://alpha-hooks.example/in", event_types=["partnership.accepted"]
    )
    feed = messaging.feed_create(scope=admin)
    messaging.wording_save(
        scope=admin, kind="accounts.invitation", language="it", subject="Alpha wording", body="Alpha says {{ link }}"
    )
    device = Device.objects.create(provider=a.provider, serial="ALPHA-SERIAL-1", imei="356938035643809")
    DeviceEvent.objects.create(
        organisation=a.provider, device=device, event_id="alpha-event-1", type="online", occurred_at="2026-11-01T10:00Z"
    )
    note = Notification.objects.create(
        user=a.provider_admin, organisation=a.provider, event="partnership.accepted", text="Alpha notice"
    )
    failed = OutboxMessage.objects.create(
        idempotency_key="alpha-failed",
        channel=Channel.EMAIL,
        recipient="alpha-failed@alpha.example",
        organisation=a.provider,
        subject="Alpha subject",
        status=MessageStatus.FAILED,
    )
    reg = registry(a.provider, plate="ALPHAPLATE7", arrived_on=date(2026, 1, 1))
    Customer.objects.filter(pk=reg.customer.pk).update(last_name="Alphaowner", phone="+393330000777")
    Subscription.objects.filter(pk=reg.subscription.pk).update(number="ALPHA-SUB-77")
    dispatch = a.scope(a.dispatcher)
    job = jobs.job_create(scope=dispatch, subscription_id=reg.subscription.pk, spec={"notes": "Alpha secret notes"})
    jobs.job_assign(scope=dispatch, job_id=job.pk, company_id=a.company.pk)
    shipped = make_device(a.provider, company=a.company)
    check_item = ChecklistItem.objects.create(provider=a.provider, label="Alpha secret check", type="photo")
    photo = JobPhoto.objects.create(
        job=job,
        item=check_item,
        file="job-photos/alpha.png",
        content_type="image/png",
        size=1,
        width=1,
        height=1,
        uploaded_at="2026-11-01T10:00Z",
    )
    removal_request, [removal] = confirmed_request(a, follow_up_email="alpha-follow@alpha.example")
    waiting_box = make_device(a.provider, company=a.company, serial="ALPHA-WAITING-1")
    collected_box = make_device(a.provider, company=a.company, serial="ALPHA-COLLECTED-1")
    Device.objects.filter(pk__in=[waiting_box.pk, collected_box.pk]).update(status="removed")
    pickup = BoxPickup.objects.create(
        provider=a.provider, company=a.company, carrier="Alpha Carrier", picked_up_on=date(2026, 11, 1)
    )
    pickup.devices.add(collected_box)
    team = Team.objects.create(organisation=a.company, name="Alpha desk team")
    mailbox = Mailbox.objects.create(organisation=a.company, team=team, address="alpha-desk@alpha.example")
    alpha_mail = (
        b"From: Alpha Customer <alpha-customer@alpha.example>\r\nTo: alpha-desk@alpha.example\r\n"
        b"Subject: Alpha ticket subject\r\nMessage-ID: <alpha-1@alpha.example>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n'
        b"Alpha secret request\r\n--b\r\nContent-Type: application/pdf\r\n"
        b'Content-Disposition: attachment; filename="alpha-file.pdf"\r\n\r\n%PDF-1.4 alpha\r\n--b--\r\n'
    )
    ticket = desk.mail_ingest(mailbox=mailbox, raw=alpha_mail).ticket
    assert ticket is not None
    back_office = _alpha_back_office(a, ticket)
    back_office |= _alpha_field_work(a, back_office, team)
    back_office |= _alpha_commerce(a, back_office)
    back_office |= walk_billing.alpha_billing(a, back_office | {"team": team.pk})
    ids = {
        **back_office,
        "team": team.pk,
        "mailbox": mailbox.pk,
        "ticket": ticket.pk,
        "attachment": Attachment.objects.get(message__ticket=ticket).pk,
        "pickup": pickup.pk,
        "waiting_box": waiting_box.pk,
        "removal_request": removal_request.pk,
        "removal_line": removal.line.pk,
        "job": job.pk,
        "check_item": check_item.pk,
        "photo": photo.pk,
        "subscription": reg.subscription.pk,
        "customer": reg.customer.pk,
        "vehicle": reg.vehicle.pk,
        "product": reg.product.pk,
        "company": a.company.pk,
        "stock_device": Device.objects.get(serial="ALPHA-SERIAL-1").pk,
        "shipped_device": shipped.pk,
        "partnership": Partnership.objects.get(provider=a.provider, installer=a.company).pk,
        "pending_partnership": pending.pk,
        "member": Membership.objects.get(user=a.installer).pk,
        "invitation": invitation.pk,
        "token": token.pk,
        "webhook": hook.pk,
        "feed": feed.pk,
        "notification": note.pk,
        "message": failed.pk,
        "removal_draft": removal_uploads.RemovalRequest.objects.create(
            provider=a.provider, created_by=a.dispatcher, state="ready", file_name="alpha-draft-file.xlsx"
        ).pk,
    }
    markers = [
        *BACK_OFFICE_MARKERS,
        "Alpha desk team",
        "Alpha ticket subject",
        "Alpha secret request",
        "alpha-customer@alpha.example",
        "alpha-file.pdf",
        "Alpha Carrier",
        "ALPHA-WAITING-1",
        "ALPHA-COLLECTED-1",
        removal.line.vehicle.vin,
        "alpha-follow@alpha.example",
        a.provider.name,
        a.company.name,
        a.company.installer_code,
        a.installer.email,
        "secret.hire@alpha.example",
        "prospect@alpha-only.example",
        "alpha-integration",
        "alpha-hooks.example",
        feed.key_id,
        feed.secret,
        hook.secret,
        "Alpha wording",
        "Alpha says",
        "ALPHA-SERIAL-1",
        "alpha-event-1",
        "Alpha notice",
        "alpha-failed@alpha.example",
        "ALPHAPLATE7",
        "Alphaowner",
        "+393330000777",
        "ALPHA-SUB-77",
        "Alpha secret notes",
        "Alpha secret check",
        "alpha-draft-file.xlsx",
    ]
    world = World(a=a, b=b, ids=ids, markers=[*markers, *walk_billing.MARKERS])
    world.billing = walk_billing.billing_state(world)
    return world


# The field work of the installer company's after-sales (work orders, planner, hours, clock-in, files).
FIELD_MARKERS = [
    "Alpha Secret-Technician",
    "alpha-tech@alpha-workshop.example",
    "Alpha secret van",
    "Alpha secret type of work",
    "Alpha secret material",
    "Alpha secret training",
    "Alpha secret hours",
    "Alpha secret gate",
    "alpha-secret-file.pdf",
]


BACK_OFFICE_MARKERS = [
    "Alpha secret supplier",
    "ALPHA-ITEM",
    "Alpha secret item",
    "ALPHA-SC",
    "alpha-item.png",
    "Alpha secret list",
    "Alpha secret warehouse",
    "ALPHA-DDT-1",
    "ALPHA-INV-1",
    "Alpha secret finding",
    "Alpha secret offer line",
    "Alpha secret carrier",
    "Alpha Aftersales Customer",
    "IT02817310150",
    "Alpha secret site",
    "alpha-customer-file.pdf",
    "alpha-contact@alpha.example",
    "Alpha secret equipment",
    "ALPHA-EQ-1",
    "Alpha secret component",
    "Alpha secret work",
    "Alpha secret charge",
    "Alpha phone call",
    *FIELD_MARKERS,
]


def _alpha_field_work(a: Tenant, ids: dict[str, int], team: Team) -> dict[str, int]:
    """The call's work order planned tomorrow for the company's technician with its van, sent and accepted, with a
    material, a report started, a file; the technician's training, hours and clock-in; a clock-in point."""
    admin = a.scope(a.company_admin)
    tech = member(
        a.company,
        Role.TECHNICIAN,
        email="alpha-tech@alpha-workshop.example",
        first_name="Alpha",
        last_name="Secret-Technician",
    )
    tech_scope = scope_of(tech, a.company)
    van = resources.resource_save(scope=admin, name="Alpha secret van", code="ALPHA-VAN")
    work_type = resources.work_type_save(scope=admin, name="Alpha secret type of work", minutes=60)
    resources.team_members_set(scope=admin, team_id=team.pk, user_ids=[tech.pk])
    order = ids["intervention"]
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    work_orders.work_order_plan(
        scope=admin, work_order_id=order, starts_at=start, minutes=90, technician_id=tech.pk, resource_ids=[van.pk]
    )
    work_orders.work_order_move(scope=admin, work_order_id=order, action="send")
    work_orders.work_order_answer(scope=tech_scope, work_order_id=order, accept=True)
    material = materials.material_add(scope=admin, work_order_id=order, description="Alpha secret material")
    report = reports.report_draft(scope=tech_scope, work_order_id=order)
    training = activities.activity_save(
        scope=admin,
        kind="training",
        starts_at=start + timedelta(days=2),
        ends_at=start + timedelta(days=2, hours=2),
        user_id=tech.pk,
        title="Alpha secret training",
    )
    entry = timesheets.entry_add(
        scope=tech_scope,
        starts_at=start - timedelta(days=3),
        ends_at=start - timedelta(days=3, hours=-2),
        note="Alpha secret hours",
    )
    point = clock.clock_point_save(scope=admin, name="Alpha secret gate", networks="10.99.0.0/16")
    event = clock.clock_in(scope=tech_scope, address="10.99.1.1")
    upload = SimpleUploadedFile("alpha-secret-file.pdf", b"%PDF-1.4 alpha secret", content_type="application/pdf")
    work_file = files.file_add(scope=admin, owner="work_order", owner_id=order, upload=upload)
    return {
        "work_order": order,
        "alpha_tech": tech.pk,
        "resource": van.pk,
        "work_type": work_type.pk,
        "material": material.pk,
        "report": report.pk,
        "activity": training.pk,
        "time_entry": entry.pk,
        "clock_point": point.pk,
        "clock_event": event.pk,
        "work_file": work_file.pk,
    }


def _png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return buffer.getvalue()


def _alpha_commerce(a: Tenant, ids: dict[str, int]) -> dict[str, int]:
    """Alpha's sales and stock: an item with a supplier and a photo, a price list with a price and a labour rate,
    the customer's terms, a warehouse stocked by a supplier order received and cost-checked, a transfer to the
    technician's van, a quote asked on the work order, an offer with a line, a delivery note."""
    from fieldbox.commerce.services import (
        buying,
        catalogue,
        catalogue_photos,
        catalogue_prices,
        delivery,
        offers,
        quotes,
        stock,
        stock_moves,
    )

    admin = a.scope(a.company_admin)
    tech = scope_of(User.objects.get(pk=ids["alpha_tech"]), a.company)
    supplier = catalogue.supplier_save(scope=admin, data={"name": "Alpha secret supplier"})
    item = catalogue.item_save(scope=admin, data={"code": "ALPHA-ITEM", "description": "Alpha secret item"})
    link = catalogue.item_supplier_save(scope=admin, item_id=item.pk, supplier_id=supplier.pk, supplier_code="ALPHA-SC")
    upload = SimpleUploadedFile("alpha-item.png", _png(), content_type="image/png")
    photo = catalogue_photos.item_photo_add(scope=admin, item_id=item.pk, upload=upload)
    price_list = catalogue_prices.price_list_save(scope=admin, data={"name": "Alpha secret list", "is_default": True})
    price = catalogue_prices.price_add(
        scope=admin, price_list_id=price_list.pk, item_id=item.pk, price="12.50", valid_from=date(2026, 1, 1)
    )
    rate = catalogue_prices.labour_rate_add(
        scope=admin, price_list_id=price_list.pk, work_type_id=None, hourly_rate="40", valid_from=date(2026, 1, 1)
    )
    catalogue_prices.customer_terms_save(scope=admin, customer_id=ids["back_customer"], price_list_id=price_list.pk)
    warehouse = stock.location_create(scope=admin, kind="warehouse", data={"name": "Alpha secret warehouse"})
    order = buying.purchase_create(
        scope=admin,
        supplier_id=supplier.pk,
        location_id=warehouse.pk,
        lines=[buying.OrderLine(item.pk, "5", "7")],
    )
    buying.purchase_send(scope=admin, order_id=order.pk, email=False)
    receipt = buying.receipt_create(
        scope=admin,
        order_id=order.pk,
        supplier_ddt="ALPHA-DDT-1",
        supplier_ddt_date=date(2026, 11, 2),
        lines=[buying.ReceivedLine(order.lines.get().pk, "3")],
    )
    checked = buying.cost_check_create(
        scope=admin,
        supplier_id=supplier.pk,
        invoice_number="ALPHA-INV-1",
        invoice_date=date(2026, 11, 30),
        lines=[buying.CheckedLine(receipt.lines.get().pk, "7.2")],
    )
    van = stock.van_of(a.company.pk, tech.user.pk)
    move = stock_moves.transfer(scope=admin, item_id=item.pk, quantity="1", source_id=warehouse.pk, target_id=van.pk)
    quote = quotes.quote_request(
        scope=tech,
        work_order_id=ids["work_order"],
        finding="Alpha secret finding",
        lines=[{"item_id": item.pk, "quantity": "1"}],
    )
    offer = offers.offer_create(scope=admin, customer_id=ids["back_customer"])
    offers.offer_line_add(
        scope=admin, offer_id=offer.pk, description="Alpha secret offer line", quantity="1", unit_price="10"
    )
    note = delivery.delivery_create(
        scope=admin,
        customer_id=ids["back_customer"],
        header=delivery.Header(source_id=warehouse.pk, carrier="Alpha secret carrier"),
        lines=[delivery.NoteLine(item_id=item.pk, quantity="1")],
    )
    return {
        "item": item.pk,
        "item_supplier": link.pk,
        "item_photo": photo.pk,
        "supplier": supplier.pk,
        "price_list": price_list.pk,
        "price": price.pk,
        "labour_rate": rate.pk,
        "warehouse": warehouse.pk,
        "stock_move": move.pk,
        "purchase": order.pk,
        "cost_check": checked.pk,
        "quote": quote.pk,
        "quote_line": quote.lines.get().pk,
        "offer": offer.pk,
        "offer_line": offer.lines.get().pk,
        "delivery_note": note.pk,
    }


def _alpha_back_office(a: Tenant, mailed: Ticket) -> dict[str, int]:
    """An installer company's own after-sales: a customer with a site, a file, a contact (in the portal), equipment
    with a component, a call taken by phone with an intervention and a charge."""
    admin = a.scope(a.company_admin)
    customer = customer_save(
        scope=admin,
        data={"kind": "company", "company_name": "Alpha Aftersales Customer", "vat_number": "IT02817310150"},
        addresses=[{"kind": "plant", "name": "Alpha secret site", "street": "Via Alfa 1", "city": "Sondrio"}],
    )
    site = customer.addresses.get()
    file = CustomerFile.objects.create(
        customer=customer,
        file=ContentFile(b"%PDF-1.4 alpha", name="walk.pdf"),
        name="alpha-customer-file.pdf",
        content_type="application/pdf",
        size=14,
    )
    contact = contacts.contact_save(
        scope=admin, data={"name": "Alpha Contact", "email": "alpha-contact@alpha.example"}, customer_id=customer.pk
    )
    machine = equipment.equipment_save(
        scope=admin,
        data={"name": "Alpha secret equipment", "serial": "ALPHA-EQ-1", "site": site.pk},
        customer_id=customer.pk,
    )
    part = equipment.equipment_save(
        scope=admin, data={"name": "Alpha secret component", "parent": machine.pk}, customer_id=customer.pk
    )
    call = calls.ticket_create(
        scope=admin,
        data={
            "customer_id": customer.pk,
            "contact_id": contact.pk,
            "equipment_id": machine.pk,
            "team_id": mailed.team_id,
            "subject": "Alpha phone call",
            "intervention": "Alpha secret work",
        },
    )
    charge = calls.charge_add(scope=admin, ticket_id=call.pk, kind="fee", description="Alpha secret charge")
    return {
        "back_customer": customer.pk,
        "customer_file": file.pk,
        "contact": contact.pk,
        "equipment": machine.pk,
        "component": part.pk,
        "call": call.pk,
        "intervention": call.interventions.get().pk,
        "charge": charge.pk,
    }


def commerce_state(world: World) -> tuple[Any, ...]:
    from fieldbox.commerce.models import (
        CommerceSettings,
        CostCheck,
        CustomerTerms,
        DeliveryNote,
        Item,
        ItemPhoto,
        ItemSupplier,
        Offer,
        Price,
        PriceList,
        PurchaseOrder,
        Quote,
        StockBalance,
        StockLocation,
        StockMove,
        Supplier,
    )

    org = world.a.company
    ids = world.ids
    return (
        tuple(Item.objects.filter(organisation=org).values_list("code", "description", "active")),
        ItemSupplier.objects.filter(item_id=ids["item"]).count(),
        ItemPhoto.objects.filter(item_id=ids["item"]).count(),
        tuple(Supplier.objects.filter(organisation=org).values_list("name")),
        tuple(PriceList.objects.filter(organisation=org).values_list("name", "is_default")),
        tuple(Price.objects.filter(price_list_id=ids["price_list"]).values_list("price", "valid_to")),
        CustomerTerms.objects.filter(customer_id=ids["back_customer"], price_list_id=ids["price_list"]).count(),
        CommerceSettings.objects.filter(organisation=org).count(),
        tuple(StockLocation.objects.filter(organisation=org).order_by("pk").values_list("name", "kind")),
        StockMove.objects.filter(organisation=org).count(),
        tuple(StockBalance.objects.filter(organisation=org).order_by("location", "item").values_list("quantity")),
        tuple(Quote.objects.filter(organisation=org).values_list("status", "notes")),
        tuple(Offer.objects.filter(organisation=org).values_list("status", "notes")),
        Offer.objects.get(pk=ids["offer"]).lines.count(),
        tuple(PurchaseOrder.objects.filter(organisation=org).values_list("status")),
        CostCheck.objects.filter(organisation=org).count(),
        tuple(DeliveryNote.objects.filter(organisation=org).values_list("status", "carrier", "number")),
    )


def a_state(world: World) -> tuple[Any, ...]:
    return (
        commerce_state(world),
        Ticket.objects.filter(organisation=world.a.company).values_list("pk", "status", "priority", "assignee").count(),
        tuple(Ticket.objects.filter(pk=world.ids["call"]).values_list("status", "priority", "subject", "job").get()),
        tuple(WorkOrder.objects.filter(pk=world.ids["intervention"]).values_list("status", "technician__email").get()),
        (
            Booking.objects.filter(work_order_id=world.ids["work_order"], busy=True).count(),
            Material.objects.filter(work_order_id=world.ids["work_order"]).count(),
            WorkReport.objects.get(pk=world.ids["report"]).status,
            Activity.objects.filter(organisation=world.a.company).count(),
            tuple(TimeEntry.objects.filter(organisation=world.a.company).values_list("minutes", "note")),
            ClockEvent.objects.filter(organisation=world.a.company).count(),
            ClockPoint.objects.filter(organisation=world.a.company).count(),
            WorkFile.objects.filter(organisation=world.a.company).count(),
            tuple(Resource.objects.filter(organisation=world.a.company).values_list("name", "active")),
            tuple(WorkType.objects.filter(organisation=world.a.company).values_list("name", "active")),
        ),
        Charge.objects.filter(ticket_id=world.ids["call"]).count(),
        tuple(Contact.objects.filter(pk=world.ids["contact"]).values_list("email", "user", "invited_at").get()),
        Equipment.objects.filter(customer_id=world.ids["back_customer"]).count(),
        CustomerFile.objects.filter(customer_id=world.ids["back_customer"]).count(),
        tuple(Customer.objects.filter(pk=world.ids["back_customer"]).values_list("company_name", "vat_number").get()),
        ServiceLevel.objects.filter(organisation=world.a.company).count(),
        Ticket.objects.get(pk=world.ids["ticket"]).status,
        Ticket.objects.get(pk=world.ids["ticket"]).messages.count(),
        Mailbox.objects.filter(team_id=world.ids["team"]).count(),
        Mailbox.objects.get(pk=world.ids["mailbox"]).imap_host,
        removal_uploads.RemovalRequest.objects.filter(pk=world.ids["removal_draft"]).values_list("state").get(),
        Partnership.objects.get(pk=world.ids["partnership"]).status,
        Partnership.objects.get(pk=world.ids["pending_partnership"]).status,
        Membership.objects.get(pk=world.ids["member"]).role,
        Invitation.objects.get(pk=world.ids["invitation"]).status,
        ApiToken.objects.get(pk=world.ids["token"]).revoked_at,
        WebhookEndpoint.objects.filter(pk=world.ids["webhook"], is_active=True).count(),
        DeviceFeed.objects.filter(pk=world.ids["feed"], is_active=True).count(),
        Notification.objects.filter(pk=world.ids["notification"], read_at__isnull=True).count(),
        OutboxMessage.objects.get(pk=world.ids["message"]).status,
        MessageTemplate.objects.filter(organisation=world.a.provider).count(),
        Job.objects.filter(pk=world.ids["job"]).values_list("status", "installer", "appointment_at", "device").get(),
        Job.objects.get(pk=world.ids["job"]).spec,
        Device.objects.get(pk=world.ids["stock_device"]).status,
        Device.objects.get(pk=world.ids["shipped_device"]).status,
        ChecklistItem.objects.filter(pk=world.ids["check_item"], removed_at=None, label="Alpha secret check").count(),
        JobPhoto.objects.filter(pk=world.ids["photo"]).count(),
        RemovalLine.objects.get(pk=world.ids["removal_line"]).status,
        RemovalLine.objects.get(pk=world.ids["removal_line"]).code_hash,
        BoxPickup.objects.get(pk=world.ids["pickup"]).status,
        tuple(
            Device.objects.filter(status="removed", company__isnull=False, serial__startswith="ALPHA-")
            .order_by("serial")
            .values_list("serial", flat=True)
        ),
    )


COMMERCE_STATE = (
    (("ALPHA-ITEM", "Alpha secret item", True),),
    1,
    1,
    (("Alpha secret supplier",),),
    (("Alpha secret list", True),),
    ((Decimal("12.5000"), None),),
    1,
    0,
    (
        ("Alpha secret warehouse", "warehouse"),
        ("Alpha secret supplier", "supplier"),
        ("Van of Alpha Secret-Technician", "van"),
    ),
    2,
    ((Decimal("-3.000"),), (Decimal("1.000"),), (Decimal("2.000"),)),
    (("draft", ""),),
    (("draft", ""),),
    1,
    (("partial",),),
    1,
    (("draft", "Alpha secret carrier", ""),),
)

A_STATE = (
    COMMERCE_STATE,
    3,  # Alpha's tickets, the call verified by walk_billing among them
    ("new", "normal", "Alpha phone call", None),
    ("accepted", "alpha-tech@alpha-workshop.example"),
    (
        2,
        1,
        "draft",
        1,
        ((120, "Alpha secret hours"),),
        1,
        1,
        1,
        (("Alpha secret van", True),),
        (("Alpha secret type of work", True),),
    ),
    1,
    ("alpha-contact@alpha.example", None, None),
    2,
    1,
    ("Alpha Aftersales Customer", "IT02817310150"),
    0,
    "new",
    1,
    1,
    "",
    ("ready",),
    PartnershipStatus.ACCEPTED,
    PartnershipStatus.PENDING,
    Role.INSTALLER,
    InvitationStatus.PENDING,
    None,
    1,
    1,
    1,
    MessageStatus.FAILED,
    1,
    ("assigned", None, None, None),
    {"notes": "Alpha secret notes"},
    "in_stock",
    "shipped",
    1,
    1,
    "notified",
    "",
    "picked_up",
    ("ALPHA-COLLECTED-1", "ALPHA-WAITING-1"),
)

# Every named web route: how to call it with the other organisation's object.
#   ("object", id key)  -> must answer like a missing object and change nothing
#   ("page", None)      -> the caller's own page: must show nothing of the other organisation
#   ("link", None)      -> secret-bearing public link: a guessed token is refused
#   ("public", None)    -> no tenant data at all
WEB_ROUTES: dict[str, tuple[str, str | None]] = {
    "web:home": ("page", None),
    "web:healthz": ("public", None),
    "web:readyz": ("public", None),
    "web:metrics": ("public", None),  # global figures, no tenant data; token or allowed networks only
    "accounts:login": ("public", None),
    "accounts:login_verify": ("public", None),
    "accounts:logout": ("public", None),
    "accounts:two_factor": ("page", None),
    "accounts:two_factor_disable": ("page", None),
    "accounts:password_reset": ("public", None),
    "accounts:password_reset_done": ("public", None),
    "accounts:password_reset_confirm": ("link", None),
    "accounts:password_reset_complete": ("public", None),
    "accounts:profile": ("page", None),
    "accounts:tokens": ("page", None),
    "accounts:token_revoke": ("object", "token"),
    "accounts:invitation": ("link", None),
    "accounts:organisation": ("page", None),
    "accounts:switch": ("page", None),
    "accounts:organisation_delete": ("page", None),
    "accounts:audit": ("page", None),
    "accounts:members": ("page", None),
    "accounts:member_invite": ("page", None),
    "accounts:member_role": ("object", "member"),
    "accounts:member_remove": ("object", "member"),
    "accounts:invitation_revoke": ("object", "invitation"),
    "accounts:partners": ("page", None),
    "accounts:partner_invite": ("page", None),
    "accounts:partner_join": ("link", None),
    "accounts:partner_detail": ("object", "partnership"),
    "accounts:partner_accept": ("object", "pending_partnership"),
    "accounts:partner_decline": ("object", "pending_partnership"),
    "accounts:partner_end": ("object", "partnership"),
    "messaging:notifications": ("page", None),
    "messaging:notifications_read": ("page", None),
    "messaging:notification_open": ("object", "notification"),
    "messaging:preferences": ("page", None),
    "messaging:messages": ("page", None),
    "messaging:messages_retry_failed": ("page", None),
    "messaging:test_sms": ("page", None),
    "messaging:message_detail": ("object", "message"),
    "messaging:message_retry": ("object", "message"),
    "messaging:wordings": ("page", None),
    "messaging:wording_edit": ("page", None),
    "messaging:wording_preview": ("page", None),
    "messaging:wording_reset": ("page", None),
    "messaging:webhooks": ("page", None),
    "messaging:webhook_detail": ("object", "webhook"),
    "messaging:webhook_ping": ("object", "webhook"),
    "messaging:webhook_delete": ("object", "webhook"),
    "messaging:feeds": ("page", None),
    "messaging:feed_revoke": ("object", "feed"),
    "messaging:device_events": ("page", None),
    "messaging:action": ("link", None),
    "jobs:list": ("page", None),
    "jobs:new": ("page", None),
    "jobs:columns": ("page", None),
    "jobs:import": ("page", None),
    "jobs:import_confirm": ("page", None),
    "jobs:import_template": ("page", None),
    "jobs:dashboard": ("page", None),
    "jobs:take_next": ("page", None),
    "jobs:installations": ("page", None),
    "jobs:available": ("page", None),
    "jobs:mine": ("page", None),
    "jobs:appointments": ("page", None),
    "jobs:calendar_renew": ("page", None),
    "jobs:calendar_feed": ("link", None),
    "jobs:detail": ("object", "job"),
    "jobs:take": ("object", "job"),
    "jobs:take_over": ("object", "job"),
    "jobs:appointment": ("object", "job"),
    "jobs:ask_care": ("object", "job"),
    "jobs:pair": ("object", "job"),
    "jobs:fail": ("object", "job"),
    "jobs:assign": ("object", "job"),
    "jobs:reassign": ("object", "job"),
    "jobs:edit": ("object", "job"),
    "jobs:cancel": ("object", "job"),
    "jobs:delete": ("object", "job"),
    "jobs:check_answer": ("object", "job"),
    "jobs:photo_upload": ("object", "job"),
    "jobs:complete": ("object", "job"),
    "jobs:photo": ("object", "photo"),
    "jobs:photo_delete": ("object", "photo"),
    "jobs:checklists": ("page", None),
    "jobs:checklist_new": ("page", None),
    "jobs:checklist_defaults": ("page", None),
    "jobs:checklist_edit": ("object", "check_item"),
    "jobs:checklist_move": ("object", "check_item"),
    "jobs:checklist_delete": ("object", "check_item"),
    "jobs:search": ("page", None),
    "jobs:extend_deadline": ("object", "job"),
    "jobs:correct_pairing": ("object", "job"),
    "jobs:certificate": ("object", "job"),
    "jobs:certificate_send": ("object", "job"),
    "jobs:owner_link": ("link", None),
    "removals:requests": ("page", None),
    "removals:request_detail": ("object", "removal_request"),
    "removals:line_cancel": ("object", "removal_line"),
    "removals:manage": ("page", None),
    "removals:accept": ("object", "removal_line"),
    "removals:refuse": ("object", "removal_line"),
    "removals:report": ("object", "removal_line"),
    "removals:pickups": ("page", None),
    "removals:pickup_new": ("page", None),
    "removals:pickup_settings": ("page", None),
    "removals:pickup_detail": ("object", "pickup"),
    "removals:pickup_receive": ("object", "pickup"),
    "removals:check_vehicle": ("page", None),
    "removals:line_code": ("object", "removal_line"),
    "removals:mission": ("public", None),
    "removals:mission_job": ("link", None),
    "fleet:customers": ("page", None),
    "fleet:customer_new": ("page", None),
    "fleet:customer_detail": ("object", "customer"),
    "fleet:customer_edit": ("object", "customer"),
    "fleet:vehicles": ("page", None),
    "fleet:vehicle_new": ("page", None),
    "fleet:vehicle_detail": ("object", "vehicle"),
    "fleet:vehicle_edit": ("object", "vehicle"),
    "fleet:subscriptions": ("page", None),
    "fleet:subscription_new": ("page", None),
    "fleet:subscription_detail": ("object", "subscription"),
    "fleet:products": ("page", None),
    "fleet:product_new": ("page", None),
    "fleet:product_edit": ("object", "product"),
    "fleet:devices": ("page", None),
    "fleet:device_ship": ("page", None),
    "fleet:device_receive": ("page", None),
    "fleet:device_import": ("page", None),
    "fleet:device_import_load": ("page", None),
    "fleet:device_import_template": ("page", None),
    "service:desk": ("page", None),
    "service:teams": ("page", None),
    "service:mailbox_imap": ("object", "mailbox"),
    "service:ticket": ("object", "ticket"),
    "service:reply": ("object", "ticket"),
    "service:note": ("object", "ticket"),
    "service:move": ("object", "ticket"),
    "service:attachment": ("object", "attachment"),
    "service:at_risk": ("page", None),
    "service:service_levels": ("page", None),
    "service:calls": ("page", None),
    "service:call_new": ("page", None),
    "service:call_edit": ("object", "call"),
    "service:intervention_add": ("object", "call"),
    "service:charge_add": ("object", "call"),
    "service:intervention_move": ("object", "intervention"),
    "service:charge_remove": ("object", "charge"),
    "service:ticket_job": ("object", "call"),
    "service:ticket_job_send": ("object", "call"),
    "service:ticket_vehicle": ("object", "call"),
    "service:contacts": ("page", None),
    "service:contact_confirm": ("object", "contact"),
    "service:contact_edit": ("object", "contact"),
    "service:contact_remove": ("object", "contact"),
    "service:contact_invite": ("object", "contact"),
    "service:contact_portal_revoke": ("object", "contact"),
    "service:contact_new": ("object", "back_customer"),
    "service:customer_portal_invite": ("object", "back_customer"),
    "service:equipment_list": ("page", None),
    "service:equipment_new": ("object", "back_customer"),
    "service:equipment_detail": ("object", "equipment"),
    "service:equipment_edit": ("object", "equipment"),
    "service:equipment_remove": ("object", "component"),
    "service:portal": ("page", None),
    "service:portal_new": ("page", None),
    "service:portal_equipment": ("page", None),
    "service:portal_ticket": ("object", "call"),
    "service:portal_attachment": ("object", "attachment"),
    "fleet:customer_file_add": ("object", "back_customer"),
    "fleet:customer_file": ("object", "customer_file"),
    "fleet:customer_file_delete": ("object", "customer_file"),
    "removals:request_new": ("page", None),
    "removals:request_template": ("page", None),
    "removals:request_summary": ("object", "removal_draft"),
    "removals:request_progress": ("object", "removal_draft"),
    "removals:request_confirm": ("object", "removal_draft"),
    "removals:request_discard": ("object", "removal_draft"),
    "removals:request_saved": ("object", "removal_draft"),
    # Work orders, the planner, hours and clock-in, the technician's phone, files, calendars of work.
    "service:service_worker": ("public", None),
    "service:work_orders": ("page", None),
    "service:work_order_new": ("page", None),
    "service:work_order_setup": ("page", None),
    "service:work_order": ("object", "work_order"),
    "service:work_order_edit": ("object", "work_order"),
    "service:work_order_plan": ("object", "work_order"),
    "service:work_order_follow_up": ("object", "work_order"),
    "service:work_order_material_add": ("object", "work_order"),
    "service:work_order_answer": ("object", "work_order"),
    "service:work_order_move": ("object", "work_order"),
    "service:work_order_material_remove": ("object", "material"),
    "service:resource_retire": ("object", "resource"),
    "service:team_members": ("object", "team"),
    "service:planner": ("page", None),
    "service:planner_events": ("page", None),
    "service:planner_free": ("page", None),
    "service:planner_day": ("page", None),
    "service:planner_plan": ("object", "work_order"),
    "service:planner_activity": ("object", "activity"),
    "service:planner_activity_move": ("object", "activity"),
    "service:planner_activity_delete": ("object", "activity"),
    "service:hours": ("page", None),
    "service:hours_day": ("object", "alpha_tech"),
    "service:hours_entry": ("object", "time_entry"),
    "service:hours_entry_delete": ("object", "time_entry"),
    "service:work_order_hours": ("object", "work_order"),
    "service:ticket_hours": ("object", "call"),
    "service:clock_block": ("page", None),
    "service:clock_punch": ("page", None),
    "service:attendance": ("page", None),
    "service:clock_correct": ("page", None),
    "service:clock_points": ("page", None),
    "service:clock_point": ("object", "clock_point"),
    "service:clock_point_remove": ("object", "clock_point"),
    "service:field_day": ("page", None),
    "service:field_order": ("object", "work_order"),
    "service:field_answer": ("object", "work_order"),
    "service:field_move": ("object", "work_order"),
    "service:field_report_open": ("object", "work_order"),
    "service:field_report": ("object", "report"),
    "service:field_report_sign": ("object", "report"),
    "service:field_report_pdf": ("object", "report"),
    "service:field_report_send": ("object", "report"),
    "service:field_report_correct": ("object", "report"),
    "service:files": ("object", "work_order"),
    "service:file": ("object", "work_file"),
    "service:file_remove": ("object", "work_file"),
    "service:calendar_feeds": ("page", None),
    "service:calendar_feeds_renew": ("page", None),
    "service:calendar_feed": ("link", None),
    "service:checklist_answer": ("object", "work_order"),
    "service:checklist_photo_upload": ("object", "work_order"),
    "service:checklist_photo": ("object", "photo"),
    "service:checklist_photo_delete": ("object", "photo"),
    "service:work_type_checklists": ("object", "work_type"),
    # Sales and stock (commerce).
    "commerce:items": ("page", None),
    "commerce:item_new": ("page", None),
    "commerce:items_from_products": ("page", None),
    "commerce:item": ("object", "item"),
    "commerce:item_edit": ("object", "item"),
    "commerce:item_active": ("object", "item"),
    "commerce:item_delete": ("object", "item"),
    "commerce:item_supplier_add": ("object", "item"),
    "commerce:item_photo_add": ("object", "item"),
    "commerce:item_supplier_remove": ("object", "item_supplier"),
    "commerce:item_photo": ("object", "item_photo"),
    "commerce:item_photo_remove": ("object", "item_photo"),
    "commerce:suppliers": ("page", None),
    "commerce:supplier_new": ("page", None),
    "commerce:supplier_edit": ("object", "supplier"),
    "commerce:import": ("page", None),
    "commerce:import_load": ("page", None),
    "commerce:import_template": ("page", None),
    "commerce:price_lists": ("page", None),
    "commerce:price_list_new": ("page", None),
    "commerce:price_list": ("object", "price_list"),
    "commerce:price_list_edit": ("object", "price_list"),
    "commerce:price_add": ("object", "price_list"),
    "commerce:labour_rate_add": ("object", "price_list"),
    "commerce:price_close": ("object", "price"),
    "commerce:labour_rate_close": ("object", "labour_rate"),
    "commerce:customer_terms": ("object", "back_customer"),
    "commerce:settings": ("page", None),
    "commerce:stock_locations": ("page", None),
    "commerce:stock_location_new": ("page", None),
    "commerce:stock_location": ("object", "warehouse"),
    "commerce:stock_location_edit": ("object", "warehouse"),
    "commerce:stock_moves": ("page", None),
    "commerce:stock_move_new": ("page", None),
    "commerce:stock_move_reverse": ("object", "stock_move"),
    "commerce:stock_below_reorder": ("page", None),
    "commerce:my_van": ("page", None),
    "commerce:quotes": ("page", None),
    "commerce:quote_ask": ("page", None),
    "commerce:quote_new": ("page", None),
    "commerce:quote_items": ("page", None),
    "commerce:quote": ("object", "quote"),
    "commerce:quote_terms": ("object", "quote"),
    "commerce:quote_price": ("object", "quote"),
    "commerce:quote_line_add": ("object", "quote"),
    "commerce:quote_line_edit": ("object", "quote"),
    "commerce:quote_line_remove": ("object", "quote"),
    "commerce:quote_send": ("object", "quote"),
    "commerce:quote_answer": ("object", "quote"),
    "commerce:quote_cancel": ("object", "quote"),
    "commerce:quote_convert": ("object", "quote"),
    "commerce:quote_offer": ("object", "quote"),
    "commerce:quote_pdf": ("object", "quote"),
    "commerce:quote_link": ("link", None),
    "commerce:quote_link_pdf": ("link", None),
    "commerce:offers": ("page", None),
    "commerce:offer_new": ("page", None),
    "commerce:offer": ("object", "offer"),
    "commerce:offer_pdf": ("object", "offer"),
    "commerce:offer_data": ("object", "offer"),
    "commerce:offer_line_add": ("object", "offer"),
    "commerce:offer_answer": ("object", "offer"),
    "commerce:offer_cancel": ("object", "offer"),
    "commerce:offer_move": ("object", "offer"),
    "commerce:offer_line_change": ("object", "offer_line"),
    "commerce:offer_line_remove": ("object", "offer_line"),
    "commerce:offer_link": ("link", None),
    "commerce:offer_link_pdf": ("link", None),
    "commerce:purchases": ("page", None),
    "commerce:purchase_new": ("page", None),
    "commerce:purchase": ("object", "purchase"),
    "commerce:purchase_edit": ("object", "purchase"),
    "commerce:purchase_receive": ("object", "purchase"),
    "commerce:purchase_pdf": ("object", "purchase"),
    "commerce:purchase_move": ("object", "purchase"),
    "commerce:cost_check": ("page", None),
    "commerce:cost_check_detail": ("object", "cost_check"),
    "commerce:billables": ("page", None),
    "commerce:shortfalls": ("page", None),
    "commerce:delivery_notes": ("page", None),
    "commerce:delivery_new": ("page", None),
    "commerce:delivery_from_work_order": ("page", None),
    "commerce:delivery_from_offer": ("page", None),
    "commerce:delivery_note": ("object", "delivery_note"),
    "commerce:delivery_edit": ("object", "delivery_note"),
    "commerce:delivery_pdf": ("object", "delivery_note"),
    "commerce:delivery_move": ("object", "delivery_note"),
    "set_language": ("public", None),
    "javascript-catalog": ("public", None),
}
WEB_ROUTES |= walk_billing.WEB_ROUTES


def named_routes() -> dict[str, URLPattern]:
    found: dict[str, URLPattern] = {}

    def walk(patterns: list[Any], namespace: str | None) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = p.namespace or namespace
                if ns in ("admin", "api"):
                    continue
                walk(p.url_patterns, ":".join(filter(None, [namespace, p.namespace])) or None)
            elif isinstance(p, URLPattern) and p.name:
                found[f"{namespace}:{p.name}" if namespace else p.name] = p

    walk(get_resolver().url_patterns, None)
    return found


# Pages named by something other than an id: the other organisation has its own wording of this message.
ROUTE_KWARGS: dict[str, dict[str, str]] = {
    name: {"kind": "accounts.invitation", "language": "it"}
    for name in ("messaging:wording_edit", "messaging:wording_preview", "messaging:wording_reset")
}
ROUTE_KWARGS |= {
    name: {"kind": "items"} for name in ("commerce:import", "commerce:import_load", "commerce:import_template")
}


# Routes of an object named by more than its id.
OBJECT_KWARGS = {
    "service:move": {"action": "open"},
    "service:intervention_move": {"action": "by_phone"},
    "service:work_order_move": {"action": "send"},
    "service:work_order_answer": {"answer": "accept"},
    "service:field_move": {"action": "start"},
    "service:files": {"kind": "work_order"},
    "service:hours_day": {"day": "2026-12-07"},
    "service:checklist_answer": {"run": 1},
    "service:checklist_photo_upload": {"run": 1},
    "commerce:quote_line_edit": {"line": 1},
    "commerce:quote_line_remove": {"line": 1},
    "commerce:quote_answer": {"answer": "accept"},
    "commerce:offer_answer": {"answer": "accept"},
    "commerce:offer_move": {"action": "send"},
    "commerce:purchase_move": {"action": "send"},
    "commerce:delivery_move": {"action": "issue"},
}
OBJECT_KWARGS |= walk_billing.OBJECT_KWARGS
# Routes whose object is named by another word than pk.
PK_NAMES = {
    "service:contact_new": "customer_pk",
    "service:equipment_new": "customer_pk",
    "service:hours_day": "user_id",
    "commerce:stock_location": "location_id",
    "commerce:stock_location_edit": "location_id",
    "commerce:stock_move_reverse": "move_id",
}


def url_of(name: str, pk: int | None) -> str:
    from django.urls import reverse

    if pk is None:
        return reverse(name, kwargs=ROUTE_KWARGS.get(name))
    return reverse(name, kwargs={PK_NAMES.get(name, "pk"): pk, **OBJECT_KWARGS.get(name, {})})


def callers(world: World) -> list[Client]:
    b = world.b
    staff = (b.provider_admin, b.dispatcher, b.care, b.company_admin, b.installer)
    return [signed_in(u) for u in (*staff, *back_office_people(b))]


def back_office_people(b: Tenant) -> list[User]:
    """The other organisation's desk agent, office, technician and a portal contact of one of its customers."""
    people = []
    for role in (Role.DESK_AGENT, Role.OFFICE, Role.TECHNICIAN, Role.PORTAL_CONTACT):
        email = f"{role}@beta-workshop.example"
        people.append(User.objects.filter(email=email).first() or member(b.company, role, email=email))
    portal = people[-1]
    if not Contact.objects.filter(user=portal).exists():
        customer = Customer.objects.create(organisation=b.company, company_name="Beta customer")
        Contact.objects.create(organisation=b.company, customer=customer, email=portal.email, user=portal)
    return people


def test_every_web_route_is_walked():
    assert set(named_routes()) == set(WEB_ROUTES), "Add the new route to WEB_ROUTES with how it is scoped."


def test_objects_of_another_organisation_answer_like_missing_ones(world):
    for name, (kind, key) in WEB_ROUTES.items():
        if kind != "object":
            continue
        for client in callers(world):
            for method in ("get", "post"):
                foreign = getattr(client, method)(url_of(name, world.ids[key]))
                missing = getattr(client, method)(url_of(name, MISSING))
                assert foreign.status_code == missing.status_code, (name, method)
                assert foreign.status_code in (403, 404, 405), (name, method, foreign.status_code)
                body = foreign.content.decode()
                assert not any(m in body for m in world.markers), (name, method)
    assert a_state(world) == A_STATE
    assert walk_billing.billing_state(world) == world.billing


# The bare page, then filters and exports that could reach other records.
PAGE_QUERIES = ("", "?status=pending", "?status=failed", "?format=csv", "?actor=alpha", "?device=356938035")


def test_pages_show_nothing_of_another_organisation(world):
    for name, (kind, _key) in WEB_ROUTES.items():
        if kind != "page":
            continue
        for client in callers(world):
            for query in PAGE_QUERIES:
                response = client.get(url_of(name, None) + query)
                body = response.content.decode(errors="replace")
                leaked = [m for m in world.markers if m in body]
                assert not leaked, (name, query, leaked)
                if response.status_code in (403, 404, 405):
                    break  # refused before any filter is read: the filters reach nothing more
    assert a_state(world) == A_STATE
    assert walk_billing.billing_state(world) == world.billing


def test_switching_into_another_organisation_is_refused(world):
    client = signed_in(world.b.company_admin)
    client.post(url_of("accounts:switch", None), {"organisation": world.a.company.pk})
    body = client.get("/").content.decode()
    assert world.a.company.name not in body and world.b.company.name in body


def test_guessed_links_are_refused(world):
    client = Client()
    assert client.get("/invitations/not-a-real-token/").status_code == 410
    assert client.get("/partners/join/not-a-real-token/").status_code == 410
    signed = signed_in(world.b.company_admin)
    assert signed.get("/a/not-a-signed-token/").status_code == 410
    assert signed.post("/a/not-a-signed-token/").status_code == 410
    assert client.get("/calendar/not-a-signed-token.ics").status_code == 404
    response = client.get("/accounts/password-reset/MQ/bad-token/", follow=True)
    assert "expired or was already used" in response.content.decode()


def test_admin_is_for_superusers_only(world):
    response = signed_in(world.b.provider_admin).get("/admin/accounts/organisation/")
    assert response.status_code == 302 and "/admin/login/" in response.url


# Every API operation: ("object", id key, body) or ("list", None, None) or ("own", None, body).
API_OPERATIONS: dict[tuple[str, str], tuple[str, str | None, dict[str, Any] | None]] = {
    ("get", "/api/v1/me"): ("list", None, None),
    ("get", "/api/v1/organisations"): ("list", None, None),
    ("get", "/api/v1/organisations/current"): ("list", None, None),
    ("patch", "/api/v1/organisations/current"): ("own", None, {"phone": "+390000"}),
    ("get", "/api/v1/partnerships"): ("list", None, None),
    ("post", "/api/v1/partnerships"): ("own", None, {"email": "someone@else.example"}),
    ("get", "/api/v1/partnerships/{partnership_id}"): ("object", "partnership", None),
    ("post", "/api/v1/partnerships/{partnership_id}/accept"): ("object", "pending_partnership", None),
    ("post", "/api/v1/partnerships/{partnership_id}/decline"): ("object", "pending_partnership", {"reason": "x"}),
    ("post", "/api/v1/partnerships/{partnership_id}/end"): ("object", "partnership", {"reason": "x"}),
    ("get", "/api/v1/invitations"): ("list", None, None),
    ("post", "/api/v1/invitations"): ("own", None, {"email": "hire@else.example", "role": "installer"}),
    ("post", "/api/v1/invitations/{invitation_id}/revoke"): ("object", "invitation", None),
    ("get", "/api/v1/members"): ("list", None, None),
    ("patch", "/api/v1/members/{membership_id}"): ("object", "member", {"role": "installer"}),
    ("delete", "/api/v1/members/{membership_id}"): ("object", "member", None),
    ("get", "/api/v1/tokens"): ("list", None, None),
    ("post", "/api/v1/tokens"): ("own", None, {"name": "mine", "days": 3}),
    ("post", "/api/v1/tokens/{token_id}/revoke"): ("object", "token", None),
    ("get", "/api/v1/audit-events"): ("list", None, None),
    ("post", "/api/v1/device-events"): ("signed", None, {"id": "x", "type": "online", "serial": "ALPHA-SERIAL-1"}),
    ("post", "/api/v1/device-events/traccar"): ("signed", None, {"event": {"id": 1, "type": "deviceOnline"}}),
    ("get", "/api/v1/device-events"): ("list", None, None),
    ("get", "/api/v1/notifications"): ("list", None, None),
    ("post", "/api/v1/notifications/read"): ("own", None, {"ids": ["@notification"]}),
    ("get", "/api/v1/messages"): ("list", None, None),
    ("post", "/api/v1/messages/{message_id}/retry"): ("object", "message", None),
    ("get", "/api/v1/webhooks"): ("list", None, None),
    ("post", "/api/v1/webhooks"): ("own", None, {"url": "https://b.example/h", "event_types": ["device.online"]}),
    ("get", "/api/v1/webhooks/{endpoint_id}"): ("object", "webhook", None),
    ("patch", "/api/v1/webhooks/{endpoint_id}"): ("object", "webhook", {"is_active": False}),
    ("delete", "/api/v1/webhooks/{endpoint_id}"): ("object", "webhook", None),
    ("get", "/api/v1/webhooks/{endpoint_id}/deliveries"): ("object", "webhook", None),
    ("post", "/api/v1/webhooks/{endpoint_id}/ping"): ("object", "webhook", None),
    ("get", "/api/v1/jobs"): ("list", None, None),
    ("post", "/api/v1/jobs"): ("own", None, {"subscription_id": "@subscription"}),
    ("get", "/api/v1/jobs/{job_id}"): ("object", "job", None),
    ("patch", "/api/v1/jobs/{job_id}"): ("object", "job", {"spec": {"notes": "x"}}),
    ("delete", "/api/v1/jobs/{job_id}"): ("object", "job", None),
    ("post", "/api/v1/jobs/{job_id}/assign"): ("object", "job", {"company_id": "@company"}),
    ("post", "/api/v1/jobs/{job_id}/reassign"): ("object", "job", {"company_id": "@company", "reason": "x"}),
    ("post", "/api/v1/jobs/{job_id}/take"): ("object", "job", None),
    ("get", "/api/v1/jobs/{job_id}/checklist"): ("object", "job", None),
    ("put", "/api/v1/jobs/{job_id}/checklist/{item_id}"): ("object", "job", {"value": "yes"}),
    ("post", "/api/v1/jobs/{job_id}/checklist/{item_id}/photos"): ("object", "job", None),
    ("post", "/api/v1/jobs/{job_id}/complete"): ("object", "job", None),
    ("get", "/api/v1/job-photos/{photo_id}"): ("object", "photo", None),
    ("delete", "/api/v1/job-photos/{photo_id}"): ("object", "photo", None),
    ("get", "/api/v1/checklist-items"): ("list", None, None),
    ("post", "/api/v1/checklist-items"): ("own", None, {"label": "Mine", "product_id": "@product"}),
    ("put", "/api/v1/checklist-items/{item_id}"): ("object", "check_item", {"label": "x"}),
    ("post", "/api/v1/checklist-items/{item_id}/move"): ("object", "check_item", None),
    ("delete", "/api/v1/checklist-items/{item_id}"): ("object", "check_item", None),
    ("post", "/api/v1/jobs/take-next"): ("own", None, None),
    ("post", "/api/v1/jobs/import"): ("own", None, None),
    ("post", "/api/v1/removal-requests"): ("own", None, None),
    ("get", "/api/v1/removal-requests/{request_id}/status"): ("object", "removal_draft", None),
    ("post", "/api/v1/removal-requests/{request_id}/confirm"): ("object", "removal_draft", None),
    ("delete", "/api/v1/removal-requests/{request_id}"): ("object", "removal_draft", None),
    ("post", "/api/v1/jobs/{job_id}/take-over"): ("object", "job", None),
    ("post", "/api/v1/jobs/{job_id}/appointment"): ("object", "job", {"when": "2026-12-01T09:30:00+01:00"}),
    ("post", "/api/v1/jobs/{job_id}/ask-care"): ("object", "job", {"message": "x"}),
    ("post", "/api/v1/jobs/{job_id}/pair"): ("object", "job", {"serial": "ALPHA-SERIAL-1", "imei_last4": "3809"}),
    ("post", "/api/v1/jobs/{job_id}/fail"): ("object", "job", {"comment": "x"}),
    ("post", "/api/v1/jobs/{job_id}/cancel"): ("object", "job", {"reason": "x"}),
    ("post", "/api/v1/jobs/{job_id}/extend-deadline"): ("object", "job", {"until": "2027-01-31", "reason": "x"}),
    ("post", "/api/v1/jobs/{job_id}/correct-pairing"): (
        "object",
        "job",
        {"serial": "ALPHA-SERIAL-1", "imei_last4": "3809", "reason": "x"},
    ),
    ("get", "/api/v1/search"): ("list", None, None),
    ("get", "/api/v1/jobs/{job_id}/certificate"): ("object", "job", None),
    ("post", "/api/v1/jobs/{job_id}/certificate/send"): ("object", "job", None),
    ("get", "/api/v1/devices"): ("list", None, None),
    ("get", "/api/v1/calendar-feeds"): ("list", None, None),
    ("post", "/api/v1/calendar-feeds/renew"): ("own", None, None),
    ("post", "/api/v1/devices/{device_id}/ship"): ("object", "stock_device", {"company_id": "@company"}),
    ("post", "/api/v1/devices/{device_id}/receive"): ("object", "shipped_device", None),
    ("get", "/api/v1/customers"): ("list", None, None),
    ("post", "/api/v1/customers"): ("own", None, {"last_name": "Someone"}),
    ("get", "/api/v1/customers/{customer_id}"): ("object", "customer", None),
    ("get", "/api/v1/vehicles"): ("list", None, None),
    ("post", "/api/v1/vehicles"): ("own", None, {"plate": "BETA001"}),
    ("get", "/api/v1/vehicles/{vehicle_id}"): ("object", "vehicle", None),
    ("get", "/api/v1/subscriptions"): ("list", None, None),
    ("post", "/api/v1/subscriptions"): (
        "own",
        None,
        {
            "number": "B-1",
            "customer_id": "@customer",
            "vehicle_id": "@vehicle",
            "product_id": "@product",
            "arrived_on": "2026-01-01",
        },
    ),
    ("get", "/api/v1/subscriptions/{subscription_id}"): ("object", "subscription", None),
    ("get", "/api/v1/products"): ("list", None, None),
    ("post", "/api/v1/products"): ("own", None, {"name": "Other box", "code": "BOX"}),
    ("get", "/api/v1/products/{product_id}"): ("object", "product", None),
    ("post", "/api/v1/devices/import"): ("own", None, None),
    ("post", "/api/v1/devices/ship"): ("own", None, {"device_ids": ["@stock_device"], "company_id": "@company"}),
    ("get", "/api/v1/removal-requests"): ("list", None, None),
    ("get", "/api/v1/removal-requests/{request_id}"): ("object", "removal_request", None),
    ("get", "/api/v1/removals"): ("list", None, None),
    ("post", "/api/v1/removals/{line_id}/accept"): ("object", "removal_line", None),
    ("post", "/api/v1/removals/{line_id}/refuse"): ("object", "removal_line", {"reason": "x"}),
    ("post", "/api/v1/removals/{line_id}/report"): (
        "object",
        "removal_line",
        {"removed_at": "2026-11-01T10:00:00+01:00", "serial_end": "1234567", "technician": "x"},
    ),
    ("post", "/api/v1/removals/{line_id}/cancel"): ("object", "removal_line", {"reason": ""}),
    ("get", "/api/v1/removals/waiting-boxes"): ("list", None, None),
    ("get", "/api/v1/box-pickups"): ("list", None, None),
    ("post", "/api/v1/box-pickups"): (
        "own",
        None,
        {"company_id": "@company", "carrier": "x", "picked_up_on": "2026-11-01", "device_ids": ["@waiting_box"]},
    ),
    ("post", "/api/v1/box-pickups/{pickup_id}/receive"): ("object", "pickup", None),
    ("get", "/api/v1/vehicles/equipped"): ("list", None, None),
    ("get", "/api/v1/teams"): ("list", None, None),
    ("post", "/api/v1/teams"): ("own", None, {"name": "Walk team"}),
    ("post", "/api/v1/mailboxes"): ("own", None, {"team_id": "@team", "address": "walk@beta.example"}),
    ("put", "/api/v1/mailboxes/{mailbox_id}/imap"): ("object", "mailbox", {"imap_host": "evil.example"}),
    ("get", "/api/v1/tickets"): ("list", None, None),
    ("get", "/api/v1/tickets/{ticket_id}"): ("object", "ticket", None),
    ("post", "/api/v1/tickets/{ticket_id}/reply"): ("object", "ticket", {"text": "x"}),
    ("post", "/api/v1/tickets/{ticket_id}/notes"): ("object", "ticket", {"text": "x"}),
    ("post", "/api/v1/tickets/{ticket_id}/open"): ("object", "ticket", None),
    ("post", "/api/v1/tickets/{ticket_id}/wait"): ("object", "ticket", None),
    ("post", "/api/v1/tickets/{ticket_id}/resolve"): ("object", "ticket", None),
    ("post", "/api/v1/tickets/{ticket_id}/close"): ("object", "ticket", None),
    ("post", "/api/v1/tickets/{ticket_id}/reopen"): ("object", "ticket", None),
    ("post", "/api/v1/tickets/{ticket_id}/cancel"): ("object", "ticket", {"reason": "x"}),
    ("post", "/api/v1/tickets/{ticket_id}/merge"): ("object", "ticket", {"into": "T0000001"}),
    ("post", "/api/v1/tickets"): ("own", None, {"subject": "Walk call", "customer_id": "@back_customer"}),
    ("patch", "/api/v1/tickets/{ticket_id}"): ("object", "call", {"subject": "x", "priority": "urgent"}),
    ("get", "/api/v1/tickets/{ticket_id}/interventions"): ("object", "call", None),
    ("post", "/api/v1/tickets/{ticket_id}/interventions"): ("object", "call", {"description": "x"}),
    ("get", "/api/v1/interventions"): ("list", None, None),
    ("post", "/api/v1/interventions/{intervention_id}/by-phone"): ("object", "intervention", {"outcome": "x"}),
    ("post", "/api/v1/interventions/{intervention_id}/cancel"): ("object", "intervention", {"reason": "x"}),
    ("get", "/api/v1/tickets/{ticket_id}/charges"): ("object", "call", None),
    ("post", "/api/v1/tickets/{ticket_id}/charges"): ("object", "call", {"kind": "fee", "description": "x"}),
    ("delete", "/api/v1/charges/{charge_id}"): ("object", "charge", None),
    ("put", "/api/v1/tickets/{ticket_id}/vehicle"): ("object", "call", {"vehicle_id": "@vehicle"}),
    ("post", "/api/v1/tickets/{ticket_id}/job"): ("object", "call", {"kind": "maintenance", "company_id": "@company"}),
    # Work orders, planner, hours and clock-in, reports, files, calendars of work.
    ("get", "/api/v1/work-orders"): ("list", None, None),
    ("post", "/api/v1/work-orders"): ("own", None, {"description": "x", "customer_id": "@back_customer"}),
    ("get", "/api/v1/work-orders/{work_order_id}"): ("object", "work_order", None),
    ("patch", "/api/v1/work-orders/{work_order_id}"): ("object", "work_order", {"description": "x"}),
    ("put", "/api/v1/work-orders/{work_order_id}/plan"): ("object", "work_order", {"starts_at": "2026-12-09T09:00Z"}),
    ("post", "/api/v1/work-orders/{work_order_id}/plan"): ("object", "work_order", {"starts_at": "2026-12-09T09:00Z"}),
    ("post", "/api/v1/work-orders/{work_order_id}/moves/{action}"): ("object", "work_order", {}),
    ("post", "/api/v1/work-orders/{work_order_id}/answer"): ("object", "work_order", {"accept": True}),
    ("post", "/api/v1/work-orders/{work_order_id}/follow-up"): ("object", "work_order", {"description": "x"}),
    ("get", "/api/v1/work-orders/{work_order_id}/materials"): ("object", "work_order", None),
    ("post", "/api/v1/work-orders/{work_order_id}/materials"): ("object", "work_order", {"description": "x"}),
    ("delete", "/api/v1/materials/{material_id}"): ("object", "material", None),
    ("post", "/api/v1/work-orders/{work_order_id}/report"): ("object", "work_order", None),
    ("get", "/api/v1/work-reports/{report_id}"): ("object", "report", None),
    ("patch", "/api/v1/work-reports/{report_id}"): ("object", "report", {"work_done": "x"}),
    ("post", "/api/v1/work-reports/{report_id}/sign"): (
        "object",
        "report",
        {"technician_name": "x", "technician_signature": "x", "customer_name": "x", "customer_signature": "x"},
    ),
    ("post", "/api/v1/work-reports/{report_id}/correct"): ("object", "report", None),
    ("post", "/api/v1/work-reports/{report_id}/send"): ("object", "report", {}),
    ("get", "/api/v1/work-reports/{report_id}/pdf"): ("object", "report", None),
    ("get", "/api/v1/resources"): ("list", None, None),
    ("post", "/api/v1/resources"): ("own", None, {"name": "Beta van"}),
    ("patch", "/api/v1/resources/{resource_id}"): ("object", "resource", {"name": "x"}),
    ("post", "/api/v1/resources/{resource_id}/retire"): ("object", "resource", None),
    ("post", "/api/v1/resources/{resource_id}/restore"): ("object", "resource", None),
    ("get", "/api/v1/work-types"): ("list", None, None),
    ("post", "/api/v1/work-types"): ("own", None, {"name": "Beta type"}),
    ("patch", "/api/v1/work-types/{work_type_id}"): ("object", "work_type", {"name": "x"}),
    ("get", "/api/v1/planner/events"): ("list", None, None),
    ("get", "/api/v1/planner/free"): ("list", None, None),
    ("get", "/api/v1/planner/to-plan"): ("list", None, None),
    ("post", "/api/v1/activities"): (
        "own",
        None,
        {
            "kind": "training",
            "starts_at": "2026-12-09T09:00Z",
            "ends_at": "2026-12-09T10:00Z",
            "user_id": "@alpha_tech",
        },
    ),
    ("get", "/api/v1/activities/{activity_id}"): ("object", "activity", None),
    ("put", "/api/v1/activities/{activity_id}"): (
        "object",
        "activity",
        {"kind": "training", "starts_at": "2026-12-09T09:00Z", "ends_at": "2026-12-09T10:00Z"},
    ),
    ("delete", "/api/v1/activities/{activity_id}"): ("object", "activity", None),
    ("get", "/api/v1/hours/entries"): ("list", None, None),
    ("post", "/api/v1/hours/entries"): (
        "own",
        None,
        {"starts_at": "2026-12-01T09:00Z", "ends_at": "2026-12-01T10:00Z", "user_id": "@alpha_tech"},
    ),
    ("patch", "/api/v1/hours/entries/{entry_id}"): ("object", "time_entry", {"note": "x"}),
    ("delete", "/api/v1/hours/entries/{entry_id}"): ("object", "time_entry", None),
    ("get", "/api/v1/hours/grid"): ("list", None, None),
    ("get", "/api/v1/hours/work-orders/{work_order_id}"): ("object", "work_order", None),
    ("get", "/api/v1/hours/tickets/{ticket_id}"): ("object", "call", None),
    ("post", "/api/v1/clock/in"): ("own", None, {}),
    ("post", "/api/v1/clock/out"): ("own", None, {}),
    ("get", "/api/v1/clock/events"): ("list", None, None),
    ("post", "/api/v1/clock/corrections"): ("own", None, {"reason": "x", "event_id": "@clock_event"}),
    ("get", "/api/v1/clock/points"): ("list", None, None),
    ("post", "/api/v1/clock/points"): ("own", None, {"name": "Beta gate"}),
    ("put", "/api/v1/clock/points/{point_id}"): ("object", "clock_point", {"name": "x"}),
    ("delete", "/api/v1/clock/points/{point_id}"): ("object", "clock_point", None),
    ("get", "/api/v1/clock/settings"): ("list", None, None),
    ("put", "/api/v1/clock/settings"): ("own", None, {"clock_tolerance": 100, "clock_accuracy": 300}),
    ("get", "/api/v1/work-orders/{owner_id}/files"): ("object", "work_order", None),
    ("post", "/api/v1/work-orders/{owner_id}/files"): ("object", "work_order", None),
    ("get", "/api/v1/tickets/{owner_id}/files"): ("object", "call", None),
    ("post", "/api/v1/tickets/{owner_id}/files"): ("object", "call", None),
    ("get", "/api/v1/work-reports/{owner_id}/files"): ("object", "report", None),
    ("post", "/api/v1/work-reports/{owner_id}/files"): ("object", "report", None),
    ("get", "/api/v1/equipment/{owner_id}/files"): ("object", "equipment", None),
    ("post", "/api/v1/equipment/{owner_id}/files"): ("object", "equipment", None),
    ("get", "/api/v1/work-files/{file_id}"): ("object", "work_file", None),
    ("delete", "/api/v1/work-files/{file_id}"): ("object", "work_file", None),
    ("get", "/api/v1/work-calendar-feeds"): ("list", None, None),
    ("get", "/api/v1/work-orders/{work_order_id}/checklist"): ("object", "work_order", None),
    ("post", "/api/v1/work-orders/{work_order_id}/checklist/{run_id}/{key}"): (
        "object",
        "work_order",
        {"value": "yes"},
    ),
    ("put", "/api/v1/work-types/{work_type_id}/checklists"): ("object", "work_type", {"checklist_ids": []}),
    ("post", "/api/v1/work-calendar-feeds/renew"): ("own", None, None),
    ("get", "/api/v1/calls"): ("list", None, None),
    ("get", "/api/v1/calls/export"): ("list", None, None),
    ("get", "/api/v1/at-risk"): ("list", None, None),
    ("get", "/api/v1/service-levels"): ("list", None, None),
    ("put", "/api/v1/service-levels"): (
        "own",
        None,
        {"levels": [{"priority": "urgent", "response_hours": 1, "resolution_hours": 2}]},
    ),
    ("get", "/api/v1/contacts"): ("list", None, None),
    ("post", "/api/v1/contacts"): ("own", None, {"customer_id": "@back_customer", "email": "walk@beta.example"}),
    ("patch", "/api/v1/contacts/{contact_id}"): ("object", "contact", {"email": "stolen@beta.example"}),
    ("delete", "/api/v1/contacts/{contact_id}"): ("object", "contact", None),
    ("post", "/api/v1/contacts/{contact_id}/confirm"): ("object", "contact", {"customer_id": "@back_customer"}),
    ("get", "/api/v1/equipment"): ("list", None, None),
    ("get", "/api/v1/equipment/{equipment_id}"): ("object", "equipment", None),
    ("post", "/api/v1/equipment"): ("own", None, {"customer_id": "@back_customer", "name": "Walk"}),
    ("patch", "/api/v1/equipment/{equipment_id}"): ("object", "equipment", {"name": "Stolen"}),
    ("delete", "/api/v1/equipment/{equipment_id}"): ("object", "component", None),
    ("patch", "/api/v1/customers/{customer_id}"): ("object", "back_customer", {"company_name": "Stolen"}),
    ("get", "/api/v1/customers/{customer_id}/files"): ("object", "back_customer", None),
    ("post", "/api/v1/customers/{customer_id}/files"): ("object", "back_customer", None),
    ("get", "/api/v1/customers/{customer_id}/files/{file_id}"): ("object", "customer_file", None),
    ("delete", "/api/v1/customers/{customer_id}/files/{file_id}"): ("object", "customer_file", None),
    # Sales and stock (commerce).
    ("get", "/api/v1/items"): ("list", None, None),
    ("post", "/api/v1/items"): ("own", None, {"code": "WALK-ITEM", "description": "Walk"}),
    ("get", "/api/v1/items/products-to-link"): ("list", None, None),
    ("post", "/api/v1/items/from-products"): ("own", None, {"product_ids": ["@product"]}),
    ("get", "/api/v1/items/{item_id}"): ("object", "item", None),
    ("patch", "/api/v1/items/{item_id}"): ("object", "item", {"description": "Stolen"}),
    ("delete", "/api/v1/items/{item_id}"): ("object", "item", None),
    ("get", "/api/v1/items/{item_id}/suppliers"): ("object", "item", None),
    ("put", "/api/v1/items/{item_id}/suppliers/{supplier_id}"): ("object", "item", {"supplier_code": "X"}),
    ("delete", "/api/v1/items/{item_id}/suppliers/{supplier_id}"): ("object", "item", None),
    ("get", "/api/v1/items/{item_id}/photos"): ("object", "item", None),
    ("post", "/api/v1/items/{item_id}/photos"): ("object", "item", None),
    ("delete", "/api/v1/item-photos/{photo_id}"): ("object", "item_photo", None),
    ("get", "/api/v1/suppliers"): ("list", None, None),
    ("post", "/api/v1/suppliers"): ("own", None, {"name": "Walk supplier"}),
    ("get", "/api/v1/suppliers/{supplier_id}"): ("object", "supplier", None),
    ("patch", "/api/v1/suppliers/{supplier_id}"): ("object", "supplier", {"name": "Stolen"}),
    ("get", "/api/v1/price-lists"): ("list", None, None),
    ("post", "/api/v1/price-lists"): ("own", None, {"name": "Walk list"}),
    ("get", "/api/v1/price-lists/{price_list_id}"): ("object", "price_list", None),
    ("patch", "/api/v1/price-lists/{price_list_id}"): ("object", "price_list", {"name": "Stolen"}),
    ("get", "/api/v1/price-lists/{price_list_id}/prices"): ("object", "price_list", None),
    ("post", "/api/v1/price-lists/{price_list_id}/prices"): (
        "object",
        "price_list",
        {"item_id": "@item", "price": "1", "valid_from": "2026-12-01"},
    ),
    ("patch", "/api/v1/prices/{price_id}"): ("object", "price", {"valid_to": "2026-12-31"}),
    ("get", "/api/v1/price-lists/{price_list_id}/labour-rates"): ("object", "price_list", None),
    ("post", "/api/v1/price-lists/{price_list_id}/labour-rates"): (
        "object",
        "price_list",
        {"hourly_rate": "1", "valid_from": "2026-12-01"},
    ),
    ("patch", "/api/v1/labour-rates/{rate_id}"): ("object", "labour_rate", {"valid_to": "2026-12-31"}),
    ("get", "/api/v1/customers/{customer_id}/terms"): ("object", "back_customer", None),
    ("put", "/api/v1/customers/{customer_id}/terms"): ("object", "back_customer", {"price_list_id": None}),
    ("get", "/api/v1/commerce-settings"): ("list", None, None),
    ("put", "/api/v1/commerce-settings"): ("own", None, {"negative_stock": True}),
    ("post", "/api/v1/imports/items"): ("own", None, None),
    ("post", "/api/v1/imports/prices"): ("own", None, None),
    ("post", "/api/v1/imports/opening-stock"): ("own", None, None),
    ("get", "/api/v1/stock/locations"): ("list", None, None),
    ("post", "/api/v1/stock/locations"): ("own", None, {"kind": "warehouse", "name": "Walk warehouse"}),
    ("patch", "/api/v1/stock/locations/{location_id}"): ("object", "warehouse", {"name": "Stolen"}),
    ("get", "/api/v1/stock/locations/{location_id}/balances"): ("object", "warehouse", None),
    ("get", "/api/v1/stock/my-van"): ("list", None, None),
    ("get", "/api/v1/stock/moves"): ("list", None, None),
    ("post", "/api/v1/stock/moves"): (
        "own",
        None,
        {"kind": "scrap", "item_id": "@item", "quantity": "1", "source_id": "@warehouse"},
    ),
    ("post", "/api/v1/stock/moves/{move_id}/reverse"): ("object", "stock_move", {"note": "walk"}),
    ("get", "/api/v1/quotes"): ("list", None, None),
    ("post", "/api/v1/quotes"): ("own", None, {"customer_id": "@back_customer"}),
    ("get", "/api/v1/quotes/{quote_id}"): ("object", "quote", None),
    ("patch", "/api/v1/quotes/{quote_id}"): ("object", "quote", {"notes": "Stolen"}),
    ("post", "/api/v1/quote-requests"): ("own", None, {"work_order_id": "@work_order", "finding": "walk"}),
    ("post", "/api/v1/quotes/{quote_id}/lines"): ("object", "quote", {"description": "walk", "quantity": "1"}),
    ("patch", "/api/v1/quotes/{quote_id}/lines/{line_id}"): ("object", "quote", {"quantity": "2"}),
    ("delete", "/api/v1/quotes/{quote_id}/lines/{line_id}"): ("object", "quote", None),
    ("post", "/api/v1/quotes/{quote_id}/apply-price-list"): ("object", "quote", {}),
    ("post", "/api/v1/quotes/{quote_id}/send"): ("object", "quote", {}),
    ("post", "/api/v1/quotes/{quote_id}/answer"): ("object", "quote", {"accept": True}),
    ("post", "/api/v1/quotes/{quote_id}/convert"): ("object", "quote", {"into": "new"}),
    ("post", "/api/v1/quotes/{quote_id}/offer"): ("object", "quote", {}),
    ("post", "/api/v1/quotes/{quote_id}/cancel"): ("object", "quote", {}),
    ("get", "/api/v1/quotes/{quote_id}/pdf"): ("object", "quote", None),
    ("get", "/api/v1/offers"): ("list", None, None),
    ("post", "/api/v1/offers"): ("own", None, {"customer_id": "@back_customer"}),
    ("get", "/api/v1/offers/{offer_id}"): ("object", "offer", None),
    ("patch", "/api/v1/offers/{offer_id}"): ("object", "offer", {"notes": "Stolen"}),
    ("post", "/api/v1/offers/{offer_id}/lines"): ("object", "offer", {"description": "walk", "unit_price": 1}),
    ("patch", "/api/v1/offer-lines/{line_id}"): ("object", "offer_line", {"quantity": "2"}),
    ("delete", "/api/v1/offer-lines/{line_id}"): ("object", "offer_line", None),
    ("post", "/api/v1/offers/{offer_id}/send"): ("object", "offer", {}),
    ("post", "/api/v1/offers/{offer_id}/resend"): ("object", "offer", {}),
    ("post", "/api/v1/offers/{offer_id}/answer"): ("object", "offer", {"accept": True}),
    ("post", "/api/v1/offers/{offer_id}/deliver"): ("object", "offer", {}),
    ("post", "/api/v1/offers/{offer_id}/cancel"): ("object", "offer", {}),
    ("get", "/api/v1/offers/{offer_id}/pdf"): ("object", "offer", None),
    ("get", "/api/v1/supplier-orders"): ("list", None, None),
    ("post", "/api/v1/supplier-orders"): (
        "own",
        None,
        {"supplier_id": "@supplier", "location_id": "@warehouse", "lines": [{"item_id": "@item", "quantity": "1"}]},
    ),
    ("get", "/api/v1/supplier-orders/{order_id}"): ("object", "purchase", None),
    ("put", "/api/v1/supplier-orders/{order_id}"): (
        "object",
        "purchase",
        {"supplier_id": "@supplier", "location_id": "@warehouse", "lines": []},
    ),
    ("post", "/api/v1/supplier-orders/{order_id}/send"): ("object", "purchase", {}),
    ("post", "/api/v1/supplier-orders/{order_id}/cancel"): ("object", "purchase", {}),
    ("get", "/api/v1/supplier-orders/{order_id}/pdf"): ("object", "purchase", None),
    ("get", "/api/v1/supplier-orders/{order_id}/receipts"): ("object", "purchase", None),
    ("post", "/api/v1/supplier-orders/{order_id}/receipts"): (
        "object",
        "purchase",
        {"supplier_ddt": "X", "supplier_ddt_date": "2026-12-01", "lines": []},
    ),
    ("get", "/api/v1/cost-checks/pending"): ("list", None, None),
    ("get", "/api/v1/cost-checks"): ("list", None, None),
    ("post", "/api/v1/cost-checks"): (
        "own",
        None,
        {"supplier_id": "@supplier", "invoice_number": "W", "invoice_date": "2026-12-01", "lines": []},
    ),
    ("get", "/api/v1/billables"): ("list", None, None),
    ("get", "/api/v1/delivery-notes"): ("list", None, None),
    ("post", "/api/v1/delivery-notes"): ("own", None, {"customer_id": "@back_customer", "lines": []}),
    ("get", "/api/v1/delivery-notes/{note_id}"): ("object", "delivery_note", None),
    ("put", "/api/v1/delivery-notes/{note_id}"): (
        "object",
        "delivery_note",
        {"customer_id": "@back_customer", "lines": [], "carrier": "Stolen"},
    ),
    ("post", "/api/v1/delivery-notes/from-work-order"): ("own", None, {"work_order_id": "@work_order"}),
    ("post", "/api/v1/delivery-notes/from-order"): ("own", None, {"offer_id": "@offer", "source_id": "@warehouse"}),
    ("put", "/api/v1/delivery-notes/{note_id}/lines"): ("object", "delivery_note", {"lines": []}),
    ("post", "/api/v1/delivery-notes/{note_id}/issue"): ("object", "delivery_note", {}),
    ("post", "/api/v1/delivery-notes/{note_id}/cancel"): ("object", "delivery_note", {}),
    ("post", "/api/v1/delivery-notes/{note_id}/send"): ("object", "delivery_note", {}),
    ("get", "/api/v1/delivery-notes/{note_id}/pdf"): ("object", "delivery_note", None),
}
API_OPERATIONS |= walk_billing.API_OPERATIONS


def api_operations() -> set[tuple[str, str]]:
    paths = api.get_openapi_schema()["paths"]
    return {(method, path) for path, ops in paths.items() for method in ops}


def api_callers(world: World) -> list[dict[str, str]]:
    b = world.b
    headers = []
    scopes = [b.scope(u) for u in (b.provider_admin, b.dispatcher, b.company_admin, b.installer)]
    scopes += [scope_of(u, b.company) for u in back_office_people(b)[:3]]
    for scope in scopes:
        _t, raw = services.token_create(scope=scope, name="walk", days=1)
        headers.append({"HTTP_AUTHORIZATION": f"Bearer {raw}"})
    return headers


# Path parameters that are words, not ids.
PATH_WORDS = {"action": "send"}


def fill(path: str, pk: int) -> str:
    import re

    return re.sub(r"\{(\w+)\}", lambda m: PATH_WORDS.get(m.group(1), str(pk)), path)


def resolve(body: Any, world: World) -> Any:
    """Bodies name the other organisation's objects as "@key"."""
    if isinstance(body, dict):
        return {k: resolve(v, world) for k, v in body.items()}
    if isinstance(body, list):
        return [resolve(v, world) for v in body]
    if isinstance(body, str) and body.startswith("@"):
        return world.ids[body[1:]]
    return body


def test_every_api_operation_is_walked():
    assert api_operations() == set(API_OPERATIONS), "Add the new operation to API_OPERATIONS."


def test_api_never_leaks_another_organisation(world):
    client = Client()
    for auth in api_callers(world):
        for (method, path), (kind, key, body) in API_OPERATIONS.items():
            call = getattr(client, method)
            body = resolve(body, world)
            extra = {"content_type": "application/json", "data": body} if body is not None else {}
            if kind == "object":
                foreign = call(fill(path, world.ids[key]), **extra, **auth)
                missing = call(fill(path, MISSING), **extra, **auth)
                assert foreign.status_code == missing.status_code, (method, path)
                assert foreign.status_code in (403, 404), (method, path, foreign.status_code)
                text = foreign.content.decode()
            elif kind == "signed":
                # Public, but only for a signed sender: a person's token is no signature.
                response = call(path, **extra, **auth)
                assert response.status_code == 401, (method, path, response.status_code)
                text = response.content.decode()
            else:
                text = call(path, **extra, **auth).content.decode()
            leaked = [m for m in world.markers if m in text]
            assert not leaked, (method, path, leaked)
    assert a_state(world) == A_STATE
    assert walk_billing.billing_state(world) == world.billing
