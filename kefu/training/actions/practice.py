"""Every write of practice with simulated customers (模拟客户练习): validate, then do.

- Scenarios: the shipped ones are loaded from kefu/training/data/scenarios/ as builtin rows
  (`sync_builtin_scenarios`, idempotent: a file that did not change changes nothing; a
  trainer's own version, builtin=False, is never overwritten). Trainers save (and thereby
  take over) a scenario, copy one, deactivate one.
- Practices: the agent starts one, sends replies (the customer answers through the pure
  dialogue core, kefu/training/core/dialogue.py) and finishes; the transcript is then
  scored by the QA engine with the default scorecard, exactly as a stored conversation is
  (`score_practice`), and its error rate is kept (kefu/training/core/practice_errors.py).

Refusals are kefu.lib.errors: NotAllowed 403, NotFound 404, Conflict 409, Invalid 422.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

import orjson
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _

from kefu.accounts import access
from kefu.accounts.roles import MANAGE_TRAINING
from kefu.audit.actions import record as audit
from kefu.audit.models import AuditAction
from kefu.interactions.core.native import ConversationRecord
from kefu.lib.errors import Conflict, Invalid, NotAllowed, NotFound
from kefu.qa import store
from kefu.qa.core.engine import QaResult
from kefu.qa.models import ScorecardVersion
from kefu.training.choices import PracticeStatus
from kefu.training.core import dialogue, scenario_files
from kefu.training.core.practice_errors import Checked, count_errors
from kefu.training.models import Area, Practice, Scenario

PRACTISE = "practise"  # the access action of the agent's own practices (apps.py)
MAX_REPLY = 2000  # characters of one reply
EXTRA_REPLIES = 3  # replies allowed past max_turns (closing words once the goal is reached)
LEXICON_MAX_AGE_S = 30.0  # the QA lexicons the conditions use: re-checked this often


# --- scenarios ----------------------------------------------------------------------------
@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # trainers' own versions, left alone

    def __str__(self) -> str:
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.kept)} kept (edited by trainers)"
        )


def sync_builtin_scenarios(scenario_model: Any = None, area_model: Any = None) -> SyncReport:
    """Store the shipped scenario files as builtin rows (the migration passes its
    historical models). A file that did not change changes nothing; a row a trainer saved
    (builtin=False) is never overwritten; `active` is the trainers' and stays as it is."""
    scenarios = scenario_model or Scenario
    areas = {a.code: a for a in (area_model or Area).objects.all()}
    report = SyncReport()
    existing = {s.code: s for s in scenarios.objects.all()}
    for path, definition in scenario_files.builtin_definitions():
        problems = dialogue.validate(definition)
        if problems:
            raise ValueError(f"{path.name}: " + "; ".join(map(str, problems)))
        values = scenario_files.row_values(definition)
        code = values.pop("code")
        values["area"] = areas.get(values["area"])
        row = existing.get(code)
        if row is None:
            scenarios.objects.create(code=code, builtin=True, **values)
            report.created.append(code)
        elif not row.builtin:
            report.kept.append(code)
        elif all(getattr(row, k) == v for k, v in values.items()):
            report.unchanged.append(code)
        else:
            for key, value in values.items():
                setattr(row, key, value)
            row.save()
            report.updated.append(code)
    return report


def _lexicons_and_sentiment():
    engine = store.engine_for(max_age_s=LEXICON_MAX_AGE_S)
    return engine.lexicons, engine.sentiment


@lru_cache(maxsize=64)
def _compiled(graph_json: bytes, lexicons: Any, sentiment: Any) -> dialogue.Scenario:
    return dialogue.parse_scenario(orjson.loads(graph_json), lexicons, sentiment)


def compile_graph(graph: dict[str, Any]) -> dialogue.Scenario:
    """The dialogue of a stored definition, compiled once per definition (cached)."""
    lexicons, sentiment = _lexicons_and_sentiment()
    try:
        return _compiled(orjson.dumps(graph, option=orjson.OPT_SORT_KEYS), lexicons, sentiment)
    except dialogue.ScenarioError as exc:
        raise Invalid(
            _("The scenario is not valid."),
            [{"field": p.where, "reason": problem_reason(p)} for p in exc.problems],
        ) from exc


def problems_of(data: Any) -> list[dialogue.Problem]:
    """Every problem of a definition a trainer wrote, the knowledge area included."""
    lexicons, _sentiment = _lexicons_and_sentiment()
    problems = dialogue.validate(data, lexicons)
    if isinstance(data, dict) and data.get("area"):
        area = data["area"]
        if not isinstance(area, str) or not Area.objects.filter(code=area).exists():
            known = ", ".join(Area.objects.order_by("code").values_list("code", flat=True))
            problems.append(
                dialogue.Problem(
                    "area",
                    _("no knowledge area %(area)s (known: %(known)s)"),
                    {"area": repr(area), "known": known},
                )
            )
    return problems


