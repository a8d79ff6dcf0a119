"""Editing QA definitions: rules (with a test on recent conversations), lexicons and
scorecard versions — by QA specialists only, refused whole when bad, audited."""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import native_conversation
from kefu.audit.models import AuditAction, AuditLog
from kefu.qa import actions
from kefu.qa.core.errors import DefinitionError
from kefu.qa.models import Indicator, Lexicon, QaResult, Scorecard

NEW_RULE = """id: says_no_idea
name: {zh: 说不清楚, en: Says no idea}
severity: normal
type: knowledge
when: {must_not_say: {words: [说不好], role: agent}}
"""


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def data(personas, import_records):
    """Two conversations of alice: one where she says 说不好, one clean."""
    vague = native_conversation(id="C-VAGUE")
    vague["messages"][1]["text"] = "您好，这个我也说不好呢，稍后回复您"
    import_records(vague, native_conversation(id="C-CLEAN"))
    return personas


@pytest.mark.parametrize("persona", ["alice", "sam", "mia", "olga"])
def test_only_qa_specialists_and_admins_may_edit(data, persona):
    client = login(getattr(data, persona))
    assert client.get("/qa/rules/").status_code == 403
    response = client.post("/qa/rules/new/", {"definition": NEW_RULE})
    assert response.status_code == 403
    assert not Indicator.objects.filter(key="says_no_idea").exists()


def test_anonymous_is_sent_to_log_in(data):
    assert Client().get("/qa/rules/").status_code == 302


def test_the_rules_page_lists_the_built_in_definitions(data):
    body = login(data.quinn).get("/qa/rules/").content.decode()
    assert "forbidden_phrase" in body and "greeting" in body and "v1" in body
    assert login(data.adam).get("/qa/rules/").status_code == 200


def test_testing_a_rule_shows_its_hits_and_saves_nothing(data):
    response = login(data.quinn).post("/qa/rules/test/", {"definition": NEW_RULE, "limit": 50})
    body = response.content.decode()
    assert response.status_code == 200
    assert "C-VAGUE" in body and "C-CLEAN" not in body
    assert "说不好" in body  # the evidence
    assert not Indicator.objects.filter(key="says_no_idea").exists()


def test_testing_a_bad_rule_names_the_field(data):
    bad = NEW_RULE.replace("role: agent", "role: boss")
    response = login(data.quinn).post("/qa/rules/test/", {"definition": bad})
    assert response.status_code == 400
    assert "indicator says_no_idea: when.must_not_say.role" in response.content.decode()


def test_a_rule_is_saved_and_audited(data):
    response = login(data.quinn).post("/qa/rules/new/", {"definition": NEW_RULE})
    assert response.status_code == 302
    saved = Indicator.objects.get(key="says_no_idea")
    assert saved.definition["when"] == {"must_not_say": {"words": ["说不好"], "role": "agent"}}
    assert AuditLog.objects.filter(
        action=AuditAction.CHANGE_SETTINGS, object_type="qa_indicator", object_id="says_no_idea"
    ).exists()


def test_a_bad_rule_is_refused_whole(data):
    before = Indicator.objects.get(key="forbidden_phrase").definition
    bad = actions.dump_text(before | {"when": {"must_not_say": {"lexicon": "nope"}}})
    response = login(data.quinn).post("/qa/rules/forbidden_phrase/", {"definition": bad})
    assert response.status_code == 400
    assert "indicator forbidden_phrase: when.must_not_say.lexicon" in response.content.decode()
    assert Indicator.objects.get(key="forbidden_phrase").definition == before
    not_yaml = login(data.quinn).post("/qa/rules/forbidden_phrase/", {"definition": "id: [x"})
    assert not_yaml.status_code == 400 and "not valid YAML" in not_yaml.content.decode()


def test_a_rule_cannot_be_renamed(data, personas):
    definition = Indicator.objects.get(key="forbidden_phrase").definition | {"id": "taboo"}
    with pytest.raises(DefinitionError, match="cannot be renamed"):
        actions.save_indicator(definition, user=personas.quinn, key="forbidden_phrase")


def test_a_lexicon_edit_changes_what_rules_find(data):
    client = login(data.quinn)
    data = Lexicon.objects.get(name="forbidden").as_data()
    data["words"].append("说不好")
    text = actions.dump_text(data)
    assert client.post("/qa/lexicons/forbidden/", {"definition": text}).status_code == 302
    assert "说不好" in Lexicon.objects.get(name="forbidden").words
    definition = actions.dump_text(Indicator.objects.get(key="forbidden_phrase").definition)
    body = client.post("/qa/rules/test/", {"definition": definition}).content.decode()
    assert "C-VAGUE" in body


def test_a_lexicon_a_rule_needs_cannot_be_emptied(data):
    response = login(data.quinn).post("/qa/lexicons/forbidden/", {"definition": "words: []"})
    assert response.status_code == 400
    assert Lexicon.objects.get(name="forbidden").words


def test_a_scorecard_save_is_a_new_version_and_rescores(data):
    client = login(data.quinn)
    scorecard = Scorecard.objects.get(slug="default")
    text = actions.dump_text(
        {k: v for k, v in scorecard.current_version().definition.items() if k != "version"}
        | {"pass_line": 95}
    )
    response = client.post(
        "/qa/scorecards/default/", {"definition": text, "note": "stricter", "rescore": "1"}
    )
    assert response.status_code == 302
    version = scorecard.current_version()
    assert (version.number, version.note, version.definition["pass_line"]) == (2, "stricter", 95)
    current = QaResult.objects.filter(is_current=True)
    assert current.count() == 2
    assert set(current.values_list("scorecard_version__number", flat=True)) == {2}
    assert QaResult.objects.filter(is_current=False, scorecard_version__number=1).count() == 2


