"""Pages of the knowledge base: search and list, an article with its versions and a diff,
the editor, review and publishing, change requests, and the suggestion fragment the
agent workspace and the conversation page load by URL (一键调取).

Rows come through `kefu.accounts.access`; writes through `kefu.knowledge.actions`.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kefu.accounts import access
from kefu.core.params import parse_id
from kefu.interactions.choices import MessageRole
from kefu.knowledge import actions, interchange
from kefu.knowledge import search as knowledge_search
from kefu.knowledge.choices import Kind, RequestStatus, SearchSource
from kefu.knowledge.core import diff as diff_core
from kefu.knowledge.core import sop
from kefu.knowledge.filtersets import ArticleFilterSet
from kefu.knowledge.forms import ArticleForm, PublishForm, RequestForm
from kefu.knowledge.models import (
    Article,
    ArticleAttachment,
    ArticleLink,
    ArticleVersion,
    ChangeRequest,
)
from kefu.lib.errors import ActionError
from kefu.training.rendering import render as render_markdown

PAGE = 50
SUGGESTIONS = 3
# how many of the customer's latest messages the suggestions read
LATEST_MESSAGES = 3
DIFF_LABELS = {
    "title": gettext_lazy("Title"),
    "issue": gettext_lazy("Problem as the customer says it"),
    "environment": gettext_lazy("Environment"),
    "cause": gettext_lazy("Cause"),
    "resolution": gettext_lazy("Resolution"),
    "steps": gettext_lazy("SOP steps"),
    "body": gettext_lazy("Body"),
    "snippet": gettext_lazy("Answer snippet"),
}


def _article(request: HttpRequest, article_id: int, action: str = access.VIEW) -> Article:
    article = (
        access.restrict(Article.objects.select_related("head", "published_version", "owner"),
                        request.user, action)
        .filter(pk=article_id)
        .first()
    )  # fmt: skip
    if article is None:
        raise Http404
    return article


def _context(request: HttpRequest, tab: str, **extra: Any) -> dict[str, Any]:
    return {"tab": tab, "owner": access.manages_knowledge(request.user), **extra}


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Search (ranked, highlighted) or, without a query, the list of articles."""
    rows = access.restrict(
        Article.objects.select_related("published_version", "head"), request.user
    )
    filterset = ArticleFilterSet(request.GET or None, queryset=rows)
    results = None
    articles: list[Article] = []
    query = ""
    if filterset.is_valid():
        data = filterset.form.cleaned_data
        query = data.get("q") or ""
        if query:
            results = knowledge_search.search(
                request.user,
                query,
                kind=data.get("kind") or None,
                scene=data.get("scene") or None,
                tag=data.get("tag") or None,
            )
            if data.get("state"):
                results = [r for r in results if r.article.state == data["state"]]
        else:
            articles = list(filterset.qs.order_by("-updated_at", "-pk")[:PAGE])
    else:
        articles = list(rows.order_by("-updated_at", "-pk")[:PAGE])
    context = _context(
        request, "search", filterset=filterset, results=results, articles=articles, query=query
    )
    return render(request, "knowledge/home.html", context)


def _versions(request: HttpRequest, article: Article) -> list[ArticleVersion]:
    versions = article.versions.select_related("author").order_by("-number")
    editor = access.manages_knowledge(request.user) or article.created_by_id == request.user.pk
    if not editor and article.published_version is not None:
        versions = versions.filter(number__lte=article.published_version.number)
    return list(versions)


@login_required
@require_GET
def article(request: HttpRequest, article_id: int) -> HttpResponse:
    row = _article(request, article_id)
    version = knowledge_search._readable_version(row, request.user)
    if version is None:
        raise Http404
    steps = sop.check(version.steps) if version.steps else []
    may_change = access.restrict(Article.objects.filter(pk=row.pk), request.user, access.CHANGE)
    requests = access.restrict(
        ChangeRequest.objects.filter(article=row).select_related("requested_by"), request.user
    )
    context = _context(
        request,
        "search",
        article=row,
        version=version,
        steps=steps,
        body=render_markdown(version.body),
        versions=_versions(request, row),
        may_change=may_change.exists(),
        requests=list(requests[:20]),
        request_form=RequestForm(),
        publish_form=PublishForm(),
        attachments=list(
            access.restrict(ArticleAttachment.objects.filter(article=row), request.user)
        ),
    )
    return render(request, "knowledge/article.html", context)


