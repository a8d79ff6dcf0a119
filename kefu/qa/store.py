"""Definitions in the database ↔ the pure engine.

`ensure_definitions()` seeds the shipped lexicons, the 32 built-in indicators and the
default scorecard (version 1) into an empty database. `engine_for(version)` compiles the
stored lexicons and indicators with a scorecard version into a `core.engine.Engine`,
cached until a definition changes.
"""

from __future__ import annotations

import time

from django.db import transaction
from django.db.models import Max

from kefu.qa.core import defaults
from kefu.qa.core.engine import Engine
from kefu.qa.models import Indicator, Lexicon, Scorecard, ScorecardVersion
from kefu.sla.selectors import active_policies, policy_stamp

_cache: dict[tuple, Engine] = {}


@transaction.atomic
def ensure_definitions() -> None:
    if not Lexicon.objects.exists():
        for name, body in defaults.default_lexicons().items():
            Lexicon.objects.create(
                name=name,
                description=body.get("description", ""),
                words=body["words"],
                synonyms=body.get("synonyms") or {},
            )
    if not Indicator.objects.exists():
        Indicator.objects.bulk_create(
            [
                Indicator(key=d["id"], definition=d, builtin=True)
                for d in defaults.default_indicators()
            ]
        )
    if not Scorecard.objects.exists():
        data = defaults.default_scorecard()
        name = data["name"]["zh"] if isinstance(data["name"], dict) else data["name"]
        scorecard = Scorecard.objects.create(slug=data["id"], name=name, is_default=True)
        ScorecardVersion.objects.create(
            scorecard=scorecard, number=data.get("version", 1), definition=data, note="shipped"
        )


def lexicon_data() -> dict:
    return {lex.name: lex.as_data() for lex in Lexicon.objects.all()}


def indicator_data() -> list[dict]:
    return [i.definition for i in Indicator.objects.all()]


def default_version() -> ScorecardVersion:
    scorecard = Scorecard.objects.filter(is_default=True).first() or Scorecard.objects.first()
    if scorecard is None:
        ensure_definitions()
        scorecard = Scorecard.objects.get(is_default=True)
    return scorecard.current_version()


_recent: dict[str, tuple[float, Engine]] = {}


def engine_for(version: ScorecardVersion | None = None, *, max_age_s: float = 0.0) -> Engine:
    """The engine for a scorecard version (default: the default scorecard's latest).
    `max_age_s`: the default engine may be reused without checking the definitions for
    that long (the live path, a message at a time)."""
    if version is None and max_age_s > 0:
        hit = _recent.get("default")
        if hit is not None and time.monotonic() - hit[0] < max_age_s:
            return hit[1]
        engine = engine_for()
        _recent["default"] = (time.monotonic(), engine)
        return engine
    version = version or default_version()
    stamp = (
        version.pk,
        Lexicon.objects.aggregate(m=Max("updated_at"))["m"],
        Indicator.objects.aggregate(m=Max("updated_at"))["m"],
        Lexicon.objects.count(),
        Indicator.objects.count(),
        policy_stamp(),  # a new policy version (or one retired) compiles a new engine
    )
    engine = _cache.get(stamp)
    if engine is None:
        definition = dict(version.definition) | {"version": version.number}
        engine = Engine.from_data(
            lexicons=lexicon_data(),
            indicators=indicator_data(),
            scorecard=definition,
            sentiment=defaults.default_sentiment(),
            policies=active_policies(),
        )
        _cache.clear()
        _cache[stamp] = engine
    return engine
