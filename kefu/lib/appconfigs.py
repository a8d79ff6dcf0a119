"""The third-party apps under names in the users' language (the Django admin's index lists
apps by verbose name: django-tasks-db calls itself "Tasks Database Backend", untranslated,
and django-axes "Axes"). INSTALLED_APPS names these classes instead of the bare apps."""

from __future__ import annotations

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class TasksDatabaseConfig(TasksAppConfig):
    verbose_name = _("Background tasks")


class AxesConfig(AxesAppConfig):
    verbose_name = _("Log-in lock-out")
