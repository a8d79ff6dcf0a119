"""The one error a bad rule, lexicon or scorecard raises: where, and why."""

from __future__ import annotations


class DefinitionError(ValueError):
    """A definition that cannot be used. `where` names the rule (or scorecard item) and
    the field, e.g. ``indicator missing_greeting: when.keywords.position``."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason
