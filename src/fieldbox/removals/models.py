"""Removal requests: one spreadsheet of a requester (a rental company, say) becomes a request of removal lines.

Each line, once the requester confirms the summary, is a job of kind removal for the remover (an installer
company named by its installer code) and follows the Traqueur statuses: Prévenu, Acceptée, Effectuée, Refusée,
Annulée. Removed boxes wait at the remover's until a carrier picks them up (``BoxPickup``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fieldbox.accounts.selectors import partner_provider_ids
from fieldbox.core.tenancy import Mask, Scope, ScopedQuerySet
from fieldbox.removals.choices import DRAFT_STATES, OPEN_LINE, LineStatus, PickupStatus, RequestState

ORGANISATION = "accounts.Organisation"


class RequestQuerySet(ScopedQuerySet["RemovalRequest"]):
    def visible_to(self, scope: Scope) -> RequestQuerySet:
        """The requester's requests, saved or not; an installer company sees the lines sent to it, not requests."""
        if not scope.organisation.is_provider:
            return self.none()
        return self.filter(provider=scope.organisation)

    def saved(self) -> RequestQuerySet:
        return self.filter(state=RequestState.SAVED)

    def drafts(self) -> RequestQuerySet:
        """Not saved yet (being checked, waiting for confirmation, being saved, refused)."""
        return self.filter(state__in=DRAFT_STATES)


class RemovalRequest(models.Model):
    provider = models.ForeignKey(ORGANISATION, verbose_name=_("requester"), on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(_("state"), max_length=16, choices=RequestState.choices, default=RequestState.CHECKING)
    file_name = models.CharField(_("file"), max_length=255, blank=True)
    follow_up_email = models.EmailField(_("follow-up e-mail"), blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    # Progress of a large file checked or saved in the background, and what the check found.
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    errors = models.JSONField(_("row errors"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("rows in error"), default=0)
    keep_valid_only = models.BooleanField(_("only the valid rows"), default=False)
    # The valid rows the check kept (the draft's lines), shown until the request is saved.
    line_count = models.PositiveIntegerField(_("lines"), default=0)
    created_at = models.DateTimeField(_("created on"), auto_now_add=True)
    saved_at = models.DateTimeField(_("saved on"), null=True, blank=True)
    # "#63", from the provider's series when the request is saved (a draft, a dry run, a discarded file take none).
    number = models.CharField(_("number"), max_length=16, blank=True)

    objects = RequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("removal request")
        verbose_name_plural = _("removal requests")
        indexes = [models.Index(fields=["provider", "state", "-id"], name="removal_request_list")]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "number"], condition=~Q(number=""), name="removal_request_number_once"
            )
        ]

    def __str__(self) -> str:
        return self.number or str(_("Draft"))


def _strip_line(line: RemovalLine) -> None:
    """The remover no longer reads the vehicle of a line that ended: VIN, subscription and place go."""
    from fieldbox.fleet.models import Subscription, Vehicle

    cache = line._state.fields_cache
    vehicle = cache.get("vehicle")
    cache["vehicle"] = Vehicle(
        pk=line.vehicle_id,
        provider_id=line.provider_id,
        plate="",
        vin="",
        make=vehicle.make if vehicle else "",
        model=vehicle.model if vehicle else "",
    )
    cache["subscription"] = Subscription(pk=line.subscription_id, provider_id=line.provider_id, number="")
    line.place = ""
    line.masked = True


LINE_PERSONAL_PATHS: dict[str, Any] = {
    "vehicle__vin": lambda value: "",
    "vehicle__plate": lambda value: "",
    "subscription__number": lambda value: "",
    "place": lambda value: "",
}


def _line_mask(scope: Scope) -> Mask[RemovalLine]:
    """A remover reads the vehicle of a line while the line is open and it works for the requester."""

    def hides(status: str, provider_id: int) -> bool:
        return status not in OPEN_LINE or provider_id not in partner_provider_ids(scope)

    return Mask.on(hides, fields=("status", "provider_id"), strip=_strip_line, paths=LINE_PERSONAL_PATHS)


class LineQuerySet(ScopedQuerySet["RemovalLine"]):
    def visible_to(self, scope: Scope) -> LineQuerySet:
        """Confirmed lines: of the provider's requests, or addressed to the installer company (its vehicle masked
        once the line ended)."""
        org = scope.organisation
        if org.is_provider:
            return self.filter(provider=org)
        return self.filter(company=org).masked(_line_mask(scope))

    def open(self) -> LineQuerySet:
        return self.filter(status__in=OPEN_LINE)


