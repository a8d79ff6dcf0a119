"""Editors of the QA definitions: indicators (rules) with "test this rule on the last N
conversations", lexicons, scorecards (each save a new version, optionally re-scoring
everything). Definitions are edited as YAML, the language docs/qa-rules.md describes;
writes go through `kefu.qa.actions`, which refuse a bad definition whole."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kefu.accounts.access import conversations_visible_to
from kefu.accounts.roles import MANAGE_QA
from kefu.lib.language import language
from kefu.qa import actions, builder_ui, feedback, store
from kefu.qa.core import builder
from kefu.qa.core.errors import DefinitionError
from kefu.qa.core.figures import (
    format_rate,
    indicator_name,
    localized,
    severity_label,
    type_label,
)
from kefu.qa.models import (
    Indicator,
    Lexicon,
    PendingQa,
    QaRun,
    RunTrigger,
    Scorecard,
)
from kefu.qa.tasks import restart_run, start_rescore
from kefu.qa.trial import try_indicator

DEFAULT_TRIAL = 200

manage_qa = permission_required(MANAGE_QA, raise_exception=True)

NEW_RULE = """id: my_rule
name: {zh: 我的规则, en: My rule}
severity: normal        # minor | normal | severe
type: attitude  # attitude | knowledge | communication | operation | compliance | customer_risk
when:
  must_not_say: {words: [不知道], role: agent}
"""


@login_required
@manage_qa
def rules(request: HttpRequest) -> HttpResponse:
    indicators = []
    lang = language()
    judged = feedback.rule_counts()
    for indicator in Indicator.objects.all():
        d = indicator.definition
        indicators.append(
            {
                "key": indicator.key,
                "name": indicator_name(d, indicator.key, lang),
                "severity": severity_label(d.get("severity") or "", lang),
                "type": type_label(d.get("type") or "", lang),
                "builtin": indicator.builtin,
                "updated_at": indicator.updated_at,
                "feedback": _precision(judged.get(indicator.key)),
            }
        )
    scorecards = [(s, s.current_version()) for s in Scorecard.objects.all()]
    context = {
        "indicators": indicators,
        "pending_feedback": sum(c.pending for c in judged.values()),
        "lexicons": Lexicon.objects.all(),
        "scorecards": scorecards,
    } | _runs_context()
    return render(request, "qa/rules.html", context)


def _precision(counts: feedback.RuleFeedback | None) -> dict:
    """A rule's confirmed precision as shown (docs/qa-feedback.md)."""
    counts = counts or feedback.RuleFeedback()
    return {
        "text": format_rate(counts.precision),
        "reviewed": counts.reviewed,
        "false_positives": counts.false_positives,
        "pending": counts.pending,
    }


def _runs_context() -> dict:
    runs = list(QaRun.objects.select_related("scorecard_version__scorecard", "created_by")[:5])
    active = any(r.is_active for r in runs)
    return {"runs": runs, "runs_active": active, "pending": PendingQa.objects.count()}


@login_required
@manage_qa
def runs(request: HttpRequest) -> HttpResponse:
    """HTMX: the latest scoring runs with their progress (polled while one is running)."""
    return render(request, "qa/partials/runs.html", _runs_context())


def _error_response(request, template, context, error: DefinitionError) -> HttpResponse:
    messages.error(request, _("Not saved: %(error)s") % {"error": error})
    context = context | {"error": error, "error_field": builder.error_field(error.where)}
    return render(request, template, context, status=400)


def _builder_or_none(to_builder: Callable[[Any], dict], definition: Any) -> dict | None:
    """The builder's document of a definition, or None when the builder cannot show it
    (the page then opens on YAML)."""
    try:
        return to_builder(definition)
    except DefinitionError:
        return None


def _posted(
    request: HttpRequest, context: dict, what: str, from_builder: Callable[[Any], dict]
) -> Any:
    """The definition posted by the builder (`editor=builder`, a JSON document) or as
    YAML; `context` gets what to show again if it is refused."""
    if request.POST.get("editor") != "builder":
        context |= {"text": request.POST.get("definition", ""), "editor": "yaml"}
        context["builder_doc"] = None
        return actions.parse_text(context["text"], what)
    context["editor"] = "builder"
    try:
        doc = json.loads(request.POST.get("builder") or "")
    except ValueError:
        raise DefinitionError(what, "the builder's document is not valid JSON") from None
    context["builder_doc"] = doc
    definition = from_builder(doc)
    context["text"] = actions.dump_text(definition)
    return definition


