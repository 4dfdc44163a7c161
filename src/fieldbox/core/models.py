"""The shared kernel's records: the audit trail, the counters of records by state, the number series."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from fieldbox.core.tenancy import Scope


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def visible_to(self, scope: Scope) -> AuditEventQuerySet:
        """An organisation's log, for its admins: its own events and those another organisation shares with it
        (both sides of a partnership read its history, whoever acted)."""
        if not scope.is_admin:
            return self.none()
        org = scope.organisation
        return self.filter(Q(organisation=org) | Q(shared_with=org))


class AuditEvent(models.Model):
    """One change of state: who did what to which object, from what to what, and why.

    Rows are written by ``core.audit`` only (one builder for single, bulk and SQL writes) and never changed: the
    log is history, never state that a feature reads back.
    """

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(_("actor name"), max_length=254, blank=True)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events",
    )
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64)
    object_label = models.CharField(_("object"), max_length=255, blank=True)
    action = models.CharField(_("action"), max_length=64)
    from_state = models.CharField(_("from"), max_length=64, blank=True)
    to_state = models.CharField(_("to"), max_length=64, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    # The other organisation that reads this event in its own log (the other side of a partnership).
    shared_with = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("shared with"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    ip_address = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "-at", "-id"], name="audit_org_at"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            models.Index(
                fields=["shared_with", "-at", "-id"], name="audit_shared_at", condition=Q(shared_with__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_label}"


class Counter(models.Model):
    """How many records of one kind are in one state, for one owner (``key``, e.g. ``jobs.company:12``).

    Written by the transition kernel in the transaction of every change of state (``core.transitions``), so a tab's
    total costs one row read whatever the number of records; ``fieldbox counters`` checks them against a COUNT.
    """

    key = models.CharField(_("key"), max_length=80)
    status = models.CharField(_("status"), max_length=32)
    # A key and state are kept in a few rows (``core.counters.SHARDS``), each change added to one of them: people
    # moving records of one owner at once do not wait on one row. The total is their sum.
    shard = models.PositiveSmallIntegerField(_("shard"), default=0, db_default=0)
    n = models.BigIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("counter")
        verbose_name_plural = _("counters")
        constraints = [models.UniqueConstraint(fields=["key", "status", "shard"], name="counter_key_status_shard")]

    def __str__(self) -> str:
        return f"{self.key} {self.status} ({self.shard}): {self.n}"


class NumberSeries(models.Model):
    """The last number given in one series (``jobs.job:7``: the jobs of organisation 7); see ``core.numbering``."""

    key = models.CharField(_("series"), max_length=80, unique=True)
    last = models.BigIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("number series")
        verbose_name_plural = _("number series")

    def __str__(self) -> str:
        return f"{self.key}: {self.last}"
