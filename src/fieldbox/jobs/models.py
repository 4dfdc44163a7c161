"""Jobs: one piece of work (installation, removal, maintenance) on one vehicle, for one provider."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Case, OuterRef, Q, Subquery, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fieldbox.accounts.selectors import partner_provider_ids
from fieldbox.core.tenancy import Mask, Scope, ScopedQuerySet
from fieldbox.jobs.choices import BUSY, ENDED, OPEN, ChecklistKind, CheckType, JobKind, JobStatus, status_label

ORGANISATION = "accounts.Organisation"


def masked_plate(plate: str) -> str:
    """AB•••CD: enough to recognise a car one worked on, not to find its owner."""
    return plate[:2] + "•" * max(len(plate) - 4, 1) + plate[-2:] if len(plate) > 4 else "•" * len(plate)


def _blank(value: Any) -> str:
    return ""


# What an installer company stops reading of a job once it ended (or its partnership with the provider did).
JOB_PERSONAL_PATHS = {
    "vehicle__plate": lambda plate: masked_plate(plate or ""),
    "vehicle__vin": _blank,
    "subscription__number": _blank,
    "customer__first_name": _blank,
    "customer__last_name": _blank,
    "customer__company_name": _blank,
    "customer__phone": _blank,
    "customer__phone_other": _blank,
    "customer__email": _blank,
}


def _strip_job(job: Job) -> None:
    """Replace the owner's data of a loaded job by stand-ins (the relations as they were loaded, without it)."""
    from fieldbox.fleet.models import Customer, Subscription, Vehicle

    cache = job._state.fields_cache
    vehicle = cache.get("vehicle") or Vehicle(pk=job.vehicle_id, provider_id=job.provider_id, plate="")
    loaded = vars(vehicle)  # the columns the list loaded (a deferred one would cost a query per row)
    cache["vehicle"] = Vehicle(
        **{f.attname: loaded[f.attname] for f in Vehicle._meta.concrete_fields if f.attname in loaded}
    )
    cache["vehicle"].plate, cache["vehicle"].vin = masked_plate(vehicle.plate), ""
    customer = cache.get("customer")
    cache["customer"] = Customer(
        pk=job.customer_id,
        organisation_id=job.provider_id,
        kind=customer.kind if customer else "person",
        language=customer.language if customer else "",
    )
    cache["subscription"] = Subscription(pk=job.subscription_id, provider_id=job.provider_id, number="")
    job.masked = True


def _job_mask(scope: Scope) -> Mask[Job]:
    """An installer company reads the owner's data of its jobs while they are open and it works for the provider
    (``JobQuerySet.with_owner_data`` is the same rule in SQL)."""

    def hides(status: str, provider_id: int) -> bool:
        return status in ENDED or provider_id not in partner_provider_ids(scope)

    return Mask.on(hides, fields=("status", "provider_id"), strip=_strip_job, paths=JOB_PERSONAL_PATHS)


class JobQuerySet(ScopedQuerySet["Job"]):
    def visible_to(self, scope: Scope) -> JobQuerySet:
        """A provider sees its jobs; an installer company the jobs assigned to it, once they show to it (never a
        draft), with the owner's data masked once the job ended or the partnership with its provider did."""
        org = scope.organisation
        if org.is_provider:
            return self.filter(provider=org)
        qs = self.filter(company=org, visible_from__lte=timezone.now()).exclude(status=JobStatus.DRAFT)
        return qs.masked(_job_mask(scope))

    def with_owner_data(self, scope: Scope) -> JobQuerySet:
        """Only the jobs whose owner's data this scope reads (the rows ``_job_mask`` leaves whole): searching by
        plate, name or phone never finds a masked job."""
        if scope.organisation.is_provider:
            return self
        return self.exclude(status__in=ENDED).filter(provider_id__in=partner_provider_ids(scope))

    def with_town(self) -> JobQuerySet:
        """Each job with its owner's town as ``town`` (the residence before any other address): the installer's
        lists say where the car is. Read only where the owner's data is (``Row.sees_data``)."""
        from fieldbox.fleet.choices import AddressKind
        from fieldbox.fleet.models import CustomerAddress

        first = (
            CustomerAddress.objects.filter(customer_id=OuterRef("customer_id"))
            .order_by(Case(When(kind=AddressKind.RESIDENCE, then=0), default=1), "pk")
            .values("city")[:1]
        )
        return self.annotate(town=Subquery(first))

    def open(self) -> JobQuerySet:
        """IOINSTALLER "attività in carico": assigned to a company, not yet paired."""
        return self.filter(status__in=(JobStatus.ASSIGNED, JobStatus.IN_PROGRESS))

    def holding(self, vehicle_ids: Iterable[int]) -> JobQuerySet:
        """The jobs that hold these vehicles: one at a time (``BUSY``), a constraint refuses a second."""
        return self.filter(vehicle_id__in=list(vehicle_ids), status__in=BUSY)

    def on_job_screens(self) -> JobQuerySet:
        """The jobs handled on the job screens (a removal request's jobs move with their lines, under Removals)."""
        return self.filter(in_removal_request=False)


