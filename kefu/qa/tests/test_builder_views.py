"""The form-based rule and scorecard builders (views_editors.py): they post a JSON
document that is saved through the same actions as YAML, errors are placed beside their
field, the YAML tab converts both ways, and "test this rule" shows each hit's messages
in context with the evidence marked."""

from __future__ import annotations

import html
import json
import re
from datetime import datetime, timedelta

import pytest
import yaml
from django.test import Client

from conftest import native_conversation
from kefu.audit.models import AuditLog
from kefu.qa import actions
from kefu.qa.core import builder
from kefu.qa.models import Indicator, Scorecard

RULE_DOC = {
    "id": "says_no_idea",
    "name": {"zh": "说不清楚", "en": "Says no idea"},
    "severity": "normal",
    "type": "knowledge",
    "when": {
        "op": "all",
        "children": [
            {"op": "must_not_say", "params": {"words": ["不知道", "说不好"], "role": "agent"}}
        ],
    },
}


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def builder_post(doc: dict, **extra) -> dict:
    return {"editor": "builder", "builder": json.dumps(doc, ensure_ascii=False), **extra}


def json_script(body: str, element_id: str):
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', body)
    assert match, element_id
    return json.loads(html.unescape(match.group(1)))


@pytest.fixture
def data(personas, import_records):
    """A conversation where the agent only repeats the customer's words ("…不知道开通了…",
    a false positive of 不知道), and a clean one."""
    echo = native_conversation(id="C-ECHO")
    created = echo["messages"][0]["at"]
    texts = [
        ("customer", "我想开通会员"),
        ("agent", "您好，请稍等"),
        ("customer", "我不知道开通了没有"),
        ("agent", "您的意思是不知道开通了会员吗？"),
        ("customer", "对的"),
        ("agent", "我帮您查一下"),
        ("customer", "好的谢谢"),
    ]
    echo["messages"] = [
        {"id": f"e{i}", "role": role, "at": created, "text": text}
        | ({"agent": "A0007"} if role == "agent" else {})
        for i, (role, text) in enumerate(texts, start=1)
    ]
    start = datetime.fromisoformat(created)
    for i, message in enumerate(echo["messages"]):
        message["at"] = (start + timedelta(seconds=10 * i)).isoformat()
    import_records(echo, native_conversation(id="C-CLEAN"))
    return personas


# --- the rule builder ------------------------------------------------------------------------
def test_it_opens_the_rule_editor_on_the_builder(data):
    body = login(data.quinn).get("/qa/rules/forbidden_phrase/").content.decode()
    doc = json_script(body, "builder-doc")
    assert doc == builder.rule_to_builder(Indicator.objects.get(key="forbidden_phrase").definition)
    catalogue = json_script(body, "builder-catalogue")
    assert [o["op"] for o in catalogue["operators"]][:3] == ["all", "any", "not"]
    assert "forbidden" in catalogue["lexicons"]
    assert 'data-editor="builder"' in body and 'id="tab-yaml"' in body


def test_it_saves_a_rule_built_in_the_form_like_its_yaml(data):
    client = login(data.quinn)
    # when the QA specialist saves the rule from the builder
    response = client.post("/qa/rules/new/", builder_post(RULE_DOC))
    # then it is saved (and audited) as the same data the YAML editor gives
    assert response.status_code == 302
    saved = Indicator.objects.get(key="says_no_idea").definition
    assert saved == builder.rule_from_builder(RULE_DOC)
    assert saved["when"] == {
        "all": [{"must_not_say": {"words": ["不知道", "说不好"], "role": "agent"}}]
    }
    assert AuditLog.objects.filter(object_type="qa_indicator", object_id="says_no_idea").exists()
    twin = actions.dump_text(saved | {"id": "says_no_idea_2"})
    assert client.post("/qa/rules/new/", {"definition": twin}).status_code == 302
    assert Indicator.objects.get(key="says_no_idea_2").definition == saved | {
        "id": "says_no_idea_2"
    }


def test_a_bad_builder_rule_is_refused_with_the_error_beside_its_field(data):
    bad = json.loads(json.dumps(RULE_DOC))
    bad["when"]["children"][0]["params"]["role"] = "boss"
    response = login(data.quinn).post("/qa/rules/new/", builder_post(bad))
    body = response.content.decode()
    assert response.status_code == 400
    assert 'data-error-field="when.all[0].must_not_say.role"' in body
    assert 'data-editor="builder"' in body and json_script(body, "builder-doc") == bad
    assert not Indicator.objects.filter(key="says_no_idea").exists()


def test_a_builder_document_that_is_not_json_is_refused(data):
    response = login(data.quinn).post("/qa/rules/new/", {"editor": "builder", "builder": "{"})
    assert response.status_code == 400
    assert "not valid JSON" in response.content.decode()


@pytest.mark.parametrize("persona", ["alice", "bob", "sam", "mia", "olga"])
def test_only_qa_specialists_may_build_or_convert(data, persona):
    client = login(getattr(data, persona))
    assert client.post("/qa/rules/new/", builder_post(RULE_DOC)).status_code == 403
    convert = {"kind": "rule", "to": "yaml", "builder": json.dumps(RULE_DOC)}
    assert client.post("/qa/definitions/convert/", convert).status_code == 403
    assert not Indicator.objects.filter(key="says_no_idea").exists()


