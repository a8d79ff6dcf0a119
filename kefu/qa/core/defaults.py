"""The shipped definitions: lexicons, the 32 built-in indicators and the default
scorecard, as YAML data under kefu/qa/data/ (users copy and change them; the database
keeps their versions)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from kefu.qa.core.engine import Engine
from kefu.qa.core.view import SentimentFn

DATA = Path(__file__).resolve().parent.parent / "data"


def load_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def default_lexicons() -> Any:
    return load_yaml(DATA / "lexicons.yaml")


def default_indicators() -> Any:
    return load_yaml(DATA / "indicators.yaml")


def default_scorecard() -> Any:
    return load_yaml(DATA / "scorecard.yaml")


def default_sentiment() -> SentimentFn:
    from kefu.qa.core.sentiment import default_scorer

    scorer = default_scorer()

    def score(text: str) -> tuple[float, tuple[str, ...]]:
        result = scorer.score(text)
        return result.score, tuple(result.words)

    return score


@cache
def default_engine() -> Engine:
    return Engine.from_data(
        lexicons=default_lexicons(),
        indicators=default_indicators(),
        scorecard=default_scorecard(),
        sentiment=default_sentiment(),
    )


def engine_with(scorecard: Any | None = None, lexicons: Any | None = None) -> Engine:
    """The built-in indicators with another scorecard and/or lexicons."""
    return Engine.from_data(
        lexicons=lexicons if lexicons is not None else default_lexicons(),
        indicators=default_indicators(),
        scorecard=scorecard if scorecard is not None else default_scorecard(),
        sentiment=default_sentiment(),
    )
