from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "fieldbox.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from fieldbox.accounts import audit_labels  # noqa: F401
