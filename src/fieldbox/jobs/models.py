"""Jobs: one piece of work (installation, removal, maintenance) on one vehicle, for one provider."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fieldbox.jobs.choices import CheckType, JobKind, JobStatus

ORGANISATION = "accounts.Organisation"


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

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        indexes = [
            # visible_from included: the tab counters are answered from the index alone.
            models.Index(fields=["company", "status", "-id"], include=["visible_from"], name="job_company_status"),
            models.Index(fields=["provider", "status", "-id"], name="job_provider_status"),
            models.Index(fields=["company", "-id"], name="job_company_available", condition=Q(status="assigned")),
            # "Take the next job": the available job closest to its deadline.
            models.Index(
                fields=["company", "deadline_at", "id"], name="job_company_next", condition=Q(status="assigned")
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"J{self.pk:07d}" if self.pk else "J-"


class ChecklistItem(models.Model):
    """One line of a provider's on-site checklist, for one product (or any product) and one kind of job."""

    provider = models.ForeignKey(ORGANISATION, verbose_name=_("provider"), on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey(
        "fleet.Product",
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Empty: every product."),
    )
    kind = models.CharField(_("kind of job"), max_length=16, choices=JobKind.choices, default=JobKind.INSTALLATION)
    position = models.PositiveIntegerField(_("position"), default=0)
    label = models.CharField(_("label"), max_length=200)
    type = models.CharField(_("type"), max_length=8, choices=CheckType.choices, default=CheckType.CHECK)
    options = models.JSONField(_("options"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=True)
    # Removed items stay for the answers already given on past jobs.
    removed_at = models.DateTimeField(_("removed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        indexes = [models.Index(fields=["provider", "kind", "product", "position"], name="checkitem_lookup")]

    def __str__(self) -> str:
        return self.label


class CheckAnswer(models.Model):
    """The installer's answer to one checklist item of one job: "yes"/"no" for a check, the option chosen."""

    job = models.ForeignKey(Job, verbose_name=_("job"), on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(ChecklistItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    value = models.CharField(_("answer"), max_length=200)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("answered by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered on"))

    class Meta:
        verbose_name = _("checklist answer")
        verbose_name_plural = _("checklist answers")
        constraints = [models.UniqueConstraint(fields=["job", "item"], name="checkanswer_once")]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.value}"


class JobPhoto(models.Model):
    """A photo taken on site for a photo item, stored under a random name, served only through a scoped view."""

    job = models.ForeignKey(Job, verbose_name=_("job"), on_delete=models.CASCADE, related_name="photos")
    item = models.ForeignKey(ChecklistItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
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

    class Meta:
        verbose_name = _("job photo")
        verbose_name_plural = _("job photos")

    def __str__(self) -> str:
        return f"{self.job_id}/{self.pk}"
