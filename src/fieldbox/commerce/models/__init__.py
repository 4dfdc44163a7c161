"""The models of sales and stock, by subject (one module each), all importable from here."""

# Issue 16's models, imported here so that Django registers them; use them from their own modules.
from fieldbox.commerce.models import invoicing, prepaid  # noqa: F401
from fieldbox.commerce.models.buying import (
    CostCheck,
    CostCheckLine,
    PurchaseLine,
    PurchaseOrder,
    Receipt,
    ReceiptLine,
)
from fieldbox.commerce.models.catalogue import (
    CommerceSettings,
    CustomerTerms,
    Item,
    ItemPhoto,
    ItemSupplier,
    LabourRate,
    Price,
    PriceList,
    Supplier,
)
from fieldbox.commerce.models.delivery import DeliveryNote, DeliveryNoteLine
from fieldbox.commerce.models.sales import Offer, OfferLine, Quote, QuoteLine
from fieldbox.commerce.models.stock import Billable, SerialNumber, StockBalance, StockLocation, StockMove

__all__ = [
    "Billable",
    "CommerceSettings",
    "CostCheck",
    "CostCheckLine",
    "CustomerTerms",
    "DeliveryNote",
    "DeliveryNoteLine",
    "Item",
    "ItemPhoto",
    "ItemSupplier",
    "LabourRate",
    "Offer",
    "OfferLine",
    "Price",
    "PriceList",
    "PurchaseLine",
    "PurchaseOrder",
    "Quote",
    "QuoteLine",
    "Receipt",
    "ReceiptLine",
    "SerialNumber",
    "StockBalance",
    "StockLocation",
    "StockMove",
    "Supplier",
]
