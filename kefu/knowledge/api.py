"""REST API v1 of the knowledge base (mounted under /api/v1/ by kefu/api.py): search and
list articles, one article with its versions and a diff, the editor's writes and the
review workflow, change requests, suggestions for a conversation and the link to the
article that solved it, attachments, import and export.

Reads start from `kefu.accounts.access` (drafts only for their authors and the knowledge
owners); writes go through `kefu.knowledge.actions`, whose refusals are answered
403/404/409/422 by kefu/api.py. The list's filters are the page's `ArticleFilterSet`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar, Literal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, Status, UploadedFile
from ninja.errors import ValidationError
from pydantic import field_validator

from kefu.accounts import access
from kefu.interactions.choices import MessageRole
from kefu.knowledge import actions, interchange, views
from kefu.knowledge import search as knowledge_search
from kefu.knowledge.choices import Kind, RequestKind, RequestStatus, SearchSource, State
from kefu.knowledge.core import diff as diff_core
from kefu.knowledge.core import quality as quality_core
from kefu.knowledge.filtersets import ArticleFilterSet
from kefu.knowledge.models import (
    Article,
    ArticleAttachment,
    ArticleLink,
    ArticleVersion,
    ChangeRequest,
)
from kefu.lib.errors import Invalid, NotAllowed
from kefu.lib.schemas import ErrorOut, ErrorsOut, RowId, Text

router = Router(tags=["knowledge"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorsOut | ErrorOut}
MAX_LIMIT = 100
MAX_TEXT = 100_000

KindValue = Literal[tuple(Kind.values)]  # type: ignore[valid-type]
StateValue = Literal[tuple(State.values)]  # type: ignore[valid-type]


# --- shapes -----------------------------------------------------------------------------------
def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, Schema):
        return _has_nul(value.model_dump())
    return False


class KnowledgeBody(Schema):
    """A request body: no text in it may hold a NUL (PostgreSQL refuses them)."""

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if _has_nul(value):
            raise ValueError(_("must not contain NUL characters"))
        return value


class KnowledgeStepBranch(KnowledgeBody):
    condition: str = Field(alias="if", max_length=500)
    goto: int = Field(ge=1, le=999)


class KnowledgeStep(KnowledgeBody):
    n: int = Field(ge=1, le=999)
    text: str = Field(max_length=2000)
    branches: list[KnowledgeStepBranch] = Field(default_factory=list, max_length=20)


class KnowledgeVersionOut(Schema):
    number: int
    title: str
    body: str = Field(description="Markdown")
    issue: str = Field(description="the problem as the customer says it")
    environment: str
    cause: str
    resolution: str
    steps: list[dict[str, Any]] = Field(description='[{"n", "text", "branches": [{"if", "goto"}]}]')
    snippet: str
    note: str = Field(description="what changed")
    author: str | None
    created_at: datetime
    quality: dict[str, bool] = Field(description="the reviewer's checklist (when published)")


class KnowledgeAttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    url: str = Field(description="the file (through the access layer)")


class KnowledgeArticleOut(Schema):
    id: int
    key: str | None
    type: str
    title: str
    scene: str
    problem: str
    tags: list[str]
    state: str
    owner: str | None
    published_version: int | None
    head_version: int | None
    published_at: datetime | None
    review_due: date | None
    updated_at: datetime


class KnowledgeArticleDetailOut(KnowledgeArticleOut):
    version: KnowledgeVersionOut = Field(
        description="what the caller reads: the published version, or the newest for its "
        "author (before it is first published) and the knowledge owners"
    )
    attachments: list[KnowledgeAttachmentOut]


class KnowledgePiece(Schema):
    text: str
    mark: bool = Field(description="a matched term (highlight it)")


class KnowledgeHitOut(Schema):
    article: KnowledgeArticleOut
    score: float
    title: list[KnowledgePiece]
    excerpt: list[KnowledgePiece]


class KnowledgeListOut(Schema):
    query: str | None
    items: list[KnowledgeHitOut] = Field(description="with `q`: ranked, with highlights")
    articles: list[KnowledgeArticleOut] = Field(description="without `q`: newest change first")


class KnowledgeArticleQuery(Schema):
    """Mirrors `kefu.knowledge.filtersets.ArticleFilterSet`, plus `limit`."""

    q: Text | None = Field(None, description="full-text query (ranked, highlighted)")
    kind: KindValue | None = None  # type: ignore[valid-type]
    scene: Text | None = None
    tag: Text | None = None
    state: StateValue | None = None  # type: ignore[valid-type]
    limit: int = Field(20, ge=1, le=MAX_LIMIT)

    PAGING: ClassVar[frozenset[str]] = frozenset({"limit"})


class KnowledgeArticleIn(KnowledgeBody):
    type: KindValue = "faq"  # type: ignore[valid-type]
    title: str = Field(max_length=200)
    key: str | None = Field(
        None, max_length=80, description="letters, digits, - and _ (left out: unchanged)"
    )
    scene: str = Field("", max_length=100)
    problem: str = Field("", max_length=100)
    tags: list[str] = Field(default_factory=list, max_length=20)
    owner: str | None = Field(
        None, max_length=150, description="a username (owners only; left out: unchanged)"
    )
    body: str = Field("", max_length=MAX_TEXT, description="Markdown")
    issue: str = Field("", max_length=MAX_TEXT)
    environment: str = Field("", max_length=MAX_TEXT)
    cause: str = Field("", max_length=MAX_TEXT)
    resolution: str = Field("", max_length=MAX_TEXT)
    steps: list[KnowledgeStep] = Field(default_factory=list, max_length=200)
    snippet: str = Field("", max_length=MAX_TEXT)
    note: str = Field("", max_length=300, description="what changed")


class KnowledgePublishIn(KnowledgeBody):
    quality: dict[str, bool] = Field(
        default_factory=dict, description=f"the checklist: {', '.join(quality_core.CRITERIA)}"
    )


class KnowledgeNoteIn(KnowledgeBody):
    note: str = Field("", max_length=300)


class KnowledgeRequestOut(Schema):
    id: int
    kind: str
    status: str
    article: int | None
    title: str
    reason: str
    proposal: str
    conversation: str | None
    requested_by: str | None
    requested_at: datetime
    resolved_by: str | None
    resolved_at: datetime | None
    answer: str


class KnowledgeRequestQuery(Schema):
    status: Literal[tuple(RequestStatus.values)] | None = None  # type: ignore[valid-type]
    article: RowId | None = None
    limit: int = Field(50, ge=1, le=MAX_LIMIT)


class KnowledgeRequestIn(KnowledgeBody):
    kind: Literal[tuple(RequestKind.values)]  # type: ignore[valid-type]
    reason: str = Field(max_length=2000)
    article: RowId | None = Field(None, description="flag and fix: the article")
    proposal: str = Field("", max_length=5000, description="fix: the proposed text")
    title: str = Field("", max_length=200, description="new: the article wanted")
    conversation: Text | None = Field(None, description="the conversation it came from")


class KnowledgeAnswerIn(KnowledgeBody):
    answer: str = Field("", max_length=300)


class KnowledgeDiffQuery(Schema):
    a: int | None = Field(None, ge=1, le=100_000, description="old version (default b − 1)")
    b: int | None = Field(None, ge=1, le=100_000, description="new version (default newest)")


class KnowledgeDiffRow(Schema):
    tag: str = Field(description="equal, delete, insert or replace")
    old: list[KnowledgePiece]
    new: list[KnowledgePiece]


class KnowledgeDiffOut(Schema):
    a: int
    b: int
    changed: int
    rows: list[KnowledgeDiffRow]


class KnowledgeSuggestionsOut(Schema):
    conversation: str
    query: str = Field(description="the customer's latest messages")
    items: list[KnowledgeHitOut]
    linked: list[int] = Field(description="articles already linked to the conversation")


class KnowledgeLinkIn(KnowledgeBody):
    article: RowId


class KnowledgeLinkOut(Schema):
    conversation: str
    article: int
    version: int | None
    linked_at: datetime


class KnowledgeImportError(Schema):
    record: str = Field(description="the file name, or file:line of a JSONL file")
    key: str | None
    field: str = Field(description="empty when the record as a whole is refused")
    reason: str


class KnowledgeImportOut(Schema):
    created: int
    updated: int = Field(description="a new version written")
    moved: int = Field(description="only taken forward to the record's state")
    unchanged: int
    errors: list[KnowledgeImportError]


class KnowledgeExportQuery(Schema):
    format: Literal["md", "jsonl"] = "jsonl"


# --- helpers ----------------------------------------------------------------------------------
def _name(user) -> str | None:
    return user.get_username() if user is not None else None


def _article_out(a: Article) -> dict[str, Any]:
    return {
        "id": a.pk,
        "key": a.key,
        "type": a.kind,
        "title": a.title,
        "scene": a.scene,
        "problem": a.problem,
        "tags": list(a.tags),
        "state": a.state,
        "owner": _name(a.owner),
        "published_version": a.published_version.number if a.published_version else None,
        "head_version": a.head.number if a.head else None,
        "published_at": a.published_at,
        "review_due": a.review_due,
        "updated_at": a.updated_at,
    }


def _version_out(v: ArticleVersion) -> dict[str, Any]:
    return {
        "number": v.number,
        "title": v.title,
        "body": v.body,
        "issue": v.issue,
        "environment": v.environment,
        "cause": v.cause,
        "resolution": v.resolution,
        "steps": v.steps or [],
        "snippet": v.snippet,
        "note": v.note,
        "author": _name(v.author),
        "created_at": v.created_at,
        "quality": v.quality or {},
    }


def _pieces(pieces) -> list[dict[str, Any]]:
    return [{"text": text, "mark": bool(mark)} for text, mark in pieces]


def _hit_out(result: knowledge_search.Result) -> dict[str, Any]:
    return {
        "article": _article_out(result.article),
        "score": round(result.score, 4),
        "title": _pieces(result.title),
        "excerpt": _pieces(result.excerpt),
    }


def _articles(user, action: str = access.VIEW):
    return access.restrict(
        Article.objects.select_related("head", "published_version", "owner"), user, action
    )


def _article(request: HttpRequest, article_id: int) -> Article:
    return get_object_or_404(_articles(request.user), pk=article_id)


def _detail(request: HttpRequest, article_id: int) -> dict[str, Any]:
    row = _article(request, article_id)
    version = knowledge_search._readable_version(row, request.user)
    if version is None:
        raise NotAllowed(_("the article has no version you may read yet"))
    version = ArticleVersion.objects.select_related("author").get(pk=version.pk)
    attachments = access.restrict(ArticleAttachment.objects.filter(article=row), request.user)
    return _article_out(row) | {
        "version": _version_out(version),
        "attachments": [_attachment_out(f) for f in attachments],
    }


def _attachment_out(f: ArticleAttachment) -> dict[str, Any]:
    return {
        "id": f.pk,
        "name": f.name,
        "content_type": f.content_type,
        "size": f.size,
        "url": reverse("knowledge:attachment", args=[f.pk]),
    }


def _data(body: KnowledgeArticleIn) -> dict[str, Any]:
    data = body.model_dump(by_alias=True)
    data["kind"] = data.pop("type")
    if data["key"] is None:  # not sent: the key stays (import and export rely on it)
        del data["key"]
    owner = data.pop("owner")
    if owner:
        from django.contrib.auth import get_user_model

        users = get_user_model().objects
        found = users.filter(**{users.model.USERNAME_FIELD: owner}).first()
        if found is None:
            raise Invalid(
                _("no user “%(value)s”") % {"value": owner},
                errors=[{"index": None, "id": None, "field": "owner",
                         "reason": _("no user “%(value)s”") % {"value": owner}}],
            )  # fmt: skip
        data["owner"] = found
    return data


# --- articles ---------------------------------------------------------------------------------
@router.get("/knowledge/articles", response={200: KnowledgeListOut, **ERRORS})
def list_articles(request: HttpRequest, q: Query[KnowledgeArticleQuery]) -> dict[str, Any]:
    """Search (with `q`: ranked by the search, with highlights; logged) or list the
    articles the caller may read, filtered as on the page."""
    data = q.model_dump(exclude_none=True, exclude=set(q.PAGING))
    filterset = ArticleFilterSet(data, queryset=_articles(request.user))
    if filterset.errors:  # the schema refuses these first: a safety net
        raise ValidationError(
            [
                {"loc": ["query", name], "msg": "; ".join(m), "type": "value_error"}
                for name, m in filterset.errors.items()
            ]
        )
    cleaned = filterset.form.cleaned_data
    if cleaned.get("q"):
        results = knowledge_search.search(
            request.user,
            cleaned["q"],
            kind=cleaned.get("kind") or None,
            scene=cleaned.get("scene") or None,
            tag=cleaned.get("tag") or None,
            limit=q.limit if not cleaned.get("state") else MAX_LIMIT,
            source=SearchSource.API,
        )
        if cleaned.get("state"):
            results = [r for r in results if r.article.state == cleaned["state"]]
        owners = {r.article.owner_id for r in results} - {None}
        if owners:  # the search's rows come without their owners
            from django.contrib.auth import get_user_model

            users = get_user_model().objects.in_bulk(owners)
            for r in results:
                r.article.owner = users.get(r.article.owner_id)
        return {"query": cleaned["q"], "items": [_hit_out(r) for r in results[: q.limit]],
                "articles": []}  # fmt: skip
    rows = filterset.qs.order_by("-updated_at", "-pk")[: q.limit]
    return {"query": None, "items": [], "articles": [_article_out(a) for a in rows]}


@router.post("/knowledge/articles", response={201: KnowledgeArticleDetailOut, **ERRORS})
def create_article(request: HttpRequest, body: KnowledgeArticleIn) -> Status:
    """A new article, as a draft (version 1). Anyone signed in; `owner` by owners only."""
    article = actions.create_article(request.user, _data(body))
    return Status(201, _detail(request, article.pk))


@router.get(
    "/knowledge/articles/{int:article_id}", response={200: KnowledgeArticleDetailOut, **ERRORS}
)
def get_article(request: HttpRequest, article_id: RowId) -> dict[str, Any]:
    """One article: the published version for everyone; the newest (a draft or in review)
    for its author before it is first published and for the knowledge owners."""
    return _detail(request, article_id)


@router.put(
    "/knowledge/articles/{int:article_id}", response={200: KnowledgeArticleDetailOut, **ERRORS}
)
def edit_article(
    request: HttpRequest, article_id: RowId, body: KnowledgeArticleIn
) -> dict[str, Any]:
    """A new version (a draft): the author of a first draft, the knowledge owners any
    article. The published version stays what agents read until the new one is published."""
    _article(request, article_id)  # 404 for one the caller may not read
    actions.edit_article(request.user, article_id, _data(body))
    return _detail(request, article_id)


@router.get(
    "/knowledge/articles/{int:article_id}/versions",
    response={200: list[KnowledgeVersionOut], **ERRORS},
)
def list_versions(request: HttpRequest, article_id: RowId) -> list[dict[str, Any]]:
    """The versions, newest first (readers: up to the published one)."""
    row = _article(request, article_id)
    return [_version_out(v) for v in views._versions(request, row)]


@router.get("/knowledge/articles/{int:article_id}/diff", response={200: KnowledgeDiffOut, **ERRORS})
def get_diff(request: HttpRequest, article_id: RowId, q: Query[KnowledgeDiffQuery]):
    """The difference between versions `a` and `b`, line by line, the changed characters
    marked (docs/knowledge.md)."""
    row = _article(request, article_id)
    versions = {v.number: v for v in views._versions(request, row)}
    new_number = q.b or max(versions)
    old_number = q.a or max(new_number - 1, 1)
    old, new = versions.get(old_number), versions.get(new_number)
    for name, found, number in (("a", old, old_number), ("b", new, new_number)):
        if found is None:
            reason = _("no version %(n)s you may read") % {"n": number}
            raise Invalid(
                reason, errors=[{"index": None, "id": None, "field": name, "reason": reason}]
            )
    assert old is not None and new is not None
    labels = {name: str(label) for name, label in views.DIFF_LABELS.items()}
    rows = diff_core.diff(
        diff_core.as_lines(views._fields(old), labels),
        diff_core.as_lines(views._fields(new), labels),
    )
    return {
        "a": old.number,
        "b": new.number,
        "changed": diff_core.changed(rows),
        "rows": [{"tag": r.tag, "old": _pieces(r.old), "new": _pieces(r.new)} for r in rows],
    }


def _step(request: HttpRequest, article_id: int, fn, *args, **kwargs) -> dict[str, Any]:
    _article(request, article_id)
    fn(request.user, article_id, *args, **kwargs)
    return _article_out(_article(request, article_id))


@router.post(
    "/knowledge/articles/{int:article_id}/submit", response={200: KnowledgeArticleOut, **ERRORS}
)
def submit(request: HttpRequest, article_id: RowId) -> dict[str, Any]:
    """Send the draft to the knowledge owners' review."""
    return _step(request, article_id, actions.submit)


