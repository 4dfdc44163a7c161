"""The tenancy walk's records and entries for contracts, maintenance plans, prepaid minutes, the final
verification and invoicing (tests/test_tenancy_walk.py merges them): Alpha's records of each, the routes and API
operations with how they are scoped, and a snapshot of Alpha's records that an outsider must never change."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any


def alpha_contracts(a: Any, ids: dict[str, int]) -> dict[str, int]:
    """Alpha's contracts: an active one covering its equipment (terminate allowed), a draft for next year covering
    its component (edit, equipment add/remove, activate allowed)."""
    from fieldbox.service.services import contracts
    from fieldbox.service.services.contracts import Terms

    admin = a.scope(a.company_admin)
    active = contracts.contract_create(
        scope=admin,
        customer_id=ids["back_customer"],
        terms=Terms(
            starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31), fee="900", notes="Alpha secret contract notes"
        ),
    )
    contracts.contract_equipment_add(scope=admin, contract_id=active.pk, equipment_id=ids["equipment"], months="3,9")
    contracts.contract_activate(scope=admin, contract_id=active.pk)
    draft = contracts.contract_create(
        scope=admin,
        customer_id=ids["back_customer"],
        terms=Terms(
            starts_on=date(2027, 1, 1), ends_on=date(2027, 12, 31), fee="950", notes="Alpha secret draft notes"
        ),
    )
    line = contracts.contract_equipment_add(
        scope=admin, contract_id=draft.pk, equipment_id=ids["component"], months="6"
    )
    return {"contract": active.pk, "contract_draft": draft.pk, "contract_line": line.pk}


def alpha_prepaid(a, ids: dict[str, int]) -> dict[str, int]:
    """Alpha's prepaid minutes: a package of the back-office customer, with a manual use."""
    from fieldbox.commerce.services import prepaid

    admin = a.scope(a.company_admin)
    package = prepaid.package_create(
        scope=admin,
        customer_id=ids["back_customer"],
        data={"minutes": 300, "price": "210.00", "valid_from": date(2026, 1, 1), "notes": "Alpha secret package"},
    )
    move = prepaid.minutes_use(scope=admin, package_id=package.pk, minutes=30, reason="Alpha secret call")
    return {"prepaid_package": package.pk, "minute_move": move.pk}


def alpha_verification(a, ids: dict[str, int]) -> dict[str, int]:
    """Alpha's final verification: a resolved call with a charge, verified by its admin with a corrected line."""
    from fieldbox.service.selectors_verification import propose_for_call
    from fieldbox.service.services.calls import charge_add, ticket_create
    from fieldbox.service.services.tickets import ticket_resolve
    from fieldbox.service.services.verification import Correction, verify_call

    admin = a.scope(a.company_admin)
    ticket = ticket_create(
        scope=admin,
        data={"customer_id": ids["back_customer"], "team_id": ids["team"], "subject": "Alpha secret verified call"},
    )
    charge_add(scope=admin, ticket_id=ticket.pk, kind="time", description="Alpha secret call time", minutes=25,
               unit_price=Decimal("48.00"))  # fmt: skip
    ticket_resolve(scope=admin, ticket_id=ticket.pk)
    key = propose_for_call(ticket).lines[0].key
    made = verify_call(
        scope=admin,
        ticket_id=ticket.pk,
        corrections=[Correction(key=key, minutes=30, reason="Alpha secret reason")],
        note="Alpha secret note",
    )
    return {"verified_call": ticket.pk, "verification": made.pk}


def alpha_invoicing(a, ids: dict[str, int]) -> dict[str, int]:
    """Alpha's invoicing: its fiscal data, a material left with the customer on the work order, and an invoice run
    that collected it into a draft invoice (one line)."""
    from fieldbox.commerce.models import Billable
    from fieldbox.commerce.models.invoicing import InvoicingSettings
    from fieldbox.commerce.services import invoicing

    admin = a.scope(a.company_admin)
    InvoicingSettings.objects.create(organisation=a.company, vat_number="01234560033", town="Alpha secret town")
    Billable.objects.create(
        organisation=a.company,
        customer_id=ids["back_customer"],
        work_order_id=ids["work_order"],
        description="Alpha secret material",
        quantity=Decimal(1),
    )
    run = invoicing.invoice_run_create(scope=admin, customer_ids=[ids["back_customer"]])
    invoice = run.invoices.get()
    return {"invoice_run": run.pk, "invoice": invoice.pk, "invoice_line": invoice.lines.order_by("pk")[0].pk}


