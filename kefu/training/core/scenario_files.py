"""The shipped practice scenarios: YAML files in kefu/training/data/scenarios/ (pure
Python). The loader (`kefu training load_scenarios`, migration 0003) stores them as
builtin Scenario rows; see docs/training-practice.md."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "data" / "scenarios"
# libyaml's loader when PyYAML was built with it (6× faster on the 20 files), else Python's.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class SyntaxProblem(ValueError):
    """A definition that is not YAML/JSON: where (1-based line and column, when known) and
    the parser's own words. The message is English; the Django shell says it in the
    user's language from `line`, `column` and `problem`."""

    def __init__(self, line: int | None, column: int | None, problem: str) -> None:
        self.line, self.column, self.problem = line, column, problem
        where = f"line {line}, column {column}: " if line is not None else ""
        super().__init__(f"{where}not valid YAML/JSON: {problem}")


def parse_text(text: str) -> Any:
    """A scenario written as YAML or JSON (YAML is a superset of JSON); SyntaxProblem (a
    ValueError) names the line of a syntax error."""
    try:
        return yaml.load(text, Loader=_Loader)  # a safe loader (C or Python)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = str(getattr(exc, "problem", None) or exc)
        if mark is None:
            raise SyntaxProblem(None, None, problem) from exc
        raise SyntaxProblem(mark.line + 1, mark.column + 1, problem) from exc


def dump_text(definition: Mapping[str, Any]) -> str:
    """A definition as YAML for the editor (keys in the file's order, Chinese readable)."""
    return yaml.safe_dump(
        dict(definition), allow_unicode=True, sort_keys=False, width=100, default_flow_style=None
    )


def builtin_files() -> list[Path]:
    return sorted(SCENARIO_DIR.glob("*.yaml"))


def builtin_definitions() -> list[tuple[Path, dict[str, Any]]]:
    """(file, definition) of every shipped scenario, in file-name order."""
    out = []
    for path in builtin_files():
        data = parse_text(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError(f"{path.name}: a scenario is a mapping")
        out.append((path, data))
    return out


def row_values(definition: Mapping[str, Any]) -> dict[str, Any]:
    """The Scenario columns a definition fills (the graph column holds it whole)."""
    return {
        "code": str(definition.get("code", "")),
        "title": str(definition.get("title", ""))[:120],
        "goal": str(definition.get("goal", "")),
        "area": str(definition.get("area") or ""),
        "graph": dict(definition),
    }
