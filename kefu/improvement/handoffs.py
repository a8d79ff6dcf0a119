"""Hand-offs: what follows from a root cause, chosen by its kind (CauseKind).

`HANDOFFS` maps a kind to a `Handoff`: the button's label and the function that does it
(`run(subject, *, user, request) -> int`, subject an analysis or a project; a write, so
it lives in an actions module and is audited there). A kind with a registered `Handoff`
whose `run` is None is shown with its `unavailable` sentence and records nothing.

- missing training → a request to the trainers (actions_analysis.request_training);
- knowledge gap → nothing yet: the knowledge-base app does not exist. When it does, it
  registers its function from its AppConfig.ready() (`register(CauseKind.KNOWLEDGE_GAP,
  label, run)`); improvement never imports it (it sits below in the layers, or it
  registers itself).

See docs/improvement.md ("Hand-offs")."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kefu.improvement.actions_analysis import request_training
from kefu.improvement.choices import CauseKind

Run = Callable[..., int]


@dataclass(frozen=True)
class Handoff:
    label: Promise | str
    run: Run | None = None
    unavailable: Promise | str = ""

    @property
    def available(self) -> bool:
        """(templates call callables: they ask this, never `run`)"""
        return self.run is not None


HANDOFFS: dict[str, Handoff] = {}


def register(kind: str, label: Promise | str, run: Run | None, unavailable: Any = "") -> None:
    HANDOFFS[str(kind)] = Handoff(label, run, unavailable)


def for_kind(kind: str | None) -> Handoff | None:
    return HANDOFFS.get(kind or "")


register(CauseKind.MISSING_TRAINING, _("Request training"), request_training)
register(
    CauseKind.KNOWLEDGE_GAP,
    _("Hand off to the knowledge base"),
    None,
    _("No knowledge base yet: note the gap in the analysis; nothing is recorded."),
)
