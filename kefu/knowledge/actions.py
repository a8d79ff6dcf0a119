"""Writes of the knowledge base (validate, then do): articles and their versions, review
and publishing, change requests, links from conversations. Refusals are `kefu.lib.errors`
types; every change is audited (AuditAction.KNOWLEDGE).

Who may do what (the rows come from `kefu.accounts.access`):
- anyone signed in writes a new article (a draft), asks for a change (flag / fix / new)
  and links the article that solved a conversation they may see;
- the author edits and submits their draft until it is first published;
- knowledge owners (`knowledge.manage_knowledge`) edit any article (a new version),
  publish, send back, archive, decline or resolve requests, import and export. Publishing
  resolves the article's open requests: the time from request to publication is the
  freshness figure;
- whoever may edit an article adds and removes its files (type and size checked).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts import access
from kefu.audit.actions import record as audit
from kefu.audit.models import AuditAction
from kefu.interactions.models import Conversation
from kefu.knowledge import texts
from kefu.knowledge.choices import Kind, RequestKind, RequestStatus, State
from kefu.knowledge.core import quality as quality_core
from kefu.knowledge.core import sop
from kefu.knowledge.models import (
    Article,
    ArticleAttachment,
    ArticleLink,
    ArticleVersion,
    ChangeRequest,
)
from kefu.lib.errors import Conflict, Invalid, NotAllowed, NotFound
from kefu.lib.uploads import checked_type

VERSION_FIELDS = (
    "title", "body", "issue", "environment", "cause", "resolution", "steps", "snippet",
)  # fmt: skip
ARTICLE_FIELDS = ("kind", "scene", "problem", "tags", "key", "owner")
# Days until a published article is due for review (KCS: content is reviewed as it is used;
# these are the fallbacks for articles nobody flagged).
REVIEW_DAYS = {Kind.FAQ: 180, Kind.ARTICLE: 180, Kind.SOP: 90}
_KEY = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
# What an article may carry: extension → (content type, the file's first bytes, one of;
# none for text files, which must hold no NUL byte).
ATTACHMENT_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    ".webp": ("image/webp", (b"RIFF",)),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (b"PK\x03\x04",),
    ),
    ".xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        (b"PK\x03\x04",),
    ),
    ".txt": ("text/plain", ()),
    ".csv": ("text/csv", ()),
}
DEFAULT_MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
MAX_ATTACHMENTS = 20


def _active(user) -> None:
    if user is None or not user.is_authenticated or not user.is_active:
        raise NotAllowed(_("sign in first"))


def _owner(user) -> None:
    if not access.manages_knowledge(user):
        raise NotAllowed(_("this needs the knowledge owner permission"))


def _audit(user, event: str, article: Article | None, **detail: Any) -> None:
    audit(
        AuditAction.KNOWLEDGE,
        user=user,
        object_type="knowledge.article" if article is not None else "knowledge.request",
        object_id=str(article.pk) if article is not None else str(detail.get("request", "")),
        detail={"event": event, **detail},
    )


# --- checking ----------------------------------------------------------------------------------
def clean_steps(value: Any) -> list[dict[str, Any]]:
    """SOP steps from their data form (a list) or text form (numbered lines)."""
    try:
        steps = sop.parse_text(value) if isinstance(value, str) else sop.check(value or [])
    except sop.StepError as exc:
        raise Invalid(
            _("the steps are not valid"),
            errors=[
                {"step": n, "error": texts.step_problem(code, value)}
                for n, code, value in exc.errors
            ],
        ) from exc
    return [s.as_data() for s in steps]


def clean_tags(value: Any) -> list[str]:
    if isinstance(value, str):
        value = re.split(r"[,，、;；\s]+", value)
    out: dict[str, None] = {}
    for tag in value or []:
        tag = str(tag).strip()[:30]
        if tag:
            out[tag] = None
    return list(out)[:20]


def _check_version(data: Mapping[str, Any], kind: str) -> dict[str, Any]:
    unknown = set(data) - set(VERSION_FIELDS) - {"note"}
    if unknown:
        raise Invalid(_("unknown field: %(name)s") % {"name": sorted(unknown)[0]})
    out: dict[str, Any] = {}
    for name in VERSION_FIELDS:
        value = data.get(name)
        if name == "steps":
            out[name] = clean_steps(value)
        else:
            out[name] = str(value or "").strip()
    if not out["title"]:
        raise Invalid(_("an article needs a title"))
    if len(out["title"]) > 200:
        raise Invalid(_("the title is longer than 200 characters"))
    if kind == Kind.SOP and not out["steps"]:
        raise Invalid(_("an SOP needs at least one step"))
    if not (out["body"] or out["resolution"] or out["snippet"] or out["steps"]):
        raise Invalid(_("write the answer: a body, a resolution, a snippet or steps"))
    out["note"] = str(data.get("note") or "").strip()[:300]
    return out


def _check_article(data: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "kind" in data:
        if data["kind"] not in Kind.values:
            raise Invalid(_("unknown article type: %(value)s") % {"value": data["kind"]})
        out["kind"] = data["kind"]
    for name in ("scene", "problem"):
        if name in data:
            out[name] = str(data[name] or "").strip()[:100]
    if "tags" in data:
        out["tags"] = clean_tags(data["tags"])
    if "key" in data:
        key = str(data["key"] or "").strip() or None
        if key is not None and not _KEY.match(key):
            raise Invalid(_("a key is made of letters, digits, - and _ (at most 80)"))
        out["key"] = key
    if "owner" in data:
        out["owner"] = data["owner"]
    return out


# --- articles ----------------------------------------------------------------------------------
@transaction.atomic
def create_article(
    user,
    data: Mapping[str, Any],
    *,
    request: ChangeRequest | None = None,
    at: datetime | None = None,
) -> Article:
    """A new article, as a draft with its version 1 (from a "new article" request when
    given: publishing it resolves the request)."""
    _active(user)
    article_data = _check_article({k: v for k, v in data.items() if k in ARTICLE_FIELDS})
    kind = article_data.get("kind", Kind.FAQ)
    version_data = _check_version({k: v for k, v in data.items() if k not in ARTICLE_FIELDS}, kind)
    if article_data.get("owner") is not None:
        _owner(user)
    now = at or timezone.now()
    article = Article(
        title=version_data["title"],
        created_by=user,
        created_at=now,
        updated_at=now,
        owner=article_data.pop("owner", None) or (user if access.manages_knowledge(user) else None),
        **article_data,
    )
    try:
        with transaction.atomic():
            article.save()
    except IntegrityError as exc:
        raise Conflict(_("an article with this key exists already")) from exc
    version = _write_version(article, version_data, user, now)
    if request is not None:
        if request.kind != RequestKind.NEW or request.status != RequestStatus.OPEN:
            raise Invalid(_("only an open request for a new article starts an article"))
        request.article = article
        request.save(update_fields=["article"])
    _audit(user, "create", article, version=version.number)
    return article


def _write_version(
    article: Article, data: Mapping[str, Any], user, now: datetime
) -> ArticleVersion:
    number = (article.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = ArticleVersion.objects.create(
        article=article,
        number=number,
        author=user,
        created_at=now,
        **{k: data[k] for k in (*VERSION_FIELDS, "note")},
    )
    article.head = version
    article.title = version.title
    article.state = State.DRAFT
    article.updated_at = now
    article.save(update_fields=["head", "title", "state", "updated_at"])
    return version


def _changeable(user, article_id: int) -> Article:
    article = (
        access.restrict(Article.objects.select_for_update(), user, access.CHANGE)
        .filter(pk=article_id)
        .first()
    )
    if article is None:
        if access.restrict(Article.objects.filter(pk=article_id), user).exists():
            raise NotAllowed(
                _("only the knowledge owners change a published article: ask for a change")
            )
        raise NotFound(_("no such article"))
    return article


@transaction.atomic
def edit_article(
    user, article_id: int, data: Mapping[str, Any], *, at: datetime | None = None
) -> ArticleVersion:
    """A new version (the head, a draft); the published version stays until published."""
    _active(user)
    article = _changeable(user, article_id)
    if article.state == State.ARCHIVED:
        raise Conflict(_("an archived article is not edited"))
    article_data = _check_article({k: v for k, v in data.items() if k in ARTICLE_FIELDS})
    if "owner" in article_data:
        _owner(user)
    kind = article_data.get("kind", article.kind)
    version_data = _check_version({k: v for k, v in data.items() if k not in ARTICLE_FIELDS}, kind)
    for name, value in article_data.items():
        setattr(article, name, value)
    try:
        with transaction.atomic():
            article.save()
    except IntegrityError as exc:
        raise Conflict(_("an article with this key exists already")) from exc
    version = _write_version(article, version_data, user, at or timezone.now())
    _audit(user, "edit", article, version=version.number, note=version.note)
    return version


@transaction.atomic
def submit(user, article_id: int) -> Article:
    """Send the draft to the owners' review."""
    _active(user)
    article = _changeable(user, article_id)
    if article.state != State.DRAFT:
        raise Conflict(_("only a draft is submitted for review"))
    article.state = State.REVIEW
    article.updated_at = timezone.now()
    article.save(update_fields=["state", "updated_at"])
    _audit(user, "submit", article, version=article.head.number if article.head else None)
    return article


