"""/api/v1 of sales and stock: one router per subject, gathered here."""

from ninja import Router

from fieldbox.commerce.api import buying, catalogue, delivery, offers, quotes, stock

router = Router()
for _subject in (catalogue, stock, quotes, offers, buying, delivery):
    router.add_router("", _subject.router)
from fieldbox.commerce.api import prepaid  # noqa: E402 - prepaid minutes

router.add_router("", prepaid.router)
from fieldbox.commerce.api import invoicing  # noqa: E402 - invoice runs, invoices, payments, the XML

router.add_router("", invoicing.router)
