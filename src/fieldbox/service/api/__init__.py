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
