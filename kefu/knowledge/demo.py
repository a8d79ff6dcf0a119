"""The demo knowledge base (`kefu demo`): the 54 articles of
`kefu/knowledge/data/demo_articles.yaml`, owned by the demo's knowledge owners, with their
versions, the change requests of the demo year and the publications that resolved them,
articles linked on the finished conversations, searches (some not found), overdue
articles and the reviewers' checklists. Deterministic for a seed; written with
bulk_create (about a second for the default size).

The data carries the figures the seeds name (docs/knowledge.md, "Figures"):
- freshness falls month by month from about 28 h to under 4 h (KCS adopted: the owners
  publish the same day), each request resolved by the version published after it;
- link rate in the KCS band, rising from about 62 % to 74 % after the knowledge base is
  rebuilt with suggestions in the conversation (improvement action 2024-09-01);
- reuse rate near 89 %: about one finished conversation in eight without a link asks for
  a new article for each eight solved with one.
"""

from __future__ import annotations

import bisect
import math
import random
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils import timezone

from kefu.accounts.models import Agent
from kefu.accounts.roles import MANAGE_KNOWLEDGE
from kefu.core.periods import month_key
from kefu.interactions.choices import Status
from kefu.interactions.models import Conversation
from kefu.knowledge import actions
from kefu.knowledge.choices import Kind, RequestKind, RequestStatus, SearchSource, State
from kefu.knowledge.core import catalogue, sop
from kefu.knowledge.core import quality as quality_core
from kefu.knowledge.models import Article, ArticleLink, ArticleVersion, ChangeRequest, SearchLog
from kefu.lib.localtime import configured_tz

OWNERS = ("qa", "manager", "supervisor")  # demo log-ins that own articles
FIRST_HOURS, LAST_HOURS = 28.0, 3.5  # the median freshness of the first and last month
LINK_FROM, LINK_TO = 0.62, 0.74
REUSE = 0.89
SECOND_LINK = 0.08  # a conversation solved with two articles
OVERDUE = 6  # articles left past their review date at the end of the demo
FLAG_REASONS = (
    "活动规则已更新，文章里的时间和门槛还是旧的",
    "客户说App里的入口名称变了，步骤对不上",
    "话术里的时效写错了，现在是1-3个工作日",
    "缺少偏远地区的说明，客户追问时答不上来",
    "政策调整：运费险理赔金额有变化",
    "步骤顺序和系统实际流程不一致",
)
NEW_REASONS = (
    "客户问到的情况知识库里没有，需要一篇新文章",
    "搜不到这个问题的处理办法",
    "遇到新情况，现有文章都不适用",
)
NOT_FOUND = (
    "以旧换新怎么参加",
    "企业采购有折扣吗",
    "海外地址能发货吗",
    "花呗分期免息吗",
    "直播间的券能用吗",
    "礼品卡怎么绑定",
    "门店自提点在哪",
    "发票能开成公司抬头的专票吗",
    "积分兑换的东西能退吗",
    "预售尾款忘付了怎么办",
)


def _sample_queries() -> list[dict[str, Any]]:
    return catalogue.load(catalogue.QUERIES_FILE)


def _month_index(month: str, months: list[str]) -> float:
    """0 for the first month of the data, 1 for the last (sorted "YYYY-MM" keys). A month
    outside them counts as the nearest end: a request is dated when its conversation was
    closed, which may be in the month after the last one created (the large demo)."""
    if len(months) < 2:
        return 1.0
    position = min(bisect.bisect_left(months, month), len(months) - 1)
    return position / (len(months) - 1)


def target_hours(progress: float) -> float:
    """The month's median freshness: geometric from FIRST_HOURS to LAST_HOURS."""
    return FIRST_HOURS * math.exp(progress * math.log(LAST_HOURS / FIRST_HOURS))


def _checklist(rng: random.Random, progress: float) -> dict[str, bool]:
    share = 0.68 + 0.24 * progress
    return quality_core.clean({c: rng.random() < share for c in quality_core.CRITERIA})


