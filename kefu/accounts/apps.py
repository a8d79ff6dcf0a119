from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "kefu.accounts"
    label = "accounts"
    verbose_name = _("People and access")

    def ready(self) -> None:
        from kefu.accounts import signals  # noqa: F401
