"""The pages of sales and stock: each subject's module lists its own routes (``urlpatterns``), gathered here."""

from fieldbox.commerce.views import (
    buying,
    catalogue,
    contract_billing,
    delivery,
    invoice_export,
    offers,
    prepaid,
    quotes,
    stock,
)
from fieldbox.commerce.views import invoicing as invoicing_views

app_name = "commerce"

urlpatterns = [
    *catalogue.urlpatterns,
    *stock.urlpatterns,
    *quotes.urlpatterns,
    *offers.urlpatterns,
    *buying.urlpatterns,
    *delivery.urlpatterns,
    *prepaid.urlpatterns,
    *invoice_export.urlpatterns,
    *invoicing_views.urlpatterns,
    *contract_billing.urlpatterns,
]