def _initial(row: Article | None) -> dict[str, Any]:
    if row is None or row.head is None:
        return {"kind": Kind.FAQ}
    v = row.head
    return {
        "kind": row.kind, "title": v.title, "scene": row.scene, "problem": row.problem,
        "tags": ", ".join(row.tags), "issue": v.issue, "environment": v.environment,
        "cause": v.cause, "resolution": v.resolution, "body": v.body, "snippet": v.snippet,
        "steps": sop.to_text(sop.check(v.steps)) if v.steps else "",
    }  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, article_id: int | None = None) -> HttpResponse:
    """The editor: a new article (a draft) or a new version of one the user may change."""
    row = _article(request, article_id, access.CHANGE) if article_id is not None else None
    from_request = None
    if row is None and request.GET.get("request"):
        request_id = parse_id(request.GET["request"])
        from_request = access.restrict(ChangeRequest.objects.all(), request.user).filter(
            pk=request_id, kind="new", status=RequestStatus.OPEN
        ).first() if request_id else None  # fmt: skip
    form = ArticleForm(request.POST or None, initial=_initial(row))
    if from_request is not None and not request.POST:
        form.initial["title"] = from_request.title
    errors: list[dict[str, Any]] = []
    if request.method == "POST" and form.is_valid():
        try:
            if row is None:
                row = actions.create_article(request.user, form.cleaned_data, request=from_request)
            else:
                actions.edit_article(request.user, row.pk, form.cleaned_data)
        except ActionError as exc:
            messages.error(request, exc.detail)
            errors = exc.errors
        else:
            messages.success(request, _("Saved as a new version (a draft)."))
            return redirect("knowledge:article", row.pk)
    context = _context(request, "search", form=form, article=row, errors=errors)
    return render(request, "knowledge/edit.html", context)


@login_required
@require_GET
def diff(request: HttpRequest, article_id: int) -> HttpResponse:
    row = _article(request, article_id)
    versions = {v.number: v for v in _versions(request, row)}
    if not versions:
        raise Http404
    new_number = parse_id(request.GET.get("b", "")) or max(versions)
    old_number = parse_id(request.GET.get("a", "")) or max(new_number - 1, 1)
    old, new = versions.get(old_number), versions.get(new_number)
    if old is None or new is None:
        raise Http404
    labels = {name: str(label) for name, label in DIFF_LABELS.items()}
    rows = diff_core.diff(
        diff_core.as_lines(_fields(old), labels), diff_core.as_lines(_fields(new), labels)
    )
    context = _context(
        request, "search", article=row, old=old, new=new, rows=rows,
        versions=sorted(versions), changed=diff_core.changed(rows),
    )  # fmt: skip
    return render(request, "knowledge/diff.html", context)


def _fields(version: ArticleVersion) -> dict[str, str]:
    out = {name: getattr(version, name) for name in DIFF_LABELS if name != "steps"}
    out["steps"] = sop.to_text(sop.check(version.steps)) if version.steps else ""
    return out


def _do(request: HttpRequest, done: str, fn, *args, **kwargs) -> None:
    try:
        fn(request.user, *args, **kwargs)
    except ActionError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, done)


@login_required
@require_POST
def submit(request: HttpRequest, article_id: int) -> HttpResponse:
    row = _article(request, article_id, access.CHANGE)
    _do(request, _("Sent to the knowledge owners for review."), actions.submit, row.pk)
    return redirect("knowledge:article", row.pk)


@login_required
@require_POST
def publish(request: HttpRequest, article_id: int) -> HttpResponse:
    if not access.manages_knowledge(request.user):
        raise Http404
    row = _article(request, article_id, access.CHANGE)
    form = PublishForm(request.POST)
    form.is_valid()
    _do(request, _("Published."), actions.publish, row.pk, quality=form.cleaned_data)
    return redirect("knowledge:article", row.pk)


@login_required
@require_POST
def send_back(request: HttpRequest, article_id: int) -> HttpResponse:
    if not access.manages_knowledge(request.user):
        raise Http404
    row = _article(request, article_id, access.CHANGE)
    note = request.POST.get("note", "")
    _do(request, _("Sent back to its author."), actions.send_back, row.pk, note)
    return redirect("knowledge:article", row.pk)


@login_required
@require_POST
def archive(request: HttpRequest, article_id: int) -> HttpResponse:
    if not access.manages_knowledge(request.user):
        raise Http404
    row = _article(request, article_id, access.CHANGE)
    _do(request, _("Archived."), actions.archive, row.pk, request.POST.get("reason", ""))
    return redirect("knowledge:article", row.pk)


