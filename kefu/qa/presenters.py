"""How QA results are presented, wherever they are shown (the QA pages, the review form,
the live console): indicator names and kinds in the request's language, hit chips, and a
conversation's QA page (scorecard breakdown, highlighted evidence)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from kefu.interactions.models import Conversation
from kefu.interactions.personal import PersonalDataView
from kefu.qa.core import figures
from kefu.qa.core.figures import (
    evidence_words,
    format_score,
    highlight,
    localized,
    score_band,
    severity_label,
    type_label,
)
from kefu.qa.core.indicators import SEVERITIES
from kefu.qa.core.scorecard import DEFAULT_BASE, DEFAULT_PASS_LINE
from kefu.qa.models import Indicator, Lexicon, QaHit, QaResult


# --- language, names ---------------------------------------------------------------------
@dataclass(frozen=True)
class Kind:
    """An indicator as the pages name and classify it."""

    name: str
    type: str
    severity: str


def indicator_catalogue(lang: str) -> dict[str, Kind]:
    """Indicator id → its name in the language (definition.name.zh / .en), its current
    problem type and severity."""
    return {
        key: Kind(
            figures.indicator_name(definition, key, lang),
            definition.get("type", ""),
            definition.get("severity", ""),
        )
        for key, definition in Indicator.objects.values_list("key", "definition")
    }


def indicator_names(lang: str) -> dict[str, str]:
    """Indicator id → its name in the language (Chinese from definition.name.zh)."""
    return {key: kind.name for key, kind in indicator_catalogue(lang).items()}


def classify(
    hits: QuerySet[QaHit], keys: set[str], catalogue: dict[str, Kind]
) -> dict[str, tuple[str, str]]:
    """Indicator → (problem type, severity): the indicator's current ones; for an
    indicator since deleted, as stored on its hits (one small query, only then)."""
    out = {k: (catalogue[k].type, catalogue[k].severity) for k in keys if k in catalogue}
    unknown = keys - set(out)
    if unknown:
        stored = hits.filter(indicator__in=unknown).order_by()
        for key, kind, severity in stored.values_list("indicator", "type", "severity").distinct():
            out.setdefault(key, (kind, severity))
    return out


def lexicon_synonyms() -> dict[str, list[str]]:
    """Lexicon word (lower case) → its synonyms: evidence names the word ("不知道") while
    the message may say a synonym ("不清楚"), which is highlighted as well."""
    out: dict[str, list[str]] = defaultdict(list)
    for synonyms in Lexicon.objects.values_list("synonyms", flat=True):
        for word, others in (synonyms or {}).items():
            out[str(word).lower()].extend(str(o) for o in others or ())
    return out


def indicator_choices(names: dict[str, str]) -> list[tuple[str, str]]:
    return sorted(names.items(), key=lambda kv: kv[1])


def hit_chip(indicator: str, severity: str, type_: str, names: dict[str, str], lang: str):
    return {
        "indicator": indicator,
        "name": names.get(indicator, indicator),
        "severity": severity,
        "severity_label": severity_label(severity, lang),
        "type": type_,
        "type_label": type_label(type_, lang),
    }


# --- the conversation QA page --------------------------------------------------------------
@dataclass
class MessageMarks:
    hits: list[dict] = field(default_factory=list)
    words: set[str] = field(default_factory=set)


def format_points(points: float) -> str:
    if not points:
        return "0"
    return f"{points:+g}".replace("-", "−")


def scorecard_label(result: QaResult, lang: str) -> str:
    version = result.scorecard_version
    name = localized(version.definition.get("name"), lang, version.scorecard.name)
    return f"{name} v{version.number}"


def breakdown(result: QaResult, names: dict[str, str], lang: str) -> dict:
    """The score explained by the scorecard version's sections and items: base, each
    section's points and the items that applied (QaResult.items), the pass line."""
    definition = result.scorecard_version.definition or {}
    applied = {entry["item"]: entry for entry in result.items or []}
    shown: set[str] = set()
    sections = []
    for section in definition.get("sections") or []:
        rows = []
        for item in section.get("items") or []:
            entry = applied.get(item.get("id"))
            if entry is None:
                continue
            shown.add(entry["item"])
            rows.append(_item_row(entry, localized(item.get("name"), lang, entry["item"]), names))
        sections.append(
            {
                "id": section.get("id", ""),
                "name": localized(section.get("name"), lang, section.get("id", "")),
                "points": sum(r["points"] for r in rows),
                "points_text": format_points(sum(r["points"] for r in rows)),
                "items": rows,
                "item_count": len(section.get("items") or []),
            }
        )
    # Items the definition no longer names (should not happen: versions are immutable).
    others = [_item_row(e, e["item"], names) for k, e in applied.items() if k not in shown]
    if others:
        points = sum(r["points"] for r in others)
        sections.append(
            {
                "id": "",
                "name": _("Other items"),
                "points": points,
                "points_text": format_points(points),
                "items": others,
                "item_count": len(others),
            }
        )
    return {
        "base": format_score(float(definition.get("base", DEFAULT_BASE))),
        "pass_line": format_score(float(definition.get("pass_line", DEFAULT_PASS_LINE))),
        "sections": sections,
    }


