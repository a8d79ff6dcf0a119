"""Writes of the improvement domain (validate, then do): defaults, settings, taxonomy
versions, corrections of classifications, projects and their actions. Refusals are
`kefu.lib.errors` types; changes are audited."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts import access
from kefu.audit.actions import record as audit
from kefu.audit.models import AuditAction
from kefu.improvement import selectors, texts
from kefu.improvement.choices import CauseKind, Level, ProjectStatus, Source
from kefu.improvement.core import classifier, cleaning
from kefu.improvement.core import taxonomy as taxonomy_core
from kefu.improvement.models import (
    Classification,
    ClassifierModel,
    ImprovementSettings,
    Project,
    ProjectAction,
    TaxonomyNode,
    TaxonomyVersion,
)
from kefu.interactions.models import Conversation
from kefu.lib.errors import Invalid, NotAllowed, NotFound
from kefu.metrics.models import ImprovementAction
from kefu.qa.models import Lexicon as QaLexicon

DEFAULT_TAXONOMY = Path(__file__).parent / "data" / "taxonomy.yaml"
SETTING_FIELDS = ("review_below", "classify_all", "before_days", "after_days")


def _require_manager(user) -> None:
    if not access.manages_improvement(user):
        raise NotAllowed(_("this needs the permission to manage complaint analysis"))


def ensure_defaults() -> None:
    """The settings row and, when there is none, the shipped taxonomy as version 1."""
    ImprovementSettings.current()
    ensure_synonym_lexicon()
    if not TaxonomyVersion.objects.exists():
        data = yaml.safe_load(DEFAULT_TAXONOMY.read_text(encoding="utf-8"))
        _store_version(taxonomy_core.parse(data, CauseKind.values), note="", user=None)


def save_settings(data: Mapping[str, Any], *, user) -> ImprovementSettings:
    _require_manager(user)
    unknown = set(data) - set(SETTING_FIELDS)
    if unknown:
        raise Invalid(_("unknown setting: %(name)s") % {"name": sorted(unknown)[0]})
    row = ImprovementSettings.current()
    old = {f: getattr(row, f) for f in data}
    for name, value in data.items():
        setattr(row, name, value)
    row.updated_by = user
    row.full_clean()
    row.save()
    audit(
        AuditAction.CHANGE_SETTINGS,
        user=user,
        object_type="improvement.settings",
        object_id="1",
        detail={"old": old, "new": dict(data)},
    )
    return row


# --- taxonomy -------------------------------------------------------------------------------
def save_taxonomy(data: Iterable[Mapping[str, Any]], *, note: str = "", user) -> TaxonomyVersion:
    """A new version from the taxonomy's data form; the old versions stay as they were
    (analyses and projects keep pointing at the root causes they named)."""
    _require_manager(user)
    try:
        tree = taxonomy_core.parse(data, CauseKind.values)
    except taxonomy_core.TaxonomyError as error:
        raise Invalid(
            _("%(path)s: %(message)s") % {"path": error.path or "-", "message": error.message}
        ) from None
    if not tree.scenes:
        raise Invalid(_("a taxonomy needs at least one scene"))
    version = _store_version(tree, note=note[:200], user=user)
    audit(
        AuditAction.CHANGE_SETTINGS,
        user=user,
        object_type="improvement.taxonomy",
        object_id=str(version.number),
        detail={"note": version.note, "problems": len(tree.problems())},
    )
    return version


@transaction.atomic
def _store_version(tree: taxonomy_core.Taxonomy, *, note: str, user) -> TaxonomyVersion:
    last = TaxonomyVersion.objects.select_for_update().order_by("-number").first()
    version = TaxonomyVersion.objects.create(
        number=(last.number + 1) if last else 1, note=note, created_by=user
    )
    position = 0
    for scene in tree.scenes:
        position += 1
        scene_node = TaxonomyNode.objects.create(
            version=version, level=Level.SCENE, name=scene.name, position=position
        )
        for problem in scene.problems:
            position += 1
            problem_node = TaxonomyNode.objects.create(
                version=version,
                level=Level.PROBLEM,
                parent=scene_node,
                name=problem.name,
                position=position,
            )
            TaxonomyNode.objects.bulk_create(
                TaxonomyNode(
                    version=version,
                    level=Level.CAUSE,
                    parent=problem_node,
                    name=cause.name,
                    kind=cause.kind,
                    position=position + i,
                )
                for i, cause in enumerate(problem.causes, 1)
            )
            position += len(problem.causes)
    return version


# --- classifications ------------------------------------------------------------------------
def correct(conversation_id: int, problem: str, *, user) -> Classification:
    """A person's classification of a conversation (a correction of the automatic one,
    or the first one): the scene follows the problem in the current taxonomy. The
    corrections are the next training's labels."""
    _require_manager(user)
    conversation = (
        access.restrict(Conversation.objects.all(), user).filter(pk=conversation_id).first()
    )
    if conversation is None:
        raise NotFound(_("no such conversation"))
    scenes = selectors.current_taxonomy().problems()
    if problem not in scenes:
        raise Invalid(_("unknown problem: %(name)s") % {"name": problem})
    now = timezone.now()
    row, _created = Classification.objects.update_or_create(
        conversation=conversation,
        defaults={
            "agent_id": conversation.agent_id,
            "team_id": conversation.team_id,
            "customer_id": conversation.customer_id,
            "created_at": conversation.created_at,
            "complaint": conversation.complaint,
            "scene": scenes[problem],
            "problem": problem,
            "source": Source.HUMAN,
            "needs_review": False,
            "reviewed_by": user,
            "reviewed_at": now,
        },
    )
    return row