@transaction.atomic
def publish(
    user,
    article_id: int,
    *,
    quality: Mapping[str, bool] | None = None,
    at: datetime | None = None,
) -> Article:
    """Make the head version the published one (owners); resolves the open change
    requests of the article (and the "new article" request it came from)."""
    _owner(user)
    article = _changeable(user, article_id)
    if article.state not in (State.DRAFT, State.REVIEW) or article.head is None:
        raise Conflict(_("there is no new version to publish"))
    now = at or timezone.now()
    version = article.head
    version.quality = quality_core.clean(quality or {})
    version.reviewed_by = user
    version.save(update_fields=["quality", "reviewed_by"])
    article.published_version = version
    article.published_at = now
    article.state = State.PUBLISHED
    article.updated_at = now
    article.review_due = (now + timedelta(days=REVIEW_DAYS[Kind(article.kind)])).date()
    if article.owner_id is None:
        article.owner = user
    article.save()
    resolved = article.requests.filter(status=RequestStatus.OPEN).update(
        status=RequestStatus.RESOLVED,
        resolved_by_version=version,
        resolved_by=user,
        resolved_at=now,
    )
    _audit(user, "publish", article, version=version.number, resolved=resolved)
    return article


@transaction.atomic
def send_back(user, article_id: int, note: str = "") -> Article:
    """The owner returns a version in review to its author (a draft again)."""
    _owner(user)
    article = _changeable(user, article_id)
    if article.state != State.REVIEW:
        raise Conflict(_("only an article in review is sent back"))
    article.state = State.DRAFT
    article.updated_at = timezone.now()
    article.save(update_fields=["state", "updated_at"])
    _audit(user, "send_back", article, note=str(note)[:300])
    return article


