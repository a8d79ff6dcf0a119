"""Translatable sentences the cores name by code."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.knowledge.core import quality


def step_problem(code: str, value: object) -> str:
    messages = {
        "line": _("line %(value)s: a step starts with its number (1. …)"),
        "not_list": _("steps are a list"),
        "not_object": _("a step is an object with n, text and branches"),
        "numbered": _("the step is numbered %(value)s"),
        "empty": _("the step has no text"),
        "no_condition": _("a branch has no condition"),
        "bad_goto": _("a branch goes to %(value)s, not a step number"),
        "missing_step": _("a branch goes to step %(value)s, which does not exist"),
        "self": _("a branch goes to its own step"),
    }
    return messages.get(code, code) % {"value": value}


QUALITY_LABELS = {
    "unique": gettext_lazy("Unique: not a duplicate of another article"),
    "customer_words": gettext_lazy("Title and problem in the customer's words"),
    "complete": gettext_lazy("Complete: problem, cause and resolution where they fit"),
    "clear": gettext_lazy("Clear and short; steps in order"),
    "accurate": gettext_lazy("Accurate today (rules, amounts, paths in the app)"),
    "metadata": gettext_lazy("Type, scene, problem and tags are right"),
    "snippet_ready": gettext_lazy("The snippet can be sent to a customer as it is"),
}
assert set(QUALITY_LABELS) == set(quality.CRITERIA)
