"""Demo removals: Traqueur Demo's rental fleet sends a removal request to Tramosa (code EK004).

The request is uploaded and confirmed through the same services as the screens, then Tramosa moves its lines:
one accepted, one reported (its box waits for the carrier), one refused, one still "notified". Two more
equipped vehicles are in no request, for a file of one's own (docs/development.md lists them).
"""

from __future__ import annotations

import io
from datetime import timedelta

from django.utils import timezone
from openpyxl import Workbook

from fieldbox.accounts.models import Organisation, User
from fieldbox.accounts.selectors import scope_for
from fieldbox.core import transitions
from fieldbox.core.tenancy import Scope
from fieldbox.fleet.choices import DEVICE_TABLE, SUBSCRIPTION_TABLE
from fieldbox.fleet.models import Customer, Device, Product, Subscription, Vehicle
from fieldbox.removals.imports import HEADER
from fieldbox.removals.models import BoxPickup, RemovalDraftLine, RemovalLine, RemovalRequest, RemovalSettings
from fieldbox.removals.services import lines as line_services
from fieldbox.removals.services import requests as request_services

PROVIDER, REMOVER = "Traqueur Demo", "Tramosa"
REQUESTER, TECHNICIAN = "dispatch@traqueur.example", "luca@tramosa.example"
# (VIN, plate, make, model, subscription number, place): the rental cars coming back from their lease.
FLEET = [
    ("WBA1T51080P596759", "FR-101-AA", "BMW", "SERIE 1", "140200C28", "Chambéry"),
    ("VF1RFB00X51234567", "FR-102-AB", "Renault", "Clio", "140200C29", "Lyon Part-Dieu"),
    ("VF3LCYHZPJS123456", "FR-103-AC", "Peugeot", "208", "140200C30", "Paris Bercy"),
    ("VF7SA9HP0HW123456", "FR-104-AD", "Citroën", "C3", "140200C31", "Grenoble"),
    ("WVWZZZAWZJY123456", "FR-105-AE", "Volkswagen", "Polo", "140200C32", "Annecy"),
    ("ZFA31200000123456", "FR-106-AF", "Fiat", "500", "140200C33", "Chambéry"),
]
IN_REQUEST = 4


def _scope(email: str, organisation: Organisation) -> Scope:
    scope = scope_for(User.objects.get(email=email), organisation.pk)
    assert scope is not None
    return scope


def reset() -> None:
    """Everything of the demo providers' removals (before the jobs and the registry they point at)."""
    providers = Organisation.objects.filter(name=PROVIDER)
    requests = RemovalRequest.objects.filter(provider__in=providers)
    RemovalDraftLine.objects.filter(request__in=requests).delete()
    RemovalLine.objects.filter(request__in=requests).delete()
    requests.delete()
    BoxPickup.objects.filter(provider__in=providers).delete()
    RemovalSettings.objects.filter(provider__in=providers).delete()


def _equipped_fleet(ask: Scope, remover: Organisation) -> None:
    """The cars with a customer (the rental company itself), an active subscription and a box each, fitted before
    the provider started with Fieldbox (its installed base)."""
    provider = ask.organisation
    product = Product.objects.filter(provider=provider).first() or Product.objects.create(
        provider=provider, name="Boîtier T4", code="TRQ-1", serial_prefix="TRQ"
    )
    customer = Customer.objects.create(organisation=provider, company_name="Loc'Alpes", language="fr")
    installed = timezone.now() - timedelta(days=400)
    boxes = []
    for n, (vin, plate, make, model, number, _place) in enumerate(FLEET, start=1):
        vehicle = Vehicle.objects.create(provider=provider, vin=vin, plate=plate, make=make, model=model, year=2021)
        subscription = Subscription(
            provider=provider,
            number=number,
            customer=customer,
            vehicle=vehicle,
            product=product,
            agency="Agence Savoie",
            arrived_on=installed.date(),
        )
        SUBSCRIPTION_TABLE.create(subscription, "create", scope=ask)
        boxes.append(
            Device(
                provider=provider,
                product=product,
                serial=f"TRQ95{n:05d}",
                company=remover,
                vehicle=vehicle,
                activated_at=installed,
            )
        )
    DEVICE_TABLE.create_many(boxes, "load_installed", scope=ask)


def _request_file() -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Déposes")
    sheet.append(list(HEADER))
    wished = timezone.localdate() + timedelta(days=10)
    for vin, _plate, _make, _model, number, place in FLEET[:IN_REQUEST]:
        sheet.append([vin, number, "EK004", place, wished, "Fin de contrat de location"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def load() -> None:
    with transitions.atomic():
        _load()


def _load() -> None:
    provider = Organisation.objects.get(name=PROVIDER)
    remover = Organisation.objects.get(name=REMOVER)
    ask, act = _scope(REQUESTER, provider), _scope(TECHNICIAN, remover)
    _equipped_fleet(ask, remover)
    data = _request_file()
    draft = request_services.request_upload(
        scope=ask, stream=io.BytesIO(data), file_name="deposes-fin-de-contrat.xlsx", size=len(data)
    )
    request_services.request_confirm(scope=ask, request_id=draft.pk)
    first, second, third, _fourth = RemovalLine.objects.filter(request=draft).order_by("row")
    line_services.line_accept(scope=act, line_id=first.pk)
    line_services.line_report(
        scope=act,
        line_id=second.pk,
        removed_at=timezone.now() - timedelta(hours=3),
        serial_end="TRQ9500002"[-7:],
        technician="Luca Moreau",
    )
    line_services.line_refuse(scope=act, line_id=third.pk, reason="Véhicule introuvable à l'adresse indiquée.")