def alpha_plans(a, ids: dict[str, int]) -> dict[str, int]:
    """Alpha's maintenance plan for its after-sales customer: one line (the equipment, the type of work, December)
    that generated December 2026's work order."""
    from fieldbox.service.services import plans

    admin = a.scope(a.company_admin)
    plan = plans.plan_create(scope=admin, customer_id=ids["back_customer"], name="Alpha secret plan", year=2026)
    line = plans.plan_line_add(
        scope=admin, plan_id=plan.pk, equipment_id=ids["equipment"], work_type_id=ids["work_type"], months="6,12"
    )
    done = plans.plan_generate(scope=admin, month=date(2026, 12, 1), customer_ids=[ids["back_customer"]])
    assert done.made == 1
    return {"plan": plan.pk, "plan_line": line.pk, "plan_work_order": done.work_order_ids[0]}


def contracts_state(world: Any) -> tuple[Any, ...]:
    """Alpha's contracts as they were: statuses, terms, covered equipment, billing terms (a fresh world: see A_STATE
    below)."""
    from fieldbox.commerce.models.invoicing import ContractTerms
    from fieldbox.service.models.contracts import Contract, ContractEquipment

    own = Contract.objects.filter(organisation=world.a.company).order_by("pk")
    return (
        tuple(own.values_list("status", "fee", "starts_on", "ends_on", "terminated_on")),
        tuple(ContractEquipment.objects.filter(contract__in=own).order_by("pk").values_list("equipment_id", "months")),
        tuple(ContractTerms.objects.filter(contract__in=own).order_by("pk").values_list("contract_id", "price_list")),
    )


def plans_state(world) -> tuple[Any, ...]:
    from fieldbox.service.models.plans import MaintenancePlan, PlanLine, PlanVisit

    ids = world.ids
    return (
        tuple(MaintenancePlan.objects.filter(pk=ids["plan"]).values_list("name", "year", "active", "contract").get()),
        tuple(PlanLine.objects.filter(plan_id=ids["plan"]).values_list("equipment_id", "months").order_by("pk")),
        tuple(PlanVisit.objects.filter(line__plan_id=ids["plan"]).values_list("due_on", "work_order_id")),
    )


def prepaid_state(world: Any) -> tuple[Any, ...]:
    """Alpha's packages and their ledger: what an outsider must never change."""
    from fieldbox.commerce.models.prepaid import MinuteMove, PrepaidPackage

    org = world.a.company
    return (
        tuple(PrepaidPackage.objects.filter(organisation=org).order_by("pk").values_list("number", "minutes", "notes")),
        tuple(MinuteMove.objects.filter(organisation=org).order_by("pk").values_list("kind", "minutes", "note")),
    )


def verification_state(world) -> tuple:
    """Alpha's verifications and their lines (what beta must not change); with alpha_verification's records:
    ((("Alpha secret note",),), ((30, "Alpha secret reason"),), ("resolved",))"""
    from fieldbox.service.models import Ticket
    from fieldbox.service.models.verification import Verification, VerifiedLine

    org = world.a.company
    return (
        tuple(Verification.objects.filter(organisation=org).values_list("note")),
        tuple(VerifiedLine.objects.filter(organisation=org).order_by("pk").values_list("minutes", "reason")),
        tuple(Ticket.objects.filter(pk=world.ids["verified_call"]).values_list("status", flat=True)),
    )


def invoicing_state(world) -> tuple:
    """What an outsider must never change: the run, the invoice and its line."""
    from fieldbox.commerce.models.invoicing import Invoice, InvoiceLine, InvoiceRun, Payment

    return (
        tuple(InvoiceRun.objects.filter(organisation=world.a.company).values_list("status", "customer_ids")),
        tuple(Invoice.objects.filter(organisation=world.a.company).values_list("status", "number", "kind")),
        tuple(
            InvoiceLine.objects.filter(organisation=world.a.company).values_list(
                "description", "quantity", "unit_price", "amount"
            )
        ),
        Payment.objects.filter(organisation=world.a.company).count(),
    )


_WEB_ROUTES_CONTRACTS = {
    "service:contracts": ("page", None),
    "service:contract_new": ("page", None),
    "service:contract": ("object", "contract"),
    "service:contract_edit": ("object", "contract_draft"),
    "service:contract_equipment_add": ("object", "contract_draft"),
    "service:contract_equipment_remove": ("object", "contract_draft"),
    "service:contract_activate": ("object", "contract_draft"),
    "service:contract_terminate": ("object", "contract"),
}

_WEB_ROUTES_PLANS = {
    "service:plans": ("page", None),
    "service:plan_new": ("page", None),
    "service:plan_from_contract": ("page", None),  # POST names a contract/customer: Beta's own only (else refused)
    "service:plans_generate": ("page", None),
    "service:plan": ("object", "plan"),
    "service:plan_edit": ("object", "plan"),
    "service:plan_line_add": ("object", "plan"),
    "service:plan_line_remove": ("object", "plan_line"),
}