@login_required
@require_POST
def request_change(request: HttpRequest, article_id: int) -> HttpResponse:
    """Flag it or fix it, from the article page."""
    row = _article(request, article_id)
    form = RequestForm(request.POST)
    if form.is_valid():
        _do(
            request, _("Thank you: the knowledge owners have your request."),
            actions.request_change, article_id=row.pk, kind=form.cleaned_data["kind"],
            reason=form.cleaned_data["reason"], proposal=form.cleaned_data["proposal"],
        )  # fmt: skip
    else:
        messages.error(request, _("Say what is wrong and why."))
    return redirect("knowledge:article", row.pk)


@login_required
@require_http_methods(["GET", "POST"])
def requests(request: HttpRequest) -> HttpResponse:
    """Change requests (the owners' queue; others their own) and the new-article form."""
    form = RequestForm(request.POST or None, initial={"kind": "new"})
    if request.method == "POST" and form.is_valid():
        _do(
            request, _("Thank you: the knowledge owners have your request."),
            actions.request_change, kind="new", reason=form.cleaned_data["reason"],
            title=form.cleaned_data["title"],
        )  # fmt: skip
        return redirect("knowledge:requests")
    rows = access.restrict(
        ChangeRequest.objects.select_related("article", "requested_by", "resolved_by"),
        request.user,
    )
    status = request.GET.get("status") or RequestStatus.OPEN
    if status in RequestStatus.values:
        rows = rows.filter(status=status)
    context = _context(
        request, "requests", rows=list(rows[:PAGE]), form=form, status=status,
        statuses=RequestStatus.choices,
    )  # fmt: skip
    return render(request, "knowledge/requests.html", context)


@login_required
@require_POST
def decline(request: HttpRequest, request_id: int) -> HttpResponse:
    if not access.manages_knowledge(request.user):
        raise Http404
    _do(
        request, _("Declined."), actions.decline_request, request_id,
        request.POST.get("answer", ""),
    )  # fmt: skip
    return redirect("knowledge:requests")


# --- in the conversation (一键调取) ---------------------------------------------------------------
def _suggestions(request: HttpRequest, external_id: str) -> dict[str, Any]:
    try:
        conversation = actions.conversation_of(request.user, external_id)
    except ActionError as exc:
        raise Http404 from exc
    latest = list(
        conversation.messages.filter(role=MessageRole.CUSTOMER)
        .order_by("-seq")
        .values_list("text", flat=True)[:LATEST_MESSAGES]
    )
    text = " ".join(reversed(latest))
    results = (
        knowledge_search.search(
            request.user, text, limit=SUGGESTIONS, source=SearchSource.WORKSPACE
        )
        if text
        else []
    )  # fmt: skip
    linked = set(
        ArticleLink.objects.filter(conversation=conversation).values_list("article_id", flat=True)
    )
    return {"conversation": conversation, "results": results, "linked": linked, "query": text}


@login_required
@require_GET
def suggest(request: HttpRequest, external_id: str) -> HttpResponse:
    """The top articles for the customer's latest messages: insert the snippet, link."""
    return render(request, "knowledge/suggest.html", _suggestions(request, external_id))


@login_required
@require_POST
def link(request: HttpRequest, external_id: str) -> HttpResponse:
    """Link the article that solved the conversation; answers the fragment again."""
    article_id = parse_id(request.POST.get("article", ""))
    try:
        conversation = actions.conversation_of(request.user, external_id)
        if article_id is None:
            raise Http404
        actions.link(request.user, conversation.pk, article_id)
    except ActionError as exc:
        raise Http404 from exc
    return render(request, "knowledge/suggest.html", _suggestions(request, external_id))


# --- attachments --------------------------------------------------------------------------------
INLINE_KINDS = ("image/", "application/pdf")


def serve_attachment(request: HttpRequest, attachment_id: int) -> FileResponse:
    """The file, to whoever may read its article (never a public media URL); a file of an
    article agents do not read (a draft, in review, archived) is audited when downloaded."""
    found = (
        access.restrict(ArticleAttachment.objects.select_related("article"), request.user)
        .filter(pk=attachment_id)
        .first()
    )
    if found is None:
        raise Http404
    try:
        handle = found.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    actions.record_download(request.user, found)
    inline = found.content_type.startswith(INLINE_KINDS)
    response = FileResponse(handle, content_type=found.content_type or "application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(
        not inline, PurePath(found.name).name
    )
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- figures (KCS evolve loop) ----------------------------------------------------------------
def _figures(request: HttpRequest):
    from kefu.knowledge import selectors
    from kefu.metrics.dashboards import default_months
    from kefu.metrics.forms import PeriodForm

    form = PeriodForm(request.GET, request.user, default_months, filters=False)
    start, end = form.period
    return form, selectors.knowledge_figures(request.user, start, end)


