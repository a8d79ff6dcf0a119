"""What the rule and scorecard builders (kefu/static/kefu/qa-builder.js) are given to show:
every operator with its parameters (from `core.builder.operator_catalogue`, i.e. the
parser's own specs) labelled in the request's language, the lexicons, indicators and
channels to pick from, and the builders' own words."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.interactions.core.native import CHANNELS
from kefu.lib.language import language
from kefu.qa.core.builder import operator_catalogue
from kefu.qa.core.figures import indicator_name, severity_label, type_label
from kefu.qa.core.indicators import SEVERITIES, TYPES
from kefu.qa.models import Indicator, Lexicon

OPERATOR_LABELS = {
    "all": gettext_lazy("All of these hold"),
    "any": gettext_lazy("Any of these holds"),
    "not": gettext_lazy("This does not hold"),
    "keywords": gettext_lazy("Words are said"),
    "must_not_say": gettext_lazy("Must not say"),
    "must_say": gettext_lazy("Must say"),
    "regex": gettext_lazy("Text matches a pattern"),
    "first_response": gettext_lazy("Slow first response"),
    "response_gap": gettext_lazy("Slow reply"),
    "handle_time": gettext_lazy("Long handle time"),
    "consecutive": gettext_lazy("Messages in a row without a reply"),
    "short_replies": gettext_lazy("Short replies to questions"),
    "repeated_text": gettext_lazy("The same sentence repeated"),
    "similar_messages": gettext_lazy("Similar messages repeated"),
    "silence": gettext_lazy("Silence (phone)"),
    "talk_over": gettext_lazy("Talking over the customer (phone)"),
    "speech_rate": gettext_lazy("Speaking too fast (phone)"),
    "sentiment": gettext_lazy("Negative sentiment"),
    "survey": gettext_lazy("Survey answers"),
    "metadata": gettext_lazy("Conversation facts"),
    "count": gettext_lazy("Number of messages"),
}

PARAM_LABELS = {
    "lexicon": gettext_lazy("Lexicon"),
    "words": gettext_lazy("Words"),
    "role": gettext_lazy("Speaker"),
    "position": gettext_lazy("Which messages"),
    "min_count": gettext_lazy("At least this many times"),
    "absent": gettext_lazy("Fires when missing"),
    "pattern": gettext_lazy("Regular expression"),
    "label": gettext_lazy("Name in the evidence"),
    "over_s": gettext_lazy("Longer than (seconds)"),
    "skip_first": gettext_lazy("Leave out the first response"),
    "target": gettext_lazy("Threshold"),
    "min": gettext_lazy("At least (in a row)"),
    "broken_by": gettext_lazy("Broken by"),
    "max_chars": gettext_lazy("At most (characters)"),
    "min_run": gettext_lazy("At least (replies in a row)"),
    "while_customer_asks": gettext_lazy("Only while the customer asks"),
    "threshold": gettext_lazy("Similarity at least (0–1)"),
    "min_chars": gettext_lazy("At least (characters)"),
    "min_s": gettext_lazy("Overlap longer than (seconds)"),
    "over_cps": gettext_lazy("Faster than (characters per second)"),
    "below": gettext_lazy("Score below (−1…1)"),
    "csat_at_most": gettext_lazy("CSAT at most"),
    "csat_at_least": gettext_lazy("CSAT at least"),
    "nps_at_most": gettext_lazy("NPS at most"),
    "nps_at_least": gettext_lazy("NPS at least"),
    "channel": gettext_lazy("Channels"),
    "status": gettext_lazy("Statuses"),
    "category": gettext_lazy("Categories"),
    "resolved": gettext_lazy("Resolved"),
    "complaint": gettext_lazy("Complaint"),
    "escalated": gettext_lazy("Escalated"),
    "transfers_at_least": gettext_lazy("Transferred at least (times)"),
    "at_least": gettext_lazy("At least"),
    "at_most": gettext_lazy("At most"),
}

CHOICE_LABELS = {
    # first_response / response_gap `target` (kefu.sla): the seconds above, or the policy's
    "": gettext_lazy("The seconds given"),
    "sla": gettext_lazy("The conversation's SLA target (over_s without a policy)"),
    "agent": gettext_lazy("agent"),
    "customer": gettext_lazy("customer"),
    "bot": gettext_lazy("bot"),
    "system": gettext_lazy("system"),
    "any": gettext_lazy("any"),
    "first": gettext_lazy("the first one"),
    "last": gettext_lazy("the last one"),
}


def _strings() -> dict[str, str]:
    return {
        "condition": _("Condition"),
        "add_condition": _("Add a condition"),
        "add_group": _("Add a group"),
        "remove": _("Remove"),
        "move_up": _("Move up"),
        "move_down": _("Move down"),
        "drag": _("Drag to reorder"),
        "chip_hint": _("Type a word and press Enter"),
        "remove_chip": _("Remove %(word)s"),
        "none": _("(none)"),
        "unset": "—",
        "yes": _("yes"),
        "no": _("no"),
        "raw": _("This part is edited in YAML:"),
        "unknown": _("Unknown operator; edit it in YAML."),
        "default": _("default: %(value)s"),
        "id": _("ID"),
        "id_fixed": _("A saved rule keeps its id: results and scorecards refer to it."),
        "name": _("Name"),
        "name_zh": _("Name (Chinese)"),
        "name_en": _("Name (English)"),
        "severity": _("Severity"),
        "type": _("Problem type"),
        "description": _("Description"),
        "when": _("Fires when"),
        "base": _("Base score"),
        "pass_line": _("Pass line"),
        "section": _("Section"),
        "sections": _("Sections"),
        "item": _("Item"),
        "add_item": _("Add an item"),
        "add_section": _("Add a section"),
        "indicators": _("Indicators"),
        "points": _("Points"),
        "mode": _("Deduct or add"),
        "deduct": _("deducted"),
        "add": _("added"),
        "fatal": _("Fatal (score 0, fails)"),
        "per_occurrence": _("Per occurrence"),
        "max_points": _("At most (points)"),
        "channels": _("Only on channels"),
        "not_switched": _("Not switched: %(error)s"),
    }


def rule_catalogue() -> dict[str, Any]:
    lang = language()
    operators = []
    for entry in operator_catalogue():
        params = [
            p
            | {
                "label": str(PARAM_LABELS.get(p["name"], p["name"])),
                "choice_labels": {c: str(CHOICE_LABELS.get(c, c)) for c in p["choices"] or ()},
            }
            for p in entry["params"]
        ]
        operators.append(entry | {"label": str(OPERATOR_LABELS[entry["op"]]), "params": params})
    return {
        "kind": "rule",
        "operators": operators,
        "lexicons": sorted(Lexicon.objects.values_list("name", flat=True)),
        "severities": [[s, severity_label(s, lang)] for s in SEVERITIES],
        "types": [[t, type_label(t, lang)] for t in TYPES],
        "strings": _strings(),
    }


def scorecard_catalogue() -> dict[str, Any]:
    lang = language()
    indicators = [
        [key, indicator_name(definition, key, lang)]
        for key, definition in Indicator.objects.order_by("key").values_list("key", "definition")
    ]
    return {
        "kind": "scorecard",
        "indicators": indicators,
        "channels": list(CHANNELS),
        "strings": _strings(),
    }