def _item_row(entry: dict, name: str, names: dict[str, str]) -> dict:
    return {
        "id": entry["item"],
        "name": name,
        "points": entry["points"],
        "points_text": format_points(entry["points"]),
        "fatal": entry.get("fatal", False),
        "indicators": [names.get(i, i) for i in entry.get("indicators", [])],
    }


def conversation_page(
    conversation: Conversation,
    results: list[QaResult],
    chosen: QaResult | None,
    personal: PersonalDataView,
    lang: str,
) -> dict:
    """Messages with each hit marked on the messages it rests on (evidence words in
    <mark>), hits resting on no message, the score breakdown and the history."""
    names = indicator_names(lang)
    # The customer's own name is masked inside the texts too.
    personal = personal.for_customer(conversation.customer.name)
    synonyms = lexicon_synonyms() if chosen is not None and chosen.hit_count else {}
    transcript = list(conversation.messages.select_related("agent").order_by("seq"))
    # message id → its position (1, 2, …): the anchor msg-N of its element
    positions = {m.external_id: n for n, m in enumerate(transcript, start=1)}
    marks: dict[str, MessageMarks] = defaultdict(MessageMarks)
    hits, whole = [], []
    for hit in chosen.hits.order_by("pk") if chosen is not None else []:
        evidence = personal.text(hit.evidence)
        info = hit_chip(hit.indicator, hit.severity, hit.type, names, lang) | {
            "evidence": evidence,
            "occurrences": hit.occurrences,
            "positions": [positions[i] for i in hit.messages if i in positions],
        }
        hits.append(info)
        words = {
            personal.text(w)
            for word in evidence_words(hit.evidence)
            for w in (word, *synonyms.get(word.lower(), ()))
        }
        on_messages = [i for i in hit.messages if i in positions]
        if not on_messages:
            whole.append(info)
        for message_id in on_messages:
            marks[message_id].hits.append(info)
            marks[message_id].words |= words
    for message in transcript:
        mark = marks.get(message.external_id)
        message.anchor = f"msg-{positions[message.external_id]}"
        message.qa_hits = mark.hits if mark else []
        # highlight() escapes the text itself; only its <mark> tags are markup.
        message.display_html = mark_safe(
            highlight(personal.text(message.text), mark.words if mark else ())
        )
        message.severity = _worst(h["severity"] for h in message.qa_hits)
    summary = None
    if chosen is not None:
        summary = {
            "result": chosen,
            "score_text": format_score(chosen.score),
            "band": score_band(chosen.score),
            "scorecard": scorecard_label(chosen, lang),
            "breakdown": breakdown(chosen, names, lang),
        }
    history = [
        {
            "result": r,
            "scorecard": scorecard_label(r, lang),
            "score_text": format_score(r.score),
            "band": score_band(r.score),
            "chosen": chosen is not None and r.pk == chosen.pk,
        }
        for r in results
    ]
    return {
        "transcript": transcript,
        "hits": hits,
        "whole_hits": whole,
        "summary": summary,
        "history": history,
    }


def _worst(severities) -> str:
    found = set(severities)
    for severity in reversed(SEVERITIES):
        if severity in found:
            return severity
    return ""
