"""The builders' document ⇄ the definition data (kefu/qa/core/builder.py): lossless both
ways, for every shipped definition and for generated valid rules."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kefu.qa.core import builder
from kefu.qa.core.conditions import ALIASES, LEAVES, OPERATORS
from kefu.qa.core.defaults import default_indicators, default_lexicons, default_scorecard
from kefu.qa.core.errors import DefinitionError
from kefu.qa.core.indicators import SEVERITIES, TYPES, parse_indicator
from kefu.qa.core.lexicons import LexiconSet, parse_lexicons

LEXICONS = LexiconSet(parse_lexicons(default_lexicons()))
NAMES = sorted(LEXICONS.lexicons)


# --- generated valid rules -----------------------------------------------------------------
def _value(name: str, param) -> st.SearchStrategy[Any]:
    if param.choices is not None:
        return st.sampled_from(param.choices)
    kinds = param.kind if isinstance(param.kind, tuple) else (param.kind,)
    low = param.minimum if param.minimum is not None else -1000
    if list in kinds:
        return st.lists(st.sampled_from(["chat", "phone", "email", "售后", "退款"]), max_size=3)
    if bool in kinds:
        return st.booleans()
    if int in kinds:
        return st.integers(min_value=int(low), max_value=int(low) + 50)
    if float in kinds:
        top = 1.0 if name == "threshold" else low + 500
        return st.floats(min_value=low, max_value=top, allow_nan=False)
    return st.text(alphabet="abc不知道好", min_size=1, max_size=6)


@st.composite
def leaves(draw) -> dict:
    op = draw(st.sampled_from([o for o in OPERATORS if o not in ("all", "any", "not")]))
    leaf = ALIASES[op][0] if op in ALIASES else op
    spec = LEAVES[leaf].spec
    params: dict[str, Any] = {}
    for name, param in spec.items():
        if op in ALIASES and name == "absent":
            continue
        if name in ("lexicon", "words", "pattern"):
            continue
        if param.required or draw(st.booleans()):
            params[name] = draw(_value(name, param))
    if leaf == "keywords":
        if draw(st.booleans()):
            params["lexicon"] = draw(st.sampled_from(NAMES))
        else:
            params["words"] = draw(
                st.lists(st.sampled_from(["不知道", "没办法", "hello", "您好"]), min_size=1)
            )
    if leaf == "regex":
        params["pattern"] = draw(st.sampled_from(["不知道", r"\d{11}", "(退|换)货"]))
    if leaf == "repeated_text" and draw(st.booleans()):
        params["lexicon"] = draw(st.sampled_from(NAMES))
    if leaf in ("survey", "metadata", "count") and not any(
        v is not None for k, v in params.items() if k != "role"
    ):
        first = next(k for k in spec if k != "role")
        params[first] = draw(_value(first, spec[first]))
    return {op: params}


conditions = st.recursive(
    leaves(),
    lambda children: st.one_of(
        st.builds(lambda cs: {"all": cs}, st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda cs: {"any": cs}, st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda c: {"not": c}, children),
    ),
    max_leaves=6,
)

rules = st.fixed_dictionaries(
    {
        "id": st.sampled_from(["my_rule", "says_no_idea", "r2"]),
        "severity": st.sampled_from(SEVERITIES),
        "type": st.sampled_from(TYPES),
        "when": conditions,
    },
    optional={
        "name": st.one_of(
            st.text(min_size=1, max_size=5),
            st.fixed_dictionaries({"zh": st.text(max_size=5), "en": st.text(max_size=5)}),
        ),
        "description": st.text(max_size=10),
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rules)
def test_it_round_trips_every_valid_rule(definition):
    # given a valid rule (the engine compiles it)
    parse_indicator(definition, LEXICONS)
    # when it goes to the builder's document and back
    doc = builder.rule_to_builder(definition)
    back = builder.rule_from_builder(doc)
    # then nothing is lost, and the document has no one-key condition mappings left
    assert back == definition
    assert "op" in doc["when"]


def test_it_round_trips_every_shipped_indicator():
    shipped = default_indicators()
    assert len(shipped) == 32
    for definition in shipped:
        doc = builder.rule_to_builder(definition)
        assert "raw" not in str(doc), definition["id"]  # the builder shows every part
        assert builder.rule_from_builder(doc) == definition


def test_it_round_trips_the_shipped_scorecard():
    card = default_scorecard()
    assert builder.scorecard_from_builder(builder.scorecard_to_builder(card)) == card


def test_it_keeps_a_malformed_part_as_written():
    definition = {"id": "x", "when": {"all": [{"keywords": {"words": ["a"]}, "regex": {}}]}}
    doc = builder.rule_to_builder(definition)
    assert doc["when"]["children"][0] == {"raw": {"keywords": {"words": ["a"]}, "regex": {}}}
    assert builder.rule_from_builder(doc) == definition


def test_it_turns_the_tree_into_conditions():
    doc = {
        "id": "x",
        "when": {
            "op": "all",
            "children": [
                {"op": "must_not_say", "params": {"words": ["不知道", "没办法"], "role": "agent"}},
                {"op": "not", "children": [{"op": "metadata", "params": {"resolved": True}}]},
            ],
        },
    }
    assert builder.rule_from_builder(doc)["when"] == {
        "all": [
            {"must_not_say": {"words": ["不知道", "没办法"], "role": "agent"}},
            {"not": {"metadata": {"resolved": True}}},
        ]
    }


@pytest.mark.parametrize(
    ("when", "where"),
    [
        ({"op": ""}, "indicator x: when"),
        ({"op": "not", "children": []}, "indicator x: when.not"),
        (
            {"op": "any", "children": [{"op": "regex", "params": []}]},
            "indicator x: when.any[0].regex",
        ),
        ({"op": "all", "children": "x"}, "indicator x: when.all"),
    ],
)
def test_it_refuses_a_malformed_document_naming_the_node(when, where):
    with pytest.raises(DefinitionError) as caught:
        builder.rule_from_builder({"id": "x", "when": when})
    assert caught.value.where == where


def test_the_catalogue_offers_every_operator_and_parameter():
    catalogue = {entry["op"]: entry for entry in builder.operator_catalogue()}
    assert list(catalogue) == list(OPERATORS)
    keywords = {p["name"]: p for p in catalogue["keywords"]["params"]}
    assert set(keywords) == set(LEAVES["keywords"].spec)
    assert keywords["words"]["kind"] == "chips" and keywords["lexicon"]["kind"] == "lexicon"
    assert keywords["role"]["choices"] == ["agent", "customer", "bot", "system", "any"]
    # an alias fixes `absent`: the form does not offer it
    assert "absent" not in {p["name"] for p in catalogue["must_say"]["params"]}
    assert catalogue["first_response"]["params"][0] | {"default": None} == {
        "name": "over_s", "kind": "number", "default": None, "required": True,
        "choices": None, "minimum": 0,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("where", "field"),
    [
        ("indicator x: when.all[1].keywords.lexicon", "when.all[1].keywords.lexicon"),
        ("scorecard default: item i1.points", "item i1.points"),
        ("indicator.id", "id"),
        ("rule", ""),
    ],
)
def test_it_names_the_field_of_an_error(where, field):
    assert builder.error_field(where) == field
