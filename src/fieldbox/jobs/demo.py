"""Demo jobs: a working day at Officina Rossi for IOtelematics, and Tramosa's removals and installs for Traqueur.

Every job gets where it is through the same services people use, so its history is real.
"""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from PIL import Image

from fieldbox.accounts.models import Organisation, User
from fieldbox.accounts.selectors import scope_for
from fieldbox.core import transitions
from fieldbox.core.tenancy import Scope
from fieldbox.fleet.choices import DEVICE_TABLE, SUBSCRIPTION_TABLE
from fieldbox.fleet.models import Customer, CustomerAddress, Device, Product, Subscription, Vehicle
from fieldbox.fleet.services import devices_receive, devices_ship
from fieldbox.fleet.validators import luhn_ok
from fieldbox.jobs import services
from fieldbox.jobs.checks.photos import photo_add
from fieldbox.jobs.checks.selectors import YES, items_of_job
from fieldbox.jobs.checks.services import check_answer, checklist_defaults
from fieldbox.jobs.choices import CheckType, JobKind
from fieldbox.jobs.models import Checklist, Job

PROVIDERS = ("IOtelematics Demo", "Traqueur Demo")
OWNERS = [
    ("Luca", "Bianchi", "+393331112201", "Via Po 10", "10123", "Torino", "FG123AB", "Fiat", "Panda"),
    ("Giulia", "Romano", "+393331112202", "Corso Francia 5", "10138", "Torino", "GH456CD", "Lancia", "Ypsilon"),
    ("Marco", "Colombo", "+393331112203", "Via Roma 22", "10121", "Torino", "EZ789EF", "Jeep", "Renegade"),
    ("Sara", "Ricci", "+393331112204", "Via Nizza 8", "10125", "Torino", "FK321GH", "Fiat", "500"),
    ("Paolo", "Marino", "+393331112205", "Via Cibrario 3", "10143", "Torino", "GA654IJ", "Alfa Romeo", "Giulietta"),
    ("Elena", "Greco", "+393331112206", "Via Madama Cristina 40", "10125", "Torino", "EX987KL", "Fiat", "Tipo"),
    ("Davide", "Bruno", "+393331112207", "Corso Vittorio 12", "10128", "Torino", "FD135MN", "Volkswagen", "Golf"),
    ("Chiara", "Gallo", "+393331112208", "Via Garibaldi 19", "10122", "Torino", "GB246OP", "Renault", "Clio"),
    ("Andrea", "Conti", "+393331112209", "Via Lagrange 2", "10123", "Torino", "FE357QR", "Toyota", "Yaris"),
    ("Francesca", "Costa", "+393331112210", "Via Sacchi 14", "10128", "Torino", "EY468ST", "Peugeot", "208"),
]


def _imei(seed: int) -> str:
    body = f"49015420{seed:06d}"
    return next(body + str(d) for d in range(10) if luhn_ok(body + str(d)))


def _scope(email: str, organisation: Organisation) -> Scope:
    scope = scope_for(User.objects.get(email=email), organisation.pk)
    assert scope is not None
    return scope


def reset() -> None:
    providers = Organisation.objects.filter(name__in=PROVIDERS)
    Job.objects.filter(provider__in=providers).delete()
    Checklist.objects.filter(organisation__in=providers, kind__in=JobKind.values).delete()
    Subscription.objects.filter(provider__in=providers).delete()
    Device.objects.filter(provider__in=providers).delete()
    Vehicle.objects.filter(provider__in=providers).delete()
    Customer.objects.filter(organisation__in=providers).delete()
    Product.objects.filter(provider__in=providers).delete()


def _registry(plan: Scope, provider: Organisation, product: Product, offset: int) -> list[Subscription]:
    arrived = timezone.localdate() - timedelta(days=6)
    subscriptions = []
    for i, (first, last, phone, street, postcode, city, plate, make, model) in enumerate(OWNERS):
        customer = Customer.objects.create(
            organisation=provider, first_name=first, last_name=last, phone=phone, language=provider.language
        )
        CustomerAddress.objects.create(customer=customer, street=street, postcode=postcode, city=city)
        vehicle = Vehicle.objects.create(
            provider=provider, plate=plate[:-1] + str(offset), make=make, model=model, year=2020 + i % 5
        )
        subscription = Subscription(
            provider=provider,
            number=f"{provider.name[:3].upper()}{offset}{i + 1:05d}",
            customer=customer,
            vehicle=vehicle,
            product=product,
            agency="Agenzia Centro",
            arrived_on=arrived,
        )
        SUBSCRIPTION_TABLE.create(subscription, "create", scope=plan)
        subscriptions.append(subscription)
    return subscriptions


