from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImprovementConfig(AppConfig):
    """Complaint root cause and improvement projects (事后复盘): the taxonomy, cleaning and
    classification of complaints, Pareto / 5-Why / fishbone analyses, retrospectives and
    projects whose before/after figures are computed from the conversations."""

    name = "kefu.improvement"
    label = "improvement"
    verbose_name = _("Improvement")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        # After every migrate (and test flush): the settings row and a taxonomy exist.
        post_migrate.connect(_ensure_defaults, sender=self, dispatch_uid="improvement-defaults")
        # Who sees which rows (kefu.accounts.access): a classification like its
        # conversation (agents their own, supervisors their teams', VIEW_ALL every one);
        # correcting takes MANAGE_IMPROVEMENT. The taxonomy and the classifiers are a
        # catalogue; analyses and projects are department work, read by whoever may see
        # every conversation or manage improvement, and by supervisors (their teams'
        # complaints are what the analyses are about).
        from kefu.accounts import access
        from kefu.accounts.roles import MANAGE_IMPROVEMENT
        from kefu.improvement import receivers  # noqa: F401  (connects the import hooks)
        from kefu.improvement.models import (
            Classification,
            ClassifierModel,
            Fishbone,
            FiveWhy,
            ImprovementSettings,
            Project,
            ProjectAction,
            Retrospective,
            TaxonomyNode,
            TaxonomyVersion,
        )
        from kefu.improvement.selectors import PROJECT_READERS

        access.register(
            Classification,
            policies={
                access.VIEW: access.CONVERSATION_VIEW,
                access.CHANGE: access.Policy(all=MANAGE_IMPROVEMENT, teams=False, own=False),
            },
            like_conversations=True,
        )
        for model in (TaxonomyVersion, TaxonomyNode, ClassifierModel, ImprovementSettings):
            access.register(
                model, agent=None, team=None, custom=access.catalogue(MANAGE_IMPROVEMENT)
            )
        for model in (FiveWhy, Fishbone, Retrospective, Project):
            access.register(
                model,
                agent=None,
                team=None,
                custom=access.department_work(PROJECT_READERS, MANAGE_IMPROVEMENT),
            )
        access.register(
            ProjectAction, agent=None, team=None, follow=("project", Project), policies={}
        )


def _ensure_defaults(sender, **kwargs) -> None:
    from kefu.improvement.actions import ensure_defaults

    ensure_defaults()
