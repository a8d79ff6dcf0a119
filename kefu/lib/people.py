"""How a person (a Django user) is named on pages, in exports and in live events."""

from __future__ import annotations

from typing import Any


def person_name(user: Any) -> str:
    """The user's full name (the demo sets it to the agent's name), else the log-in name;
    empty for no user. Pages show people by name, not by log-in ("supervisor")."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()