_WEB_ROUTES_PREPAID = {
    "commerce:prepaid_packages": ("page", None),
    "commerce:prepaid_new": ("page", None),
    "commerce:prepaid_package": ("object", "prepaid_package"),
    "commerce:prepaid_use": ("object", "prepaid_package"),
    "commerce:prepaid_reverse": ("object", "prepaid_package"),
    "commerce:prepaid_portal": ("page", None),
}

_WEB_ROUTES_VERIFICATION = {
    "service:verification": ("page", None),
    "service:verification_work_order": ("object", "work_order"),
    "service:verification_call": ("object", "verified_call"),
}

_WEB_ROUTES_INVOICING = {
    "commerce:invoice_runs": ("page", None),
    "commerce:invoice_run_new": ("page", None),
    "commerce:invoice_run": ("object", "invoice_run"),
    "commerce:invoice_run_progress": ("object", "invoice_run"),
    "commerce:invoice_run_move": ("object", "invoice_run"),
    "commerce:invoices": ("page", None),
    "commerce:invoices_aged": ("page", None),
    "commerce:invoice": ("object", "invoice"),
    "commerce:invoice_pdf": ("object", "invoice"),
    "commerce:invoice_xml": ("object", "invoice"),
    "commerce:invoice_line": ("object", "invoice"),
    "commerce:invoice_move": ("object", "invoice"),
    "commerce:invoicing_settings": ("page", None),
    "commerce:contract_billing": ("object", "contract"),  # the contract page's price list for work outside it
}

_WEB_ROUTES_FATTURAPA = {
    # GET: the years with issued invoices; GET ?year=YYYY: the ZIP of the caller's own organisation only.
    "commerce:invoice_export": ("page", None),
}

_OBJECT_KWARGS_CONTRACTS = {"service:contract_equipment_remove": {"line_pk": 1}}

_OBJECT_KWARGS_PREPAID = {"commerce:prepaid_reverse": {"move": 1}}

_OBJECT_KWARGS_INVOICING = {
    "commerce:invoice_run_move": {"action": "issue"},
    "commerce:invoice_move": {"action": "issue"},
    "commerce:invoice_line": {"line_id": 1, "action": "edit"},
}

_API_OPERATIONS_CONTRACTS = {
    ("get", "/api/v1/contracts"): ("list", None, None),
    ("post", "/api/v1/contracts"): (
        "own",
        None,
        {"customer_id": "@back_customer", "starts_on": "2030-01-01", "ends_on": "2030-12-31"},
    ),
    ("get", "/api/v1/contracts/{contract_id}"): ("object", "contract", None),
    ("patch", "/api/v1/contracts/{contract_id}"): ("object", "contract_draft", {"fee": "1"}),
    ("post", "/api/v1/contracts/{contract_id}/equipment"): ("object", "contract_draft", {"equipment_id": "@equipment"}),
    ("delete", "/api/v1/contracts/{contract_id}/equipment/{line_id}"): ("object", "contract_draft", None),
    ("post", "/api/v1/contracts/{contract_id}/activate"): ("object", "contract_draft", {}),
    ("post", "/api/v1/contracts/{contract_id}/terminate"): ("object", "contract", {"reason": "x"}),
}

_API_OPERATIONS_PLANS = {
    ("get", "/api/v1/plans"): ("list", None, None),
    ("post", "/api/v1/plans"): ("own", None, {"customer_id": "@back_customer", "name": "x", "year": 2026}),
    ("post", "/api/v1/plans/from-contract"): ("own", None, {"contract_id": "@contract", "year": 2026}),
    ("get", "/api/v1/plans/{plan_id}"): ("object", "plan", None),
    ("patch", "/api/v1/plans/{plan_id}"): ("object", "plan", {"name": "x", "active": False}),
    ("post", "/api/v1/plans/{plan_id}/lines"): ("object", "plan", {"equipment_id": "@equipment", "months": [1]}),
    ("delete", "/api/v1/plan-lines/{line_id}"): ("object", "plan_line", None),
    ("post", "/api/v1/plans/generate"): ("own", None, {"month": "2026-12-01", "customer_ids": ["@back_customer"]}),
}

_API_OPERATIONS_PREPAID = {
    ("get", "/api/v1/prepaid-packages"): ("list", None, None),
    ("post", "/api/v1/prepaid-packages"): (
        "own",
        None,
        {"customer_id": "@back_customer", "minutes": 60, "price": "10.00"},
    ),
    ("get", "/api/v1/prepaid-packages/{package_id}"): ("object", "prepaid_package", None),
    ("get", "/api/v1/prepaid-packages/{package_id}/moves"): ("object", "prepaid_package", None),
    ("post", "/api/v1/prepaid-packages/{package_id}/use"): (
        "object",
        "prepaid_package",
        {"minutes": 5, "reason": "x"},
    ),
    ("post", "/api/v1/prepaid-moves/{move_id}/reverse"): ("object", "minute_move", {"reason": "x"}),
}