@router.post(
    "/knowledge/articles/{int:article_id}/publish", response={200: KnowledgeArticleOut, **ERRORS}
)
def publish(request: HttpRequest, article_id: RowId, body: KnowledgePublishIn) -> dict[str, Any]:
    """Publish the newest version with the quality checklist (knowledge owners); resolves
    the article's open change requests."""
    return _step(request, article_id, actions.publish, quality=body.quality)


@router.post(
    "/knowledge/articles/{int:article_id}/send-back",
    response={200: KnowledgeArticleOut, **ERRORS},
)
def send_back(request: HttpRequest, article_id: RowId, body: KnowledgeNoteIn) -> dict[str, Any]:
    """Return a version in review to its author (knowledge owners)."""
    return _step(request, article_id, actions.send_back, body.note)


@router.post(
    "/knowledge/articles/{int:article_id}/archive", response={200: KnowledgeArticleOut, **ERRORS}
)
def archive(request: HttpRequest, article_id: RowId, body: KnowledgeNoteIn) -> dict[str, Any]:
    """Archive (knowledge owners): agents no longer find or read it."""
    return _step(request, article_id, actions.archive, body.note)


# --- attachments --------------------------------------------------------------------------------
@router.post(
    "/knowledge/articles/{int:article_id}/attachments",
    response={201: KnowledgeAttachmentOut, **ERRORS},
)
def add_attachment(
    request: HttpRequest, article_id: RowId, file: File[UploadedFile | None] = None
) -> Status:
    """Attach a file (multipart form data, field `file`): PDF, image, Word, Excel, text or
    CSV, checked against its first bytes; whoever may edit the article."""
    _article(request, article_id)
    if not _articles(request.user, access.CHANGE).filter(pk=article_id).exists():
        raise NotAllowed(
            _("only the knowledge owners change a published article: ask for a change")
        )
    if file is None:
        raise Invalid(_("send the file as multipart form data, in the field `file`"))
    return Status(201, _attachment_out(actions.add_attachment(request.user, article_id, file)))


