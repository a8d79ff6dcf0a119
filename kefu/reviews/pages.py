"""What the human-QA pages show, assembled as plain dicts for the templates: the
scorecard form rows (automatic beside manual, per item), a calibration session's
agreement, and the efficiency report's figures."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core import periods
from kefu.lib.language import language
from kefu.qa.core.figures import format_score, localized, score_band
from kefu.qa.models import QaResult
from kefu.qa.presenters import format_points
from kefu.reviews.choices import OPEN_STATUSES, AppealStatus, ReviewStatus
from kefu.reviews.core import agreement, efficiency, scoring
from kefu.reviews.models import (
    Appeal,
    CalibrationItem,
    CalibrationScore,
    CalibrationSession,
    Review,
    ReviewSettings,
)
from kefu.reviews.selectors import is_participant


def item_names(definition: Mapping[str, Any], lang: str) -> dict[str, str]:
    return {
        item.get("id"): localized(item.get("name"), lang, item.get("id", ""))
        for section in definition.get("sections") or []
        for item in section.get("items") or []
    }


def _points(value: float | None) -> str:
    return "—" if value is None else format_points(value)


def scorecard_rows(
    definition: Mapping[str, Any],
    *,
    channel: str | None,
    automatic: Iterable[Mapping[str, Any]] | None,
    manual: Iterable[Mapping[str, Any]] | None,
    prefill: Mapping[str, scoring.ItemValue] | None = None,
    appeals: Mapping[str, Appeal] | None = None,
) -> list[dict]:
    """Sections of rows: the item, the automatic points, the manual value (or the form's
    starting value) and whether they differ. Items the scorecard does not judge on this
    channel are marked so the form can leave them out."""
    lang = language()
    card = scoring.load(definition)
    auto_by = None if automatic is None else {e["item"]: float(e["points"]) for e in automatic}
    manual_list = list(manual or [])
    man_by = {e["item"]: e for e in manual_list}
    diffs = {d.item: d for d in scoring.compare(card, automatic, manual_list)} if manual else {}
    values = prefill or {}
    raw_items = {
        it.get("id"): it for s in definition.get("sections") or [] for it in s.get("items") or []
    }
    sections = []
    for section in card.sections:
        rows = []
        for item in section.items:
            judges = getattr(item, "judges", None)
            value = values.get(item.id)
            entry = man_by.get(item.id)
            auto = None if auto_by is None else auto_by.get(item.id)
            diff = diffs.get(item.id)
            rows.append(
                {
                    "id": item.id,
                    "name": localized(raw_items[item.id].get("name"), lang, item.id),
                    "points": item.points,
                    "cap": scoring.cap(item, card.base),
                    "mode": item.mode,
                    "fatal": item.fatal,
                    "judged": judges(channel) if judges else True,
                    "auto": auto,
                    "auto_text": "—" if auto_by is None else _points(auto),
                    "manual": entry,
                    "manual_text": _points(entry["points"])
                    if entry and entry.get("applies")
                    else "—",
                    "comment": (entry or {}).get("comment", "") or (value.comment if value else ""),
                    "differs": diff is not None and not diff.agree and auto_by is not None,
                    "applies": value.applies if value else False,
                    "value": value.points if value and value.applies else item.points,
                    "appeal": (appeals or {}).get(item.id),
                    # only a deduction (or a fatal item) is worth appealing
                    "appealable": bool(entry and entry.get("applies"))
                    and (float(entry["points"]) != 0 or bool(entry.get("fatal"))),
                }
            )
        sections.append(
            {
                "id": section.id,
                "name": localized(_section_name(definition, section.id), lang, section.id),
                "rows": rows,
                "compared": any(r["manual"] or r["auto"] is not None or r["appeal"] for r in rows),
            }
        )
    return sections


def _section_name(definition: Mapping[str, Any], section_id: str) -> Any:
    for s in definition.get("sections") or []:
        if s.get("id") == section_id:
            return s.get("name")
    return section_id


def score_info(score: float | None) -> dict:
    if score is None:
        return {"text": "—", "band": "none"}
    return {"text": format_score(score), "band": score_band(score)}


def values_from_post(definition: Mapping[str, Any], data: Mapping[str, Any]) -> dict[str, dict]:
    """The scorecard form's fields (applies-ID, points-ID, comment-ID) as raw values."""
    raw: dict[str, dict] = {}
    for item in scoring.load(definition).items():
        applies = data.get(f"applies-{item.id}") in ("on", "1", "true")
        comment = (data.get(f"comment-{item.id}") or "").strip()
        if applies or comment:
            raw[item.id] = {
                "applies": applies,
                "points": data.get(f"points-{item.id}") or None,
                "comment": comment,
            }
    return raw


# --- calibration --------------------------------------------------------------------------