@transaction.atomic
def archive(user, article_id: int, reason: str = "") -> Article:
    _owner(user)
    article = _changeable(user, article_id)
    if article.state == State.ARCHIVED:
        raise Conflict(_("the article is archived already"))
    article.state = State.ARCHIVED
    article.updated_at = timezone.now()
    article.save(update_fields=["state", "updated_at"])
    _audit(user, "archive", article, reason=str(reason)[:300])
    return article


# --- change requests ---------------------------------------------------------------------------
@transaction.atomic
def request_change(
    user,
    *,
    kind: str,
    reason: str,
    article_id: int | None = None,
    proposal: str = "",
    title: str = "",
    conversation_id: int | None = None,
    at: datetime | None = None,
) -> ChangeRequest:
    """Flag it (wrong or outdated), fix it (with the proposed text) or ask for a new
    article. The article must be one the user reads; the conversation one they see."""
    _active(user)
    if kind not in RequestKind.values:
        raise Invalid(_("unknown request: %(value)s") % {"value": kind})
    reason = str(reason or "").strip()
    if not reason:
        raise Invalid(_("say why: the reason is required"))
    article = None
    if kind == RequestKind.NEW:
        title = str(title or "").strip()[:200]
        if not title:
            raise Invalid(_("a request for a new article needs a title"))
    else:
        if article_id is None:
            raise Invalid(_("flag or fix an existing article"))
        article = access.restrict(Article.objects.filter(pk=article_id), user).first()
        if article is None:
            raise NotFound(_("no such article"))
        if kind == RequestKind.FIX and not str(proposal or "").strip():
            raise Invalid(_("a fix needs the proposed text"))
    conversation = None
    if conversation_id is not None:
        conversation = access.conversations_visible_to(user).filter(pk=conversation_id).first()
        if conversation is None:
            raise NotFound(_("no such conversation"))
    request = ChangeRequest.objects.create(
        article=article,
        kind=kind,
        title=title,
        reason=reason[:2000],
        proposal=str(proposal or "").strip()[:5000],
        conversation=conversation,
        requested_by=user,
        requested_at=at or timezone.now(),
    )
    _audit(user, "request", article, request=request.pk, kind=kind)
    return request