@router.get(
    "/knowledge/attachments/{int:attachment_id}",
    response={200: None, **ERRORS},
    openapi_extra={
        "responses": {200: {"description": "the file (its own type)", "content": {"*/*": {}}}}
    },
)
def get_attachment(request: HttpRequest, attachment_id: RowId) -> HttpResponse:
    """The file, to whoever may read its article (a draft's file: audited)."""
    return views.serve_attachment(request, attachment_id)


@router.delete("/knowledge/attachments/{int:attachment_id}", response={204: None, **ERRORS})
def delete_attachment(request: HttpRequest, attachment_id: RowId) -> Status:
    """Remove a file (whoever may edit its article)."""
    files = access.restrict(ArticleAttachment.objects.all(), request.user)
    get_object_or_404(files, pk=attachment_id)
    actions.delete_attachment(request.user, attachment_id)
    return Status(204, None)


# --- change requests ----------------------------------------------------------------------------
def _request_out(r: ChangeRequest) -> dict[str, Any]:
    return {
        "id": r.pk,
        "kind": r.kind,
        "status": r.status,
        "article": r.article_id,
        "title": r.title,
        "reason": r.reason,
        "proposal": r.proposal,
        "conversation": r.conversation.external_id if r.conversation_id else None,
        "requested_by": _name(r.requested_by),
        "requested_at": r.requested_at,
        "resolved_by": _name(r.resolved_by),
        "resolved_at": r.resolved_at,
        "answer": r.answer,
    }


