from django.db import models
from django.utils.translation import gettext_lazy as _


class BuildStatus(models.TextChoices):
    """Where a roster's background build is."""

    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class BuildPhase(models.TextChoices):
    """The step a running build is at (the solver's two stages are `core.roster`'s)."""

    PLAN = "plan", _("Forecast and requirement")
    COUNTS = "counts", _("Solver: shifts per day")
    ASSIGN = "assign", _("Solver: agents to shifts")
    SAVE = "save", _("Predicted service and saving")


# Roster.plan["source"] of the rosters `kefu demo` writes (kefu/workforce/demo.py): the
# shifts the demo's agents worked, not a solver's answer.
DEMO_ROSTER = "demo"


class SolverStatus(models.TextChoices):
    OPTIMAL = "optimal", _("Optimal")
    FEASIBLE = "feasible", _("Feasible (time limit reached)")
    INFEASIBLE = "infeasible", _("No roster possible")
    UNKNOWN = "unknown", _("No roster found in time")


WEEKDAYS = [
    (0, _("Mon")),
    (1, _("Tue")),
    (2, _("Wed")),
    (3, _("Thu")),
    (4, _("Fri")),
    (5, _("Sat")),
    (6, _("Sun")),
]


class PresenceState(models.TextChoices):
    """An agent's presence, set in the workspace. Only `online` takes new conversations;
    `online` and `busy` count as available for schedule adherence (at work, handling
    contacts); `away` (break, meeting) and `offline` do not."""

    ONLINE = "online", _("Online")
    BUSY = "busy", _("Busy")
    AWAY = "away", _("Away")
    OFFLINE = "offline", _("Offline")


AVAILABLE_STATES = frozenset({PresenceState.ONLINE.value, PresenceState.BUSY.value})