@transaction.atomic
def decline_request(user, request_id: int, answer: str) -> ChangeRequest:
    _owner(user)
    request = ChangeRequest.objects.select_for_update().filter(pk=request_id).first()
    if request is None:
        raise NotFound(_("no such request"))
    if request.status != RequestStatus.OPEN:
        raise Conflict(_("the request is closed already"))
    answer = str(answer or "").strip()
    if not answer:
        raise Invalid(_("say why the request is declined"))
    request.status = RequestStatus.DECLINED
    request.resolved_by = user
    request.resolved_at = timezone.now()
    request.answer = answer[:300]
    request.save()
    _audit(user, "decline", request.article, request=request.pk)
    return request


@transaction.atomic
def resolve_request(user, request_id: int, answer: str = "") -> ChangeRequest:
    """The owner closes a request as done without a new version (the article already says
    it): resolved by the article's published version, if any."""
    _owner(user)
    # lock the request row only: PostgreSQL refuses FOR UPDATE on the nullable side of
    # the outer join to its article
    request = (
        ChangeRequest.objects.select_for_update(of=("self",))
        .select_related("article")
        .filter(pk=request_id)
        .first()
    )
    if request is None:
        raise NotFound(_("no such request"))
    if request.status != RequestStatus.OPEN:
        raise Conflict(_("the request is closed already"))
    request.status = RequestStatus.RESOLVED
    request.resolved_by = user
    request.resolved_at = timezone.now()
    request.resolved_by_version_id = (
        request.article.published_version_id if request.article is not None else None
    )
    request.answer = str(answer or "").strip()[:300]
    request.save()
    _audit(user, "resolve", request.article, request=request.pk)
    return request


# --- keys and attachments ----------------------------------------------------------------------
@transaction.atomic
def give_keys(user, article_ids) -> int:
    """A key (`kb-<id>`) for each of these articles that has none (before an export, so
    that the exported files import back onto the same articles)."""
    _owner(user)
    rows = Article.objects.filter(pk__in=list(article_ids), key__isnull=True)
    count = 0
    for article in rows:
        key = f"kb-{article.pk}"
        if Article.objects.filter(key=key).exists():
            continue
        article.key = key
        article.save(update_fields=["key"])
        _audit(user, "key", article, key=key)
        count += 1
    return count


