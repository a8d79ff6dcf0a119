"""The scope query sets: what each persona sees, including the supervisor's own work."""

import pytest

from conftest import native_conversation
from kefu.accounts.access import conversations_visible_to
from kefu.accounts.models import Agent, Team


def visible(user) -> set[str]:
    return set(conversations_visible_to(user).values_list("external_id", flat=True))


@pytest.mark.django_db
def test_each_role_sees_its_scope(personas, import_records):
    import_records(
        native_conversation(id="ALICE", agent="A0007"),
        native_conversation(id="BOB", agent="A0102"),
        native_conversation(id="SAM", agent="A0001"),
    )
    assert visible(personas.alice) == {"ALICE"}
    assert visible(personas.bob) == {"BOB"}
    assert visible(personas.sam) == {"ALICE", "SAM"}
    for all_seeing in (personas.quinn, personas.tina, personas.mia, personas.adam):
        assert visible(all_seeing) == {"ALICE", "BOB", "SAM"}
    assert visible(personas.olga) == set()


@pytest.mark.django_db
def test_a_supervisor_keeps_own_conversations_from_another_team(personas, import_records):
    # given sam's agent handled a conversation while in 售前一组, a team he does not supervise
    Agent.objects.filter(external_id="A0001").update(team=Team.objects.get(name="售前一组"))
    import_records(native_conversation(id="SAM-PRESALE", agent="A0001"))
    Agent.objects.filter(external_id="A0001").update(team=Team.objects.get(name="售后一组"))
    import_records(native_conversation(id="BOB-2", agent="A0102"))
    # then he still sees it, but not the colleague's conversation of that team
    assert visible(personas.sam) == {"SAM-PRESALE"}
