"""Removed boxes waiting at the remover's, their pick-up by a carrier and their receipt at the provider's warehouse.

A box is *waiting* when it is removed, still at a remover company (``Device.company``) and on no pick-up that is
still on its way. Reads here are scoped like every selector: a provider sees its boxes and pick-ups, a remover
company the boxes at its premises and the pick-ups made there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery
from django.http import Http404
from django.utils.translation import gettext as _

from fieldbox.accounts.choices import PROVIDER_ADMINS
from fieldbox.accounts.models import Organisation
from fieldbox.core import audit, clock, transitions
from fieldbox.core.errors import Conflict
from fieldbox.core.tenancy import Scope
from fieldbox.fleet.choices import DEVICE_TABLE, DeviceStatus
from fieldbox.fleet.models import Device
from fieldbox.removals.choices import PICKUP_TABLE, LineStatus, PickupStatus
from fieldbox.removals.models import BoxPickup, RemovalLine, RemovalSettings

DEFAULT_THRESHOLD = 10


# Reads ---------------------------------------------------------------------------------------------------------


def _on_the_way() -> Exists:
    through = BoxPickup.devices.through
    return Exists(through.objects.filter(device_id=OuterRef("pk"), boxpickup__status=PickupStatus.PICKED_UP))


def _waiting(scope: Scope, company_id: int | None = None) -> QuerySet[Device]:
    qs = Device.objects.visible_to(scope).filter(status=DeviceStatus.REMOVED, company__isnull=False)
    if company_id is not None:
        qs = qs.filter(company_id=company_id)
    return qs.exclude(_on_the_way())


def waiting_boxes(scope: Scope, company_id: int | None = None) -> QuerySet[Device]:
    """Removed boxes still at a remover's, with the VIN of the vehicle each came from and when it was removed."""
    removal = RemovalLine.objects.filter(device=OuterRef("pk"), status=LineStatus.DONE).order_by("-removed_at")
    return (
        _waiting(scope, company_id)
        .annotate(
            removed_vin=Subquery(removal.values("vehicle__vin")[:1]),
            removed_at=Subquery(removal.values("removed_at")[:1]),
        )
        .select_related("provider", "company", "product")
        .order_by("provider_id", "-pk")
    )


def waiting_per_company(scope: Scope) -> list[dict[str, Any]]:
    """A provider's count of waiting boxes at each remover company, the most loaded first."""
    qs = _waiting(scope).values("company_id", "company__name", "company__installer_code").annotate(boxes=Count("pk"))
    return [dict(row) for row in qs.order_by("-boxes", "company__name")]


@dataclass
class Waiting:
    """The boxes of one provider waiting at a remover's, and whom to call once they are too many."""

    provider: Organisation
    count: int
    threshold: int
    phone: str
    email: str

    @property
    def too_many(self) -> bool:
        return self.count > self.threshold


def settings_of(provider: Organisation) -> RemovalSettings:
    """The provider's pick-up rules; unsaved defaults (10 boxes, its own phone and e-mail) when never set."""
    found = RemovalSettings.objects.filter(provider=provider).first()
    return found or RemovalSettings(provider=provider, pickup_threshold=DEFAULT_THRESHOLD)


def waiting_by_provider(scope: Scope) -> list[Waiting]:
    """At a remover's: how many boxes of each provider wait, and that provider's logistics contact."""
    counts = dict(_waiting(scope).values("provider_id").annotate(n=Count("pk")).values_list("provider_id", "n"))
    providers = Organisation.objects.in_bulk(list(counts))
    rules = {r.provider_id: r for r in RemovalSettings.objects.filter(provider_id__in=list(counts))}
    out = []
    for pk, count in sorted(counts.items(), key=lambda item: -item[1]):
        provider = providers[pk]
        rule = rules.get(pk) or RemovalSettings(provider=provider, pickup_threshold=DEFAULT_THRESHOLD)
        out.append(_waiting_row(provider, count, rule))
    return out


def waiting_of(scope: Scope, provider: Organisation) -> Waiting:
    """At a remover's: the boxes of one provider waiting there, and that provider's logistics contact."""
    return _waiting_row(provider, _waiting(scope).filter(provider=provider).count(), settings_of(provider))


def _waiting_row(provider: Organisation, count: int, rule: RemovalSettings) -> Waiting:
    phone, email = rule.logistics_phone or provider.phone, rule.logistics_email or provider.email
    return Waiting(provider, count, rule.pickup_threshold, phone, email)


def pickups_for(scope: Scope) -> QuerySet[BoxPickup]:
    return BoxPickup.objects.visible_to(scope).select_related("provider", "company")