class Job(models.Model):
    provider = models.ForeignKey(ORGANISATION, verbose_name=_("provider"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=JobKind.choices, default=JobKind.INSTALLATION)
    status = models.CharField(_("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.DRAFT)
    subscription = models.ForeignKey(
        "fleet.Subscription", verbose_name=_("subscription"), on_delete=models.PROTECT, related_name="jobs"
    )
    vehicle = models.ForeignKey(
        "fleet.Vehicle", verbose_name=_("vehicle"), on_delete=models.PROTECT, related_name="jobs"
    )
    customer = models.ForeignKey(
        "fleet.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    product = models.ForeignKey("fleet.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="+")
    # What the installer must follow (vehicle model, central lock connection type, notes); the rest is theirs.
    spec = models.JSONField(_("specification"), default=dict, blank=True)
    company = models.ForeignKey(
        ORGANISATION,
        verbose_name=_("installer company"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_jobs",
    )
    installer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("installer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    device = models.ForeignKey(
        "fleet.Device", verbose_name=_("device"), null=True, blank=True, on_delete=models.PROTECT, related_name="jobs"
    )
    created_at = models.DateTimeField(_("created on"), auto_now_add=True)
    assigned_at = models.DateTimeField(_("assigned on"), null=True, blank=True)
    visible_from = models.DateTimeField(_("visible to the company from"), null=True, blank=True)
    deadline_at = models.DateTimeField(_("deadline"), null=True, blank=True)
    appointment_at = models.DateTimeField(_("appointment"), null=True, blank=True)
    paired_at = models.DateTimeField(_("paired on"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed on"), null=True, blank=True)
    # Set when the device did not report its activation in time after pairing (customer care was told).
    activation_alert_at = models.DateTimeField(_("activation overdue since"), null=True, blank=True)
    # The device reported its activation; the job succeeds once the required checks are complete too.
    activated_at = models.DateTimeField(_("device activated on"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    # The last move of the job (the calendar feed's "last modified"), set by every move of its table.
    changed_at = models.DateTimeField(_("changed on"), default=timezone.now)
    # The number people read ("J0000042"), from the provider's series (``core.numbering``).
    number = models.CharField(_("number"), max_length=16)
    # The job of a removal request's line: it moves with its line, under Removals, never on the job screens.
    in_removal_request = models.BooleanField(_("from a removal request"), default=False)
    # The owner asked for another workshop through the link of the current assignment (once per assignment).
    owner_change_asked_at = models.DateTimeField(_("owner asked for another workshop on"), null=True, blank=True)

    objects = JobQuerySet.as_manager()
    masked = False  # True on a job loaded through a masked projection (the owner's data replaced)

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        constraints = [
            models.UniqueConstraint(fields=["provider", "number"], name="job_number_once"),
            # One job at a time holds a vehicle: a second one would send two installers to the same car.
            models.UniqueConstraint(fields=["vehicle"], condition=Q(status__in=BUSY), name="job_vehicle_busy_once"),
        ]
        indexes = [
            # visible_from included: the tab counters are answered from the index alone.
            models.Index(fields=["company", "status", "-id"], include=["visible_from"], name="job_company_status"),
            models.Index(fields=["provider", "status", "-id"], name="job_provider_status"),
            models.Index(fields=["company", "-id"], name="job_company_available", condition=Q(status="assigned")),
            # "Take the next job": the available job closest to its deadline.
            models.Index(
                fields=["company", "deadline_at", "id"],
                name="job_company_next",
                condition=Q(status="assigned", in_removal_request=False),
            ),
            # The assigned jobs that do not show to their company yet (subtracted from its counters).
            models.Index(fields=["company", "visible_from"], name="job_company_hidden", condition=Q(status="assigned")),
            # /metrics: the open jobs late or due soon (filters.deadline_q), counted up to a cap from this index.
            models.Index(fields=["deadline_at"], name="job_open_deadline", condition=Q(status__in=OPEN)),
        ]

    def __str__(self) -> str:
        return self.number or "J-"

    def get_status_display(self) -> str:  # type: ignore[no-redef]  # Django's, in the words of the kind
        """The status in the words users know: an installation whose device is active reads "ACTIVE"."""
        return status_label(self.kind, self.status)


class ChecklistQuerySet(ScopedQuerySet["Checklist"]):
    def visible_to(self, scope: Scope) -> ChecklistQuerySet:
        """The checklists an organisation manages: its own (a company reads a provider's only on its jobs)."""
        return self.filter(organisation=scope.organisation)

    def of_job_group(self, organisation_id: int, kind: str, product_id: int | None) -> ChecklistQuerySet:
        product = {"product_id": product_id} if product_id else {"product__isnull": True}
        return self.filter(organisation_id=organisation_id, kind=kind, **product)


class Checklist(models.Model):
    """A list of questions: a provider's for one kind of job (one product, or any product), or an organisation's
    for its work orders (the work-order types say which ones they use)."""

    organisation = models.ForeignKey(
        ORGANISATION, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("name"), max_length=120, blank=True, help_text=_("Empty for a kind of job."))
    kind = models.CharField(_("for"), max_length=16, choices=ChecklistKind.choices, default=ChecklistKind.INSTALLATION)
    product = models.ForeignKey(
        "fleet.Product",
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Empty: every product."),
    )
    created_at = models.DateTimeField(_("created on"), default=timezone.now)

    objects = ChecklistQuerySet.as_manager()

    class Meta:
        verbose_name = _("checklist")
        verbose_name_plural = _("checklists")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind", "product"],
                condition=Q(product__isnull=False),
                name="checklist_one_per_product",
            ),
            models.UniqueConstraint(
                fields=["organisation", "kind"],
                condition=Q(product__isnull=True) & ~Q(kind=ChecklistKind.WORK_ORDER),
                name="checklist_one_per_kind",
            ),
            models.UniqueConstraint(
                fields=["organisation", "name"],
                condition=Q(kind=ChecklistKind.WORK_ORDER),
                name="checklist_work_order_name",
            ),
        ]

    def __str__(self) -> str:
        return self.name or f"{self.get_kind_display()}"

    @property
    def for_jobs(self) -> bool:
        return self.kind != ChecklistKind.WORK_ORDER

    def snapshot(self) -> list[dict[str, Any]]:
        """Its live questions in order, as a run keeps them."""
        return [q.entry() for q in self.questions.filter(removed_at__isnull=True).order_by("position", "pk")]


class QuestionQuerySet(ScopedQuerySet["Question"]):
    def visible_to(self, scope: Scope) -> QuestionQuerySet:
        """The live questions of the checklists an organisation manages."""
        return self.filter(checklist__organisation=scope.organisation, removed_at__isnull=True)

    def create(self, **kwargs: Any) -> Question:
        """Also takes the former item's ``provider``, ``kind`` and ``product``: the question joins that group's
        checklist (made if needed), at its end."""
        if "checklist" not in kwargs and "checklist_id" not in kwargs:
            provider = kwargs.pop("provider")
            kind = kwargs.pop("kind", ChecklistKind.INSTALLATION)
            product = kwargs.pop("product", None)
            group = Checklist.objects.of_job_group(provider.pk, kind, product.pk if product else None)
            kwargs["checklist"] = group.first() or Checklist.objects.create(
                organisation=provider, kind=kind, product=product
            )
        return super().create(**kwargs)


class Question(models.Model):
    """One question of a checklist. Runs copy their questions when they start, so an edit never changes them;
    a removed question stays for the answers already given."""

    checklist = models.ForeignKey(
        Checklist, verbose_name=_("checklist"), on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    label = models.CharField(_("label"), max_length=200)
    type = models.CharField(_("type"), max_length=8, choices=CheckType.choices, default=CheckType.CHECK)
    options = models.JSONField(_("options"), default=list, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    min_value = models.DecimalField(_("lowest value"), max_digits=14, decimal_places=4, null=True, blank=True)
    max_value = models.DecimalField(_("highest value"), max_digits=14, decimal_places=4, null=True, blank=True)
    required = models.BooleanField(_("required"), default=True)
    removed_at = models.DateTimeField(_("removed on"), null=True, blank=True)

    objects = QuestionQuerySet.as_manager()

    class Meta:
        verbose_name = _("checklist question")
        verbose_name_plural = _("checklist questions")
        indexes = [models.Index(fields=["checklist", "position"], name="question_order")]

    def __str__(self) -> str:
        return self.label

    @property
    def key(self) -> str:
        """The question's key in runs, answers and photos."""
        return str(self.pk)

    def entry(self) -> dict[str, Any]:
        """The question as a run keeps it (numbers as text, exact)."""
        bounds = {"min": self.min_value, "max": self.max_value}
        return {
            "key": self.key,
            "id": self.pk,
            "label": self.label,
            "type": self.type,
            "options": list(self.options or []),
            "unit": self.unit,
            **{k: None if v is None else format(Decimal(str(v)).normalize(), "f") for k, v in bounds.items()},
            "required": self.required,
        }


ChecklistItem = Question  # the former name of a question, in fixtures and scripts


class RunQuerySet(ScopedQuerySet["Run"]):
    def visible_to(self, scope: Scope) -> RunQuerySet:
        """Runs on the jobs one sees (runs of other owners are scoped by their owner's app)."""
        return self.filter(job__in=Job.objects.visible_to(scope).values("pk"))


class Run(models.Model):
    """One filling of a checklist, on one job (or, linked from the service app, on one work order). It keeps a
    copy of the checklist's questions as they were when it started: later edits never change it."""

    checklist = models.ForeignKey(Checklist, verbose_name=_("checklist"), on_delete=models.PROTECT, related_name="+")
    job = models.ForeignKey(
        Job, verbose_name=_("job"), null=True, blank=True, on_delete=models.CASCADE, related_name="checklist_runs"
    )
    questions = models.JSONField(_("questions"), default=list)
    started_at = models.DateTimeField(_("started on"), default=timezone.now)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("started by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = RunQuerySet.as_manager()

    class Meta:
        verbose_name = _("checklist run")
        verbose_name_plural = _("checklist runs")
        constraints = [
            models.UniqueConstraint(
                fields=["job", "checklist"], condition=Q(job__isnull=False), name="run_once_per_job"
            )
        ]

    def __str__(self) -> str:
        return f"{self.checklist_id}/{self.pk}"


class Answer(models.Model):
    """The answer to one question of a run: "yes"/"no", a text, a number (as text), an option or a list of them."""

    run = models.ForeignKey(Run, verbose_name=_("run"), on_delete=models.CASCADE, related_name="answers")
    key = models.CharField(_("question"), max_length=32)
    value = models.JSONField(_("answer"), null=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("answered by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered on"))

    class Meta:
        verbose_name = _("checklist answer")
        verbose_name_plural = _("checklist answers")
        constraints = [models.UniqueConstraint(fields=["run", "key"], name="answer_once")]

    def __str__(self) -> str:
        return f"{self.key}: {self.value}"


class PhotoQuerySet(ScopedQuerySet["RunPhoto"]):
    def visible_to(self, scope: Scope) -> PhotoQuerySet:
        """Photos of the jobs one sees: the provider always, an installer company while it reads the owner's data."""
        return self.filter(job__in=Job.objects.visible_to(scope).with_owner_data(scope).values("pk"))

    def create(self, **kwargs: Any) -> RunPhoto:
        """Also takes the former ``item`` (with a ``job``): the photo joins the job's run of that item's checklist."""
        item = kwargs.pop("item", None)
        if item is not None:
            job = kwargs["job"]
            run = Run.objects.filter(job=job, checklist_id=item.checklist_id).first()
            if run is None:
                run = Run.objects.create(job=job, checklist=item.checklist, questions=item.checklist.snapshot())
            kwargs.update(run=run, key=item.key)
        return super().create(**kwargs)


class RunPhoto(models.Model):
    """A photo taken for a photo question of a run, stored under a random name, served only through a scoped view."""

    run = models.ForeignKey(Run, verbose_name=_("run"), on_delete=models.CASCADE, related_name="photos")
    key = models.CharField(_("question"), max_length=32)
    job = models.ForeignKey(
        Job, verbose_name=_("job"), null=True, blank=True, on_delete=models.CASCADE, related_name="photos"
    )
    file = models.FileField(_("file"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=32)
    size = models.PositiveIntegerField(_("size in bytes"))
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    taken_at = models.DateTimeField(_("taken on"), null=True, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded on"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = PhotoQuerySet.as_manager()

    class Meta:
        verbose_name = _("checklist photo")
        verbose_name_plural = _("checklist photos")
        indexes = [models.Index(fields=["run", "key"], name="runphoto_answer")]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.pk}"


JobPhoto = RunPhoto  # the former name of a checklist photo
