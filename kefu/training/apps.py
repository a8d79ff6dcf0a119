from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The access action on agents: whose training record the user may open.
RECORDS = "training_record"


class TrainingConfig(AppConfig):
    name = "kefu.training"
    label = "training"
    verbose_name = _("Training")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Who sees which rows (kefu.accounts.access).
        from kefu.accounts import access
        from kefu.accounts.models import Agent
        from kefu.accounts.roles import MANAGE_TRAINING, VIEW_ALL_TRAINING
        from kefu.training import models as m

        # The catalogue: everyone reads it, trainers change it.
        for model in (
            m.Area, m.Course, m.Lesson, m.LessonAttachment, m.Track, m.TrackItem,
            m.TrainingSession, m.Scenario, m.CertificationCycle, m.Exam, m.ExamPart,
        ):  # fmt: skip
            access.register(model, agent=None, team=None, custom=access.catalogue(MANAGE_TRAINING))
        # Banks hold the answers: trainers only.
        trainers = access.Policy(all=MANAGE_TRAINING, teams=False, own=False)
        for model in (m.QuestionBank, m.Question):
            access.register(
                model,
                agent=None,
                team=None,
                policies={access.VIEW: trainers, access.CHANGE: trainers},
            )
        access.register(
            m.AssignmentRule,
            agent=None,
            team=None,
            policies={
                access.VIEW: access.Policy(
                    all=(MANAGE_TRAINING, VIEW_ALL_TRAINING), teams=False, own=False
                ),
                access.CHANGE: trainers,
            },
        )
        # An agent's record: their own; supervisors their teams'; trainers and managers all.
        record = {
            access.VIEW: access.Policy(all=VIEW_ALL_TRAINING),
            access.CHANGE: trainers,
            # Assigning a lesson by hand: trainers any agent, supervisors their teams.
            "assign": access.Policy(all=MANAGE_TRAINING, own=False),
        }
        for model in (
            m.Enrolment, m.Attempt, m.Certificate, m.Practice, m.Assignment, m.LessonProgress,
        ):  # fmt: skip
            access.register(model, agent="agent_id", team="agent__team_id", policies=record)
        access.register(m.Answer, agent=None, team=None, follow=("attempt", m.Attempt))
        # Whose training records (培训档案) a user may open: the same rule, on agents.
        access.add_policy(Agent, RECORDS, record[access.VIEW])

        # After every QA scoring pass the assignment rules run (QA → lesson).
        from kefu.training import receivers  # noqa: F401

        # training: practice — only the agent practising writes the turns of a practice
        # ("practise"); what others see is the record's VIEW policy.
        access.register(
            m.Practice,
            agent="agent_id",
            team="agent__team_id",
            policies=record | {"practise": access.Policy(teams=False, own=True)},
        )