def confirm(conversation_id: int, *, user) -> Classification:
    """The reviewer agrees with the automatic classification: it leaves the queue and
    counts as a person's label from now on."""
    row = (
        access.restrict(Classification.objects.all(), user, access.CHANGE)
        .filter(pk=conversation_id)
        .first()
    )
    if row is None:
        _require_manager(user)
        raise NotFound(_("no such classification"))
    return correct(conversation_id, row.problem, user=user)


# --- the classifier -------------------------------------------------------------------------
MIN_EXAMPLES = 50  # fewer labelled complaints than this: nothing worth learning yet
UPDATED_ON_RECLASSIFY = [
    "agent", "team", "customer", "created_at", "complaint", "scene", "problem", "confidence",
    "source", "model", "needs_review",
]  # fmt: skip


def ensure_synonym_lexicon() -> None:
    """The complaint synonym dictionary as the QA lexicon `complaint_synonyms` (one
    dictionary, edited on QA's lexicon page), from the shipped file when it is missing."""
    if QaLexicon.objects.filter(name=cleaning.LEXICON_NAME).exists():
        return
    shipped = cleaning.load_synonyms()
    data = shipped.as_data()
    QaLexicon.objects.create(
        name=cleaning.LEXICON_NAME,
        words=data["words"],
        synonyms=data.get("synonyms", {}),
        description=shipped.description,
    )


def train_classifier(*, user=None, folds: int = 5) -> ClassifierModel:
    """Learn scene and problem from the labelled complaints (people's classifications
    first, then wrap-up codes; `selectors.training_examples`), measure the model by
    cross-validation and on the latest quarter held out by time (beside a majority-class
    and a keyword baseline), then fit it on all of them and make it the active one.
    `user` None: the system (a task, the demo); else it takes MANAGE_IMPROVEMENT."""
    if user is not None:
        _require_manager(user)
    examples, corrections = selectors.training_examples()
    problems = {e.problem for e in examples}
    if len(examples) < MIN_EXAMPLES or len(problems) < 2:
        raise Invalid(
            _(
                "%(count)s labelled complaints in %(problems)s problems: the classifier "
                "needs at least %(min)s in two problems"
            )
            % {"count": len(examples), "problems": len(problems), "min": MIN_EXAMPLES}
        )
    synonyms = selectors.synonym_lexicon().synonyms
    report = classifier.evaluate(examples, folds=folds, synonyms=synonyms).as_dict()
    model = classifier.train(examples, synonyms=synonyms)
    report["model"] = model.info()
    report = _finite(report)
    with transaction.atomic():
        ClassifierModel.objects.filter(active=True).update(active=False)
        row = ClassifierModel.objects.create(
            created_by=user,
            examples=len(examples),
            corrections=corrections,
            report=report,
            blob=model.to_bytes(),
            active=True,
        )
    audit(
        AuditAction.CHANGE_SETTINGS,
        user=user,
        object_type="improvement.classifier",
        object_id=str(row.pk),
        detail={"examples": len(examples), "corrections": corrections},
    )
    return row


