"""What to bring to a work order (Appsistance "rendiconto materiali"): lines added and removed by the planner
or by a person on the work order, audited, only while the work order is not ended (an ended one's materials are
what its report says)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fieldbox.accounts.choices import WORK_DOERS, WORK_PLANNERS
from fieldbox.core import audit
from fieldbox.core.errors import Conflict
from fieldbox.core.tenancy import Scope
from fieldbox.service.choices import ENDED_WORK, WORK_ORDER_TABLE, MaterialUse
from fieldbox.service.models import Booking, Material, WorkOrder

MAX_QUANTITY = Decimal("99999999.99")
MATERIAL_WRITERS = WORK_PLANNERS | WORK_DOERS

audit.label_actions(
    {
        "work_order.material_add": gettext_lazy("Material added"),
        "work_order.material_remove": gettext_lazy("Material removed"),
    }
)


def _open_order(scope: Scope, work_order_id: int) -> WorkOrder:
    """The work order, locked; 404 outside the scope, 409 once ended, refused to a doer who is not on it."""
    scope.require_role(*MATERIAL_WRITERS)
    order = WorkOrder.objects.visible_to(scope).select_for_update(of=("self",)).get(pk=work_order_id)
    if order.status in ENDED_WORK:
        raise Conflict(str(WORK_ORDER_TABLE.refusal) % {"status": order.get_status_display()})
    if scope.role not in WORK_PLANNERS and not (
        order.technician_id == scope.user.pk or Booking.objects.filter(work_order=order, user=scope.user).exists()
    ):
        raise ValidationError({"work_order": _("You are not on this work order.")})
    return order


def _quantity(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value if value is not None else 1)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationError({"quantity": _("Give a number.")}) from None
    if not Decimal(0) < amount <= MAX_QUANTITY:
        raise ValidationError({"quantity": _("A quantity above zero.")})
    return amount


def _line(field: str, value: str | None, limit: int, *, required: bool = False) -> str:
    words = " ".join((value or "").split())
    if required and not words:
        raise ValidationError({field: _("This field is required.")})
    if len(words) > limit:
        raise ValidationError({field: _("At most %(n)s characters.") % {"n": limit}})
    return words


def material_add(
    *,
    scope: Scope,
    work_order_id: int,
    description: str,
    quantity: Decimal | int | str | None = 1,
    unit: str = "pc",
    code: str = "",
    use: str = MaterialUse.TO_BRING,
) -> Material:
    """Add a line of material to a work order (by default: to bring)."""
    if use not in MaterialUse.values:
        raise ValidationError({"use": _("Choose one of the uses.")})
    words = _line("description", description, 255, required=True)
    amount = _quantity(quantity)
    unit_words = _line("unit", unit, 10) or "pc"
    code_words = _line("code", code, 40)
    with transaction.atomic():
        order = _open_order(scope, work_order_id)
        line = Material.objects.create(
            organisation_id=order.organisation_id,
            work_order=order,
            use=use,
            code=code_words,
            description=words,
            quantity=amount,
            unit=unit_words,
            created_by=scope.user,
        )
        audit.record(
            actor=scope.user,
            organisation=order.organisation_id,
            obj=order,
            action="work_order.material_add",
            data={"material": line.pk, "description": words, "quantity": str(amount), "unit": unit_words, "use": use},
        )
    return line


def material_remove(*, scope: Scope, material_id: int) -> WorkOrder:
    """Take a line of material off its work order (not once the work order ended)."""
    with transaction.atomic():
        line = Material.objects.visible_to(scope).get(pk=material_id)
        order = _open_order(scope, line.work_order_id)
        data = {"material": line.pk, "description": line.description, "quantity": str(line.quantity), "use": line.use}
        line.delete()
        audit.record(
            actor=scope.user,
            organisation=order.organisation_id,
            obj=order,
            action="work_order.material_remove",
            data=data,
        )
    return order
