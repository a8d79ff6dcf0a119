"""The article quality checklist reviewers fill when publishing (after KCS's Article
Quality Index), and its score: the share of criteria met."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

# KCS v6 practices guide, "Content Standard" checklist, as used here
CRITERIA = (
    "unique",  # not a duplicate of another article
    "customer_words",  # title and problem in the words customers use
    "complete",  # problem, environment / cause and resolution where they fit
    "clear",  # short, one idea per sentence, steps in order
    "accurate",  # correct today (policy, amounts, paths in the app)
    "metadata",  # type, scene, problem and tags right
    "snippet_ready",  # the snippet can be sent to a customer as it is
)


def clean(answers: Mapping[str, object]) -> dict[str, bool]:
    """Every criterion answered (missing = not met); unknown keys are dropped."""
    return {c: bool(answers.get(c)) for c in CRITERIA}


def score(answers: Mapping[str, object]) -> float | None:
    """Share of criteria met, None for a checklist nobody filled."""
    if not answers:
        return None
    return sum(1 for c in CRITERIA if answers.get(c)) / len(CRITERIA)


def index(checklists: Iterable[Mapping[str, object]]) -> float | None:
    """The article quality index: the mean score of the filled checklists."""
    scores = [s for s in (score(c) for c in checklists) if s is not None]
    return sum(scores) / len(scores) if scores else None
