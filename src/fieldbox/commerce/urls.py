"""The pages of sales and stock: each subject's module lists its own routes (``urlpatterns``), gathered here."""

from fieldbox.commerce.views import buying, catalogue, delivery, offers, quotes, stock

app_name = "commerce"

urlpatterns = [
    *catalogue.urlpatterns,
    *stock.urlpatterns,
    *quotes.urlpatterns,
    *offers.urlpatterns,
    *buying.urlpatterns,
    *delivery.urlpatterns,
]
