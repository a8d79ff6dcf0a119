from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.improvement.core import projects, taxonomy


class Level(models.TextChoices):
    SCENE = taxonomy.SCENE, _("Scene")
    PROBLEM = taxonomy.PROBLEM, _("Problem")
    CAUSE = taxonomy.CAUSE, _("Root cause")


class CauseKind(models.TextChoices):
    """The kinds of root cause (the seeds: system bug, redundant process, missing training,
    supplier change, …); a kind decides the hand-off (missing training → training,
    knowledge gap → knowledge base)."""

    SYSTEM_BUG = "system_bug", _("System bug")
    REDUNDANT_PROCESS = "redundant_process", _("Redundant process")
    MISSING_TRAINING = "missing_training", _("Missing training")
    SUPPLIER_CHANGE = "supplier_change", _("Supplier change")
    KNOWLEDGE_GAP = "knowledge_gap", _("Knowledge gap")
    UNCLEAR_RULES = "unclear_rules", _("Unclear rules")
    CAPACITY = "capacity", _("Capacity shortfall")
    QUALITY_CONTROL = "quality_control", _("Quality control")
    PRODUCT_DESIGN = "product_design", _("Product design")
    CUSTOMER_SIDE = "customer_side", _("Customer side")
    EXTERNAL = "external", _("External factor")
    OTHER = "other", _("Other")


class Source(models.TextChoices):
    AUTO = "auto", _("Automatic")
    HUMAN = "human", _("Corrected by a person")


class FishboneCategory(models.TextChoices):
    """Ishikawa's categories as the department uses them."""

    PEOPLE = "people", _("People")
    SYSTEM = "system", _("System")
    PRODUCT = "product", _("Product / supplier")
    PROCESS = "process", _("Process")
    ENVIRONMENT = "environment", _("Environment")
    MEASUREMENT = "measurement", _("Measurement")


class ProjectStatus(models.TextChoices):
    PLANNED = projects.PLANNED, _("Planned")
    RUNNING = projects.RUNNING, _("Running")
    DONE = projects.DONE, _("Done")
    CANCELLED = projects.CANCELLED, _("Cancelled")