_API_OPERATIONS_VERIFICATION = {
    ("get", "/api/v1/verification/queue"): ("list", None, None),
    ("get", "/api/v1/verification/work-orders/{work_order_id}"): ("object", "work_order", None),
    ("post", "/api/v1/verification/work-orders/{work_order_id}"): ("object", "work_order", {"lines": []}),
    ("get", "/api/v1/verification/calls/{ticket_id}"): ("object", "verified_call", None),
    ("post", "/api/v1/verification/calls/{ticket_id}"): ("object", "call", {"lines": []}),
}

_API_OPERATIONS_INVOICING = {
    ("get", "/api/v1/invoice-runs"): ("list", None, None),
    ("post", "/api/v1/invoice-runs"): ("own", None, {}),
    ("get", "/api/v1/invoice-runs/{run_id}"): ("object", "invoice_run", None),
    ("post", "/api/v1/invoice-runs/{run_id}/issue"): ("object", "invoice_run", {}),
    ("post", "/api/v1/invoice-runs/{run_id}/discard"): ("object", "invoice_run", {}),
    ("get", "/api/v1/invoices"): ("list", None, None),
    ("get", "/api/v1/invoices/aged"): ("list", None, None),
    ("get", "/api/v1/invoices/{invoice_id}"): ("object", "invoice", None),
    ("patch", "/api/v1/invoices/{invoice_id}/lines/{line_id}"): ("object", "invoice", {"unit_price": "1"}),
    ("delete", "/api/v1/invoices/{invoice_id}/lines/{line_id}"): ("object", "invoice", None),
    ("delete", "/api/v1/invoices/{invoice_id}"): ("object", "invoice", None),
    ("post", "/api/v1/invoices/{invoice_id}/issue"): ("object", "invoice", {}),
    ("post", "/api/v1/invoices/{invoice_id}/credit-notes"): ("object", "invoice", {}),
    ("post", "/api/v1/invoices/{invoice_id}/payments"): ("object", "invoice", {"amount": "1"}),
    ("post", "/api/v1/invoices/{invoice_id}/send"): ("object", "invoice", {}),
    ("get", "/api/v1/invoices/{invoice_id}/pdf"): ("object", "invoice", None),
    ("get", "/api/v1/invoices/{invoice_id}/xml"): ("object", "invoice", None),
    ("get", "/api/v1/invoicing-settings"): ("list", None, None),
    ("put", "/api/v1/invoicing-settings"): ("own", None, {"town": "Walk town"}),
    # helper 1's contract id key (named "contract" here): the price list of work outside the contract
    ("put", "/api/v1/contracts/{contract_id}/billing-terms"): ("object", "contract", {"price_list_id": None}),
}


MARKERS = [
    "Alpha secret contract notes",
    "Alpha secret draft notes",
    "Alpha secret plan",
    "Alpha secret package",
    "Alpha secret verified call",
    "Alpha secret note",
    "Alpha secret material",
    "Alpha secret town",
]
WEB_ROUTES = (
    _WEB_ROUTES_CONTRACTS
    | _WEB_ROUTES_PLANS
    | _WEB_ROUTES_PREPAID
    | _WEB_ROUTES_VERIFICATION
    | _WEB_ROUTES_INVOICING
    | _WEB_ROUTES_FATTURAPA
)
OBJECT_KWARGS = _OBJECT_KWARGS_CONTRACTS | _OBJECT_KWARGS_PREPAID | _OBJECT_KWARGS_INVOICING
API_OPERATIONS = (
    _API_OPERATIONS_CONTRACTS
    | _API_OPERATIONS_PLANS
    | _API_OPERATIONS_PREPAID
    | _API_OPERATIONS_VERIFICATION
    | _API_OPERATIONS_INVOICING
)


def alpha_billing(a: Any, ids: dict[str, int]) -> dict[str, int]:
    """Alpha's contracts, prepaid minutes, a verified call, a draft invoice run and a maintenance plan (last: it makes
    a work order "to plan")."""
    made: dict[str, int] = {}
    for build in (alpha_contracts, alpha_prepaid, alpha_verification, alpha_invoicing, alpha_plans):
        made |= build(a, ids | made)
    return made


def billing_state(world: Any) -> tuple[Any, ...]:
    """Alpha's records of these subjects as they are (taken when the world is built, compared after the walk)."""
    return (
        contracts_state(world),
        plans_state(world),
        prepaid_state(world),
        verification_state(world),
        invoicing_state(world),
    )
