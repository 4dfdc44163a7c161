"""Virtual clock-in (Appsistance "timbratura virtuale"): a person clocks in and out from the phone, at a customer's
site or at the office.

An event passes by position when the phone's position, precise enough (``FieldSettings.clock_accuracy``), lies
within the tolerance (``FieldSettings.clock_tolerance``) of the site or of one of the organisation's clock-in points
of that site or of the office (great-circle distance); or by network when the request comes from one of those
points' networks (a browser cannot read Wi-Fi names: the address is the request's, read with the trusted-proxy
rule of sign-in, ``core.http.client_ip``). Every event is kept, passed or not, with its distance and rule; one
that did not pass is refused to the person with how far they are, after it was written (``ClockRefused``, raised
once the event is committed: do not call these inside a transaction that a refusal would roll back).

An admin corrects an event with a reason: a new event pointing to it, which counts instead of it.
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fieldbox.accounts.models import User
from fieldbox.core import audit, clock
from fieldbox.core.tenancy import Scope
from fieldbox.fleet.models import Customer, CustomerAddress
from fieldbox.service.choices import ClockKind, ClockRule
from fieldbox.service.models import ClockEvent, ClockPoint, FieldSettings, WorkOrder
from fieldbox.service.selectors_clock import clock_events_for, field_settings_of, last_standing_today
from fieldbox.service.selectors_hours import HOURS_ADMINS, HOURS_PEOPLE, metres_label, person_for

EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG)
REASON_LIMIT = 500
NAME_LIMIT = 100
NETWORKS_LIMIT = 50
TOLERANCE_BOUNDS = (10, 5_000)
ACCURACY_BOUNDS = (10, 10_000)

audit.label_actions(
    {
        "clock.in": gettext_lazy("Clocked in"),
        "clock.out": gettext_lazy("Clocked out"),
        "clock.refused": gettext_lazy("Clock-in refused"),
        "clock.correct": gettext_lazy("Clock event corrected"),
        "clock_point.save": gettext_lazy("Clock-in point saved"),
        "clock_point.remove": gettext_lazy("Clock-in point removed"),
        "field_settings.save": gettext_lazy("Clock-in tolerance changed"),
    }
)


class ClockRefused(ValidationError):
    """A clock event that did not pass: it was recorded (``event``), and the person is told why."""

    def __init__(self, message: str, event: ClockEvent) -> None:
        super().__init__({"position": message})
        self.event = event


# ---- Where one is ---------------------------------------------------------------------------------------------


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance in metres between two points (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def parse_networks(text: str, field: str = "networks") -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """Addresses or ranges (CIDR), one per line or separated by commas or spaces; a wrong one is named."""
    found = []
    for word in text.replace(",", " ").split():
        try:
            found.append(ipaddress.ip_network(word, strict=False))
        except ValueError:
            raise ValidationError(
                {field: _("“%(value)s” is not an address or a range like 192.0.2.0/24.") % {"value": word}}
            ) from None
    if len(found) > NETWORKS_LIMIT:
        raise ValidationError({field: _("At most %(n)s addresses or ranges.") % {"n": NETWORKS_LIMIT}})
    return found


def _in_networks(address: str | None, points: list[ClockPoint]) -> ClockPoint | None:
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    for point in points:
        networks = parse_networks(point.networks) if point.networks.strip() else []
        if any(ip.version == net.version and ip in net for net in networks):
            return point
    return None


@dataclass(frozen=True)
class Place:
    """A place one may clock in at: a site's own position or a clock-in point's."""

    name: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Check:
    rule: str
    passed: bool
    distance: int | None
    place: str
    message: str


def _places(scope: Scope, site: CustomerAddress | None) -> tuple[list[Place], list[ClockPoint]]:
    """The positions and the points that count for ``site`` (with the office's), in one query for the points."""
    where = Q(site__isnull=True) | Q(site=site) if site is not None else Q(site__isnull=True)
    points = list(ClockPoint.objects.visible_to(scope).filter(where).order_by("pk"))
    places = []
    if site is not None and site.latitude is not None and site.longitude is not None:
        places.append(Place(str(site), float(site.latitude), float(site.longitude)))
    for p in points:
        if p.latitude is not None and p.longitude is not None:
            places.append(Place(p.name, float(p.latitude), float(p.longitude)))
    return places, points


def check(
    scope: Scope,
    site: CustomerAddress | None,
    position: tuple[float, float] | None,
    accuracy: int | None,
    address: str | None,
) -> Check:
    """Whether a clock event at ``position`` (± ``accuracy`` m) from ``address`` passes for ``site`` (or the
    office), how far it is from the nearest place, by which rule, and what to tell the person when it does not."""
    rules = field_settings_of(scope.organisation.pk)
    places, points = _places(scope, site)
    nearest: tuple[float, Place] | None = None
    if position is not None:
        for place in places:
            d = distance_m(position[0], position[1], place.latitude, place.longitude)
            if nearest is None or d < nearest[0]:
                nearest = (d, place)
    distance = round(nearest[0]) if nearest else None
    precise = position is not None and accuracy is not None and accuracy <= rules.clock_accuracy
    if nearest and precise and nearest[0] <= rules.clock_tolerance:
        return Check(ClockRule.POSITION, True, distance, nearest[1].name, "")
    by_network = _in_networks(address, points)
    if by_network is not None:
        return Check(ClockRule.NETWORK, True, distance, by_network.name, "")
    if not places and not any(p.networks.strip() for p in points):
        # Nothing to check against: the event is kept as not checked, and counts.
        return Check(ClockRule.NONE, True, distance, "", "")
    rule = ClockRule.POSITION if position is not None else ClockRule.NETWORK
    return Check(rule, False, distance, nearest[1].name if nearest else "", _why(rules, nearest, position, accuracy))


def _why(rules: FieldSettings, nearest: tuple[float, Place] | None, position: Any, accuracy: int | None) -> str:
    if position is None:
        return _(
            "Your position is not known and you are not on the network of the site or the office: allow the "
            "location in the browser and try again."
        )
    if nearest is None:
        return _("This site has no position to check yours against, and you are not on its network.")
    tolerance = metres_label(rules.clock_tolerance)
    if nearest[0] > rules.clock_tolerance:
        return _("You are %(distance)s from %(place)s: clock in within %(tolerance)s of it.") % {
            "distance": metres_label(nearest[0]),
            "place": nearest[1].name,
            "tolerance": tolerance,
        }
    return _(
        "Your phone places you only within %(accuracy)s, which proves nothing: wait for a better position "
        "(outdoors, with the GPS on) and try again."
    ) % {"accuracy": metres_label(accuracy or 0)}


# ---- Clocking in and out --------------------------------------------------------------------------------------


def _position(latitude: Any, longitude: Any, accuracy: Any) -> tuple[tuple[float, float] | None, int | None]:
    """The phone's position (both coordinates or none) and its accuracy in metres, checked."""
    if latitude in (None, "") and longitude in (None, ""):
        return None, None
    try:
        lat, lon = Decimal(str(latitude)), Decimal(str(longitude))
    except (InvalidOperation, ValueError):
        raise ValidationError({"latitude": _("Give the latitude and the longitude as numbers.")}) from None
    if not lat.is_finite() or not -90 <= lat <= 90:
        raise ValidationError({"latitude": _("A latitude lies between -90 and 90.")})
    if not lon.is_finite() or not -180 <= lon <= 180:
        raise ValidationError({"longitude": _("A longitude lies between -180 and 180.")})
    metres = None
    if accuracy not in (None, ""):
        try:
            value = Decimal(str(accuracy))
        except (InvalidOperation, ValueError):
            raise ValidationError({"accuracy": _("Give the accuracy in metres.")}) from None
        if not value.is_finite() or value < 0:
            raise ValidationError({"accuracy": _("Give the accuracy in metres.")})
        metres = min(int(value.to_integral_value()), 10_000_000)
    return (float(lat), float(lon)), metres


def _where(scope: Scope, work_order_id: int | None) -> tuple[WorkOrder | None, CustomerAddress | None]:
    if not work_order_id:
        return None, None
    order = WorkOrder.objects.visible_to(scope).select_related("site").filter(pk=work_order_id).first()
    if order is None:
        raise ValidationError({"work_order_id": _("Choose one of your work orders.")})
    return order, order.site


def _punch(
    scope: Scope, kind: str, *, latitude: Any, longitude: Any, accuracy: Any, address: str | None, work_order_id: Any
) -> ClockEvent:
    scope.require_role(*HOURS_PEOPLE)
    position, metres = _position(latitude, longitude, accuracy)
    order, site = _where(scope, work_order_id)
    with transaction.atomic():
        # One person's clock events one at a time: two taps at once cannot both clock in.
        User.objects.select_for_update().filter(pk=scope.user.pk).first()
        last = last_standing_today(scope, scope.user.pk)
        tz = scope.organisation.time_zone
        since = clock.local(last.at, tz).strftime("%H:%M") if last else ""
        if kind == ClockKind.IN and last is not None and last.kind == ClockKind.IN:
            raise ValidationError({"kind": _("You clocked in at %(time)s already: clock out first.") % {"time": since}})
        if kind == ClockKind.OUT and (last is None or last.kind != ClockKind.IN):
            raise ValidationError({"kind": _("You are not clocked in today.")})
        found = check(scope, site, position, metres, address)
        event = ClockEvent.objects.create(
            organisation=scope.organisation,
            user=scope.user,
            kind=kind,
            at=clock.now(),
            work_order=order,
            site=site,
            latitude=Decimal(f"{position[0]:.6f}") if position else None,
            longitude=Decimal(f"{position[1]:.6f}") if position else None,
            accuracy=metres,
            distance=min(found.distance, 2_000_000_000) if found.distance is not None else None,
            address=address or None,
            rule=found.rule,
            passed=found.passed,
            recorded_by=scope.user,
        )
        audit.record(
            actor=scope.user,
            organisation=scope.organisation,
            obj=event,
            action=f"clock.{kind}" if found.passed else "clock.refused",
            data={"kind": kind, "rule": found.rule, "distance": event.distance, "place": found.place},
        )
    if not found.passed:
        raise ClockRefused(found.message, event)
    return event


def clock_in(
    *,
    scope: Scope,
    latitude: Any = None,
    longitude: Any = None,
    accuracy: Any = None,
    address: str | None = None,
    work_order_id: int | None = None,
) -> ClockEvent:
    """Clock in at a work order's site (or at the office without one). Refused (``ClockRefused``, the event kept)
    when neither the position nor the network puts the person there."""
    return _punch(
        scope,
        ClockKind.IN,
        latitude=latitude,
        longitude=longitude,
        accuracy=accuracy,
        address=address,
        work_order_id=work_order_id,
    )


def clock_out(
    *,
    scope: Scope,
    latitude: Any = None,
    longitude: Any = None,
    accuracy: Any = None,
    address: str | None = None,
    work_order_id: int | None = None,
) -> ClockEvent:
    """Clock out, checked like a clock-in."""
    return _punch(
        scope,
        ClockKind.OUT,
        latitude=latitude,
        longitude=longitude,
        accuracy=accuracy,
        address=address,
        work_order_id=work_order_id,
    )


# ---- Corrections ----------------------------------------------------------------------------------------------


def _reason(reason: str | None) -> str:
    words = " ".join((reason or "").split())
    if not words:
        raise ValidationError({"reason": _("Say why you correct the clock.")})
    if len(words) > REASON_LIMIT:
        raise ValidationError({"reason": _("At most %(n)s characters.") % {"n": REASON_LIMIT}})
    return words


def clock_correct(
    *,
    scope: Scope,
    reason: str,
    event_id: int | None = None,
    user_id: int | None = None,
    kind: str | None = None,
    at: datetime | None = None,
    void: bool = False,
) -> ClockEvent:
    """An admin's correction, with a reason: a new event that counts instead of ``event_id`` (at another time, of
    another kind, or ``void``: it no longer counts); without ``event_id``, a forgotten event of ``user_id``."""
    if scope.role not in HOURS_ADMINS:
        raise PermissionDenied
    why = _reason(reason)
    with transaction.atomic():
        old = None
        if event_id:
            old = clock_events_for(scope).select_for_update().get(pk=event_id)
            if ClockEvent.objects.filter(corrects=old).exists():
                raise ValidationError({"event_id": _("This event was corrected already: correct the correction.")})
            person = old.user_id
        else:
            if not user_id:
                raise ValidationError({"user_id": _("Choose whose clock to correct.")})
            person = person_for(scope, user_id).pk
        kind = kind or (old.kind if old else None)
        if kind not in ClockKind.values:
            raise ValidationError({"kind": _("Choose a clock-in or a clock-out.")})
        when = at or (old.at if old else None)
        if when is None or not isinstance(when, datetime) or when.tzinfo is None:
            raise ValidationError({"at": _("Give the day and the time.")})
        if when > clock.now():
            raise ValidationError({"at": _("A clock event cannot be in the future.")})
        event = ClockEvent.objects.create(
            organisation=scope.organisation,
            user_id=person,
            kind=kind,
            at=when,
            work_order_id=old.work_order_id if old else None,
            site_id=old.site_id if old else None,
            rule=ClockRule.MANUAL,
            passed=not void,
            corrects=old,
            reason=why,
            recorded_by=scope.user,
        )
        audit.record(
            actor=scope.user,
            organisation=scope.organisation,
            obj=event,
            action="clock.correct",
            reason=why,
            data={"corrects": old.pk if old else None, "user": person, "kind": kind, "void": void},
        )
    return event


# ---- The points and the tolerance -----------------------------------------------------------------------------


def _site(scope: Scope, site_id: int | None) -> CustomerAddress | None:
    if not site_id:
        return None
    site = CustomerAddress.objects.filter(pk=site_id, customer__in=Customer.objects.visible_to(scope)).first()
    if site is None:
        raise ValidationError({"site_id": _("Choose a site of one of your customers.")})
    return site


def _coordinate(value: Any, field: str, bound: int) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Give a number.")}) from None
    if not number.is_finite() or not -bound <= number <= bound:
        raise ValidationError({field: _("Give a number between -%(n)s and %(n)s.") % {"n": bound}})
    return number.quantize(Decimal("0.000001"))


def clock_point_save(
    *,
    scope: Scope,
    name: str,
    point_id: int | None = None,
    site_id: int | None = None,
    latitude: Any = None,
    longitude: Any = None,
    networks: str = "",
) -> ClockPoint:
    """Add or change a clock-in point (an admin): an entrance of a customer's site or of the office, by position,
    by its networks, or both."""
    if scope.role not in HOURS_ADMINS:
        raise PermissionDenied
    if point_id and not ClockPoint.objects.visible_to(scope).filter(pk=point_id).exists():
        raise ClockPoint.DoesNotExist  # 404 before any other refusal: nothing said of another's point
    words = " ".join((name or "").split())
    if not words:
        raise ValidationError({"name": _("This field is required.")})
    if len(words) > NAME_LIMIT:
        raise ValidationError({"name": _("At most %(n)s characters.") % {"n": NAME_LIMIT}})
    lat, lon = _coordinate(latitude, "latitude", 90), _coordinate(longitude, "longitude", 180)
    if (lat is None) != (lon is None):
        raise ValidationError({"latitude" if lat is None else "longitude": _("Give both coordinates, or none.")})
    nets = parse_networks(networks or "")
    if lat is None and not nets:
        raise ValidationError({"latitude": _("Give a position, networks, or both.")})
    with transaction.atomic():
        site = _site(scope, site_id)
        if point_id:
            point = ClockPoint.objects.visible_to(scope).select_for_update().get(pk=point_id)
        else:
            point = ClockPoint(organisation=scope.organisation)
        point.name, point.site, point.latitude, point.longitude = words, site, lat, lon
        point.networks = "\n".join(str(n) for n in nets)
        point.save()
        audit.record(
            actor=scope.user,
            organisation=scope.organisation,
            obj=point,
            action="clock_point.save",
            data={"site": site.pk if site else None, "networks": point.networks, "position": bool(lat)},
        )
    return point


def clock_point_remove(*, scope: Scope, point_id: int) -> None:
    if scope.role not in HOURS_ADMINS:
        raise PermissionDenied
    with transaction.atomic():
        point = ClockPoint.objects.visible_to(scope).select_for_update().get(pk=point_id)
        event = audit.build(actor=scope.user, organisation=scope.organisation, obj=point, action="clock_point.remove")
        point.delete()
        event.save()


def _bounded(value: Any, field: str, bounds: tuple[int, int]) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError({field: _("Give a whole number of metres.")}) from None
    if not bounds[0] <= number <= bounds[1]:
        raise ValidationError(
            {field: _("Between %(low)s and %(high)s metres.") % {"low": bounds[0], "high": bounds[1]}}
        )
    return number


def field_settings_save(*, scope: Scope, clock_tolerance: Any, clock_accuracy: Any) -> FieldSettings:
    """The organisation's clock-in tolerance and the least accuracy a position needs to prove anything (an admin)."""
    if scope.role not in HOURS_ADMINS:
        raise PermissionDenied
    tolerance = _bounded(clock_tolerance, "clock_tolerance", TOLERANCE_BOUNDS)
    accuracy = _bounded(clock_accuracy, "clock_accuracy", ACCURACY_BOUNDS)
    with transaction.atomic():
        rules, _made = FieldSettings.objects.select_for_update().get_or_create(organisation=scope.organisation)
        before = {"clock_tolerance": rules.clock_tolerance, "clock_accuracy": rules.clock_accuracy}
        rules.clock_tolerance, rules.clock_accuracy = tolerance, accuracy
        rules.save(update_fields=["clock_tolerance", "clock_accuracy"])
        audit.record(
            actor=scope.user,
            organisation=scope.organisation,
            obj=rules,
            action="field_settings.save",
            data={"before": before, "after": {"clock_tolerance": tolerance, "clock_accuracy": accuracy}},
        )
    return rules