def attachment_type(name: str, head: bytes) -> str:
    """The content type of an upload; Invalid for a type not allowed or a file whose
    first bytes are not what its extension says."""
    return checked_type(
        name,
        head,
        ATTACHMENT_TYPES,
        refusal=_("Only PDF, images (PNG, JPEG, GIF, WebP), Word, Excel, text and CSV files "
                  "can be attached."),
        mismatch=_("The file's content does not match its type."),
    )  # fmt: skip


def max_attachment_bytes() -> int:
    return int(getattr(settings, "KEFU_KNOWLEDGE_MAX_ATTACHMENT_BYTES", 0) or 0) or (
        DEFAULT_MAX_ATTACHMENT_BYTES
    )


@transaction.atomic
def add_attachment(user, article_id: int, upload: UploadedFile) -> ArticleAttachment:
    """A file on an article the user may change (its author while it is a first draft,
    the owners always); type and size checked; audited."""
    _active(user)
    article = _changeable(user, article_id)
    if article.state == State.ARCHIVED:
        raise Conflict(_("an archived article is not edited"))
    if article.attachments.count() >= MAX_ATTACHMENTS:
        raise Invalid(_("at most %(n)s files on an article") % {"n": MAX_ATTACHMENTS})
    if not upload.size:
        raise Invalid(_("The file is empty."))
    if upload.size > max_attachment_bytes():
        raise Invalid(
            _("The file is larger than %(mb)s MB.") % {"mb": max_attachment_bytes() // 1024 // 1024}
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    content_type = attachment_type(upload.name or "", head)
    name = PurePath(upload.name or "file").name[:200]
    attachment = ArticleAttachment(
        article=article, name=name, content_type=content_type, size=upload.size,
        uploaded_by=user,
    )  # fmt: skip
    attachment.file.save(name, upload, save=False)
    attachment.save()
    _audit(user, "attach", article, attachment=attachment.pk, name=name)
    return attachment


@transaction.atomic
def delete_attachment(user, attachment_id: int) -> None:
    _active(user)
    attachment = (
        access.restrict(ArticleAttachment.objects.all(), user, access.CHANGE)
        .filter(pk=attachment_id)
        .first()
    )
    if attachment is None:
        raise NotFound(_("no such file"))
    storage, name = attachment.file.storage, attachment.file.name
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(name))  # kept if the deletion is undone
    _audit(user, "detach", attachment.article, attachment=attachment_id, name=attachment.name)


def record_download(user, attachment: ArticleAttachment) -> None:
    """A file of an article agents do not read (a draft, in review, archived) was
    downloaded: audited."""
    if not attachment.article.live:
        _audit(user, "download", attachment.article, attachment=attachment.pk)


# --- conversations -----------------------------------------------------------------------------
@transaction.atomic
def link(user, conversation_id: int, article_id: int) -> ArticleLink:
    """The article that solved the conversation (its published version). Whoever may see
    the conversation and read the article may link them; linking twice keeps one."""
    _active(user)
    conversation = access.conversations_visible_to(user).filter(pk=conversation_id).first()
    if conversation is None:
        raise NotFound(_("no such conversation"))
    article = access.restrict(Article.objects.filter(pk=article_id), user).first()
    if article is None or not article.live:
        raise NotFound(_("no such article"))
    link_row, created = ArticleLink.objects.get_or_create(
        conversation=conversation,
        article=article,
        defaults={
            "version_id": article.published_version_id,
            "agent_id": conversation.agent_id,
            "team_id": conversation.team_id,
            "linked_by": user,
        },
    )
    if created:
        _audit(user, "link", article, conversation=conversation.external_id)
    return link_row


def conversation_of(user, external_id: str) -> Conversation:
    conversation = access.conversations_visible_to(user).filter(external_id=external_id).first()
    if conversation is None:
        raise NotFound(_("no such conversation"))
    return conversation
