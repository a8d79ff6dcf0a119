"""The training start page: department figures for trainers and managers, an agent's
own to-do list; nobody else's."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from conftest import client_for
from kefu.accounts.models import Agent
from kefu.training.choices import AssignmentSource
from kefu.training.models import Assignment, Course, TrainingSession


def test_trainers_see_the_department_and_agents_their_own_lessons(personas):
    now = timezone.now()
    course = Course.objects.create(title="投诉处理进阶")
    for external_id, title in (("A0007", "李娜的课"), ("A0102", "王强的课")):
        Assignment.objects.create(
            agent=Agent.objects.get(external_id=external_id), course=course,
            source=AssignmentSource.MANUAL, assigned_at=now, due_at=now + timedelta(days=3),
            note=title,
        )  # fmt: skip
    TrainingSession.objects.create(
        title="周案例复盘", starts_at=now - timedelta(days=2), ends_at=now - timedelta(days=2, hours=-2),
        status="held",
    )  # fmt: skip
    trainer = client_for(personas.tina).get(reverse("training:home")).content.decode()
    assert 'id="department"' in trainer and 'id="coverage">1 / 1' in trainer
    agent = client_for(personas.alice).get(reverse("training:home")).content.decode()
    assert 'id="department"' not in agent and 'id="mine"' in agent
    assert agent.count("投诉处理进阶") == 1  # her assignment, not bob's
    quinn = client_for(personas.quinn).get(reverse("training:home")).content.decode()
    assert 'id="department"' not in quinn and 'id="mine"' not in quinn