def level_label(level: str) -> str:
    """A level of measurement in the UI's language."""
    labels = {
        agreement.NOMINAL: _("nominal"),
        agreement.ORDINAL: _("ordinal"),
        agreement.INTERVAL: _("interval"),
    }
    return labels[level]


def session_agreement(
    items: list[CalibrationItem], scores: list[CalibrationScore], names: dict
) -> dict:
    """Alpha overall and per item, exact agreement, each reviewer's deviation."""
    first = items[0].session.scorecard_version.definition if items else {}
    card_items = scoring.load(first).items() if items else []
    ids = [it.id for it in card_items]
    # Each item's alpha at the level of measurement of its answer (pass/fail: nominal).
    levels = {it.id: agreement.level_for(agreement.item_kind(it)) for it in card_items}
    item_points: dict[int, dict[int, dict[str, float]]] = defaultdict(dict)
    totals: dict[int, dict[int, float]] = defaultdict(dict)
    for s in scores:
        item_points[s.reviewer_id][s.item_id] = {
            e["item"]: 1.0 if levels.get(e["item"]) == agreement.NOMINAL else float(e["points"])
            for e in s.items
            if e.get("applies")
        }
        totals[s.reviewer_id][s.item_id] = s.score
    agreed = {i.pk: i.agreed_score for i in items if i.agreed_score is not None}
    result = agreement.measure(item_points, totals, ids, agreed, levels)
    return {
        "overall": result.overall,
        "overall_level": agreement.INTERVAL,
        "overall_level_label": level_label(agreement.INTERVAL),
        "items_pooled": result.items_pooled,
        "pooled_level": result.pooled_level,
        "pooled_level_label": level_label(result.pooled_level),
        "exact_overall": result.exact_overall,
        "per_item": [
            {
                "id": i,
                "name": names.get(i, i),
                "alpha": a,
                "exact": e,
                "level": result.levels[i],
                "level_label": level_label(result.levels[i]),
            }
            for i, (a, e) in result.per_item.items()
            if any(i in per for r in item_points.values() for per in r.values())
        ],
        "deviations": result.deviations,
        "reviewers": len(totals),
    }


# --- efficiency report --------------------------------------------------------------------


def review_facts(reviews: QuerySet[Review], start: date, end: date) -> list[efficiency.Fact]:
    """One fact per review submitted in the period (local dates)."""
    tz = timezone.get_default_timezone()
    rows = list(
        reviews.filter(
            status=ReviewStatus.SUBMITTED,
            **periods.lookups("submitted_at", start, end, tz),
        )
        .annotate(
            n_appeals=Count("appeals", filter=~Q(appeals__status=AppealStatus.WITHDRAWN)),
            n_decided=Count(
                "appeals",
                filter=Q(appeals__status__in=[AppealStatus.UPHELD, AppealStatus.REJECTED]),
            ),
            n_upheld=Count("appeals", filter=Q(appeals__status=AppealStatus.UPHELD)),
        )
        .values_list(
            "submitted_at",
            "reviewer_id",
            "handle_seconds",
            "passed",
            "items",
            "auto_result_id",
            "scorecard_version__definition",
            "n_appeals",
            "n_decided",
            "n_upheld",
        )
    )
    autos = dict(
        (pk, (passed, items))
        for pk, passed, items in QaResult.objects.filter(
            pk__in=[r[5] for r in rows if r[5]]
        ).values_list("pk", "passed", "items")
    )
    cards: dict[str, Any] = {}
    facts = []
    for at, reviewer, seconds, passed, items, auto_id, definition, n_ap, n_dec, n_up in rows:
        key = repr(definition.get("id")) + repr(definition.get("version"))
        card = cards.get(key) or cards.setdefault(key, scoring.load(definition))
        auto = autos.get(auto_id)
        diff = scoring.compare(card, auto[1] if auto else None, items)
        found, key_found = scoring.problems(items)
        auto_flagged = {e["item"] for e in (auto[1] if auto else [])}
        missed = sum(
            1
            for e in items
            if e.get("applies")
            and (float(e["points"]) < 0 or e.get("fatal"))
            and e["item"] not in auto_flagged
        )
        facts.append(
            efficiency.Fact(
                month=periods.month_key(timezone.localtime(at, tz).date()),
                reviewer=reviewer,
                seconds=seconds or None,
                passed=bool(passed),
                auto_passed=auto[0] if auto else None,
                items_agree=sum(d.agree for d in diff) if auto else 0,
                items_compared=len(diff) if auto else 0,
                problems=found,
                key_problems=key_found,
                missed_by_auto=missed if auto else 0,
                appeals=n_ap,
                appeals_decided=n_dec,
                appeals_upheld=n_up,
            )
        )
    return facts


