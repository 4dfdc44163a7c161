"""What was done in the field: time entries, clock-in points and events, work reports with their signatures and
expenses, files, the changes a phone sent, and an organisation's rules for the field."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fieldbox.service.choices import ClockKind, ClockRule, ExpenseKind, ReportStatus, TimeKind
from fieldbox.service.models.desk import ORGANISATION, Equipment, OwnedQuerySet, Ticket
from fieldbox.service.models.work import WorkOrder

USER = settings.AUTH_USER_MODEL


class TimeEntry(models.Model):
    """Time a person spent, from a start to an end (SYS "consuntivazione ore"): on a work order or a call, or on
    something else; billable or not. A person's entries never overlap (an exclusion constraint on PostgreSQL,
    the service's check on SQLite). A signed work report writes its own."""

    organisation = models.ForeignKey(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(USER, verbose_name=_("person"), on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))  # the start's day on the organisation's clock
    starts_at = models.DateTimeField(_("start"))
    ends_at = models.DateTimeField(_("end"))
    minutes = models.PositiveIntegerField(_("minutes"))
    kind = models.CharField(_("activity"), max_length=10, choices=TimeKind.choices, default=TimeKind.WORK)
    work_order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("call"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    report = models.ForeignKey(
        "WorkReport", on_delete=models.SET_NULL, null=True, blank=True, related_name="time_entries"
    )
    billable = models.BooleanField(_("billable"), default=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created on"), default=timezone.now)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("time entry")
        verbose_name_plural = _("time entries")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="timeentry_ends_after"),
        ]
        indexes = [
            models.Index(fields=["organisation", "day", "user"], name="timeentry_day"),
            models.Index(fields=["user", "starts_at"], name="timeentry_user_start"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day} {self.minutes} min"


class ClockPoint(models.Model):
    """Where one may clock in (Appsistance "timbratura virtuale"): an entrance of a customer's site or of the
    organisation's office, by position, and the networks (addresses) from which a clock event passes."""

    organisation = models.ForeignKey(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    site = models.ForeignKey(
        "fleet.CustomerAddress",
        verbose_name=_("site"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: the organisation's own office."),
    )
    name = models.CharField(_("name"), max_length=100)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    networks = models.TextField(_("networks"), blank=True, help_text=_("Addresses or ranges, one per line."))

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("clock-in point")
        verbose_name_plural = _("clock-in points")

    def __str__(self) -> str:
        return self.name


class ClockEvent(models.Model):
    """One clock-in or clock-out, kept whatever it gave: where the phone said it was, how far from the nearest
    point, whether it passed. An admin's correction is a new event naming the one it corrects, with a reason."""

    organisation = models.ForeignKey(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(USER, verbose_name=_("person"), on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=4, choices=ClockKind.choices)
    at = models.DateTimeField(_("time"))
    work_order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    site = models.ForeignKey(
        "fleet.CustomerAddress",
        verbose_name=_("site"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    accuracy = models.PositiveIntegerField(_("accuracy in metres"), null=True, blank=True)
    distance = models.PositiveIntegerField(_("distance in metres"), null=True, blank=True)
    address = models.GenericIPAddressField(_("network address"), null=True, blank=True)
    rule = models.CharField(_("checked by"), max_length=10, choices=ClockRule.choices, default=ClockRule.NONE)
    passed = models.BooleanField(_("passed"), default=False)
    corrects = models.ForeignKey(
        "self", verbose_name=_("corrects"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(_("recorded on"), default=timezone.now)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("clock event")
        verbose_name_plural = _("clock events")
        indexes = [models.Index(fields=["organisation", "user", "at"], name="clockevent_user_at")]

    def __str__(self) -> str:
        return f"{self.kind} {self.at}"


class WorkReport(models.Model):
    """The signed record of a work order (Appsistance "rapportino digitale"): arrival and departure, work done,
    the customer's observations, travel, expenses and materials, and both signatures. Signing freezes it: its
    content is hashed and kept with the signatures; a correction is a new version pointing to the old one."""

    organisation = models.ForeignKey(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    work_order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.PROTECT, related_name="reports"
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    replaces = models.OneToOneField(
        "self", verbose_name=_("replaces"), on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by"
    )
    status = models.CharField(_("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    arrived_at = models.DateTimeField(_("arrival"), null=True, blank=True)
    left_at = models.DateTimeField(_("departure"), null=True, blank=True)
    work_done = models.TextField(_("work done"), blank=True)
    observations = models.TextField(_("customer's observations"), blank=True)
    travel_minutes = models.PositiveIntegerField(_("travel time in minutes"), default=0)
    travel_km = models.DecimalField(_("distance travelled in km"), max_digits=8, decimal_places=1, default=Decimal(0))
    language = models.CharField(_("language"), max_length=8, blank=True)  # the customer's, for the PDF
    technician_name = models.CharField(_("technician's name"), max_length=200, blank=True)
    technician_signature = models.FileField(_("technician's signature"), max_length=200, blank=True)
    customer_name = models.CharField(_("customer's signer"), max_length=200, blank=True)
    customer_signature = models.FileField(_("customer's signature"), max_length=200, blank=True)
    signed_at = models.DateTimeField(_("signed on"), null=True, blank=True)
    signed_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    content = models.JSONField(_("signed content"), default=dict, blank=True)  # what was signed, as signed
    content_hash = models.CharField(_("SHA-256 of the signed content"), max_length=64, blank=True)
    pdf = models.FileField(_("PDF"), max_length=200, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created on"), default=timezone.now)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("work report")
        verbose_name_plural = _("work reports")
        constraints = [
            models.UniqueConstraint(fields=["work_order", "version"], name="report_version_once"),
            # At most one draft per work order at a time.
            models.UniqueConstraint(
                fields=["work_order"], condition=Q(status=ReportStatus.DRAFT), name="report_one_draft"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.work_order_id} v{self.version}"


class Expense(models.Model):
    """A travel or extra expense written on a work report (amounts in euro, ``core.money``)."""

    organisation = models.ForeignKey(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    report = models.ForeignKey(WorkReport, on_delete=models.CASCADE, related_name="expenses")
    kind = models.CharField(_("kind"), max_length=10, choices=ExpenseKind.choices)
    description = models.CharField(_("description"), max_length=255, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("expense")
        verbose_name_plural = _("expenses")
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="expense_amount_positive")]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount}"


class WorkFile(models.Model):
    """A file or a photo on a work order, a call, a report or a piece of equipment: type-checked and
    size-limited (``core.files``), stored under a random name, served only through scoped views."""

    organisation = models.ForeignKey(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, null=True, blank=True, related_name="files")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, null=True, blank=True, related_name="files")
    report = models.ForeignKey(WorkReport, on_delete=models.PROTECT, null=True, blank=True, related_name="files")
    equipment = models.ForeignKey(Equipment, on_delete=models.CASCADE, null=True, blank=True, related_name="files")
    file = models.FileField(_("file"), max_length=200)
    name = models.CharField(_("name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size in bytes"))
    uploaded_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded on"), default=timezone.now)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("file")
        verbose_name_plural = _("files")
        constraints = [
            models.CheckConstraint(
                condition=Q(work_order__isnull=False)
                | Q(ticket__isnull=False)
                | Q(report__isnull=False)
                | Q(equipment__isnull=False),
                name="workfile_has_owner",
            )
        ]

    def __str__(self) -> str:
        return self.name


class FieldChange(models.Model):
    """A change sent from a phone, by its idempotency key: a change that arrives twice (the network came back
    mid-answer) is applied once, and the second arrival gets the first one's answer."""

    organisation = models.ForeignKey(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(_("idempotency key"), max_length=64)
    kind = models.CharField(_("kind"), max_length=40)
    http_status = models.PositiveSmallIntegerField(_("HTTP status of the answer"))
    answer = models.JSONField(_("answer"), default=dict)
    received_at = models.DateTimeField(_("received on"), default=timezone.now)

    class Meta:
        verbose_name = _("change from the field")
        verbose_name_plural = _("changes from the field")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="fieldchange_once")]

    def __str__(self) -> str:
        return self.key


class FieldSettings(models.Model):
    """An organisation's rules for the field: how far from a clock-in point a clock event still passes."""

    organisation = models.OneToOneField(ORGANISATION, on_delete=models.CASCADE, related_name="field_settings")
    clock_tolerance = models.PositiveIntegerField(_("clock-in tolerance in metres"), default=150)
    # A position less precise than this proves nothing: the event is checked by the network address instead.
    clock_accuracy = models.PositiveIntegerField(_("least accuracy accepted in metres"), default=500)

    class Meta:
        verbose_name = _("field settings")
        verbose_name_plural = _("field settings")

    def __str__(self) -> str:
        return str(self.organisation_id)