@login_required
@require_GET
def attachment(request: HttpRequest, attachment_id: int) -> FileResponse:
    return serve_attachment(request, attachment_id)


@login_required
@require_POST
def attachment_add(request: HttpRequest, article_id: int) -> HttpResponse:
    row = _article(request, article_id, access.CHANGE)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file to attach."))
    else:
        _do(request, _("File attached."), actions.add_attachment, row.pk, upload)
    return redirect("knowledge:article", row.pk)


@login_required
@require_POST
def attachment_delete(request: HttpRequest, attachment_id: int) -> HttpResponse:
    found = (
        access.restrict(ArticleAttachment.objects.all(), request.user, access.CHANGE)
        .filter(pk=attachment_id)
        .first()
    )
    if found is None:
        raise Http404
    _do(request, _("File removed."), actions.delete_attachment, found.pk)
    return redirect("knowledge:article", found.article_id)


# --- import and export (knowledge owners) --------------------------------------------------------
def export_response(user, kind: str) -> HttpResponse:
    """Every article in the import format: JSONL, or a zip of Markdown files (audited)."""
    records = interchange.export_records(user)
    stamp = timezone.localdate().strftime("%Y%m%d")
    if kind == interchange.MARKDOWN:
        response = HttpResponse(interchange.export_zip(records), content_type="application/zip")
        name = f"knowledge-{stamp}.zip"
    else:
        response = HttpResponse(
            interchange.export_jsonl(records), content_type="application/x-ndjson"
        )
        name = f"knowledge-{stamp}.jsonl"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def transfer(request: HttpRequest) -> HttpResponse:
    """Import (a .zip of Markdown files, a .md or a .jsonl) with the per-record errors;
    links to the exports."""
    if not access.manages_knowledge(request.user):
        raise Http404
    report = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("Choose a file to import."))
        else:
            try:
                parsed = interchange.read_file(upload.name or "", upload.read())
                report = interchange.import_records(
                    request.user, parsed, draft_only=bool(request.POST.get("draft"))
                )
            except ActionError as exc:
                messages.error(request, exc.detail)
    return render(request, "knowledge/transfer.html", _context(request, "transfer", report=report))


@login_required
@require_GET
def figures(request: HttpRequest) -> HttpResponse:
    """Link and reuse rates, freshness by month, overdue articles, the quality index and
    the searches not found, within what the user may see."""
    from kefu.knowledge.core.figures import FRESHNESS_GOAL_HOURS, LINK_RATE_HEALTHY

    form, data = _figures(request)
    chart = {
        "months": [m["month"] for m in data.months],
        "median": [_round(m["freshness"].median_h) for m in data.months],
        "mean": [_round(m["freshness"].mean_h) for m in data.months],
        "link_rate": [_percent(m["usage"].link_rate) for m in data.months],
        "goal": FRESHNESS_GOAL_HOURS,
        "labels": {
            "median": str(_("Freshness, median (h)")),
            "mean": str(_("Freshness, mean (h)")),
            "link_rate": str(_("Link rate (%)")),
            "goal": str(_("Goal")),
        },
    }
    context = _context(
        request, "figures", form=form, data=data, chart=chart, date_from=data.date_from,
        date_to=data.date_to, band=[round(b * 100) for b in LINK_RATE_HEALTHY],
        goal=FRESHNESS_GOAL_HOURS,
    )  # fmt: skip
    return render(request, "knowledge/figures.html", context)


@login_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    if not access.manages_knowledge(request.user):
        raise Http404
    kind = request.GET.get("format", interchange.JSONL)
    if kind not in (interchange.MARKDOWN, interchange.JSONL):
        kind = interchange.JSONL
    return export_response(request.user, kind)


@login_required
@require_GET
def figures_csv(request: HttpRequest) -> HttpResponse:
    """The figures page's table as CSV (the same scope)."""
    from kefu.knowledge.figures import write_csv

    _form, data = _figures(request)
    response = HttpResponse(write_csv(data), content_type="text/csv; charset=utf-8")
    name = f"kefu-knowledge-{data.date_from.isoformat()}_{data.date_to.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)
