"""The pages of sales and stock, one module per subject, each with its own ``urlpatterns``."""