@login_required
@manage_qa
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, key: str | None = None) -> HttpResponse:
    indicator = get_object_or_404(Indicator, key=key) if key else None
    if indicator is not None:
        text = actions.dump_text(indicator.definition)
    elif request.GET.get("copy"):
        source = get_object_or_404(Indicator, key=request.GET["copy"])
        text = actions.dump_text(source.definition | {"id": f"{source.key}_copy"})
    else:
        text = NEW_RULE
    version = store.default_version()
    context = {
        "indicator": indicator,
        "text": text,
        "editor": "builder",
        "builder_doc": _builder_or_none(builder.rule_to_builder, actions.parse_text(text, "rule")),
        "catalogue": builder_ui.rule_catalogue(),
        "limit": DEFAULT_TRIAL,
        "scorecard_version": version,
        "used_by": actions.items_using(version.definition, indicator.key) if indicator else [],
        "feedback": (
            _precision(feedback.rule_counts([indicator.key]).get(indicator.key))
            if indicator
            else None
        ),
        "sections": [
            (s.get("id"), localized(s.get("name"), language(), s.get("id")))
            for s in version.definition.get("sections") or []
        ],
    }
    if request.method == "POST":
        try:
            definition = _posted(request, context, "rule", builder.rule_from_builder)
            with transaction.atomic():  # the rule and its scorecard item, or neither
                saved = actions.save_indicator(
                    definition,
                    user=request.user,
                    key=indicator.key if indicator else None,
                )
                added = _add_to_scorecard(request, version, saved.key)
        except DefinitionError as error:
            return _error_response(request, "qa/rule_edit.html", context, error)
        if added is None:
            message = _("Rule %(key)s saved. Re-score the conversations to apply it.")
        elif request.POST.get("rescore"):
            start_rescore(added, RunTrigger.CHANGE, request.user)
            message = _(
                "Rule %(key)s saved and added to the scorecard (version %(n)s); every "
                "conversation is being re-scored with it."
            )
        else:
            message = _("Rule %(key)s saved and added to the scorecard (version %(n)s).")
        n = added.number if added else None
        messages.success(request, message % {"key": saved.key, "n": n})
        return redirect("qa:rule_edit", key=saved.key)
    return render(request, "qa/rule_edit.html", context)


def _add_to_scorecard(request: HttpRequest, version, key: str):
    """The new default-scorecard version when the form asks to add the rule, else None."""
    if not request.POST.get("add_to_scorecard"):
        return None
    try:
        points = float(request.POST.get("points") or 0)
        if not math.isfinite(points):  # "nan" and "inf" parse as floats
            raise ValueError(points)
    except ValueError:
        raise DefinitionError(f"scorecard {version.scorecard.slug}: item {key}.points",
                              "must be a number") from None  # fmt: skip
    mode = "add" if request.POST.get("mode") == "add" else "deduct"
    return actions.add_to_scorecard(
        version.scorecard,
        key,
        section=request.POST.get("section", ""),
        points=points,
        mode=mode,
        user=request.user,
    )


@login_required
@manage_qa
@require_POST
def rule_trial(request: HttpRequest) -> HttpResponse:
    """HTMX: the hits of the (unsaved) rule on the newest N conversations in scope."""
    try:
        limit = int(request.POST.get("limit") or DEFAULT_TRIAL)
    except ValueError:
        limit = DEFAULT_TRIAL
    context: dict = {"limit": limit}
    try:
        definition = _posted(request, {}, "rule", builder.rule_from_builder)
        checked, hits = try_indicator(definition, conversations_visible_to(request.user), limit)
    except DefinitionError as error:
        context["error"] = error
        return render(request, "qa/partials/trial.html", context, status=400)
    context |= {"checked": checked, "hits": hits}
    return render(request, "qa/partials/trial.html", context)


CONVERSIONS = {
    "rule": (builder.rule_to_builder, builder.rule_from_builder),
    "scorecard": (builder.scorecard_to_builder, builder.scorecard_from_builder),
}


