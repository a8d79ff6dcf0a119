"""The form-based rule and scorecard builders: their document ⇄ the definition data.

The builders (kefu/static/kefu/qa-builder.js) edit a JSON document and post it; the
server turns it into the very data the YAML editor produces and saves it through the
same actions, so there is one write path and one set of error messages. Both
conversions are lossless: ``rule_from_builder(rule_to_builder(d)) == d`` for every rule
``d`` (valid or not), which is what lets a user switch between the builder and YAML.

A rule's document is the rule with its condition as a tree the form can walk:

    {"id": …, "name": …, "severity": …, "type": …, "when": NODE}   (other keys as given)
    NODE = {"op": "all" | "any" | "not", "children": [NODE, …]}   (not: one child)
         | {"op": "keywords" | "must_say" | …, "params": {…}}     (a leaf, params as given)
         | {"raw": <data>}            (a part that is not a well-formed condition: kept
                                       as written; the builder shows it, YAML edits it)

A scorecard's document is the scorecard itself (sections and items are already lists of
mappings the form can show); `scorecard_to_builder` checks that shape.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from kefu.qa.core.conditions import ALIASES, LEAVES, OPERATORS, Param
from kefu.qa.core.errors import DefinitionError

GROUPS = ("all", "any")


# --- rules --------------------------------------------------------------------------------
def condition_to_node(data: Any) -> dict[str, Any]:
    """A condition (its data form) → a builder node."""
    if not isinstance(data, Mapping) or len(data) != 1:
        return {"raw": copy.deepcopy(data)}
    ((op, body),) = data.items()
    if op in GROUPS and isinstance(body, list):
        return {"op": op, "children": [condition_to_node(c) for c in body]}
    if op == "not" and isinstance(body, Mapping):
        return {"op": op, "children": [condition_to_node(body)]}
    if isinstance(op, str) and op not in (*GROUPS, "not") and isinstance(body, Mapping):
        return {"op": op, "params": copy.deepcopy(dict(body))}
    return {"raw": copy.deepcopy(data)}


def node_to_condition(node: Any, where: str = "when") -> Any:
    """A builder node → the condition's data form; DefinitionError at a malformed node."""
    if not isinstance(node, Mapping):
        raise DefinitionError(where, "a condition of the builder must be an object")
    if "raw" in node:
        return copy.deepcopy(node["raw"])
    op = node.get("op")
    if not isinstance(op, str) or not op:
        raise DefinitionError(where, "choose a condition")
    spot = f"{where}.{op}"
    if op in (*GROUPS, "not"):
        children = node.get("children")
        if not isinstance(children, list):
            raise DefinitionError(spot, "takes a list of conditions")
        if op == "not":
            if len(children) != 1:
                raise DefinitionError(spot, "takes exactly one condition")
            return {op: node_to_condition(children[0], spot)}
        return {op: [node_to_condition(c, f"{spot}[{i}]") for i, c in enumerate(children)]}
    params = node.get("params", {})
    if not isinstance(params, Mapping):
        raise DefinitionError(spot, "parameters must be an object")
    return {op: copy.deepcopy(dict(params))}


def rule_to_builder(definition: Any) -> dict[str, Any]:
    """A rule's definition → the builder's document (every key kept)."""
    if not isinstance(definition, Mapping):
        raise DefinitionError("rule", "must be a mapping with id, name, severity, type and when")
    doc = {key: copy.deepcopy(value) for key, value in definition.items() if key != "when"}
    if "when" in definition:
        doc["when"] = condition_to_node(definition["when"])
    return doc


def rule_from_builder(doc: Any) -> dict[str, Any]:
    """The builder's document → the rule's definition (as the YAML editor gives it)."""
    if not isinstance(doc, Mapping):
        raise DefinitionError("rule", "the builder's document must be an object")
    definition = {key: copy.deepcopy(value) for key, value in doc.items() if key != "when"}
    if "when" in doc:
        where = f"indicator {doc.get('id')}: when"  # as the engine names a rule's parts
        definition["when"] = node_to_condition(doc["when"], where)
    return definition


# --- scorecards ---------------------------------------------------------------------------
def scorecard_to_builder(definition: Any) -> dict[str, Any]:
    """A scorecard's definition → the builder's document: the same data, checked to be
    sections and items the form can show (else DefinitionError: edit it as YAML)."""
    if not isinstance(definition, Mapping):
        raise DefinitionError("scorecard", "must be a mapping")
    sections = definition.get("sections", [])
    if not isinstance(sections, list):
        raise DefinitionError("scorecard: sections", "must be a list")
    for s_index, section in enumerate(sections):
        if not isinstance(section, Mapping):
            raise DefinitionError(f"scorecard: sections[{s_index}]", "must be a mapping")
        items = section.get("items", [])
        if not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items):
            raise DefinitionError(
                f"scorecard: sections[{s_index}].items", "must be a list of mappings"
            )
    return copy.deepcopy(dict(definition))


def scorecard_from_builder(doc: Any) -> dict[str, Any]:
    """The builder's document → the scorecard's definition."""
    if not isinstance(doc, Mapping):
        raise DefinitionError("scorecard", "the builder's document must be an object")
    scorecard_to_builder(doc)  # the same shape checks
    return copy.deepcopy(dict(doc))


# --- what the form offers -----------------------------------------------------------------
def _param_kind(name: str, param: Param) -> str:
    kinds = param.kind if isinstance(param.kind, tuple) else (param.kind,)
    if name == "lexicon":
        return "lexicon"
    if param.choices is not None:
        return "choice"
    if list in kinds:
        return "chips"
    if bool in kinds:
        return "bool"
    if int in kinds:
        return "int"
    if float in kinds:
        return "number"
    return "text"


def operator_catalogue() -> list[dict[str, Any]]:
    """Every operator of the rule language (conditions.OPERATORS) with the parameters the
    builder shows for it: name, kind (text, int, number, bool, choice, chips, lexicon),
    default, whether required, choices and minimum (from the operator's `spec`)."""
    out: list[dict[str, Any]] = []
    for op in OPERATORS:
        if op in (*GROUPS, "not"):
            out.append({"op": op, "group": True, "params": []})
            continue
        leaf, preset = ALIASES.get(op, (op, {}))
        spec = LEAVES[leaf].spec
        params = []
        for name, param in spec.items():
            if name in preset or (op in ALIASES and name == "absent"):
                continue
            params.append(
                {
                    "name": name,
                    "kind": _param_kind(name, param),
                    "default": param.default,
                    "required": param.required,
                    "choices": list(param.choices) if param.choices else None,
                    "minimum": param.minimum,
                }
            )
        out.append({"op": op, "group": False, "leaf": leaf, "params": params})
    return out


def error_field(where: str) -> str:
    """The part of a DefinitionError's `where` that names a field of the form, e.g.
    "indicator x: when.all[1].keywords.lexicon" → "when.all[1].keywords.lexicon",
    "scorecard s: item i1.points" → "item i1.points", "indicator.id" → "id"."""
    if ": " in where:
        return where.split(": ", 1)[1]
    if where.endswith(".id"):
        return "id"
    return ""
