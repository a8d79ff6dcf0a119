"""How the fairness figures read, in the reader's language: group labels, the sentence
that says whether a gap remains after adjustment, the criteria of the promotion pool.
The figures themselves come from the cores (bias, raters, promotion)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from kefu.interactions.choices import Channel
from kefu.performance.core import bias, promotion

MINUS = "−"

FACTORS = {
    "team": gettext_lazy("Team"),
    "shift": gettext_lazy("Shift"),
    "channel": gettext_lazy("Main channel"),
    "tenure": gettext_lazy("Tenure"),
}
SHIFTS = {bias.DAY: gettext_lazy("Day shift"), bias.NIGHT: gettext_lazy("Night shift")}
TENURES = {
    "<6": gettext_lazy("Under 6 months"),
    "6-24": gettext_lazy("6–24 months"),
    "24+": gettext_lazy("24 months or more"),
}
VERDICTS = {
    bias.REMAINS: gettext_lazy("Gap remains"),
    bias.HIDDEN: gettext_lazy("Gap appears after adjustment"),
    bias.EXPLAINED: gettext_lazy("Explained by other factors"),
    bias.NONE: gettext_lazy("No gap"),
    bias.TOO_FEW: gettext_lazy("Too few to judge"),
}
CRITERIA = {
    promotion.CERTIFICATE: gettext_lazy("Valid certificate"),
    promotion.SCORE: gettext_lazy("Sustained score"),
    promotion.FEEDBACK: gettext_lazy("360-degree mean"),
    promotion.NO_FATAL: gettext_lazy("No fatal QA hit"),
}


def level(factor: str, value: str) -> str:
    if factor == "shift":
        return str(SHIFTS.get(value, value))
    if factor == "tenure":
        return str(TENURES.get(value, value))
    if factor == "channel":
        return str(Channel(value).label) if value in Channel.values else value
    return value


def points(value: float | None, signed: bool = False) -> str:
    """One decimal; signed with a true minus sign."""
    if value is None:
        return "—"
    text = f"{abs(value):.1f}"
    if value < 0 and text != "0.0":
        return MINUS + text
    return ("+" + text) if signed else text


def p_value(value: float) -> str:
    """As written after "p": "< 0.001" or "= 0.034"."""
    return "< 0.001" if value < 0.001 else f"= {value:.3f}"


def gap_sentence(gap: bias.Gap) -> str:
    """Whether the gap remains once the other factors are equal, in plain words."""
    verdict = gap.verdict
    if verdict == bias.TOO_FEW or gap.raw is None or gap.adjusted is None:
        return _(
            "Too few agents (%(n)s) in this group to judge; they are left out of the model."
        ) % {"n": gap.n}
    values = {
        "level": level(gap.factor, gap.level),
        "reference": level(gap.factor, gap.reference),
        "gap": points(gap.adjusted.estimate, signed=True),
        "low": points(gap.adjusted.low, signed=True),
        "high": points(gap.adjusted.high, signed=True),
        "p": p_value(gap.adjusted.p_value),
        "raw": points(gap.raw.estimate, signed=True),
        "raw_p": p_value(gap.raw.p_value),
    }
    if verdict == bias.REMAINS:
        text = _(
            "A gap remains after adjustment: “%(level)s” agents score %(gap)s points against "
            "“%(reference)s” agents alike in the other factors (95 %% CI %(low)s to %(high)s, "
            "p %(p)s)."
        )
    elif verdict == bias.HIDDEN:
        text = _(
            "A gap appears only after adjustment: “%(level)s” agents score %(gap)s points "
            "against “%(reference)s” agents alike in the other factors (95 %% CI %(low)s to "
            "%(high)s, p %(p)s); the raw gap (%(raw)s) hid it."
        )
    elif verdict == bias.EXPLAINED:
        text = _(
            "No gap remains after adjustment: the raw gap of %(raw)s points (p %(raw_p)s) "
            "comes to %(gap)s (95 %% CI %(low)s to %(high)s, p %(p)s) once the other factors "
            "are equal."
        )
    else:
        text = _(
            "No gap: neither the raw difference (%(raw)s points) nor the adjusted one "
            "(%(gap)s, 95 %% CI %(low)s to %(high)s) is significant."
        )
    return text % values


def summary(report: bias.Report) -> str:
    if not report.fitted:
        return _("Too few reviews with all four factors to run the checks.")
    remaining = report.remaining
    if not remaining:
        return _(
            "After adjusting for team, shift, main channel and tenure, no significant score "
            "gap remains."
        )
    names = "、".join(
        f"{FACTORS[g.factor]}“{level(g.factor, g.level)}” {points(g.adjusted.estimate, True)}"
        for g in remaining
        if g.adjusted is not None
    )
    return ngettext(
        "After adjusting for team, shift, main channel and tenure, %(count)d gap remains: "
        "%(gaps)s.",
        "After adjusting for team, shift, main channel and tenure, %(count)d gaps remain: "
        "%(gaps)s.",
        len(remaining),
    ) % {"count": len(remaining), "gaps": names}


def effect(value: bias.Effect | None) -> dict[str, str] | None:
    """An effect's texts for a table cell: the gap, its interval, its p-value."""
    if value is None:
        return None
    return {
        "gap": points(value.estimate, signed=True),
        "ci": f"{points(value.low, signed=True)} … {points(value.high, signed=True)}",
        "p": p_value(value.p_value),
        "significant": "1" if value.significant else "",
    }


def criterion_texts(
    evidence: promotion.Evidence,
    checks: list[promotion.Check],
    rules: promotion.Rules,
    cycle_names: list[str],
    fatal_since: str,
    threshold: int,
) -> list[dict]:
    """Per criterion: its label, whether it is met (None: not required) and what the
    agent's figures are against it."""
    out = []
    for check in checks:
        if check.code == promotion.CERTIFICATE:
            if check.met is None:
                text = _("Not required by the current rules.")
            elif check.met:
                text = _("Holds a valid certificate.")
            else:
                text = _("No valid certificate: pass the quarterly certification.")
        elif check.code == promotion.SCORE:
            shown = ", ".join(
                f"{points(score)} ({name})"
                for score, name in zip(evidence.recent_scores, cycle_names, strict=False)
            )
            text = _(
                "Final scores of the latest %(n)d quarterly cycles: %(scores)s; needed: "
                "%(min)s or more in each."
            ) % {"n": rules.cycles, "scores": shown or "—", "min": points(rules.min_score)}
        elif check.code == promotion.FEEDBACK:
            if evidence.feedback is None:
                text = _(
                    "%(raters)d raters answered in the last 12 months; a mean is shown from "
                    "%(threshold)d raters on (anonymity threshold)."
                ) % {"raters": evidence.feedback_raters, "threshold": threshold}
            else:
                text = _("360-degree mean %(mean)s from %(raters)d raters; needed: %(min)s.") % {
                    "mean": f"{evidence.feedback:.2f}",
                    "raters": evidence.feedback_raters,
                    "min": f"{rules.min_feedback:.1f}",
                }
        else:
            text = ngettext(
                "%(n)d fatal QA hit since %(since)s.",
                "%(n)d fatal QA hits since %(since)s.",
                evidence.fatal_hits,
            ) % {"n": evidence.fatal_hits, "since": fatal_since}
        out.append(
            {"code": check.code, "label": CRITERIA[check.code], "met": check.met, "text": text}
        )
    return out


def percent(share: float | None) -> str:
    """A share as a percentage with one decimal (0.6316 → "63.2 %")."""
    return "—" if share is None else f"{100 * share:.1f} %"