@transaction.atomic
def seed_demo(seed: int) -> dict[str, Any]:
    """Load the demo knowledge base once (nothing when articles exist); returns counts."""
    if Article.objects.exists():
        return {"articles": 0}
    users = {u.username: u for u in get_user_model().objects.filter(username__in=OWNERS)}
    _grant_owner(users.get("supervisor"))
    owners = [users[name] for name in OWNERS if name in users]
    if not owners:
        return {"articles": 0}
    rng = random.Random(f"knowledge-{seed}")
    tz = configured_tz()
    finished = list(
        Conversation.objects.filter(status__in=(Status.RESOLVED, Status.CLOSED))
        .order_by("created_at", "pk")
        .values_list("pk", "created_at", "category2", "agent_id", "team_id", "closed_at",
                     "resolved_at")
    )  # fmt: skip
    if finished:
        start = finished[0][1]
        end = max(f[5] or f[6] or f[1] for f in finished)
    else:
        end = timezone.now()
        start = end - timedelta(days=365)
    months = sorted({month_key(f[1].astimezone(tz).date()) for f in finished}) or [
        month_key(end.astimezone(tz).date())
    ]
    articles, versions = _articles(rng, owners, start - timedelta(days=45))
    by_problem: dict[str, list[Article]] = defaultdict(list)
    for article in articles:
        by_problem[article.problem].append(article)
    agent_users = dict(Agent.objects.filter(user__isnull=False).values_list("pk", "user_id"))

    links, requests = [], []
    for pk, created, problem, agent_id, team_id, closed, resolved in finished:
        month = month_key(created.astimezone(tz).date())
        progress = _month_index(month, months)
        p_link = LINK_FROM + (LINK_TO - LINK_FROM) * progress
        p_new = p_link * (1 - REUSE) / REUSE
        done = closed or resolved or created
        candidates = by_problem.get(problem) or by_problem[""] or articles
        draw = rng.random()
        if draw < p_link:
            chosen = rng.sample(
                candidates, 2 if rng.random() < SECOND_LINK and len(candidates) > 1 else 1
            )
            for article in chosen:  # (plain tuples: a large demo has many)
                links.append((pk, article.pk, agent_id, team_id, agent_users.get(agent_id), done))
        elif draw < p_link + p_new:
            requests.append(
                ChangeRequest(
                    article=rng.choice(candidates), kind=RequestKind.NEW,
                    title=f"{problem or '其他'}：客户的新情况", reason=rng.choice(NEW_REASONS),
                    conversation_id=pk, requested_by_id=agent_users.get(agent_id),
                    requested_at=done,
                )
            )  # fmt: skip
    requests.extend(_flags(rng, articles, owners, start, end, len(finished)))
    publications = _resolve(rng, requests, versions, owners, months, tz, end)
    ChangeRequest.objects.bulk_create(requests, batch_size=2000)
    _create_links(links, publications)
    _review_dates(rng, articles, end.astimezone(tz).date())
    searches = _searches(rng, articles, list(users.values()), start, end)
    return {
        "articles": len(articles),
        "versions": sum(len(v) for v in versions.values()),
        "requests": len(requests),
        "links": len(links),
        "searches": searches,
        "first_month": _month_bounds(start.astimezone(tz).date()),
        "last_month": _month_bounds(end.astimezone(tz).date()),
    }


def _month_bounds(day: date) -> tuple[date, date]:
    from kefu.core.periods import month_end

    return day.replace(day=1), month_end(day)


def _grant_owner(user) -> None:
    """The demo supervisor is a knowledge owner too (KCS: team leads coach and publish)."""
    if user is None:
        return
    app_label, codename = MANAGE_KNOWLEDGE.split(".")
    permission = Permission.objects.filter(
        content_type__app_label=app_label, codename=codename
    ).first()
    if permission is not None:
        user.user_permissions.add(permission)


