"""Import and export of articles (Markdown files with front matter, or JSONL): reading an
upload (a .md file, a .zip of them, a .jsonl), writing each record through
`kefu.knowledge.actions`, naming each problem in the user's language, and the export.
The formats are the pure core kefu/knowledge/core/interchange.py; docs/knowledge.md
documents them.

Import rules (knowledge owners only):
- a record is matched to an article by its `key`; a new key makes a new article;
- a record whose text and metadata equal the article's newest version changes nothing
  (no new version): importing the same files twice changes nothing the second time;
- a changed record writes a new version (a draft), then the article is taken forward to
  the record's `state` (draft → review → published → archived; never back). With
  `draft_only` every article stays where it is or becomes a draft: nothing is published;
- each record is written in its own transaction: a bad record is reported (where, key,
  field, reason) and the others are imported.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.accounts import access
from kefu.audit.actions import record as audit
from kefu.audit.models import AuditAction
from kefu.knowledge import actions, texts
from kefu.knowledge.choices import State
from kefu.knowledge.core import interchange as core
from kefu.knowledge.models import Article
from kefu.lib.errors import ActionError, Invalid, NotAllowed

MAX_BYTES = 20 * 1024 * 1024  # an upload (and the files of a zip, unpacked)
MAX_RECORDS = 5000
ORDER = {State.DRAFT: 0, State.REVIEW: 1, State.PUBLISHED: 2, State.ARCHIVED: 3}
MARKDOWN, JSONL = "md", "jsonl"

REASONS = {
    "not_utf8": gettext_lazy("the file is not UTF-8 text"),
    "no_front_matter": gettext_lazy("the file does not start with front matter between --- lines"),
    "bad_yaml": gettext_lazy("the front matter is not valid YAML (%(value)s)"),
    "not_object": gettext_lazy("a record is an object (a mapping of fields)"),
    "bad_json": gettext_lazy("the line is not valid JSON (%(value)s)"),
    "unknown_field": gettext_lazy("unknown field"),
    "required": gettext_lazy("is required"),
    "not_text": gettext_lazy("must be text"),
    "nul": gettext_lazy("must not contain NUL characters"),
    "too_long": gettext_lazy("is longer than %(value)s characters"),
    "bad_key": gettext_lazy("letters, digits, - and _ only (at most 80)"),
    "bad_type": gettext_lazy("must be one of faq, article, sop (not “%(value)s”)"),
    "bad_state": gettext_lazy(
        "must be one of draft, review, published, archived (not “%(value)s”)"
    ),
    "bad_tags": gettext_lazy("must be a list of tags (or text separated by commas)"),
    "sop_steps": gettext_lazy("an SOP needs at least one step"),
    "no_answer": gettext_lazy("write the answer: a body, a resolution, a snippet or steps"),
    "duplicate_section": gettext_lazy("the section appears twice"),
    "duplicate_key": gettext_lazy("the key appears twice in the import"),
    "unknown_owner": gettext_lazy("no user “%(value)s”"),
    "not_a_file": gettext_lazy("only .md files (in a zip) and .jsonl files are imported"),
}


def reason(problem: core.Problem) -> str:
    if problem.code == "bad_steps":
        steps = "; ".join(
            (f"{n}: " if n else "") + texts.step_problem(code, value)
            for n, code, value in problem.value  # type: ignore[attr-defined]
        )
        return _("the steps are not valid: %(steps)s") % {"steps": steps}
    template = REASONS.get(problem.code)
    if template is None:
        return problem.english()
    return str(template) % {"value": problem.value}


def error(parsed: core.Parsed, field_name: str, text: str) -> dict[str, Any]:
    """One problem as the API's error row: where, which record, which field, why."""
    return {"record": parsed.source, "key": parsed.key, "field": field_name, "reason": text}


@dataclass
class Report:
    created: int = 0
    updated: int = 0  # a new version written
    moved: int = 0  # taken forward to the record's state only
    unchanged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def records(self) -> int:
        return self.created + self.updated + self.moved + self.unchanged + len(self.errors)

    def as_data(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "moved": self.moved,
            "unchanged": self.unchanged,
            "errors": self.errors,
        }


