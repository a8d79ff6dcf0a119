from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteractionsConfig(AppConfig):
    name = "kefu.interactions"
    label = "interactions"
    verbose_name = _("Interactions")

    def ready(self) -> None:
        # URL converters for external ids (<extid:…>, {apiid:…}), before any URLconf loads.
        from kefu.interactions import converters  # noqa: F401