def _requests(user):
    return access.restrict(
        ChangeRequest.objects.select_related("conversation", "requested_by", "resolved_by"), user
    )


@router.get("/knowledge/requests", response={200: list[KnowledgeRequestOut], **ERRORS})
def list_requests(request: HttpRequest, q: Query[KnowledgeRequestQuery]) -> list[dict[str, Any]]:
    """Change requests, newest first: the owners see all; others the ones they asked and
    the open ones of the articles they read."""
    rows = _requests(request.user)
    if q.status:
        rows = rows.filter(status=q.status)
    if q.article:
        rows = rows.filter(article_id=q.article)
    return [_request_out(r) for r in rows[: q.limit]]


@router.post("/knowledge/requests", response={201: KnowledgeRequestOut, **ERRORS})
def create_request(request: HttpRequest, body: KnowledgeRequestIn) -> Status:
    """Flag it (wrong or outdated), fix it (with the proposed text) or ask for a new
    article ("flag it or fix it"); anyone signed in."""
    conversation_id = None
    if body.conversation:
        conversation_id = actions.conversation_of(request.user, body.conversation).pk
    row = actions.request_change(
        request.user,
        kind=body.kind,
        reason=body.reason,
        article_id=body.article,
        proposal=body.proposal,
        title=body.title,
        conversation_id=conversation_id,
    )
    return Status(201, _request_out(_requests(request.user).get(pk=row.pk)))


