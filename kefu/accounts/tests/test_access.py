"""The access layer (kefu/accounts/access.py): closed by default, one registry."""

from __future__ import annotations

from datetime import date

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q
from django.test import Client

from conftest import native_conversation
from kefu.accounts import access
from kefu.accounts.models import Agent, Team

# Models with an agent/team key that are not rows of someone's work (with the reason).
NOT_SCOPED = {
    "metrics.Target": "targets are settings every dashboard reads",
    "workforce.AgentWorkRule": "the planners' settings page (manage_roster) only",
}


def test_it_registers_every_model_with_agent_or_team_data():
    """A new model holding per-agent or per-team rows must say who sees them."""
    unregistered = []
    for model in apps.get_models():
        if not model.__module__.startswith("kefu."):
            continue
        keyed = any(
            f.is_relation and f.related_model in (Agent, Team) for f in model._meta.concrete_fields
        )
        label = model._meta.label
        if keyed and model not in access.registered() and label not in NOT_SCOPED:
            unregistered.append(label)
    assert not unregistered, f"register these with kefu.accounts.access: {unregistered}"


def test_it_refuses_an_unregistered_model(personas):
    from kefu.audit.models import AuditLog

    with pytest.raises(LookupError, match="not registered"):
        access.restrict(AuditLog.objects.all(), personas.adam)


def test_it_gives_nothing_for_an_unregistered_action(personas, import_records):
    from kefu.interactions.models import Conversation

    import_records(native_conversation(agent="A0007"))
    assert access.restrict(Conversation.objects.all(), personas.adam, "delete").count() == 0
    assert access.restrict(Conversation.objects.all(), personas.adam).count() == 1


def test_it_gives_nothing_to_anonymous_or_inactive_users(personas, import_records):
    from kefu.interactions.models import Conversation

    import_records(native_conversation(agent="A0007"))
    personas.mia.is_active = False
    for user in (AnonymousUser(), personas.mia):
        assert access.restrict(Conversation.objects.all(), user).count() == 0


def test_it_says_all_rows_explicitly_never_none(personas):
    assert access.scope_condition(personas.quinn) is access.ALL
    alice = access.scope_condition(personas.alice)
    assert isinstance(alice, Q) and alice is not None
    assert isinstance(access.scope_condition(personas.olga), Q)  # an empty match


def test_it_denies_a_scope_that_names_no_visibility(personas, import_records):
    from kefu.metrics.selectors import Scope, figures

    import_records(native_conversation(agent="A0007"))
    may = (date(2024, 5, 1), date(2024, 5, 31))
    assert figures(Scope(*may))["conversations"] == 0
    assert figures(Scope(*may, visible=access.ALL))["conversations"] == 1


def test_it_answers_a_suggestion_not_found_by_exception_type(personas, monkeypatch):
    """The API chooses 404 from the exception's type, not from its text."""
    from kefu.lib.errors import NotFound
    from kefu.monitoring import actions

    def refuse(*args, **kwargs):
        raise NotFound("whatever the sentence says")

    monkeypatch.setattr(actions, "answer_suggestion", refuse)
    client = Client()
    client.force_login(personas.alice)
    response = client.post(
        "/api/v1/live/suggestions/1/response", '{"used": true}', content_type="application/json"
    )
    assert response.status_code == 404


def test_it_does_not_find_another_teams_alert_to_acknowledge(personas, import_records):
    from kefu.interactions.models import Conversation
    from kefu.monitoring.actions import acknowledge_alert
    from kefu.monitoring.models import Alert

    import_records(native_conversation(id="ACK-BOB", agent="A0102"))
    conversation = Conversation.objects.get(external_id="ACK-BOB")
    alert = Alert.objects.create(
        conversation=conversation, rule="r", message_id="m1", severity="high", type="t",
        team_id=conversation.team_id,
    )  # fmt: skip
    assert acknowledge_alert(personas.sam, alert.pk) is False  # bob's team: not sam's
    assert acknowledge_alert(personas.mia, alert.pk) is True  # monitors every team
    assert Alert.objects.get(pk=alert.pk).acknowledged_by == personas.mia


def test_adding_messages_is_the_access_layers_change_rule(personas):
    from kefu.accounts import access
    from kefu.interactions.models import Conversation

    # an agent: their own conversations; a supervisor: not the team's (only any of their
    # own, as an agent); an ingesting manager: every conversation
    own = access.condition_for(Conversation, personas.alice, access.CHANGE)
    assert own is not access.ALL and "agent_id" in str(own)
    supervisor = access.condition_for(Conversation, personas.sam, access.CHANGE)
    assert "team_id" not in str(supervisor)
    assert "team_id" in str(access.condition_for(Conversation, personas.sam, access.VIEW))
    assert access.condition_for(Conversation, personas.mia, access.CHANGE) is access.ALL