def _boxes(plan: Scope, product: Product, prefix: str, seed: int) -> list[Device]:
    """Six boxes loaded into the provider's stock, as a file of devices would."""
    boxes = [
        Device(provider=plan.organisation, product=product, serial=f"{prefix}{seed + n:07d}", imei=_imei(seed + n))
        for n in range(1, 7)
    ]
    return DEVICE_TABLE.create_many(boxes, "load", scope=plan)


def _devices(plan: Scope, fit: Scope, product: Product, prefix: str, seed: int) -> list[Device]:
    """Boxes shipped to the company and confirmed there: ready to pair."""
    boxes = _boxes(plan, product, prefix, seed)
    ids = [b.pk for b in boxes]
    devices_ship(scope=plan, device_ids=ids, company_id=fit.organisation.pk)
    devices_receive(scope=fit, device_ids=ids)
    return list(Device.objects.filter(pk__in=ids).order_by("pk"))


def _stock(plan: Scope, fit: Scope, product: Product, prefix: str, seed: int) -> None:
    """Boxes still at the provider's warehouse, and two on their way to the company (receipt not confirmed)."""
    boxes = _boxes(plan, product, prefix, seed)
    devices_ship(scope=plan, device_ids=[b.pk for b in boxes[4:]], company_id=fit.organisation.pk)


def _photo() -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", (64, 48), (40, 90, 160)).save(buffer, "JPEG")
    return SimpleUploadedFile("device.jpg", buffer.getvalue(), content_type="image/jpeg")


def _fill_checklist(fit: Scope, job: Job) -> None:
    """What the installer ticks on site, so that the activation alone closes the job."""
    for item in items_of_job(job):
        if item.type == CheckType.PHOTO:
            photo_add(scope=fit, job_id=job.pk, item_id=item.pk, upload=_photo())
        else:
            value = YES if item.type == CheckType.CHECK else item.options[-2]
            check_answer(scope=fit, job_id=job.pk, item_id=item.pk, value=value)


def load() -> None:
    with transitions.atomic():
        _load_both()


def _load_both() -> None:
    _load_one("IOtelematics Demo", "Officina Rossi", "TBA", 1, "admin@iot.example", "mario@rossi.example")
    _load_one("Traqueur Demo", "Tramosa", "TRQ", 2, "dispatch@traqueur.example", "luca@tramosa.example")


def _load_one(provider_name: str, company_name: str, prefix: str, offset: int, planner: str, fitter: str) -> None:
    provider = Organisation.objects.get(name=provider_name)
    company = Organisation.objects.get(name=company_name)
    product = Product.objects.create(
        provider=provider,
        name="IOBox + SOS" if prefix == "TBA" else "Boîtier T4",
        code=f"{prefix}-1",
        serial_prefix=prefix,
        imei_required=True,
        emergency_button=prefix == "TBA",
    )
    with translation.override(provider.language):
        checklist_defaults(provider)
    plan, fit = _scope(planner, provider), _scope(fitter, company)
    subscriptions = _registry(plan, provider, product, offset)
    devices = _devices(plan, fit, product, prefix, offset * 1000)
    _stock(plan, fit, product, prefix, offset * 1000 + 100)
    jobs = [
        services.job_create(
            scope=plan, subscription_id=s.pk, spec={"notes": "Pulsante SOS sotto il volante"} if i == 0 else None
        )
        for i, s in enumerate(subscriptions)
    ]
    for job in jobs[2:]:
        services.job_assign(scope=plan, job_id=job.pk, company_id=company.pk)
    # jobs[0:2] stay drafts; jobs[2:4] wait in "available"; the rest are taken by the installer.
    for job in jobs[4:]:
        services.job_take(scope=fit, job_id=job.pk)
    # The week's appointments: tomorrow, in two days (a job nobody took yet) and in three days.
    today = timezone.localtime().replace(minute=0, second=0, microsecond=0)
    for job, days, hour in ((jobs[4], 1, 9), (jobs[3], 2, 14), (jobs[5], 3, 11)):
        services.job_appointment(scope=fit, job_id=job.pk, when=today.replace(hour=hour) + timedelta(days=days))
    for job, device in ((jobs[6], devices[0]), (jobs[7], devices[1]), (jobs[8], devices[2])):
        services.job_pair(
            scope=fit, job_id=job.pk, serial=device.serial, imei_last4=device.imei[-4:] if device.imei else ""
        )
        _fill_checklist(fit, job)
    services.job_activate(Device.objects.get(pk=devices[1].pk), timezone.now())  # jobs[7]: succeeded
    services.job_fail(scope=fit, job_id=jobs[9].pk, comment="Il cliente ha venduto il veicolo.")
    services.job_cancel(scope=plan, job_id=jobs[1].pk, reason="Contratto annullato dal cliente.")
