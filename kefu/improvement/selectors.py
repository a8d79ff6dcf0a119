"""Reads of the improvement domain: the current taxonomy, the Pareto of a month, the
review queue, a project's before/after figures. Rows come through the access layer."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet, Sum

from kefu.accounts import access
from kefu.accounts.roles import MANAGE_IMPROVEMENT, VIEW_ALL
from kefu.improvement import texts
from kefu.improvement.choices import Source
from kefu.improvement.core import classifier, cleaning
from kefu.improvement.core import pareto as pareto_core
from kefu.improvement.core import projects as project_core
from kefu.improvement.core import taxonomy as taxonomy_core
from kefu.improvement.models import (
    Classification,
    ClassifierModel,
    ImprovementSettings,
    Project,
    TaxonomyNode,
    TaxonomyVersion,
)
from kefu.interactions.choices import Status as ConversationStatus
from kefu.interactions.models import Conversation
from kefu.lib.localtime import configured_tz
from kefu.metrics.models import KpiFact
from kefu.qa.core.lexicons import Lexicon
from kefu.qa.models import Lexicon as QaLexicon


def current_version() -> TaxonomyVersion | None:
    return TaxonomyVersion.objects.order_by("-number").first()


def taxonomy_of(version: TaxonomyVersion | None) -> taxonomy_core.Taxonomy:
    """The version's nodes as the core's tree (empty when there is no version)."""
    if version is None:
        return taxonomy_core.Taxonomy()
    nodes = list(TaxonomyNode.objects.filter(version=version).order_by("position", "pk"))
    children: dict[int | None, list[TaxonomyNode]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    return taxonomy_core.Taxonomy(
        tuple(
            taxonomy_core.Scene(
                scene.name,
                tuple(
                    taxonomy_core.Problem(
                        problem.name,
                        tuple(
                            taxonomy_core.Cause(cause.name, cause.kind or "other")
                            for cause in children.get(problem.pk, ())
                        ),
                    )
                    for problem in children.get(scene.pk, ())
                ),
            )
            for scene in children.get(None, ())
        )
    )


def current_taxonomy() -> taxonomy_core.Taxonomy:
    return taxonomy_of(current_version())


def cause_nodes(problem: str | None = None) -> QuerySet[TaxonomyNode]:
    """The current version's root causes (of one problem when given)."""
    nodes = TaxonomyNode.objects.filter(version=current_version(), level="cause")
    if problem:
        nodes = nodes.filter(parent__name=problem, parent__level="problem")
    return nodes.select_related("parent").order_by("parent__position", "position")


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The month's first instant and the next month's, in the configured time zone."""
    tz = configured_tz()
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return (
        datetime.combine(first, time.min, tzinfo=tz),
        datetime.combine(following, time.min, tzinfo=tz),
    )


def previous_month(month: date) -> date:
    return (month.replace(day=1) - timedelta(days=1)).replace(day=1)


def complaints(user) -> QuerySet[Classification]:
    """The classified complaints this user may see."""
    return access.restrict(Classification.objects.filter(complaint=True), user)


def problem_counts(user, month: date) -> dict[str, int]:
    start, end = month_bounds(month)
    rows = (
        complaints(user)
        .filter(created_at__gte=start, created_at__lt=end)
        .values("problem")
        .annotate(n=Count("pk"))
    )
    return {row["problem"]: row["n"] for row in rows}


def pareto(user, month: date, top: int = 5) -> pareto_core.Pareto:
    """The month's Top-`top` problems among the complaints the user may see."""
    return pareto_core.pareto(
        problem_counts(user, month), problem_counts(user, previous_month(month)), top
    )


def latest_month(user) -> date | None:
    last = complaints(user).order_by("-created_at").values_list("created_at", flat=True).first()
    return last.astimezone(configured_tz()).date().replace(day=1) if last else None


def review_queue(user) -> QuerySet[Classification]:
    return access.restrict(Classification.objects.filter(needs_review=True), user).select_related(
        "conversation", "agent__user"
    )


# --- projects ---------------------------------------------------------------------------
PROJECT_READERS = (VIEW_ALL, MANAGE_IMPROVEMENT)


def sees_projects(user) -> bool:
    """Analyses and projects are department work: see kefu/improvement/apps.py."""
    return access.manages_improvement(user) or access.sees_department_work(user, PROJECT_READERS)


def projects(user) -> QuerySet[Project]:
    return access.restrict(Project.objects.all(), user).select_related("owner", "root_cause")


def _window(start: date, end: date) -> Q:
    tz = configured_tz()
    return Q(
        created_at__gte=datetime.combine(start, time.min, tzinfo=tz),
        created_at__lt=datetime.combine(end, time.min, tzinfo=tz),
    )


def about_problem(problem: str, prefix: str = "") -> Q:
    """Conversations about a problem: classified so (by the classifier or a person), or,
    when not classified (with the setting `classify_all` off, only complaints are),
    wrap-up coded so (category2)."""
    return Q(**{f"{prefix}classification__problem": problem}) | Q(
        **{f"{prefix}classification__isnull": True, f"{prefix}category2": problem}
    )