def test_a_bad_scorecard_keeps_the_old_version(data):
    text = (
        "base: 100\npass_line: 80\nsections:\n  - id: s\n    items:\n"
        "      - {id: i, indicators: [ghost], points: 5}\n"
    )
    response = login(data.quinn).post("/qa/scorecards/default/", {"definition": text})
    assert response.status_code == 400
    assert "scorecard default: item i.indicators: no indicator &#x27;ghost&#x27;" in (
        response.content.decode()
    )
    assert Scorecard.objects.get(slug="default").current_version().number == 1


def test_the_rules_page_shows_scoring_runs_and_their_progress(data):
    client = login(data.quinn)
    assert client.post("/qa/rescore/").status_code == 302
    body = client.get("/qa/rules/").content.decode()
    assert "Scoring runs" in body and "2 / 2" in body  # the run scored both conversations
    partial = client.get("/qa/runs/")
    assert partial.status_code == 200 and "2 / 2" in partial.content.decode()
    assert login(data.alice).get("/qa/runs/").status_code == 403


def test_a_stalled_run_can_be_restarted_by_a_qa_specialist_only(data):
    from datetime import timedelta

    from django.utils import timezone

    from kefu.qa import scoring, store
    from kefu.qa.models import QaRun, RunStatus

    # given a run whose worker stopped reporting six minutes ago
    run = scoring.create_run(store.default_version())
    stale = timezone.now() - timedelta(minutes=6)
    QaRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, heartbeat_at=stale)
    client = login(data.quinn)
    assert "stalled" in client.get("/qa/runs/").content.decode()
    # an agent cannot restart it; the QA specialist can, and it finishes
    assert login(data.alice).post(f"/qa/runs/{run.pk}/restart/").status_code == 403
    assert client.post(f"/qa/runs/{run.pk}/restart/").status_code == 302
    run.refresh_from_db()
    assert (run.status, run.done) == (RunStatus.DONE, 2)
    # a finished run is not restarted
    assert client.post(f"/qa/runs/{run.pk}/restart/").status_code == 409


def test_a_new_rule_can_be_added_to_the_scorecard_and_scored(data):
    client = login(data.quinn)
    page = client.get("/qa/rules/new/").content.decode()
    assert "Add it to the scorecard when saving" in page
    # when the QA specialist saves a new rule and adds it to the solving section
    response = client.post(
        "/qa/rules/new/",
        {"definition": NEW_RULE, "add_to_scorecard": "1", "section": "solving",
         "points": "4", "mode": "deduct", "rescore": "1"},
    )  # fmt: skip
    assert response.status_code == 302
    # then the scorecard has a new version judging it, and the re-score deducted it
    version = Scorecard.objects.get(slug="default").current_version()
    assert version.number == 2 and version.note == "+ says_no_idea"
    solving = next(s for s in version.definition["sections"] if s["id"] == "solving")
    assert solving["items"][-1] | {"name": None} == {
        "id": "says_no_idea", "name": None, "indicators": ["says_no_idea"],
        "points": 4.0, "mode": "deduct",
    }  # fmt: skip
    vague = QaResult.objects.get(conversation__external_id="C-VAGUE", is_current=True)
    assert vague.scorecard_version == version
    assert ["says_no_idea", -4.0] in [[i["item"], i["points"]] for i in vague.items]
    # the editor now says which item judges it
    assert "Judged by" in client.get("/qa/rules/says_no_idea/").content.decode()


def test_adding_to_a_missing_section_saves_neither(data):
    client = login(data.quinn)
    response = client.post(
        "/qa/rules/new/",
        {"definition": NEW_RULE, "add_to_scorecard": "1", "section": "ghost", "points": "4"},
    )
    assert response.status_code == 400
    assert "no section" in response.content.decode()
    assert not Indicator.objects.filter(key="says_no_idea").exists()
    assert Scorecard.objects.get(slug="default").current_version().number == 1


@pytest.mark.parametrize("points", ["nan", "inf", "-inf", "x"])
def test_points_that_are_not_a_finite_number_save_neither(data, points):
    client = login(data.quinn)
    response = client.post(
        "/qa/rules/new/",
        {"definition": NEW_RULE, "add_to_scorecard": "1", "section": "solving", "points": points},
    )
    assert response.status_code == 400
    assert "must be a number" in response.content.decode()
    assert Scorecard.objects.get(slug="default").current_version().number == 1


def test_the_rules_page_speaks_the_users_language(data):
    """Severities, problem types, built-in indicator names and the shipped scorecard's name
    in English in the English UI (they stayed Chinese), in Chinese in the Chinese one."""
    import re

    english = login(data.quinn).get("/qa/rules/").content.decode()
    indicators = english.split("<h2>Indicators")[1].split("</section>")[0]
    assert "Severe" in indicators and "Service attitude" in indicators
    assert "Missing greeting" in indicators and "未使用问候语" not in indicators
    assert not re.search(r"[\u4e00-\u9fff]", indicators)  # no Chinese left in the table
    assert "Default scorecard" in english and "默认质检标准" not in english
    chinese = Client()
    chinese.force_login(data.quinn)
    page = chinese.get("/qa/rules/").content.decode()
    assert "严重" in page and "服务态度" in page and "默认质检标准" in page
