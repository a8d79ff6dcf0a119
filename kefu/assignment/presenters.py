"""Routing decisions' reasons as sentences in the reader's language (the reasons are
stored as data: codes and parameters, docs/routing.md)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from kefu.accounts.choices import Tier
from kefu.accounts.models import Agent
from kefu.assignment.core import router
from kefu.customers.choices import RiskLabel
from kefu.customers.models import Tag
from kefu.interactions.choices import Channel


def pool_label(kind: str) -> str:
    if kind == router.DEDICATED:
        return _("dedicated seats")
    if kind == router.ANY:
        return _("any agent")
    return str(dict(Tier.choices).get(kind, kind))


def _why(code: str) -> str:
    return {
        "offline": _("not online"),
        "full": _("at capacity"),
        "not_in_target": _("not in the target tier"),
        "skill_channel": _("without the channel skill"),
        "skill_product_line": _("without the product line skill"),
        "skill_language": _("without the language skill"),
    }.get(code, code)


def _agent_ids(reasons: Iterable[dict[str, Any]]) -> set[int]:
    ids = set()
    for reason in reasons:
        params = reason.get("params") or {}
        for key in ("agent", "from"):
            if isinstance(params.get(key), int):
                ids.add(params[key])
    return ids


def _matched(params: dict[str, Any], tags: dict[int, str]) -> str:
    parts = []
    if params.get("risk_label"):
        label = dict(RiskLabel.choices).get(params["risk_label"], params["risk_label"])
        parts.append(_("risk label %(label)s") % {"label": label})
    if params.get("tags"):
        names = "、".join(tags.get(t, str(t)) for t in params["tags"])
        parts.append(_("tag %(tags)s") % {"tags": names})
    if params.get("channel"):
        channel = dict(Channel.choices).get(params["channel"], params["channel"])
        parts.append(_("channel %(channel)s") % {"channel": channel})
    if params.get("product_line"):
        parts.append(_("product line %(p)s") % {"p": params["product_line"]})
    if params.get("language"):
        parts.append(_("language %(l)s") % {"l": params["language"]})
    return "，".join(str(p) for p in parts) or _("every conversation")


def sentences(reasons: list[dict[str, Any]], names: dict[int, str] | None = None) -> list[str]:
    """One sentence per reason."""
    if names is None:
        names = dict(Agent.objects.filter(pk__in=_agent_ids(reasons)).values_list("pk", "name"))
    tag_ids = {t for r in reasons for t in (r.get("params") or {}).get("tags", [])}
    tags = dict(Tag.objects.filter(pk__in=tag_ids).values_list("pk", "name")) if tag_ids else {}

    def who(value: Any) -> str:
        return names.get(value, str(value)) if value is not None else "—"

    out = []
    for reason in reasons:
        code, p = reason.get("code", ""), reason.get("params") or {}
        text = {
            "rule": lambda p=p: (
                _("Rule “%(name)s” matched (%(matched)s)")
                % {"name": p.get("name", ""), "matched": _matched(p, tags)}
            ),
            "no_rule": lambda: _("No rule matched: any agent may take it"),
            "overflow": lambda p=p: (
                _("Waited %(s)s s: overflowed up to %(pool)s")
                % {"s": p.get("waited_s", 0), "pool": pool_label(p.get("to", ""))}
            ),
            "excluded_offline": lambda p=p: (
                _("%(n)s agents of the target not online") % {"n": p.get("count", 0)}
            ),
            "excluded_skill_channel": lambda p=p: (
                _("%(n)s agents without the channel skill") % {"n": p.get("count", 0)}
            ),
            "excluded_skill_product_line": lambda p=p: (
                _("%(n)s agents without the product line skill") % {"n": p.get("count", 0)}
            ),
            "excluded_skill_language": lambda p=p: (
                _("%(n)s agents without the language skill") % {"n": p.get("count", 0)}
            ),
            "excluded_full": lambda p=p: _("%(n)s agents at capacity") % {"n": p.get("count", 0)},
            "last_agent": lambda p=p: (
                _("The customer's last agent %(agent)s is available")
                % {"agent": who(p.get("agent"))}
            ),
            "last_agent_unavailable": lambda p=p: (
                _("The customer's last agent %(agent)s is %(why)s")
                % {"agent": who(p.get("agent")), "why": _why(p.get("why", ""))}
            ),
            "least_loaded": lambda p=p: (
                _("Least loaded: %(agent)s, %(active)s of %(capacity)s in use (%(n)s eligible)")
                % {
                    "agent": who(p.get("agent")),
                    "active": p.get("active", 0),
                    "capacity": p.get("capacity", 0),
                    "n": p.get("eligible", 0),
                }
            ),
            "round_robin": lambda p=p: (
                _(
                    "Round robin: %(agent)s waited longest since their last conversation "
                    "(%(n)s eligible)"
                )
                % {"agent": who(p.get("agent")), "n": p.get("eligible", 0)}
            ),
            "from_pool": lambda p=p: (
                _("Taken from the overflow tier %(pool)s") % {"pool": pool_label(p.get("pool", ""))}
            ),
            "queued": lambda p=p: (
                _("No agent free: waiting for %(pool)s") % {"pool": pool_label(p.get("pool", ""))}
            ),
            "overflow_next": lambda p=p: (
                _("Overflows to %(pool)s after %(s)s s")
                % {"pool": pool_label(p.get("pool", "")), "s": p.get("after_s", 0)}
            ),
            "claim_lost": lambda: _("The chosen agents were filled by simultaneous arrivals"),
            "manual": lambda p=p: (
                _("Reassigned by hand from %(from)s to %(agent)s")
                % {"from": who(p.get("from")), "agent": who(p.get("agent"))}
            ),
            "over_capacity": lambda p=p: (
                _("Above the agent's capacity of %(capacity)s") % {"capacity": p.get("capacity", 0)}
            ),
        }.get(code)
        sentence = str(text()) if text is not None else code
        if code == "manual" and p.get("note"):
            sentence += _(": %(note)s") % {"note": p["note"]}
        out.append(sentence)
    return out