def problem_reason(problem: dialogue.Problem) -> str:
    """A scenario problem's reason in the active language: the core's English template
    is the msgid (kefu/locale), filled with its parameters."""
    template = gettext(problem.reason)
    try:
        return template % dict(problem.params) if problem.params else template
    except (KeyError, TypeError, ValueError):  # a translation that lost a parameter
        return problem.text


def problem_where(where: str) -> str:
    """Where a problem is, for a reader: "node greet: say[0]" → "节点 greet: say[0]" (the
    keys stay as written in the file)."""
    if where.startswith("node "):
        return gettext("node %(where)s") % {"where": where.removeprefix("node ")}
    return where


def _refuse_problems(problems: list[dialogue.Problem]) -> None:
    if problems:
        raise Invalid(
            _("The scenario has problems."),
            [{"field": p.where, "reason": problem_reason(p)} for p in problems],
        )


def _changeable(user, scenario: Scenario | None = None) -> None:
    """Trainers change scenarios (the catalogue's CHANGE rule); anyone else: refused."""
    if scenario is None:
        allowed = user.is_authenticated and user.is_active and user.has_perm(MANAGE_TRAINING)
    else:
        rows = Scenario.objects.filter(pk=scenario.pk)
        allowed = access.restrict(rows, user, access.CHANGE).exists()
    if not allowed:
        raise NotAllowed(_("Only trainers edit practice scenarios."))


@transaction.atomic
def save_scenario(user, data: Any, scenario: Scenario | None = None) -> Scenario:
    """Create a scenario (`scenario` None) or save a new definition of one. A trainer's
    save makes the row theirs (builtin=False): reloading the shipped files leaves it."""
    _changeable(user, scenario)
    _refuse_problems(problems_of(data))
    values = scenario_files.row_values(data)
    code = values.pop("code")
    values["area"] = Area.objects.filter(code=values["area"]).first() if values["area"] else None
    if scenario is None:
        if Scenario.objects.filter(code=code).exists():
            raise Conflict(_("A scenario with this code exists already."))
        scenario = Scenario.objects.create(code=code, builtin=False, **values)
        change = "created"
    else:
        if code != scenario.code:
            raise Invalid(
                _("The code of a scenario does not change; copy it to make another one."),
                [{"field": "code", "reason": f"must stay {scenario.code!r}"}],
            )
        for key, value in values.items():
            setattr(scenario, key, value)
        scenario.builtin = False
        scenario.save()
        change = "updated"
    audit(
        AuditAction.CHANGE_SETTINGS,
        user=user,
        object_type="training_scenario",
        object_id=scenario.code,
        detail={"change": change},
    )
    return scenario


@transaction.atomic
def copy_scenario(user, scenario: Scenario, code: str) -> Scenario:
    """A trainer's copy of a scenario under a new code (builtin=False)."""
    _changeable(user)
    data = dict(scenario.graph) | {"code": code, "title": f"{scenario.title}（副本）"[:120]}
    return save_scenario(user, data)


@transaction.atomic
def set_active(user, scenario: Scenario, active: bool) -> Scenario:
    _changeable(user, scenario)
    scenario.active = active
    scenario.save(update_fields=["active", "updated_at"])
    audit(
        AuditAction.CHANGE_SETTINGS,
        user=user,
        object_type="training_scenario",
        object_id=scenario.code,
        detail={"change": "activated" if active else "deactivated"},
    )
    return scenario


# --- practices -------------------------------------------------------------------------------
def lines_of(practice: Practice) -> list[dialogue.Line]:
    return [dialogue.Line.from_data(item) for item in practice.transcript]


def _mine(user, practice_id: int) -> Practice:
    """The user's own practice, locked for the write; anyone else's: not found."""
    practice = (
        access.restrict(Practice.objects.select_for_update(), user, PRACTISE)
        .select_related("agent")
        .filter(pk=practice_id)
        .first()
    )
    if practice is None:
        raise NotFound(_("No such practice."))
    return practice


@transaction.atomic
def start_practice(
    user, scenario: Scenario, *, seed: int | None = None, now: datetime | None = None
) -> Practice:
    """The agent starts practising: the customer's first line is shown now."""
    agent_id = access.own_agent_id(user)
    if agent_id is None:
        raise NotAllowed(_("Only an agent can practise: your log-in is not linked to an agent."))
    if not scenario.active:
        raise NotFound(_("No such scenario."))
    compiled = compile_graph(scenario.graph)
    seed = secrets.randbelow(2**31) if seed is None else seed
    shown = now or timezone.now()
    step = dialogue.opening(compiled, seed)
    first = dialogue.Line("customer", step.text or "", shown, step.node, step.route)
    return Practice.objects.create(
        scenario=scenario,
        agent_id=agent_id,
        status=PracticeStatus.ACTIVE,
        node=step.node,
        seed=seed,
        graph=scenario.graph,
        transcript=[first.as_data()],
        started_at=shown,
    )