def _version_fields(data: dict[str, Any]) -> dict[str, Any]:
    steps = sop.parse_text(data["steps"]) if data.get("steps") else []
    return {
        "title": data["title"],
        "body": data.get("body") or "",
        "issue": data.get("issue") or "",
        "environment": data.get("environment") or "",
        "cause": data.get("cause") or "",
        "resolution": data.get("resolution") or "",
        "steps": [s.as_data() for s in steps],
        "snippet": data.get("snippet") or "",
    }


def _articles(rng: random.Random, owners: list, at: datetime):
    """The catalogue's articles, each published as version 1 on `at` (the weeks before
    the data starts)."""
    rows = catalogue.load(catalogue.ARTICLES_FILE)
    articles = Article.objects.bulk_create(
        [
            Article(
                key=row["key"], kind=row.get("kind", Kind.FAQ), title=row["title"],
                scene=row.get("scene") or "", problem=row.get("problem") or "",
                tags=[str(t) for t in row.get("tags") or []], state=State.PUBLISHED,
                owner=owners[i % len(owners)], created_by=owners[i % len(owners)],
                created_at=at, updated_at=at, published_at=at,
            )
            for i, row in enumerate(rows)
        ]
    )  # fmt: skip
    firsts = ArticleVersion.objects.bulk_create(
        [
            ArticleVersion(
                article=article, number=1, author=article.owner, created_at=at,
                quality=_checklist(rng, 0.0), reviewed_by=article.owner,
                **_version_fields(row),
            )
            for article, row in zip(articles, rows, strict=True)
        ]
    )  # fmt: skip
    versions = {article.pk: [version] for article, version in zip(articles, firsts, strict=True)}
    return articles, versions