def _close(request: HttpRequest, request_id: int, fn, answer: str) -> dict[str, Any]:
    get_object_or_404(_requests(request.user), pk=request_id)
    fn(request.user, request_id, answer)
    return _request_out(_requests(request.user).get(pk=request_id))


@router.post(
    "/knowledge/requests/{int:request_id}/decline", response={200: KnowledgeRequestOut, **ERRORS}
)
def decline_request(
    request: HttpRequest, request_id: RowId, body: KnowledgeAnswerIn
) -> dict[str, Any]:
    """Decline an open request, saying why (knowledge owners)."""
    return _close(request, request_id, actions.decline_request, body.answer)


@router.post(
    "/knowledge/requests/{int:request_id}/resolve", response={200: KnowledgeRequestOut, **ERRORS}
)
def resolve_request(
    request: HttpRequest, request_id: RowId, body: KnowledgeAnswerIn
) -> dict[str, Any]:
    """Close an open request as done without a new version (knowledge owners); publishing
    an article resolves its requests by itself."""
    return _close(request, request_id, actions.resolve_request, body.answer)


# --- in the conversation ------------------------------------------------------------------------
@router.get(
    "/knowledge/conversations/{conversation_id}/suggestions",
    response={200: KnowledgeSuggestionsOut, **ERRORS},
)
def suggestions(request: HttpRequest, conversation_id: Text) -> dict[str, Any]:
    """The best articles for the customer's latest messages (as in the workspace)."""
    conversation = actions.conversation_of(request.user, conversation_id)
    latest = list(
        conversation.messages.filter(role=MessageRole.CUSTOMER)
        .order_by("-seq")
        .values_list("text", flat=True)[: views.LATEST_MESSAGES]
    )
    text = " ".join(reversed(latest))
    results = (
        knowledge_search.search(
            request.user, text, limit=views.SUGGESTIONS, source=SearchSource.API
        )
        if text
        else []
    )
    linked = ArticleLink.objects.filter(conversation=conversation).values_list(
        "article_id", flat=True
    )
    return {
        "conversation": conversation.external_id,
        "query": text[:200],
        "items": [_hit_out(r) for r in results],
        "linked": sorted(linked),
    }