def test_anonymous_is_sent_to_log_in_by_the_converter(data):
    assert Client().post("/qa/definitions/convert/", {"kind": "rule"}).status_code == 302


# --- switching tabs ------------------------------------------------------------------------
def test_the_yaml_tab_and_the_builder_convert_without_loss(data):
    client = login(data.quinn)
    definition = Indicator.objects.get(key="forbidden_phrase").definition
    text = actions.dump_text(definition)
    to_builder = client.post(
        "/qa/definitions/convert/", {"kind": "rule", "to": "builder", "definition": text}
    )
    assert to_builder.status_code == 200
    doc = to_builder.json()["builder"]
    assert doc["when"]["op"] == "any"
    back = client.post(
        "/qa/definitions/convert/", {"kind": "rule", "to": "yaml", "builder": json.dumps(doc)}
    )
    assert back.status_code == 200
    # the same rule (PostgreSQL's jsonb keeps no key order, so the text may list keys in
    # another order than the stored definition's dump)
    assert yaml.safe_load(back.json()["text"]) == yaml.safe_load(text)


def test_the_converter_names_what_it_cannot_convert(data):
    client = login(data.quinn)
    bad = client.post(
        "/qa/definitions/convert/", {"kind": "rule", "to": "builder", "definition": "id: [x"}
    )
    assert bad.status_code == 400 and "not valid YAML" in bad.json()["error"]
    wrong = client.post("/qa/definitions/convert/", {"kind": "lexicon", "to": "yaml"})
    assert wrong.status_code == 400
    node = {"id": "x", "when": {"op": "not", "children": []}}
    refused = client.post(
        "/qa/definitions/convert/", {"kind": "rule", "to": "yaml", "builder": json.dumps(node)}
    )
    assert refused.status_code == 400 and refused.json()["field"] == "when.not"


# --- the scorecard builder ---------------------------------------------------------------------
def test_a_scorecard_built_in_the_form_is_a_new_version_in_its_order(data):
    client = login(data.quinn)
    body = client.get("/qa/scorecards/default/").content.decode()
    doc = json_script(body, "builder-doc")
    assert "id" not in doc and "version" not in doc
    # when sections are swapped, an item moved up, a fatal item and the pass line changed
    doc["sections"].reverse()
    first = doc["sections"][0]["items"]
    first.insert(0, first.pop())
    first[0]["fatal"] = True
    first[0].pop("mode", None)
    doc["pass_line"] = 90
    response = client.post("/qa/scorecards/default/", builder_post(doc, note="reordered"))
    # then the new version keeps that order
    assert response.status_code == 302
    version = Scorecard.objects.get(slug="default").current_version()
    assert version.number == 2 and version.definition["pass_line"] == 90
    assert [s["id"] for s in version.definition["sections"]] == [s["id"] for s in doc["sections"]]
    assert version.definition["sections"][0]["items"][0] == first[0]


def test_a_bad_scorecard_item_is_shown_beside_its_field(data):
    client = login(data.quinn)
    doc = json_script(client.get("/qa/scorecards/default/").content.decode(), "builder-doc")
    item = doc["sections"][0]["items"][0]
    item["indicators"] = ["ghost"]
    response = client.post("/qa/scorecards/default/", builder_post(doc))
    assert response.status_code == 400
    assert f'data-error-field="item {item["id"]}.indicators"' in response.content.decode()
    assert Scorecard.objects.get(slug="default").current_version().number == 1


# --- "test this rule": evidence in context ------------------------------------------------------
def test_a_trial_shows_the_evidence_marked_in_its_context(data):
    response = login(data.quinn).post("/qa/rules/test/", builder_post(RULE_DOC, limit=50))
    body = response.content.decode()
    assert response.status_code == 200
    assert "C-ECHO" in body and "C-CLEAN" not in body
    # the message with the evidence marked, who said it, and two messages either side
    hit = re.search(r'<li class="is-hit" data-message="e4">(.*?)</li>', body, re.S)
    assert hit, body
    assert "Agent" in hit.group(1)
    assert "您的意思是<mark>不知道</mark>开通了会员吗？" in hit.group(1)
    for before_after in ("e2", "e3", "e5", "e6"):
        assert f'data-message="{before_after}"' in body
    assert 'data-message="e1"' not in body and 'data-message="e7"' not in body
    # the customer's own 不知道 is context, not evidence: not marked
    assert "我不知道开通了没有" in body


def test_the_builders_speak_chinese(db):
    from django.utils import translation

    from kefu.qa import builder_ui

    with translation.override("zh-hans"):
        rule, card = builder_ui.rule_catalogue(), builder_ui.scorecard_catalogue()
    labels = [o["label"] for o in rule["operators"]]
    for operator in rule["operators"]:
        for param in operator["params"]:
            labels += [param["label"], *param["choice_labels"].values()]
    labels += [v for k, v in {**rule["strings"], **card["strings"]}.items() if k != "unset"]
    untranslated = [label for label in labels if not re.search(r"[\u4e00-\u9fff]", label)]
    assert untranslated == []
