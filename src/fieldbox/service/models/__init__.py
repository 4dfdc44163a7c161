"""The back office's records: the service desk (``desk``), work orders and their planning (``work``), and what
was done in the field (``field``)."""

# Issue 16's models, imported here so that Django registers them; use them from their own modules.
from fieldbox.service.models import contracts, plans, verification  # noqa: F401
from fieldbox.service.models.desk import (
    ORGANISATION,
    Attachment,
    Charge,
    Contact,
    Equipment,
    EquipmentQuerySet,
    InboundMail,
    Mailbox,
    OwnedQuerySet,
    ServiceLevel,
    Team,
    Ticket,
    TicketMessage,
    TicketQuerySet,
)
from fieldbox.service.models.field import (
    ClockEvent,
    ClockPoint,
    Expense,
    FieldChange,
    FieldSettings,
    TimeEntry,
    WorkFile,
    WorkReport,
)
from fieldbox.service.models.work import (
    Activity,
    Booking,
    Material,
    Resource,
    WorkOrder,
    WorkOrderQuerySet,
    WorkOrderRun,
    WorkType,
)

__all__ = [
    "ORGANISATION",
    "Activity",
    "Attachment",
    "Booking",
    "Charge",
    "ClockEvent",
    "ClockPoint",
    "Contact",
    "Equipment",
    "EquipmentQuerySet",
    "Expense",
    "FieldChange",
    "FieldSettings",
    "InboundMail",
    "Mailbox",
    "Material",
    "OwnedQuerySet",
    "Resource",
    "ServiceLevel",
    "Team",
    "Ticket",
    "TicketMessage",
    "TicketQuerySet",
    "TimeEntry",
    "WorkFile",
    "WorkOrder",
    "WorkOrderQuerySet",
    "WorkOrderRun",
    "WorkReport",
    "WorkType",
]