def _finite(value: Any) -> Any:
    """JSON has no NaN (a figure that could not be measured, e.g. the accuracy of an
    empty group): it is stored as null."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def classify(*, reclassify: bool = False, limit: int | None = None) -> int:
    """Label the conversations waiting for it (`selectors.to_classify`) with the active
    classifier: scene, problem and confidence, sent to review below the setting's
    threshold. `reclassify`: every automatic label again (after a new model); people's
    labels are never touched. Returns how many were written (0 without a model)."""
    loaded = selectors.active_classifier()
    if loaded is None:
        return 0
    row, model = loaded
    review_below = ImprovementSettings.current().review_below
    rows = selectors.to_classify(reclassify=reclassify).order_by("pk")
    if limit is not None:
        rows = rows[:limit]
    values = rows.values_list("pk", "agent_id", "team_id", "customer_id", "created_at", "complaint")
    written = 0
    for chunk in texts.chunks(values):
        found = texts.customer_texts(pk for pk, *_ in chunk)
        predictions = model.predict([found[pk] for pk, *_ in chunk])
        Classification.objects.bulk_create(
            [
                Classification(
                    conversation_id=pk,
                    agent_id=agent,
                    team_id=team,
                    customer_id=customer,
                    created_at=created,
                    complaint=complaint,
                    scene=p.scene,
                    problem=p.problem,
                    confidence=round(p.confidence, 4),
                    source=Source.AUTO,
                    model=row,
                    needs_review=p.confidence < review_below,
                )
                for (pk, agent, team, customer, created, complaint), p in zip(
                    chunk, predictions, strict=True
                )
            ],
            update_conflicts=True,
            unique_fields=["conversation"],
            update_fields=UPDATED_ON_RECLASSIFY,
        )
        written += len(chunk)
    return written


def retrain_and_reclassify(*, user=None) -> ClassifierModel:
    """A new model from today's labels (people's corrections included), then every
    automatic label again with it."""
    row = train_classifier(user=user)
    classify(reclassify=True)
    return row


def refresh_copies(conversation_ids: Iterable[int]) -> None:
    """Classifications keep their conversation's agent, team and complaint flag (copied
    for the indexed reads): written conversations may have changed them."""
    ids = list(conversation_ids)
    if not ids or not Classification.objects.filter(pk__in=ids).exists():
        return
    source = Conversation.objects.filter(pk=OuterRef("pk"))
    Classification.objects.filter(pk__in=ids).update(
        agent_id=Subquery(source.values("agent_id")[:1]),
        team_id=Subquery(source.values("team_id")[:1]),
        complaint=Subquery(source.values("complaint")[:1]),
    )


# --- projects -------------------------------------------------------------------------------
def _check_project(data: Mapping[str, Any]) -> None:
    if not str(data.get("title") or "").strip():
        raise Invalid(_("a project needs a title"))
    if data.get("problem") not in selectors.current_taxonomy().problems():
        raise Invalid(_("unknown problem: %(name)s") % {"name": data.get("problem")})
    start, end = data.get("start"), data.get("end")
    if not isinstance(start, date):
        raise Invalid(_("a project needs a start date"))
    if end is not None and end < start:
        raise Invalid(_("the end date is before the start date"))
    cause = data.get("root_cause")
    if cause is not None and (cause.level != Level.CAUSE or cause.parent.name != data["problem"]):
        raise Invalid(_("the root cause is not one of the problem's"))


@transaction.atomic
def create_project(data: Mapping[str, Any], *, user) -> Project:
    """A project (title, owner, problem, root cause, start, end, note); its start date
    becomes a marker on the KPI trend charts (an improvement action of metrics)."""
    _require_manager(user)
    _check_project(data)
    marker = ImprovementAction.objects.create(
        on=data["start"],
        title=str(data["title"])[:200],
        note=_("Improvement project: %(problem)s") % {"problem": data["problem"]},
        created_by=user,
    )
    project = Project.objects.create(
        title=str(data["title"]).strip()[:200],
        owner=data.get("owner") or user,
        problem=data["problem"],
        root_cause=data.get("root_cause"),
        status=data.get("status") or ProjectStatus.PLANNED,
        start=data["start"],
        end=data.get("end"),
        note=str(data.get("note") or ""),
        marker=marker,
        created_by=user,
    )
    audit(
        AuditAction.CHANGE_SETTINGS,
        user=user,
        object_type="improvement.project",
        object_id=str(project.pk),
        detail={"title": project.title, "problem": project.problem},
    )
    return project


@transaction.atomic
def update_project(project: Project, data: Mapping[str, Any], *, user) -> Project:
    _require_manager(user)
    merged = {
        f: data.get(f, getattr(project, f))
        for f in ("title", "problem", "root_cause", "status", "start", "end", "note", "owner")
    }
    _check_project(merged)
    for name, value in merged.items():
        setattr(project, name, value)
    project.save()
    if project.marker_id:
        ImprovementAction.objects.filter(pk=project.marker_id).update(
            on=project.start, title=project.title[:200]
        )
    audit(
        AuditAction.CHANGE_SETTINGS,
        user=user,
        object_type="improvement.project",
        object_id=str(project.pk),
        detail={"status": project.status, "end": str(project.end or "")},
    )
    return project


def add_project_action(
    project: Project, text: str, *, due: date | None = None, owner=None, user
) -> ProjectAction:
    _require_manager(user)
    text = " ".join(str(text or "").split())
    if not text:
        raise Invalid(_("an action needs a text"))
    return ProjectAction.objects.create(project=project, text=text[:200], due=due, owner=owner)


def mark_action_done(action: ProjectAction, *, on: date, user) -> ProjectAction:
    _require_manager(user)
    action.done_on = on
    action.save(update_fields=["done_on"])
    return action