def project_figures(project: Project, today: date) -> dict[str, object]:
    """The project's before/after figures, department-wide (a project is about the
    problem wherever it occurs): the problem's complaints (classified), repeat complaints
    and related inquiries (its conversations that are no complaint, `about_problem`) per
    1,000 conversations, and the CSAT of all its conversations (metrics' satisfied-rate
    definition)."""
    settings = ImprovementSettings.current()
    w = project_core.windows(
        project.start, project.end, settings.before_days, settings.after_days, today
    )
    out: dict[str, object] = {"windows": w}
    sides = {"before": (w.before_from, w.before_until), "after": (w.after_from, w.after_until)}
    counts: dict[str, dict[str, int]] = {}
    for side, (start, end) in sides.items():
        window = _window(start, end)
        conversations = Conversation.objects.filter(window).count()
        of_problem = Classification.objects.filter(window, problem=project.problem)
        complaints_n = of_problem.filter(complaint=True).count()
        repeats = of_problem.filter(complaint=True, conversation__kpi_fact__repeat_contacts=1)
        inquiries = (
            Conversation.objects.filter(window, complaint=False)
            .filter(about_problem(project.problem))
            .count()
        )
        # the CSAT statistics stored per conversation by the KPI core (one definition)
        stats = (
            KpiFact.objects.filter(day__gte=start, day__lt=end)
            .filter(about_problem(project.problem, "conversation__"))
            .aggregate(csat_n=Sum("csat_n"), csat_satisfied=Sum("csat_satisfied"))
        )
        counts[side] = {
            "conversations": conversations,
            "complaints": complaints_n,
            "repeats": repeats.count(),
            "inquiries": inquiries,
            "csat_n": stats["csat_n"] or 0,
            "csat_satisfied": stats["csat_satisfied"] or 0,
        }
    before, after = counts["before"], counts["after"]
    for key in ("complaints", "repeats", "inquiries"):
        out[key] = project_core.rate_change(
            before[key], before["conversations"], after[key], after["conversations"]
        )
    out["csat"] = project_core.share_change(
        before["csat_satisfied"], before["csat_n"], after["csat_satisfied"], after["csat_n"]
    )
    out["counts"] = counts
    return out


# --- classifier -----------------------------------------------------------------------------
def synonym_lexicon() -> Lexicon:
    """The complaint synonym dictionary: the QA lexicon `complaint_synonyms` (edited on
    QA's lexicon page, one dictionary for both), else the shipped default."""
    row = QaLexicon.objects.filter(name=cleaning.LEXICON_NAME).first()
    if row is None:
        return cleaning.load_synonyms()
    return cleaning.synonyms_from_data(row.as_data(), cleaning.LEXICON_NAME)


_loaded: dict[int, classifier.Model] = {}  # per process: the active model, by its row


def active_classifier() -> tuple[ClassifierModel, classifier.Model] | None:
    """The classifier in use (its row and the loaded model), or None before any training."""
    row = ClassifierModel.objects.filter(active=True).defer("blob").first()
    if row is None:
        return None
    model = _loaded.get(row.pk)
    if model is None:
        blob = ClassifierModel.objects.filter(pk=row.pk).values_list("blob", flat=True).get()
        model = classifier.Model.from_bytes(bytes(blob))
        _loaded.clear()
        _loaded[row.pk] = model
    return row, model


def to_classify(*, reclassify: bool = False) -> QuerySet[Conversation]:
    """The conversations the classifier should label now: closed complaints (every closed
    conversation with the setting `classify_all`) that no person has classified, and,
    unless `reclassify`, that have no classification yet."""
    qs = Conversation.objects.exclude(status=ConversationStatus.OPEN)
    if not ImprovementSettings.current().classify_all:
        qs = qs.filter(complaint=True)
    if reclassify:
        return qs.exclude(classification__source=Source.HUMAN)
    return qs.filter(classification__isnull=True)


def training_examples() -> tuple[list[classifier.Example], int]:
    """What the classifier learns from, and how many of it are people's corrections: each
    complaint's (each conversation's with `classify_all`) problem as a person classified
    it, else its wrap-up code (category2) when the current taxonomy has that problem; the
    scene is the taxonomy's."""
    scenes = current_taxonomy().problems()
    human = dict(
        Classification.objects.filter(source=Source.HUMAN, problem__in=list(scenes)).values_list(
            "conversation_id", "problem"
        )
    )
    complaints_only = not ImprovementSettings.current().classify_all
    coded = texts.conversations(complaints_only=complaints_only).filter(category2__in=list(scenes))
    ids = set(coded.values_list("pk", flat=True)) | set(human)
    rows = (
        Conversation.objects.filter(pk__in=ids)
        .order_by("created_at", "pk")
        .values_list("pk", "category2", "created_at")
    )
    examples: list[classifier.Example] = []
    for chunk in texts.chunks(rows):
        found = texts.customer_texts(pk for pk, *_ in chunk)
        for pk, code, created in chunk:
            problem = human.get(pk, code)
            if found[pk]:
                examples.append(classifier.Example(found[pk], scenes[problem], problem, created))
    return examples, len(human)


def classification_counts() -> dict[str, int]:
    """How the stored classifications were made: automatic, to review, by people."""
    rows = Classification.objects.aggregate(
        total=Count("pk"),
        auto=Count("pk", filter=Q(source=Source.AUTO)),
        review=Count("pk", filter=Q(needs_review=True)),
        human=Count("pk", filter=Q(source=Source.HUMAN)),
    )
    return {key: value or 0 for key, value in rows.items()}
