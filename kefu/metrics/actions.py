"""Writes to the KPI settings: targets, benchmark sets and improvement actions.

Every function validates first (raising `ValidationError` with a message a person can
act on), then writes, then records the change in the audit trail. Values are stored in
the figure's own unit: rates as fractions 0–1, times in seconds (minutes for `_min`),
NPS in points, CSAT on its 1–5 scale. Percentages typed into a page are converted by
the form before they get here (`forms_settings.to_stored`).
"""

from __future__ import annotations

import math
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from kefu.accounts.choices import Tier
from kefu.accounts.models import Team
from kefu.audit.actions import record as audit
from kefu.audit.models import AuditAction
from kefu.metrics.core.catalogue import ALL_FIGURES, FIGURES
from kefu.metrics.models import BenchmarkSet, BenchmarkValue, ImprovementAction, Target

MAX_SECONDS = 30 * 24 * 3600.0  # a target beyond a month is a typing error
MAX_MINUTES = MAX_SECONDS / 60
TITLE_MAX = ImprovementAction._meta.get_field("title").max_length
NAME_MAX = BenchmarkSet._meta.get_field("name").max_length


# --- validation ---------------------------------------------------------------------------
def check_value(key: str, value: float | None, *, catalogue: dict | None = None) -> float:
    """The value as a float if it is a sensible value of figure `key` (stored units),
    else a ValidationError saying what is allowed."""
    figures = FIGURES if catalogue is None else catalogue
    if key not in figures:
        raise ValidationError(_("Unknown figure: %(key)s."), code="figure", params={"key": key})
    if value is None:
        raise ValidationError(_("Enter a value."), code="required")
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ValidationError(_("Enter a number."), code="invalid") from None
    if not math.isfinite(value):
        raise ValidationError(_("Enter a number."), code="invalid")
    unit = figures[key].unit
    if unit == "rate" and not 0 <= value <= 1:
        raise ValidationError(
            _("A rate is a percentage between 0 and 100."), code="range"
        )  # stored as a fraction; the form converted the percentage
    if unit == "seconds" and not 0 <= value <= MAX_SECONDS:
        raise ValidationError(
            _("A time in seconds must be between 0 and %(max)d."),
            code="range",
            params={"max": MAX_SECONDS},
        )
    if unit == "minutes" and not 0 <= value <= MAX_MINUTES:
        raise ValidationError(
            _("A time in minutes must be between 0 and %(max)d."),
            code="range",
            params={"max": MAX_MINUTES},
        )
    if unit == "points" and not -100 <= value <= 100:
        raise ValidationError(_("NPS is between −100 and 100."), code="range")
    if unit == "score5" and not 1 <= value <= 5:
        raise ValidationError(_("A CSAT score is between 1 and 5."), code="range")
    if unit == "count" and value < 0:
        raise ValidationError(_("A count cannot be negative."), code="range")
    return value


def _check_tier(tier: str) -> str:
    tier = tier or ""
    if tier and tier not in Tier.values:
        raise ValidationError(_("Unknown tier: %(tier)s."), code="tier", params={"tier": tier})
    return tier


def _team_name(team: Team | None) -> str | None:
    return team.name if team is not None else None


def _audit(request: HttpRequest | None, user, object_type: str, object_id, detail: dict) -> None:
    audit(
        AuditAction.CHANGE_SETTINGS,
        request=request,
        user=user,
        object_type=object_type,
        object_id=str(object_id),
        detail=detail,
    )


# --- targets ------------------------------------------------------------------------------
@transaction.atomic
def set_target(
    *,
    key: str,
    value: float,
    team: Team | None = None,
    tier: str = "",
    by=None,
    request: HttpRequest | None = None,
) -> Target:
    """Create or change the target of `key` for the department (no team, no tier), a
    team, a tier or a team's tier."""
    value = check_value(key, value)
    tier = _check_tier(tier)
    target = (
        Target.objects.select_for_update()
        .filter(key=key, team=team, tier=tier)
        .order_by("pk")
        .first()
    )
    old = target.value if target is not None else None
    if target is None:
        target = Target(key=key, team=team, tier=tier)
    target.value = value
    target.updated_by = by
    target.save()
    _audit(
        request,
        by,
        "kpi_target",
        target.pk,
        {
            "key": key,
            "team": _team_name(team),
            "tier": tier or None,
            "old": old,
            "new": value,
        },
    )
    return target


@transaction.atomic
def delete_target(target: Target, *, by=None, request: HttpRequest | None = None) -> None:
    detail = {
        "key": target.key,
        "team": _team_name(target.team),
        "tier": target.tier or None,
        "old": target.value,
        "deleted": True,
    }
    pk = target.pk
    target.delete()
    _audit(request, by, "kpi_target", pk, detail)


