"""Writes of the analyses (validate, then do): 5-Why records, fishbone diagrams, case
retrospectives, the retrospective's Excel export and the training hand-off. Refusals are
`kefu.lib.errors` types; every change is audited (object type `improvement.<kind>`).

Shared checks: a title; the problem is one of the current taxonomy's problems; the root
cause (optional) is one of that problem's root causes in the current taxonomy (an
analysis may keep the one it already names from an earlier version); the linked
conversations are given by external id and must exist and be visible to the writer
through the access layer (an unknown and an invisible id are refused alike)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from datetime import datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kefu.accounts import access
from kefu.accounts.roles import MANAGE_TRAINING
from kefu.audit.actions import record as audit
from kefu.audit.models import AuditAction
from kefu.improvement import selectors
from kefu.improvement.choices import FishboneCategory, Level
from kefu.improvement.exports import retrospective_workbook
from kefu.improvement.models import (
    Classification,
    Fishbone,
    FiveWhy,
    ImprovementSettings,
    Project,
    Retrospective,
    TaxonomyNode,
)
from kefu.improvement.selectors_analysis import (
    FISHBONE,
    FIVE_WHY,
    KINDS,
    RETROSPECTIVE,
    analyses,
    kind_of,
    linked_conversations,
)
from kefu.interactions.models import Conversation
from kefu.lib.errors import Invalid, NotAllowed, NotFound
from kefu.lib.localtime import configured_tz
from kefu.notifications.actions import notify

MAX_WHYS = 5
MAX_ANSWER = 1000
MAX_CAUSES = 20  # per fishbone category
MAX_CAUSE = 200
MAX_SECTION = 10_000
MAX_CONVERSATIONS = 100
MAX_AGENTS_NAMED = 10  # in a hand-off's notification
RETRO_SECTIONS = ("background", "description", "handling", "result")

AnalysisRow = FiveWhy | Fishbone | Retrospective


def _require_manager(user) -> None:
    if not access.manages_improvement(user):
        raise NotAllowed(_("this needs the permission to manage complaint analysis"))


# --- shared checks ----------------------------------------------------------------------------
def check_root_cause(problem: str, cause: TaxonomyNode | None, *, keep: int | None = None) -> None:
    """The cause must be one of the problem's root causes in the current taxonomy (or the
    one the analysis already names, `keep`, when the problem is unchanged)."""
    if cause is None:
        return
    if keep is not None and cause.pk == keep and cause.parent and cause.parent.name == problem:
        return
    if not selectors.cause_nodes(problem).filter(pk=cause.pk).exists():
        raise Invalid(
            _("the root cause “%(cause)s” is not one of the problem “%(problem)s”")
            % {"cause": cause.name, "problem": problem}
        )


def resolve_conversations(external_ids: Iterable[str], user) -> list[Conversation]:
    """The conversations named by external id, in the given order without repeats; an
    id that does not exist or that the user may not see is refused (alike, so that the
    existence of another team's conversation does not leak)."""
    ids: list[str] = []
    for raw in external_ids:
        value = str(raw or "").strip()
        if value and value not in ids:
            ids.append(value)
    if len(ids) > MAX_CONVERSATIONS:
        raise Invalid(_("at most %(n)s linked conversations") % {"n": MAX_CONVERSATIONS})
    found = {
        c.external_id: c for c in access.conversations_visible_to(user).filter(external_id__in=ids)
    }
    missing = [i for i in ids if i not in found]
    if missing:
        raise Invalid(
            _("unknown conversation: %(ids)s") % {"ids": ", ".join(m[:64] for m in missing[:5])}
        )
    return [found[i] for i in ids]


def _common(data: Mapping[str, Any], analysis: AnalysisRow | None) -> dict[str, Any]:
    title = " ".join(str(data.get("title") or "").split())
    if not title:
        raise Invalid(_("an analysis needs a title"))
    problem = str(data.get("problem") or "")
    if problem not in selectors.current_taxonomy().problems():
        raise Invalid(_("unknown problem: %(name)s") % {"name": problem[:100]})
    cause = data.get("root_cause")
    if cause is not None and cause.level != Level.CAUSE:
        raise Invalid(_("the root cause must be a root cause of the taxonomy"))
    check_root_cause(problem, cause, keep=analysis.root_cause_id if analysis else None)
    return {"title": title[:200], "problem": problem, "root_cause": cause}


def clean_whys(values: Iterable[Any]) -> list[str]:
    """One to five answers, each asking about the previous: no gaps, trailing blanks
    dropped."""
    whys = [str(v or "").strip() for v in values]
    while whys and not whys[-1]:
        whys.pop()
    if not whys:
        raise Invalid(_("answer at least the first “why?”"))
    if len(whys) > MAX_WHYS:
        raise Invalid(_("at most five “why?” answers"))
    for i, answer in enumerate(whys, 1):
        if not answer:
            raise Invalid(_("answer why %(n)s before the next one") % {"n": i})
        if len(answer) > MAX_ANSWER:
            raise Invalid(
                _("why %(n)s is longer than %(max)s characters") % {"n": i, "max": MAX_ANSWER}
            )
    return whys


def clean_causes(data: Mapping[str, Any]) -> dict[str, list[str]]:
    """Category → its causes (blank lines dropped); categories are FishboneCategory's;
    at least one cause in all."""
    unknown = set(data) - set(FishboneCategory.values)
    if unknown:
        raise Invalid(_("unknown fishbone category: %(name)s") % {"name": sorted(unknown)[0][:40]})
    out: dict[str, list[str]] = {}
    for category in FishboneCategory.values:
        raw = data.get(category) or []
        if isinstance(raw, str):
            raw = raw.splitlines()
        lines = [" ".join(str(line).split()) for line in raw]
        lines = [line for line in lines if line]
        if len(lines) > MAX_CAUSES:
            raise Invalid(_("at most %(n)s causes per category") % {"n": MAX_CAUSES})
        if any(len(line) > MAX_CAUSE for line in lines):
            raise Invalid(_("a cause is longer than %(max)s characters") % {"max": MAX_CAUSE})
        out[category] = lines
    if not any(out.values()):
        raise Invalid(_("name at least one cause"))
    return out


def clean_sections(data: Mapping[str, Any]) -> dict[str, str]:
    out = {name: str(data.get(name) or "").strip() for name in RETRO_SECTIONS}
    if not any(out.values()):
        raise Invalid(_("a retrospective needs at least one of its sections"))
    if any(len(v) > MAX_SECTION for v in out.values()):
        raise Invalid(_("a section is longer than %(max)s characters") % {"max": MAX_SECTION})
    return out


# --- saving -----------------------------------------------------------------------------------
def save_five_why(data: Mapping[str, Any], *, user, analysis: FiveWhy | None = None) -> FiveWhy:
    """Create or change a 5-Why record: title, problem, root_cause (a TaxonomyNode or
    None), whys (one to five answers), conversations (external ids)."""
    return _save(FIVE_WHY, data, {"whys": clean_whys(data.get("whys") or [])}, user, analysis)


def save_fishbone(data: Mapping[str, Any], *, user, analysis: Fishbone | None = None) -> Fishbone:
    """Create or change a fishbone: title, problem, root_cause, causes (category → lines),
    conversations."""
    return _save(FISHBONE, data, {"causes": clean_causes(data.get("causes") or {})}, user, analysis)


def save_retrospective(
    data: Mapping[str, Any], *, user, analysis: Retrospective | None = None
) -> Retrospective:
    """Create or change a case retrospective: title, problem, root_cause, background,
    description, handling, result, conversations."""
    return _save(RETROSPECTIVE, data, clean_sections(data), user, analysis)


@transaction.atomic
def _save(key: str, data: Mapping[str, Any], own: dict[str, Any], user, analysis):
    _require_manager(user)
    kind = KINDS[key]
    if analysis is not None and not isinstance(analysis, kind.model):
        raise Invalid(_("this is another kind of analysis"))
    fields = {**_common(data, analysis), **own}
    linked = resolve_conversations(data.get("conversations") or [], user)
    created = analysis is None
    if created:
        analysis = kind.model(created_by=user)
    for name, value in fields.items():
        setattr(analysis, name, value)
    analysis.save()
    # links to conversations the writer may not see stay as they were
    if not created:
        visible = access.restrict(analysis.conversations.all(), user).values_list("pk", flat=True)
        analysis.conversations.remove(*visible)
    analysis.conversations.add(*linked)
    audit(
        AuditAction.CHANGE_SETTINGS,
        user=user,
        object_type=kind.object_type,
        object_id=str(analysis.pk),
        detail={
            "created": created,
            "title": analysis.title,
            "problem": analysis.problem,
            "root_cause": analysis.root_cause.name if analysis.root_cause else None,
            "conversations": [c.external_id for c in linked],
        },
    )
    return analysis


# --- the retrospective's export ---------------------------------------------------------------
def retrospective_filename(retrospective: Retrospective) -> str:
    return f"retrospective-{retrospective.pk}-{timezone.localdate():%Y%m%d}.xlsx"


def export_retrospective(
    retrospective: Retrospective, *, user, request: HttpRequest | None = None
) -> bytes:
    """The retrospective as an Excel workbook (kefu/improvement/exports.py), for a user
    who may read it; audited like every export."""
    if not analyses(user, KINDS[RETROSPECTIVE]).filter(pk=retrospective.pk).exists():
        raise NotFound(_("no such retrospective"))
    conversations = list(linked_conversations(retrospective, user))
    stream = io.BytesIO()
    retrospective_workbook(retrospective, conversations, stream)
    audit(
        AuditAction.EXPORT,
        user=user,
        request=request,
        object_type=KINDS[RETROSPECTIVE].object_type,
        object_id=str(retrospective.pk),
        detail={"format": "xlsx", "conversations": len(conversations), "masked": True},
    )
    return stream.getvalue()


# --- hand-offs (kefu/improvement/handoffs.py dispatches by the root cause's kind) ----------
def trainers():
    """The users who hold the training permission by role (not superusers by default)."""
    return (
        get_user_model()
        .objects.with_perm(
            MANAGE_TRAINING,
            include_superusers=False,
            backend="django.contrib.auth.backends.ModelBackend",
        )
        .filter(is_active=True)
        .order_by("pk")
    )


def _subject_url(subject: AnalysisRow | Project) -> str:
    if isinstance(subject, Project):
        return reverse("improvement:project", args=[subject.pk])
    return reverse(f"improvement:{kind_of(subject).key}", args=[subject.pk])


def _object_type(subject: AnalysisRow | Project) -> str:
    return "improvement.project" if isinstance(subject, Project) else kind_of(subject).object_type


def agents_involved(subject: AnalysisRow | Project, user) -> list[tuple[str, str]]:
    """(external id, name) of the agents concerned, as far as the user sees them: an
    analysis's linked conversations' agents; a project's, the agents of the problem's
    complaints from its before-window on."""
    if isinstance(subject, Project):
        days = ImprovementSettings.current().before_days
        since = datetime.combine(subject.start - timedelta(days=days), time.min, configured_tz())
        rows = access.restrict(
            Classification.objects.filter(
                problem=subject.problem, complaint=True, created_at__gte=since
            ),
            user,
        ).values_list("agent__external_id", "agent__name")
    else:
        rows = access.restrict(subject.conversations.all(), user).values_list(
            "agent__external_id", "agent__name"
        )
    return sorted({(i, n) for i, n in rows if i})


@transaction.atomic
def request_training(subject: AnalysisRow | Project, *, user, request=None) -> int:
    """The training hand-off of a root cause of kind "missing training": a notification
    to every trainer naming the root cause, the problem and the agents involved, linking
    to the analysis or project (trainers read them: they see every conversation). The
    trainers choose and assign the course (kefu.training); QA specialists and managers
    hold no training permission. Audited; returns how many trainers were asked."""
    _require_manager(user)
    cause = subject.root_cause
    if cause is None:
        raise Invalid(_("name the root cause first"))
    recipients = list(trainers())
    if not recipients:
        raise Invalid(_("there is no trainer to hand this to"))
    agents = agents_involved(subject, user)
    names = ", ".join(n for _i, n in agents[:MAX_AGENTS_NAMED])
    if len(agents) > MAX_AGENTS_NAMED:
        names += f" +{len(agents) - MAX_AGENTS_NAMED}"
    notify(
        recipients,
        "improvement.training_request",
        gettext_noop("Training requested for %(cause)s (%(problem)s); agents: %(agents)s"),
        url=_subject_url(subject),
        params={"cause": cause.name, "problem": subject.problem, "agents": names or "—"},
    )
    audit(
        AuditAction.TRAINING,
        user=user,
        request=request,
        object_type=_object_type(subject),
        object_id=str(subject.pk),
        detail={
            "handoff": "training",
            "root_cause": cause.name,
            "trainers": [u.pk for u in recipients],
            "agents": [i for i, _n in agents],
        },
    )
    return len(recipients)
