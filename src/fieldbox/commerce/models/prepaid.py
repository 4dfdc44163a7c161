"""Prepaid pay-per-call minutes (Appsistance "PAY PER CALL PREPAGATI"): a customer buys a package of support minutes
and each call's time uses them, rounded as the package says.

The minutes are a ledger: ``MinuteMove`` rows are only ever added (bought +, used -, a reversal that undoes one
move, the expiry of what was left); the balance is their sum, never a number kept and overwritten. A mistake is
corrected by a reversal pointing at the move it undoes. ``commerce.services.prepaid`` writes them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fieldbox.accounts.choices import PORTAL
from fieldbox.commerce.choices import MinuteMoveKind
from fieldbox.core.tenancy import Scope
from fieldbox.service.models import ORGANISATION, Contact, OwnedQuerySet

USER = settings.AUTH_USER_MODEL


class PackageQuerySet(OwnedQuerySet):
    def visible_to(self, scope: Scope) -> PackageQuerySet:
        """The organisation's packages; a portal contact's, only their own customer's."""
        qs = self.filter(organisation=scope.organisation)
        if scope.role in PORTAL:
            qs = qs.filter(customer__in=Contact.objects.filter(user=scope.user).values("customer_id"))
        return qs


class PrepaidPackage(models.Model):
    """A package of support minutes sold to a customer: ``minutes`` bought for ``price``, used in blocks of
    ``rounding_minutes`` with at least ``minimum_minutes`` per call, from ``valid_from`` to ``valid_until``. At or
    below ``low_minutes`` left the office (and the customer, with ``tell_customer``) hears of it."""

    organisation = models.ForeignKey(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        "fleet.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    number = models.CharField(_("number"), max_length=24)  # "PP-2026/00001", commerce.numbering
    minutes = models.PositiveIntegerField(_("minutes bought"))
    price = models.DecimalField(_("price (€)"), max_digits=10, decimal_places=2)
    rounding_minutes = models.PositiveSmallIntegerField(_("used in blocks of (minutes)"), default=15)
    minimum_minutes = models.PositiveSmallIntegerField(_("minimum per call (minutes)"), default=15)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    low_minutes = models.PositiveIntegerField(_("low balance at (minutes)"), default=60)
    tell_customer = models.BooleanField(_("tell the customer too"), default=False)
    # Without it a call beyond the balance uses what is left and the rest is billed; with it the balance may go
    # below zero (the customer settles it with the next package).
    allow_overdraft = models.BooleanField(_("may go below zero"), default=False)
    contact = models.ForeignKey(
        "service.Contact",
        verbose_name=_("contact told"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("sold on"), default=timezone.now)

    objects = PackageQuerySet.as_manager()

    class Meta:
        verbose_name = _("prepaid package")
        verbose_name_plural = _("prepaid packages")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="prepaidpackage_number_once"),
            models.CheckConstraint(condition=Q(minutes__gt=0), name="prepaidpackage_minutes_positive"),
            models.CheckConstraint(condition=Q(price__gte=0), name="prepaidpackage_price_not_negative"),
            models.CheckConstraint(condition=Q(rounding_minutes__gt=0), name="prepaidpackage_rounding_positive"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="prepaidpackage_dates_ok",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "customer", "-id"], name="prepaid_customer")]

    def __str__(self) -> str:
        return self.number


class MoveQuerySet(OwnedQuerySet):
    def visible_to(self, scope: Scope) -> MoveQuerySet:
        """The moves of the packages the scope sees."""
        return self.filter(package__in=PrepaidPackage.objects.visible_to(scope).values("pk"))


class MinuteMove(models.Model):
    """One move of a package's minutes: + bought, - used (by a call's time charge, or by hand), a reversal (the
    opposite of the move it points to), - the expiry of what was left. Never changed, never deleted."""

    organisation = models.ForeignKey(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    package = models.ForeignKey(PrepaidPackage, on_delete=models.PROTECT, related_name="moves")
    minutes = models.IntegerField(_("minutes"))
    kind = models.CharField(_("kind"), max_length=10, choices=MinuteMoveKind.choices)
    ticket = models.ForeignKey(
        "service.Ticket", verbose_name=_("call"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    charge = models.ForeignKey(
        "service.Charge", verbose_name=_("charge"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The charge made on the call for the minutes beyond the balance (billed as the price list says).
    billed = models.ForeignKey(
        "service.Charge",
        verbose_name=_("billed beyond the balance"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reverses = models.ForeignKey(
        "self",
        verbose_name=_("reverses"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now)
    by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    objects = MoveQuerySet.as_manager()

    class Meta:
        verbose_name = _("minute move")
        verbose_name_plural = _("minute moves")
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(minutes=0), name="minutemove_not_zero"),
            # A charge uses minutes once of each package (a call beyond one goes on to the next); a move is reversed
            # once.
            models.UniqueConstraint(
                fields=["charge", "package"], condition=Q(charge__isnull=False), name="minutemove_charge_once"
            ),
            models.UniqueConstraint(
                fields=["reverses"], condition=Q(reverses__isnull=False), name="minutemove_reversed_once"
            ),
        ]
        indexes = [models.Index(fields=["package", "-id"], name="minutemove_package")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.minutes:+d}"
