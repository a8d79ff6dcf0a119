from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImprovementConfig(AppConfig):
    """Complaint root cause and improvement projects (事后复盘): the taxonomy, cleaning and
    classification of complaints, Pareto / 5-Why / fishbone analyses, retrospectives and
    projects whose before/after figures are computed from the conversations."""

    name = "kefu.improvement"
    label = "improvement"
    verbose_name = _("Improvement")