# --- reading -----------------------------------------------------------------------------------
def _text(name: str, data: bytes) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def read_file(name: str, data: bytes) -> list[core.Parsed]:
    """The records of one upload: a .jsonl, a .md or a .zip of .md (and .jsonl) files.
    Invalid for a file that is none of these or too large."""
    if len(data) > MAX_BYTES:
        raise Invalid(
            _("The file is larger than %(mb)s MB: split it.") % {"mb": MAX_BYTES // 1024 // 1024}
        )
    lower = name.lower()
    if data[:4] == b"PK\x03\x04" or lower.endswith(".zip"):
        return _read_zip(data)
    if lower.endswith(".md") or lower.endswith(".markdown"):
        return [_read_markdown(PurePosixPath(name).name, data)]
    if lower.endswith(".jsonl") or lower.endswith(".json"):
        return _read_jsonl(PurePosixPath(name).name, data)
    raise Invalid(_("only .md files (in a zip) and .jsonl files are imported"))


def _read_markdown(name: str, data: bytes) -> core.Parsed:
    text = _text(name, data)
    if text is None:
        return core.Parsed(name, problems=[core.Problem("", "not_utf8")])
    return core.parse_markdown(name, text)


def _read_jsonl(name: str, data: bytes) -> list[core.Parsed]:
    text = _text(name, data)
    if text is None:
        return [core.Parsed(name, problems=[core.Problem("", "not_utf8")])]
    return list(core.parse_jsonl(name, text))


def _read_zip(data: bytes) -> list[core.Parsed]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [m for m in archive.infolist() if not m.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, EOFError) as exc:
        raise Invalid(_("This is not a zip file we can read.")) from exc
    if sum(m.file_size for m in members) > MAX_BYTES:
        raise Invalid(
            _("The files in the zip are larger than %(mb)s MB: split it.")
            % {"mb": MAX_BYTES // 1024 // 1024}
        )
    out: list[core.Parsed] = []
    for member in sorted(members, key=lambda m: m.filename):
        path = PurePosixPath(member.filename)
        if path.name.startswith(".") or "__MACOSX" in path.parts:
            continue
        lower = path.name.lower()
        try:
            content = archive.read(member)
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError,
                EOFError, zlib.error):  # fmt: skip
            out.append(core.Parsed(member.filename, problems=[core.Problem("", "not_utf8")]))
            continue
        if lower.endswith((".md", ".markdown")):
            out.append(_read_markdown(member.filename, content))
        elif lower.endswith(".jsonl"):
            out.extend(_read_jsonl(member.filename, content))
        else:
            out.append(core.Parsed(member.filename, problems=[core.Problem("", "not_a_file")]))
    return out


def read_path_files(files: Iterable[tuple[str, bytes]]) -> list[core.Parsed]:
    """The records of several files (the command's directory)."""
    out: list[core.Parsed] = []
    for name, data in files:
        out.extend(read_file(name, data))
    return out


# --- writing -----------------------------------------------------------------------------------
def record_of(article: Article) -> dict[str, Any]:
    """The article's head version and metadata as a record."""
    v = article.head
    assert v is not None
    return {
        "key": article.key or "",
        "type": article.kind,
        "title": v.title,
        "scene": article.scene,
        "problem": article.problem,
        "tags": list(article.tags),
        "owner": article.owner.get_username() if article.owner_id else "",
        "state": article.state,
        "body": v.body,
        "issue": v.issue,
        "environment": v.environment,
        "cause": v.cause,
        "resolution": v.resolution,
        "steps": list(v.steps or []),
        "snippet": v.snippet,
    }


def _same(article: Article, record: Mapping[str, Any]) -> bool:
    mine = record_of(article)
    ignore = {"state"} | ({"owner"} if not record["owner"] else set())
    return all(mine[name] == record[name] for name in core.FIELDS if name not in ignore)


def _data(record: Mapping[str, Any], owner) -> dict[str, Any]:
    data = {name: record[name] for name in actions.VERSION_FIELDS}
    data |= {name: record[name] for name in ("scene", "problem", "tags", "key")}
    data["kind"] = record["type"]
    data["note"] = _("imported")
    if owner is not None:
        data["owner"] = owner
    return data


def _forward(user, article: Article, state: str) -> bool:
    """Take the article forward to `state` (never back); True if it moved."""
    if ORDER.get(State(state), 0) <= ORDER[State(article.state)]:
        return False
    if state == State.REVIEW:
        actions.submit(user, article.pk)
    elif state == State.PUBLISHED:
        actions.publish(user, article.pk)
    elif state == State.ARCHIVED:
        actions.archive(user, article.pk, _("imported as archived"))
    return True


def import_records(user, parsed: list[core.Parsed], *, draft_only: bool = False) -> Report:
    """Write every valid record (each in its own transaction); the others are reported."""
    if not access.manages_knowledge(user):
        raise NotAllowed(_("this needs the knowledge owner permission"))
    if len(parsed) > MAX_RECORDS:
        raise Invalid(_("at most %(n)s articles in one import: split it") % {"n": MAX_RECORDS})
    report = Report()
    users = get_user_model().objects
    seen: set[str] = set()
    for item in parsed:
        if item.record is None:
            report.errors.extend(error(item, p.field, reason(p)) for p in item.problems)
            continue
        record = item.record
        if record["key"] in seen:
            report.errors.append(error(item, "key", reason(core.Problem("key", "duplicate_key"))))
            continue
        seen.add(record["key"])
        owner = None
        if record["owner"]:
            owner = users.filter(**{users.model.USERNAME_FIELD: record["owner"]}).first()
            if owner is None:
                problem = core.Problem("owner", "unknown_owner", record["owner"])
                report.errors.append(error(item, "owner", reason(problem)))
                continue
        try:
            with transaction.atomic():
                outcome = _apply(user, record, owner, draft_only)
        except ActionError as exc:
            detail = exc.detail
            if exc.errors:
                detail += ": " + "; ".join(str(e.get("error", e)) for e in exc.errors)
            report.errors.append(error(item, "", detail))
            continue
        setattr(report, outcome, getattr(report, outcome) + 1)
    audit(
        AuditAction.KNOWLEDGE,
        user=user,
        object_type="knowledge.import",
        detail={"event": "import", "draft_only": draft_only, **report.as_data(),
                "errors": len(report.errors)},
    )  # fmt: skip
    return report


def _apply(user, record: Mapping[str, Any], owner, draft_only: bool) -> str:
    article = Article.objects.select_related("head", "owner").filter(key=record["key"]).first()
    state = State.DRAFT if draft_only else record["state"]
    if article is None:
        article = actions.create_article(user, _data(record, owner))
        _forward(user, article, state)
        return "created"
    if _same(article, record):
        return "moved" if _forward(user, article, state) else "unchanged"
    actions.edit_article(user, article.pk, _data(record, owner))
    article.refresh_from_db()
    _forward(user, article, state)
    return "updated"


# --- exporting ---------------------------------------------------------------------------------
def export_records(user) -> list[dict[str, Any]]:
    """Every article (knowledge owners), by key; an article without a key is given one
    (`kb-<id>`) first, so that it imports back onto itself."""
    if not access.manages_knowledge(user):
        raise NotAllowed(_("this needs the knowledge owner permission"))
    rows = access.restrict(Article.objects.select_related("head", "owner"), user)
    actions.give_keys(user, rows.filter(key__isnull=True).values_list("pk", flat=True))
    articles = [a for a in rows.order_by("key") if a.head_id is not None]
    audit(
        AuditAction.KNOWLEDGE,
        user=user,
        object_type="knowledge.export",
        detail={"event": "export", "articles": len(articles)},
    )
    return [record_of(a) for a in articles]


def export_jsonl(records: list[Mapping[str, Any]]) -> bytes:
    return core.render_jsonl(list(records)).encode()


def export_zip(records: list[Mapping[str, Any]]) -> bytes:
    """A zip of one Markdown file per article (`<key>.md`)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for record in records:
            info = zipfile.ZipInfo(core.file_name(record["key"]), date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, core.render_markdown(record))
    return buffer.getvalue()