def _flags(rng, articles, owners, start: datetime, end: datetime, finished: int) -> list:
    """Flag-it requests spread over the data's months (about one per 150 finished
    conversations, at least three a month), asked by the demo log-ins."""
    days = max(1, (end - start).days)
    count = max(3 * max(1, days // 30), finished // 150)
    out = []
    for _ in range(count):
        at = start + timedelta(seconds=rng.uniform(0, days * 86400))
        out.append(
            ChangeRequest(
                article=rng.choice(articles), kind=RequestKind.FLAG,
                reason=rng.choice(FLAG_REASONS), requested_by=rng.choice(owners), requested_at=at,
            )
        )  # fmt: skip
    return out


def _resolve(rng, requests, versions, owners, months, tz, end: datetime) -> dict[int, list]:
    """Each article's requests in time order: the owner publishes a new version some hours
    after the first open one (the month's target, log-normal spread), which resolves every
    request asked before it. Requests too close to the end stay open; one in forty is
    declined. Returns each article's versions in order (for the links)."""
    by_article: dict[int, list[ChangeRequest]] = defaultdict(list)
    for request in requests:
        by_article[request.article.pk].append(request)
    new_versions = []
    for article_id, items in by_article.items():
        items.sort(key=lambda r: r.requested_at)
        chain = versions[article_id]
        i = 0
        while i < len(items):
            first = items[i]
            if rng.random() < 0.025 and first.kind == RequestKind.FLAG:
                first.status, first.resolved_at = RequestStatus.DECLINED, first.requested_at
                first.resolved_by = rng.choice(owners)
                first.answer = "已核实，文章内容无误"
                i += 1
                continue
            progress = _month_index(month_key(first.requested_at.astimezone(tz).date()), months)
            hours = target_hours(progress) * math.exp(rng.gauss(0, 0.45))
            published = first.requested_at + timedelta(hours=hours)
            if published > end:
                break  # the rest stay open
            owner = rng.choice(owners)
            previous = chain[-1]
            version = ArticleVersion(
                article_id=article_id, number=previous.number + 1, author=owner,
                created_at=published - timedelta(minutes=rng.randint(10, 50)),
                quality=_checklist(rng, progress), reviewed_by=owner,
                note=f"按变更请求更新：{first.reason[:40]}",
                **{f: getattr(previous, f) for f in actions.VERSION_FIELDS},
            )  # fmt: skip
            chain.append(version)
            new_versions.append((version, published))
            while i < len(items) and items[i].requested_at < published:
                items[i].status = RequestStatus.RESOLVED
                items[i].resolved_at = published
                items[i].resolved_by = owner
                items[i].resolved_by_version = version  # saved below, then re-pointed
                i += 1
    ArticleVersion.objects.bulk_create([v for v, _at in new_versions], batch_size=2000)
    for request in requests:
        if request.resolved_by_version is not None:
            request.resolved_by_version_id = request.resolved_by_version.pk
    # each article's head and published version: its last one
    published_at = {id(v): at for v, at in new_versions}
    articles = {a.pk: a for a in Article.objects.filter(pk__in=versions)}
    for article_id, chain in versions.items():
        article, last = articles[article_id], chain[-1]
        article.head = article.published_version = last
        if id(last) in published_at:
            article.published_at = article.updated_at = published_at[id(last)]
    Article.objects.bulk_update(
        articles.values(), ["head", "published_version", "published_at", "updated_at"]
    )
    return {
        article_id: [(v, published_at.get(id(v))) for v in chain]
        for article_id, chain in versions.items()
    }


def _create_links(links: list[tuple], publications: dict[int, list], chunk: int = 5000) -> None:
    """The links, each with the version published when its conversation ended."""
    for i in range(0, len(links), chunk):
        rows = []
        for pk, article_id, agent_id, team_id, user_id, done in links[i : i + chunk]:
            chain = publications[article_id]
            current = chain[0][0]
            for version, published in chain[1:]:
                if published is not None and published <= done:
                    current = version
            rows.append(
                ArticleLink(
                    conversation_id=pk, article_id=article_id, version=current,
                    agent_id=agent_id, team_id=team_id, linked_by_id=user_id, linked_at=done,
                )
            )  # fmt: skip
        ArticleLink.objects.bulk_create(rows)


def _review_dates(rng: random.Random, articles: list[Article], last_day: date) -> None:
    """Due REVIEW_DAYS after the last publication, but never before the data's last day,
    except OVERDUE articles whose review date passed in the data's last weeks."""
    fresh = Article.objects.filter(pk__in=[a.pk for a in articles])
    rows = list(fresh)
    late = {a.pk for a in rng.sample(rows, min(OVERDUE, len(rows)))}
    for article in rows:
        published = article.published_at.date()
        due = published + timedelta(days=actions.REVIEW_DAYS[Kind(article.kind)])
        if article.pk in late:
            due = last_day - timedelta(days=rng.randint(3, 45))
        elif due <= last_day:
            due = last_day + timedelta(days=rng.randint(10, 120))
        article.review_due = due
    Article.objects.bulk_update(rows, ["review_due"])


def _searches(rng, articles, users, start: datetime, end: datetime) -> int:
    """Typed searches on the knowledge page: the relevance set's queries (found, the
    expected article first) and some with no answer (NOT_FOUND), a few a day."""
    by_key = {a.key: a for a in articles}
    queries = _sample_queries()
    days = max(1, (end - start).days)
    rows = []
    for day in range(days):
        for _ in range(rng.randint(1, 4)):
            at = start + timedelta(days=day, seconds=rng.uniform(8 * 3600, 20 * 3600))
            user = rng.choice(users) if users else None
            if rng.random() < 0.12:
                rows.append(
                    SearchLog(at=at, user=user, query=rng.choice(NOT_FOUND), results=0,
                              source=SearchSource.PAGE)
                )  # fmt: skip
                continue
            query = rng.choice(queries)
            rows.append(
                SearchLog(
                    at=at, user=user, query=query["q"], source=SearchSource.PAGE,
                    results=rng.randint(2, 12), top=by_key.get(query["expect"][0]),
                )
            )  # fmt: skip
    SearchLog.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