def report(
    reviews: QuerySet[Review],
    start: date,
    end: date,
    reviewer_names: dict[int, str],
    split: str | None = None,
) -> dict:
    """The figures of the period, by month and by specialist, and the months from
    `split` (YYYY-MM; default the middle month) against the months before it."""
    facts = review_facts(reviews, start, end)
    cost = ReviewSettings.current().hourly_cost
    hourly = float(cost) if cost is not None else None
    months = periods.months_between(start, end)
    by_month = efficiency.grouped(facts, lambda f: f.month, hourly)
    by_reviewer = efficiency.grouped(facts, lambda f: f.reviewer or 0, hourly)
    total = efficiency.figures(facts, hourly)
    half = months.index(split) if split in months[1:] else len(months) // 2
    first = efficiency.figures([f for f in facts if f.month in months[:half]], hourly)
    second = efficiency.figures([f for f in facts if f.month in months[half:]], hourly)
    return {
        "total": total,
        "months": [{"month": m, **by_month.get(m, efficiency.figures([], hourly))} for m in months],
        "reviewers": [
            {"name": reviewer_names.get(k, _("(nobody)")), **v} for k, v in by_reviewer.items()
        ],
        "halves": {
            "first": first,
            "second": second,
            "minutes_change": efficiency.change(
                first["minutes_per_review"], second["minutes_per_review"]
            ),
            "key_change": efficiency.change(
                first["key_problems_per_100"], second["key_problems_per_100"]
            ),
            "hours_change": efficiency.change(first["hours"], second["hours"]),
            "first_label": f"{months[0]} – {months[half - 1]}" if half else "",
            "second_label": f"{months[half]} – {months[-1]}" if months[half:] else "",
        },
        "chart": {
            "months": months,
            "reviews": [by_month.get(m, {}).get("reviews", 0) for m in months],
            "minutes": [by_month.get(m, {}).get("minutes_per_review") for m in months],
            "problems": [by_month.get(m, {}).get("key_problems_per_100") for m in months],
            "labels": {
                "reviews": _("Reviews"),
                "minutes": _("Minutes per review"),
                "problems": _("Key problems per 100 reviews"),
            },
        },
        "has_cost": hourly is not None,
    }


def workload(reviews: QuerySet[Review]) -> list[dict]:
    """Per specialist: open reviews, overdue ones, reviews submitted in the last 30 days."""
    now = timezone.now()
    rows = (
        reviews.exclude(reviewer=None)
        .values("reviewer_id", "reviewer__username", "reviewer__first_name", "reviewer__last_name")
        .annotate(
            open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
            overdue=Count("pk", filter=Q(status__in=OPEN_STATUSES, due_at__lt=now)),
            recent=Count(
                "pk",
                filter=Q(status=ReviewStatus.SUBMITTED, submitted_at__gte=now - timedelta(days=30)),
            ),
        )
        .order_by("-open", "reviewer__username")
    )
    return [
        {
            "name": f"{r['reviewer__first_name']} {r['reviewer__last_name']}".strip()
            or r["reviewer__username"],
            "open": r["open"],
            "overdue": r["overdue"],
            "recent": r["recent"],
        }
        for r in rows
    ]


@dataclass
class SessionScores:
    """What one user may see of a calibration session: blind until submitted (a
    participant sees a conversation's scores only once they scored it, and the agreement
    once they scored every one). One builder for the session page and the API."""

    items: list[CalibrationItem]
    participant: bool
    mine: set[int]  # items the user has scored
    all_scores: list[CalibrationScore]
    visible: list[CalibrationScore]

    def sees(self, item: CalibrationItem) -> bool:
        return not self.participant or item.pk in self.mine

    def shown(self, item: CalibrationItem) -> list[CalibrationScore]:
        """The item's scores the user may see (none while blind)."""
        return [s for s in self.visible if s.item_id == item.pk]

    def count(self, item: CalibrationItem) -> int:
        return sum(1 for s in self.all_scores if s.item_id == item.pk)

    @property
    def shows_agreement(self) -> bool:
        return not self.participant or len(self.mine) == len(self.items)

    def agreement(self, names: dict) -> dict | None:
        return session_agreement(self.items, self.visible, names) if self.shows_agreement else None


def session_scores(
    session: CalibrationSession, user, items: list[CalibrationItem]
) -> SessionScores:
    """`items` are the session's (with what the caller shows of them)."""
    participant = is_participant(user, session)
    all_scores = list(
        CalibrationScore.objects.filter(item__session=session).select_related("reviewer")
    )
    mine = {s.item_id for s in all_scores if s.reviewer_id == user.pk}
    visible = [s for s in all_scores if not participant or s.item_id in mine]
    return SessionScores(items, participant, mine, all_scores, visible)
