"""Search of the stored articles: the core's in-memory index (kefu/knowledge/core/search.py)
kept per process, rebuilt when the articles or the synonym dictionary change.

The index's key is (number of articles, last `updated_at`, the dictionary's fingerprint):
one aggregate query per search tells whether anything changed. A rebuild re-analyses
only the articles whose stamp changed. Works the same on SQLite and PostgreSQL (no
database full-text search is used).

Access: the index holds every article that is not archived; answers go through
`kefu.accounts.access` (a draft is found only by its author and the owners).
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass

from django.db.models import Count, Max

from kefu.accounts import access
from kefu.improvement.selectors import synonym_lexicon
from kefu.knowledge.choices import SearchSource, State
from kefu.knowledge.core import search as core
from kefu.knowledge.core import sop
from kefu.knowledge.core.text import Analyzer
from kefu.knowledge.models import Article, ArticleVersion, SearchLog

_lock = threading.Lock()
_state: dict[str, object] = {"key": None, "index": None, "analyzer": None, "lexicon": None}


def doc_of(article: Article, version: ArticleVersion | None) -> core.Doc:
    """The index's view of an article: the version agents read (published, else head)."""
    v = version
    steps = sop.check(v.steps) if v is not None and v.steps else []
    body = "\n".join(
        part
        for part in (
            v.body if v else "",
            v.environment if v else "",
            v.cause if v else "",
            v.resolution if v else "",
            sop.plain(steps),
            v.snippet if v else "",
        )
        if part
    )
    keys = [*article.tags, article.scene, article.problem, v.issue if v else ""]
    return core.Doc(
        id=article.pk,
        title=v.title if v else article.title,
        body=body,
        keys=[k for k in keys if k],
        kind=article.kind,
        scene=article.scene,
        tags=tuple(article.tags),
        stamp=f"{article.updated_at.isoformat()}:{v.pk if v else 0}",
    )


def _docs() -> list[core.Doc]:
    articles = (
        Article.objects.exclude(state=State.ARCHIVED)
        .select_related("published_version", "head")
        .order_by("pk")
    )
    return [doc_of(a, a.published_version or a.head) for a in articles]


def _analyzer() -> Analyzer:
    lexicon = synonym_lexicon()
    fingerprint = hashlib.sha1(repr(sorted(lexicon.entries().items())).encode()).hexdigest()
    if _state["lexicon"] != fingerprint:
        _state["analyzer"] = Analyzer.from_lexicon(lexicon)
        _state["lexicon"] = fingerprint
    analyzer = _state["analyzer"]
    assert isinstance(analyzer, Analyzer)
    return analyzer


def index() -> core.Index:
    """The current index (built or rebuilt when something changed)."""
    with _lock:
        analyzer = _analyzer()
        stats = Article.objects.exclude(state=State.ARCHIVED).aggregate(
            n=Count("pk"), last=Max("updated_at")
        )
        key = (stats["n"], stats["last"], _state["lexicon"])
        current = _state["index"]
        if key != _state["key"] or not isinstance(current, core.Index):
            previous = current if isinstance(current, core.Index) else None
            if previous is not None and previous.analyzer is not analyzer:
                previous = None  # the dictionary changed: analyse everything again
            current = core.Index.build(_docs(), analyzer, previous)
            _state["index"], _state["key"] = current, key
        return current


def reset() -> None:
    """Forget the index (tests)."""
    with _lock:
        _state.update(key=None, index=None, analyzer=None, lexicon=None)


@dataclass
class Result:
    article: Article
    score: float
    title: list[tuple[str, bool]]
    excerpt: list[tuple[str, bool]]


def search(
    user,
    text: str,
    *,
    kind: str | None = None,
    scene: str | None = None,
    tag: str | None = None,
    limit: int = 20,
    source: str = SearchSource.PAGE,
    log: bool = True,
    excerpt_width: int = 80,
) -> list[Result]:
    """The user's visible articles best matching `text`, with highlights; logged."""
    text = (text or "").strip()[:200]
    if not text:
        return []
    idx = index()
    hits = idx.search(text, limit=max(limit * 3, 50), kind=kind, scene=scene, tag=tag)
    rows = access.restrict(Article.objects.filter(pk__in=[h.id for h in hits]), user)
    by_id = {a.pk: a for a in rows.select_related("published_version", "head")}
    terms = core.highlight_terms(text, idx.analyzer)
    results: list[Result] = []
    for hit in hits:
        article = by_id.get(hit.id)
        if article is None:
            continue
        version = _readable_version(article, user)
        if version is None:
            continue
        shown = version.snippet or version.resolution or version.body or version.issue
        results.append(
            Result(
                article=article,
                score=hit.score,
                title=core.highlight(version.title, terms),
                excerpt=core.highlight(shown, terms, excerpt_width),
            )
        )
        if len(results) >= limit:
            break
    if log:
        SearchLog.objects.create(
            user=user if getattr(user, "is_authenticated", False) else None,
            query=text,
            source=source,
            results=len(results),
            top=results[0].article if results else None,
        )
    return results


def _readable_version(article: Article, user) -> ArticleVersion | None:
    """What this user reads of the article: the published version, or the head for its
    author and the owners while it has none (or is being revised, for the owners)."""
    if access.manages_knowledge(user) or (
        article.published_version_id is None and article.created_by_id == user.pk
    ):
        return article.head or article.published_version
    return article.published_version