@transaction.atomic
def send_turn(
    user, practice_id: int, text: str, *, now: datetime | None = None
) -> tuple[Practice, dialogue.Step]:
    """The agent's reply, stamped when it was submitted; the customer's answer, stamped
    when it is shown. Reaching an end node (the customer leaves) finishes the practice."""
    practice = _mine(user, practice_id)
    if practice.status != PracticeStatus.ACTIVE:
        raise Conflict(_("This practice is finished."))
    text = (text or "").strip()
    if not text:
        raise Invalid(_("Write a reply first."), [{"field": "text", "reason": "is required"}])
    if len(text) > MAX_REPLY:
        raise Invalid(
            _("A reply is too long."),
            [{"field": "text", "reason": f"must be at most {MAX_REPLY} characters"}],
        )
    scenario = compile_graph(practice.graph)
    lines = lines_of(practice)
    if dialogue.agent_turns(lines) >= scenario.max_turns + EXTRA_REPLIES:
        raise Conflict(_("The customer has gone: finish the practice to see its score."))
    submitted = max(now or timezone.now(), lines[-1].at)
    lines.append(dialogue.Line("agent", text, submitted))
    step = dialogue.respond(scenario, lines, practice.seed)
    if step.text is not None:
        shown = max(now or timezone.now(), submitted)
        lines.append(dialogue.Line("customer", step.text, shown, step.node, step.route))
    practice.node = step.node
    practice.transcript = [line.as_data() for line in lines]
    if step.finished:
        _finish(practice, scenario, lines[-1].at)
    else:
        practice.save(update_fields=["node", "transcript"])
    return practice, step


@transaction.atomic
def finish_practice(user, practice_id: int, *, now: datetime | None = None) -> Practice:
    """The agent ends the practice (after the goal, or giving up); it is scored."""
    practice = _mine(user, practice_id)
    if practice.status != PracticeStatus.ACTIVE:
        raise Conflict(_("This practice is finished."))
    scenario = compile_graph(practice.graph)
    last = lines_of(practice)[-1].at
    _finish(practice, scenario, max(now or timezone.now(), last))
    return practice


def _finish(practice: Practice, scenario: dialogue.Scenario, at: datetime) -> None:
    practice.status = PracticeStatus.FINISHED
    practice.finished_at = at
    practice.goal_reached = scenario.node(practice.node).kind == dialogue.GOAL
    result, checked, version = score_practice(practice, scenario)
    practice.qa_score = result.score
    practice.errors = checked.errors
    practice.checks = checked.checks
    practice.qa_breakdown = breakdown_data(result, checked, version)
    practice.save()


# --- scoring -----------------------------------------------------------------------------------
def practice_record(
    practice: Practice, scenario: dialogue.Scenario | None = None
) -> ConversationRecord:
    """A finished practice as a native conversation record (what `export.jsonl` holds):
    resolved when the goal was reached, closed otherwise."""
    scenario = scenario or compile_graph(practice.graph)
    finished = practice.finished_at
    goal = bool(practice.goal_reached)
    return dialogue.transcript_record(
        scenario,
        lines_of(practice),
        conversation_id=f"PRACTICE-{practice.pk}",
        agent=practice.agent.external_id,
        customer=f"SIM-{scenario.code}",
        resolved_at=finished if goal else None,
        closed_at=None if goal else finished,
    )


def score_practice(
    practice: Practice, scenario: dialogue.Scenario | None = None
) -> tuple[QaResult, Checked, ScorecardVersion]:
    """Score a practice exactly as a stored conversation is scored: the engine of the
    default scorecard's current version (kefu.qa.store.engine_for), `Engine.score` on the
    native record; `kefu qa score` runs the same `Engine.score` on the exported JSONL."""
    version = store.default_version()
    engine = store.engine_for(version)
    scenario = scenario or compile_graph(practice.graph)
    result = engine.score(practice_record(practice, scenario))
    return result, count_errors(engine.scorecard, result.items, scenario.channel), version


def breakdown_data(result: QaResult, checked: Checked, version: ScorecardVersion) -> dict:
    """What a finished practice keeps of its QA result (shown on its result page)."""
    return {
        "conversation": result.conversation,
        "scorecard": result.scorecard,
        "scorecard_version": result.scorecard_version,
        "scorecard_version_id": version.pk,
        "score": result.score,
        "passed": result.passed,
        "fatal": result.fatal,
        "items": [
            {
                "item": i.item,
                "section": i.section,
                "points": i.points,
                "fatal": i.fatal,
                "indicators": list(i.indicators),
            }
            for i in result.items
        ],
        "hits": [h.as_contract() | {"occurrences": h.occurrences} for h in result.hits],
        "checked": list(checked.checked),
        "failed": list(checked.failed),
    }