class RemovalLine(models.Model):
    provider = models.ForeignKey(ORGANISATION, verbose_name=_("requester"), on_delete=models.PROTECT, related_name="+")
    request = models.ForeignKey(
        RemovalRequest, verbose_name=_("request"), on_delete=models.CASCADE, related_name="lines"
    )
    row = models.PositiveIntegerField(_("row"))
    status = models.CharField(_("status"), max_length=16, choices=LineStatus.choices, default=LineStatus.NEW)
    vehicle = models.ForeignKey("fleet.Vehicle", verbose_name=_("vehicle"), on_delete=models.PROTECT, related_name="+")
    subscription = models.ForeignKey(
        "fleet.Subscription", verbose_name=_("subscription"), on_delete=models.PROTECT, related_name="+"
    )
    company = models.ForeignKey(ORGANISATION, verbose_name=_("remover"), on_delete=models.PROTECT, related_name="+")
    job = models.OneToOneField(
        "jobs.Job", verbose_name=_("job"), null=True, blank=True, on_delete=models.SET_NULL, related_name="removal"
    )
    place = models.CharField(_("place of removal"), max_length=200, blank=True)
    wished_on = models.DateField(_("wished date"))
    comment = models.TextField(_("comments"), blank=True)
    reason = models.TextField(_("reason"), blank=True)
    removed_at = models.DateTimeField(_("removed on"), null=True, blank=True)
    technician = models.CharField(_("technician"), max_length=100, blank=True)
    device = models.ForeignKey(
        "fleet.Device", verbose_name=_("box"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The job code ("Code mission"): only its hash is kept; it opens this line once, until the line ends.
    code_hash = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(_("updated on"), auto_now=True)

    objects = LineQuerySet.as_manager()
    masked = False  # True on a line loaded through a masked projection (its vehicle hidden)

    class Meta:
        verbose_name = _("removal")
        verbose_name_plural = _("removals")
        ordering = ["request", "row"]
        indexes = [
            models.Index(fields=["company", "status", "-id"], name="removal_line_company"),
            models.Index(fields=["provider", "status", "-id"], name="removal_line_provider"),
            models.Index(fields=["request", "status"], name="removal_line_request"),
            models.Index(fields=["code_hash"], name="removal_line_code", condition=~Q(code_hash="")),
        ]
        constraints = [
            # A vehicle is in at most one open removal (new lines of a draft request are not counted).
            models.UniqueConstraint(
                fields=["vehicle"],
                condition=Q(status__in=[LineStatus.NOTIFIED, LineStatus.ACCEPTED]),
                name="removal_line_vehicle_open_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request.number}/{self.row}"


class RemovalDraftLine(models.Model):
    """A checked row of a draft request, as the file says it, until the requester confirms or discards it.

    No foreign keys and one index: writing 50,000 of them stays a plain COPY. The check writes every row and
    deletes those in error in the same transaction, so a draft line is always a valid row (its empty or null
    columns are those of rows in error, which never outlive the check). The vehicle, the subscription and the
    remover are found again by VIN, number and company when the summary shows the lines and when confirming
    turns them into ``RemovalLine`` rows (status "notified"); confirming refuses a draft whose vehicle or
    subscription changed since the check.
    """

    request = models.ForeignKey(
        RemovalRequest,
        verbose_name=_("request"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    row = models.PositiveIntegerField(_("row"))
    vin = models.CharField(_("VIN"), max_length=17, blank=True)
    number = models.CharField(_("subscription number"), max_length=40, blank=True)
    code = models.CharField(_("installer code"), max_length=20, blank=True)
    company_id = models.BigIntegerField(null=True)
    place = models.CharField(_("place of removal"), max_length=200, blank=True)
    wished_on = models.DateField(_("wished date"), null=True)
    comment = models.TextField(_("comments"), blank=True)

    status = LineStatus.NEW  # shown "New" in the summary (Traqueur "Nouvelle")

    class Meta:
        verbose_name = _("draft removal")
        verbose_name_plural = _("draft removals")
        indexes = [models.Index(fields=["request", "row"], name="removal_draft_request_row")]

    def __str__(self) -> str:
        return f"{self.request_id}/{self.row}"

    def get_status_display(self) -> str:
        return str(LineStatus.NEW.label)


class PickupQuerySet(ScopedQuerySet["BoxPickup"]):
    def visible_to(self, scope: Scope) -> PickupQuerySet:
        """The provider's pick-ups, or those made at the installer company's premises."""
        org = scope.organisation
        return self.filter(provider=org) if org.is_provider else self.filter(company=org)


class BoxPickup(models.Model):
    """A carrier collects removed boxes at a remover's; the provider then confirms them at its warehouse."""

    provider = models.ForeignKey(ORGANISATION, verbose_name=_("provider"), on_delete=models.PROTECT, related_name="+")
    company = models.ForeignKey(ORGANISATION, verbose_name=_("remover"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=16, choices=PickupStatus.choices, default=PickupStatus.PICKED_UP)
    devices = models.ManyToManyField("fleet.Device", verbose_name=_("boxes"), related_name="+")
    carrier = models.CharField(_("carrier"), max_length=100, blank=True)
    picked_up_on = models.DateField(_("picked up on"))
    received_at = models.DateTimeField(_("received on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded on"), auto_now_add=True)

    objects = PickupQuerySet.as_manager()

    class Meta:
        verbose_name = _("box pick-up")
        verbose_name_plural = _("box pick-ups")

    def __str__(self) -> str:
        return f"{self.company} {self.picked_up_on}"


class RemovalSettings(models.Model):
    """A provider's pick-up rules: how many boxes may wait at a remover's before it calls the logistics."""

    provider = models.OneToOneField(
        ORGANISATION, verbose_name=_("provider"), on_delete=models.CASCADE, related_name="removal_settings"
    )
    pickup_threshold = models.PositiveSmallIntegerField(
        _("boxes waiting before the remover calls the logistics"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
    )
    logistics_phone = models.CharField(_("logistics phone"), max_length=32, blank=True)
    logistics_email = models.EmailField(_("logistics e-mail"), blank=True)

    class Meta:
        verbose_name = _("removal settings")
        verbose_name_plural = _("removal settings")

    def __str__(self) -> str:
        return str(self.provider_id)