def pickup_for(scope: Scope, pk: int) -> BoxPickup:
    found = pickups_for(scope).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def pickup_boxes(pickup: BoxPickup) -> QuerySet[Device]:
    return pickup.devices.select_related("product").order_by("serial")


# Writes --------------------------------------------------------------------------------------------------------


def removal_settings_save(*, scope: Scope, threshold: int, phone: str, email: str) -> RemovalSettings:
    """The provider admin sets how many boxes may wait at a remover's and whom the remover calls then."""
    scope.require_role(*PROVIDER_ADMINS)
    if not 1 <= threshold <= 1000:
        raise ValidationError({"pickup_threshold": _("Choose a number of boxes between 1 and 1000.")})
    with transaction.atomic():
        rule, _created = RemovalSettings.objects.select_for_update().get_or_create(provider=scope.organisation)
        before = {"threshold": rule.pickup_threshold, "phone": rule.logistics_phone, "email": rule.logistics_email}
        rule.pickup_threshold, rule.logistics_phone, rule.logistics_email = threshold, phone.strip(), email.strip()
        rule.save(update_fields=["pickup_threshold", "logistics_phone", "logistics_email"])
        audit.record(
            actor=scope.user,
            organisation=scope.organisation,
            obj=rule,
            action="removals.settings_change",
            data={
                "before": before,
                "threshold": threshold,
                "phone": rule.logistics_phone,
                "email": rule.logistics_email,
            },
        )
    return rule


def _check_pickup(carrier: str, picked_up_on: date | None, device_ids: list[int]) -> None:
    errors: dict[str, Any] = {}
    if not carrier.strip():
        errors["carrier"] = _("Name the carrier that collected the boxes.")
    if picked_up_on is None:
        errors["picked_up_on"] = _("Give the day of the pick-up.")
    elif picked_up_on > clock.today():
        errors["picked_up_on"] = _("The pick-up cannot be in the future.")
    if not device_ids:
        errors["devices"] = _("Tick at least one box collected.")
    if errors:
        raise ValidationError(errors)


def pickup_record(
    *, scope: Scope, company_id: int, carrier: str, picked_up_on: date | None, device_ids: list[int]
) -> BoxPickup:
    """The provider records boxes a carrier collected at a remover's: they are on their way to the warehouse."""
    PICKUP_TABLE.require("record", scope)
    _check_pickup(carrier, picked_up_on, device_ids)
    assert picked_up_on is not None
    with transitions.atomic():
        company = Organisation.objects.filter(pk__in=waiting_boxes(scope, company_id).values("company_id")).first()
        if company is None:
            raise ValidationError({"company": _("This company has no box waiting for a pick-up.")})
        waiting = waiting_boxes(scope, company.pk).filter(pk__in=set(device_ids))
        ids = set(Device.objects.select_for_update().filter(pk__in=waiting.values("pk")).values_list("pk", flat=True))
        if ids != set(device_ids):
            raise ValidationError({"devices": _("Some of these boxes are not waiting at this company any more.")})
        pickup = BoxPickup(
            provider=scope.organisation,
            company=company,
            carrier=carrier.strip(),
            picked_up_on=picked_up_on,
            created_by=scope.user,
        )
        data = {"company": company.name, "carrier": pickup.carrier, "boxes": len(ids)}
        PICKUP_TABLE.create(pickup, "record", scope=scope, data=data)
        pickup.devices.set(sorted(ids))
    return pickup


def pickup_receive(*, scope: Scope, pickup_id: int) -> BoxPickup:
    """ "Received at the warehouse": every box of the pick-up is returned and back at the provider's."""
    PICKUP_TABLE.require("receive", scope)
    with transitions.atomic():
        pickup = PICKUP_TABLE.lock(BoxPickup.objects.visible_to(scope), pickup_id)
        PICKUP_TABLE.check(pickup, "receive", scope)
        ids = list(pickup.devices.order_by("pk").values_list("pk", flat=True))
        boxes = [DEVICE_TABLE.lock(Device.objects.visible_to(scope), pk) for pk in ids]
        stuck = [b.serial for b in boxes if DEVICE_TABLE.why_not(b, "return", scope)]
        if stuck:
            raise Conflict(_("These boxes are no longer removed: %(serials)s.") % {"serials": ", ".join(stuck)})
        for box in boxes:
            DEVICE_TABLE.apply(box, "return", scope=scope, changes={"company": None}, data={"pickup": pickup.pk})
        PICKUP_TABLE.apply(
            pickup, "receive", scope=scope, changes={"received_at": clock.now()}, data={"boxes": len(boxes)}
        )
    return pickup
