"""Writes to the QA definitions. Each one compiles the whole resulting rule set (lexicons,
every indicator, the default scorecard) before saving, so a bad rule, lexicon or
scorecard is refused with the engine's error (naming the rule and the field) and nothing
is half-saved. Every change is audited."""

from __future__ import annotations

from typing import Any

import yaml
from django.db import transaction

from kefu.audit.actions import record as audit
from kefu.audit.models import AuditAction
from kefu.qa import store
from kefu.qa.core.engine import Engine
from kefu.qa.core.errors import DefinitionError
from kefu.qa.core.indicators import Indicator as CompiledIndicator
from kefu.qa.core.indicators import parse_indicator
from kefu.qa.core.lexicons import LexiconSet, parse_lexicons
from kefu.qa.models import Indicator, Lexicon, Scorecard, ScorecardVersion


def parse_text(text: str, what: str) -> Any:
    """YAML (or JSON) typed into an editor → data; DefinitionError naming the line."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{what}, line {mark.line + 1}" if mark else what
        raise DefinitionError(where, f"not valid YAML: {getattr(exc, 'problem', exc)}") from exc


def dump_text(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def _check(lexicons: dict, indicators: list[dict], scorecard: dict) -> Engine:
    return Engine.from_data(
        lexicons=lexicons, indicators=indicators, scorecard=scorecard, sentiment=lambda t: (0.0, ())
    )


def _default_scorecard_data() -> dict:
    version = store.default_version()
    return dict(version.definition) | {"version": version.number}


def compile_indicator(definition: Any) -> CompiledIndicator:
    """An indicator checked against the stored lexicons (for "test this rule")."""
    lexicons = LexiconSet(parse_lexicons(store.lexicon_data()))
    return parse_indicator(definition, lexicons)


@transaction.atomic
def save_indicator(definition: Any, *, user, key: str | None = None) -> Indicator:
    """Create or change an indicator. `key`: the indicator being edited (its id may not
    change: results and scorecards refer to it)."""
    compiled = compile_indicator(definition)
    if key is not None and compiled.id != key:
        raise DefinitionError(f"indicator {key}: id", "cannot be renamed; copy it instead")
    indicators = {i["id"]: i for i in store.indicator_data()}
    old = indicators.get(compiled.id)
    indicators[compiled.id] = definition
    _check(store.lexicon_data(), list(indicators.values()), _default_scorecard_data())
    indicator, created = Indicator.objects.update_or_create(
        key=compiled.id, defaults={"definition": definition, "updated_by": user}
    )
    audit(
        AuditAction.CHANGE_SETTINGS,
        user=user,
        object_type="qa_indicator",
        object_id=compiled.id,
        detail={"created": created, "old": old, "new": definition},
    )
    return indicator


@transaction.atomic
def save_lexicon(name: str, body: Any, *, user) -> Lexicon:
    parsed = parse_lexicons({name: body})[name]
    lexicons = store.lexicon_data()
    old = lexicons.get(name)
    lexicons[name] = parsed.as_data()
    _check(lexicons, store.indicator_data(), _default_scorecard_data())
    lexicon, _ = Lexicon.objects.update_or_create(
        name=name,
        defaults={
            "words": list(parsed.words),
            "synonyms": parsed.as_data().get("synonyms", {}),
            "description": parsed.description,
            "updated_by": user,
        },
    )
    audit(
        AuditAction.CHANGE_SETTINGS,
        user=user,
        object_type="qa_lexicon",
        object_id=name,
        detail={"old": old, "new": lexicon.as_data()},
    )
    return lexicon


@transaction.atomic
def save_scorecard(
    scorecard: Scorecard, definition: Any, *, user, note: str = ""
) -> ScorecardVersion:
    """A new version of the scorecard (versions are immutable; results name theirs)."""
    if not isinstance(definition, dict):
        raise DefinitionError(f"scorecard {scorecard.slug}", "must be a mapping")
    latest = scorecard.current_version()
    number = (latest.number if latest else 0) + 1
    definition = dict(definition) | {"id": scorecard.slug, "version": number}
    _check(store.lexicon_data(), store.indicator_data(), definition)
    version = ScorecardVersion.objects.create(
        scorecard=scorecard, number=number, definition=definition, note=note[:200], created_by=user
    )
    name = definition.get("name")
    if isinstance(name, dict):
        name = name.get("zh") or name.get("en")
    if isinstance(name, str) and name.strip() and name != scorecard.name:
        scorecard.name = name.strip()[:200]
        scorecard.save(update_fields=["name"])
    audit(
        AuditAction.CHANGE_SETTINGS,
        user=user,
        object_type="qa_scorecard",
        object_id=f"{scorecard.slug} v{number}",
        detail={"note": note, "previous": latest.number if latest else None},
    )
    return version


def items_using(definition: dict, key: str) -> list[str]:
    """The ids of a scorecard definition's items that judge indicator `key`."""
    return [
        str(item.get("id"))
        for section in definition.get("sections") or []
        for item in section.get("items") or []
        if key in (item.get("indicators") or [])
    ]


def add_to_scorecard(
    scorecard: Scorecard,
    key: str,
    *,
    section: str,
    points: float,
    mode: str = "deduct",
    user,
) -> ScorecardVersion:
    """A new scorecard version with an item judging indicator `key` in `section` (the
    rule editor's "add to the scorecard"); refused whole like any scorecard edit."""
    current = scorecard.current_version()
    definition = dict(current.definition) if current else {}
    sections = [dict(s) for s in definition.get("sections") or []]
    target = next((s for s in sections if s.get("id") == section), None)
    if target is None:
        raise DefinitionError(f"scorecard {scorecard.slug}: section", f"no section {section!r}")
    if items_using(definition, key):
        raise DefinitionError(f"scorecard {scorecard.slug}: item {key}", "already judged")
    taken = {i.get("id") for s in sections for i in s.get("items") or []}
    item_id, n = key, 2
    while item_id in taken:
        item_id, n = f"{key}_{n}", n + 1
    indicator = Indicator.objects.filter(key=key).first()
    name = (indicator.definition.get("name") if indicator else None) or key
    target["items"] = [
        *(target.get("items") or []),
        {"id": item_id, "name": name, "indicators": [key], "points": points, "mode": mode},
    ]
    return save_scorecard(
        scorecard, definition | {"sections": sections}, user=user, note=f"+ {key}"
    )
