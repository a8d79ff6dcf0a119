"""The complaint taxonomy: scene → problem → root cause (售后 → 退款到账慢 → 流程冗余).

A taxonomy is data the department edits; each edit is a new version, so a classification
or an analysis keeps meaning what it meant. Problems are the classifier's labels, so a
problem's name is unique in its taxonomy; a root cause may recur under several problems
(系统故障 causes slow refunds and lost invoices alike) and carries a kind (system bug,
redundant process, missing training, supplier change, …) that decides its hand-off.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

SCENE = "scene"
PROBLEM = "problem"
CAUSE = "cause"
LEVELS = (SCENE, PROBLEM, CAUSE)
MAX_NAME = 100


class TaxonomyError(ValueError):
    """A taxonomy that cannot be stored; `path` names the node ("售后 / 退款到账慢")."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message


@dataclass(frozen=True)
class Cause:
    name: str
    kind: str = "other"


@dataclass(frozen=True)
class Problem:
    name: str
    causes: tuple[Cause, ...] = ()


@dataclass(frozen=True)
class Scene:
    name: str
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class Taxonomy:
    scenes: tuple[Scene, ...] = field(default_factory=tuple)

    def problems(self) -> dict[str, str]:
        """Problem → its scene (the classifier's labels and their parents)."""
        return {p.name: s.name for s in self.scenes for p in s.problems}

    def causes_of(self, problem: str) -> tuple[Cause, ...]:
        for scene in self.scenes:
            for p in scene.problems:
                if p.name == problem:
                    return p.causes
        return ()

    def as_data(self) -> list[dict[str, Any]]:
        return [
            {
                "scene": s.name,
                "problems": [
                    {
                        "problem": p.name,
                        "causes": [{"cause": c.name, "kind": c.kind} for c in p.causes],
                    }
                    for p in s.problems
                ],
            }
            for s in self.scenes
        ]


def _name(raw: Any, path: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise TaxonomyError(path, "a name is required")
    name = " ".join(raw.split())
    if len(name) > MAX_NAME:
        raise TaxonomyError(path, f"a name has at most {MAX_NAME} characters")
    if "\x00" in name or "/" in name:
        raise TaxonomyError(path, "a name may not contain '/' or NUL")
    return name


def parse(data: Iterable[Mapping[str, Any]], kinds: Iterable[str]) -> Taxonomy:
    """A taxonomy from its data form (`as_data`), checked: names present, unique where
    they must be, kinds known. Raises `TaxonomyError` naming the first bad node."""
    known_kinds = set(kinds)
    scenes: list[Scene] = []
    seen_scenes: set[str] = set()
    seen_problems: dict[str, str] = {}
    if not isinstance(data, Iterable) or isinstance(data, str | bytes | Mapping):
        raise TaxonomyError("", "a taxonomy is a list of scenes")
    for i, raw_scene in enumerate(data, 1):
        if not isinstance(raw_scene, Mapping):
            raise TaxonomyError(f"#{i}", "a scene is an object with 'scene' and 'problems'")
        scene_name = _name(raw_scene.get("scene"), f"#{i}")
        if scene_name in seen_scenes:
            raise TaxonomyError(scene_name, "this scene appears twice")
        seen_scenes.add(scene_name)
        problems: list[Problem] = []
        for j, raw_problem in enumerate(raw_scene.get("problems") or (), 1):
            where = f"{scene_name} / #{j}"
            if not isinstance(raw_problem, Mapping):
                raise TaxonomyError(where, "a problem is an object with 'problem' and 'causes'")
            problem_name = _name(raw_problem.get("problem"), where)
            where = f"{scene_name} / {problem_name}"
            if problem_name in seen_problems:
                raise TaxonomyError(
                    where, f"this problem is already under {seen_problems[problem_name]}"
                )
            seen_problems[problem_name] = scene_name
            causes: list[Cause] = []
            for k, raw_cause in enumerate(raw_problem.get("causes") or (), 1):
                if not isinstance(raw_cause, Mapping):
                    raise TaxonomyError(f"{where} / #{k}", "a root cause is an object")
                cause_name = _name(raw_cause.get("cause"), f"{where} / #{k}")
                kind = raw_cause.get("kind") or "other"
                if kind not in known_kinds:
                    raise TaxonomyError(f"{where} / {cause_name}", f"unknown kind: {kind}")
                if any(c.name == cause_name for c in causes):
                    raise TaxonomyError(f"{where} / {cause_name}", "this root cause appears twice")
                causes.append(Cause(cause_name, kind))
            problems.append(Problem(problem_name, tuple(causes)))
        scenes.append(Scene(scene_name, tuple(problems)))
    return Taxonomy(tuple(scenes))
