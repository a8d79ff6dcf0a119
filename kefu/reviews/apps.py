from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "kefu.reviews"
    label = "reviews"
    verbose_name = _("Human QA")
    default_auto_field = "django.db.models.BigAutoField"