# --- benchmark sets -------------------------------------------------------------------------
def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Enter a name."), code="required")
    if len(name) > NAME_MAX:
        raise ValidationError(
            _("A name has at most %(max)d characters."), code="max_length", params={"max": NAME_MAX}
        )
    return name


def _duplicate(name: str) -> ValidationError:
    return ValidationError(
        _("A benchmark set named %(name)s already exists."), code="unique", params={"name": name}
    )


def _free_slug(name: str) -> str:
    base = slugify(name)[:40] or "benchmark"
    slug, n = base, 1
    while BenchmarkSet.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def create_benchmark_set(*, name: str, by=None, request: HttpRequest | None = None) -> BenchmarkSet:
    name = _check_name(name)
    if BenchmarkSet.objects.filter(name=name).exists():
        raise _duplicate(name)
    benchmark = BenchmarkSet.objects.create(name=name, slug=_free_slug(name))
    _audit(request, by, "benchmark_set", benchmark.pk, {"name": name, "created": True})
    return benchmark


@transaction.atomic
def rename_benchmark_set(
    benchmark: BenchmarkSet, *, name: str, by=None, request: HttpRequest | None = None
) -> BenchmarkSet:
    name = _check_name(name)
    if BenchmarkSet.objects.filter(name=name).exclude(pk=benchmark.pk).exists():
        raise _duplicate(name)
    old = benchmark.name
    benchmark.name = name
    benchmark.save(update_fields=["name"])
    _audit(request, by, "benchmark_set", benchmark.pk, {"old": old, "name": name})
    return benchmark


@transaction.atomic
def delete_benchmark_set(
    benchmark: BenchmarkSet, *, by=None, request: HttpRequest | None = None
) -> None:
    detail = {
        "name": benchmark.name,
        "values": {v.key: v.value for v in benchmark.values.all()},
        "deleted": True,
    }
    pk = benchmark.pk
    benchmark.delete()
    _audit(request, by, "benchmark_set", pk, detail)


@transaction.atomic
def set_benchmark_value(
    benchmark: BenchmarkSet,
    *,
    key: str,
    value: float,
    by=None,
    request: HttpRequest | None = None,
) -> BenchmarkValue:
    """Create or change one figure's value in a benchmark set (any figure Kefu knows,
    including the ones other parts measure, such as QA compliance)."""
    value = check_value(key, value, catalogue=ALL_FIGURES)
    item = BenchmarkValue.objects.select_for_update().filter(benchmark=benchmark, key=key).first()
    old = item.value if item is not None else None
    if item is None:
        item = BenchmarkValue(benchmark=benchmark, key=key)
    item.value = value
    item.save()
    _audit(
        request,
        by,
        "benchmark_value",
        item.pk,
        {"set": benchmark.name, "key": key, "old": old, "new": value},
    )
    return item


@transaction.atomic
def delete_benchmark_value(
    item: BenchmarkValue, *, by=None, request: HttpRequest | None = None
) -> None:
    detail = {"set": item.benchmark.name, "key": item.key, "old": item.value, "deleted": True}
    pk = item.pk
    item.delete()
    _audit(request, by, "benchmark_value", pk, detail)


# --- improvement actions ------------------------------------------------------------------
@transaction.atomic
def add_improvement_action(
    *,
    on: date,
    title: str,
    note: str = "",
    team: Team | None = None,
    by=None,
    request: HttpRequest | None = None,
) -> ImprovementAction:
    if not isinstance(on, date):
        raise ValidationError(_("Enter a date."), code="required")
    title = (title or "").strip()
    if not title:
        raise ValidationError(_("Describe the action taken."), code="required")
    if len(title) > TITLE_MAX:
        raise ValidationError(
            _("A title has at most %(max)d characters."),
            code="max_length",
            params={"max": TITLE_MAX},
        )
    action = ImprovementAction.objects.create(
        on=on, title=title, note=(note or "").strip(), team=team, created_by=by
    )
    _audit(
        request,
        by,
        "improvement_action",
        action.pk,
        {"on": on.isoformat(), "title": title, "team": _team_name(team), "created": True},
    )
    return action


@transaction.atomic
def delete_improvement_action(
    action: ImprovementAction, *, by=None, request: HttpRequest | None = None
) -> None:
    detail = {
        "on": action.on.isoformat(),
        "title": action.title,
        "team": _team_name(action.team),
        "deleted": True,
    }
    pk = action.pk
    action.delete()
    _audit(request, by, "improvement_action", pk, detail)
