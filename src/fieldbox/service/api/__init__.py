"""/api/v1 of the service desk: one router per subject, gathered here."""

from ninja import Router

from fieldbox.service.api import tickets

router = Router()
router.add_router("", tickets.router)