@router.post(
    "/knowledge/conversations/{conversation_id}/links", response={200: KnowledgeLinkOut, **ERRORS}
)
def link(request: HttpRequest, conversation_id: Text, body: KnowledgeLinkIn) -> dict[str, Any]:
    """Link the article that solved the conversation (its published version); linking
    twice keeps one link."""
    conversation = actions.conversation_of(request.user, conversation_id)
    row = actions.link(request.user, conversation.pk, body.article)
    return {
        "conversation": conversation.external_id,
        "article": row.article_id,
        "version": row.version.number if row.version_id else None,
        "linked_at": row.linked_at,
    }


# --- import and export --------------------------------------------------------------------------
@router.post("/knowledge/import", response={200: KnowledgeImportOut, **ERRORS})
def import_articles(
    request: HttpRequest, file: File[UploadedFile | None] = None, draft: bool = False
) -> dict[str, Any]:
    """Articles from a .jsonl file, a Markdown file or a .zip of them (multipart form
    data, field `file`; docs/knowledge.md), knowledge owners only. Valid records are
    written, the others listed in `errors`; the same files again change nothing.
    `draft=true`: nothing is published, new versions stay drafts."""
    if not access.manages_knowledge(request.user):
        raise NotAllowed(_("this needs the knowledge owner permission"))
    if file is None:
        raise Invalid(_("send the file as multipart form data, in the field `file`"))
    if file.size is not None and file.size > interchange.MAX_BYTES:
        raise Invalid(
            _("The file is larger than %(mb)s MB: split it.")
            % {"mb": interchange.MAX_BYTES // 1024 // 1024}
        )
    parsed = interchange.read_file(file.name or "", file.read())
    return interchange.import_records(request.user, parsed, draft_only=draft).as_data()


@router.get(
    "/knowledge/export",
    response={200: None, **ERRORS},
    openapi_extra={
        "responses": {
            200: {
                "description": "every article (audited)",
                "content": {"application/x-ndjson": {}, "application/zip": {}},
            }
        }
    },
)
def export_articles(request: HttpRequest, q: Query[KnowledgeExportQuery]) -> HttpResponse:
    """Every article's newest version in the import format: JSONL, or a zip of Markdown
    files (knowledge owners; audited)."""
    return views.export_response(request.user, q.format)
