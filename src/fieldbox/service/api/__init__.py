"""/api/v1 of the service desk: one router per subject, gathered here."""

from ninja import Router

from fieldbox.service.api import calls, customers, search, sla, telematics, tickets

router = Router()
router.add_router("", tickets.router)
router.add_router("", sla.router)
router.add_router("", customers.router)
router.add_router("", telematics.router)
router.add_router("", search.router)
router.add_router("", calls.router)

# Work orders, their materials, resources and types of work (service/api/work_orders.py).
from fieldbox.service.api import work_orders  # noqa: E402

router.add_router("", work_orders.router)

# ---- Work reports: draft, changes, signatures, corrections, PDF, sending again (service/api/reports.py) ----
from fieldbox.service.api import reports  # noqa: E402

router.add_router("", reports.router)

# The planners' calendars and the activities of the activity planner (service/api/planner.py).
from fieldbox.service.api import planner  # noqa: E402

router.add_router("", planner.router)

# ---- Hours (entries, grid, planned vs worked) and clock-in (events, corrections, points) (service/api/hours.py)
from fieldbox.service.api import clock, hours  # noqa: E402

router.add_router("", hours.router)
router.add_router("", clock.router)

# ---- Files and photos of work orders, calls, work reports and equipment (service/api/files.py) ----
from fieldbox.service.api import files  # noqa: E402

router.add_router("", files.router)

# ---- Calendar feed addresses of technicians and resources (service/api/feeds.py) ----
from fieldbox.service.api import feeds  # noqa: E402

router.add_router("", feeds.router)

# ---- Checklists of work orders: a work order's checklist, answering it, a type of work's checklists
# (service/api/checklists.py) ----
from fieldbox.service.api import checklists  # noqa: E402

router.add_router("", checklists.router)

# ---- Maintenance plans: plans, their lines, generating a month's work orders (service/api/plans.py) ----
from fieldbox.service.api import plans  # noqa: E402

router.add_router("", plans.router)

# ---- Maintenance contracts: list, one, draft, equipment, activate, terminate (service/api/contracts.py) ----
from fieldbox.service.api import contracts  # noqa: E402

router.add_router("", contracts.router)

# ---- The final verification: the queue, a work order's or call's lines, verifying (service/api/verification.py) --
from fieldbox.service.api import verification  # noqa: E402

router.add_router("", verification.router)