@login_required
@manage_qa
@require_POST
def definition_convert(request: HttpRequest) -> HttpResponse:
    """The builders' tabs: a rule or scorecard from the builder's document to YAML
    (`to=yaml`, posting `builder`) or from YAML to the document (`to=builder`, posting
    `definition`), losslessly; 400 with the error (and its field) when it cannot."""
    kind = request.POST.get("kind", "")
    if kind not in CONVERSIONS or request.POST.get("to") not in ("yaml", "builder"):
        return JsonResponse({"error": _("Choose kind rule or scorecard, to yaml or builder.")},
                            status=400)  # fmt: skip
    to_builder, from_builder = CONVERSIONS[kind]
    try:
        if request.POST["to"] == "yaml":
            try:
                doc = json.loads(request.POST.get("builder") or "")
            except ValueError:
                raise DefinitionError(kind, "the builder's document is not valid JSON") from None
            return JsonResponse({"text": actions.dump_text(from_builder(doc))})
        data = actions.parse_text(request.POST.get("definition", ""), kind)
        return JsonResponse({"builder": to_builder(data)})
    except DefinitionError as error:
        field = builder.error_field(error.where)
        return JsonResponse({"error": str(error), "field": field}, status=400)


@login_required
@manage_qa
@require_http_methods(["GET", "POST"])
def lexicon_edit(request: HttpRequest, name: str | None = None) -> HttpResponse:
    lexicon = get_object_or_404(Lexicon, name=name) if name else None
    text = actions.dump_text(lexicon.as_data()) if lexicon else "words: []\n"
    context = {"lexicon": lexicon, "text": text, "name": name or ""}
    if request.method == "POST":
        text = request.POST.get("definition", "")
        new_name = name or request.POST.get("name", "").strip()
        context |= {"text": text, "name": new_name}
        try:
            saved = actions.save_lexicon(
                new_name, actions.parse_text(text, f"lexicon {new_name}"), user=request.user
            )
        except DefinitionError as error:
            return _error_response(request, "qa/lexicon_edit.html", context, error)
        messages.success(request, _("Lexicon %(name)s saved.") % {"name": saved.name})
        return redirect("qa:lexicon_edit", name=saved.name)
    return render(request, "qa/lexicon_edit.html", context)


@login_required
@manage_qa
@require_http_methods(["GET", "POST"])
def scorecard_edit(request: HttpRequest, slug: str) -> HttpResponse:
    scorecard = get_object_or_404(Scorecard, slug=slug)
    current = scorecard.current_version()
    shown = {k: v for k, v in (current.definition if current else {}).items()
             if k not in ("id", "version")}  # fmt: skip
    context = {
        "scorecard": scorecard,
        "current": current,
        "versions": scorecard.versions.select_related("created_by"),
        "text": actions.dump_text(shown),
        "editor": "builder",
        "builder_doc": _builder_or_none(builder.scorecard_to_builder, shown),
        "catalogue": builder_ui.scorecard_catalogue(),
    }
    if request.method == "POST":
        try:
            definition = _posted(
                request, context, f"scorecard {slug}", builder.scorecard_from_builder
            )
            version = actions.save_scorecard(
                scorecard,
                definition,
                user=request.user,
                note=request.POST.get("note", ""),
            )
        except DefinitionError as error:
            return _error_response(request, "qa/scorecard_edit.html", context, error)
        if request.POST.get("rescore"):
            start_rescore(version, RunTrigger.CHANGE, request.user)
            messages.success(
                request,
                _("Version %(n)s saved; every conversation is being re-scored with it.")
                % {"n": version.number},
            )
        else:
            messages.success(request, _("Version %(n)s saved.") % {"n": version.number})
        return redirect("qa:scorecard_edit", slug=slug)
    return render(request, "qa/scorecard_edit.html", context)


@login_required
@manage_qa
@require_POST
def run_restart(request: HttpRequest, run_id: int) -> HttpResponse:
    """Go on with a failed or stalled run where it stopped."""
    run = get_object_or_404(QaRun, pk=run_id)
    if not run.can_restart:
        return HttpResponse(status=409)
    restart_run(run)
    messages.success(request, _("Scoring run restarted where it stopped."))
    return redirect("qa:rules")


@login_required
@manage_qa
@require_POST
def rescore(request: HttpRequest) -> HttpResponse:
    """Re-score every conversation with the default scorecard's current version."""
    run = start_rescore(store.default_version(), RunTrigger.MANUAL, request.user)
    messages.success(request, _("Re-scoring %(n)s conversations.") % {"n": run.total})
    return redirect("qa:rules")
