"""Writes of the customers domain (validate, then do): the risk settings, tag groups and
tags, manual tags on customers, back-test runs. Refusals are `kefu.lib.errors` types."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kefu.accounts import access
from kefu.audit.actions import record as audit
from kefu.audit.models import AuditAction
from kefu.customers.choices import BacktestStatus, TagKind
from kefu.customers.core import tags as tag_rules
from kefu.customers.models import Backtest, CustomerTag, RiskSettings, Tag, TagGroup
from kefu.interactions.models import Customer
from kefu.lib.errors import Conflict, Invalid, NotAllowed, NotFound

MAX_NAME = 50


def _require_manager(user) -> None:
    if not access.manages_customer_risk(user):
        raise NotAllowed(_("this needs the permission to manage the risk index"))


# --- settings ----------------------------------------------------------------------------
def save_settings(data: Mapping[str, Any], *, user) -> RiskSettings:
    """Store new weights / thresholds (fields of `RiskSettings.WEIGHT_FIELDS`); audited.
    The stored scores change at the next computation (`kefu customers_risk`, or an import
    touching the customer)."""
    _require_manager(user)
    unknown = set(data) - set(RiskSettings.WEIGHT_FIELDS)
    if unknown:
        raise Invalid(_("unknown setting: %(name)s") % {"name": sorted(unknown)[0]})
    row = RiskSettings.current()
    old = {f: getattr(row, f) for f in data}
    for name, value in data.items():
        setattr(row, name, int(value))
    if row.low_below > row.high_at:
        raise Invalid(_("the low threshold must not be above the high threshold"))
    row.updated_by = user
    row.save()
    audit(
        AuditAction.CHANGE_SETTINGS,
        user=user,
        object_type="customers.risk_settings",
        object_id="1",
        detail={"old": old, "new": {f: int(v) for f, v in data.items()}},
    )
    return row


def apply_fitted(backtest: Backtest, *, user) -> RiskSettings:
    """Take a back-test's fitted weights (points per unit and thresholds) as the settings."""
    _require_manager(user)
    fitted = (backtest.result or {}).get("fitted") if backtest.result else None
    if not fitted:
        raise Conflict(_("this back-test has no fitted weights"))
    weights = RiskSettings.current().weights()
    new = weights.with_points(fitted["points"], fitted["high_at"], fitted["low_below"])
    changed = {f: v for f, v in new.as_dict().items() if v != weights.as_dict()[f]}
    return save_settings(changed, user=user) if changed else RiskSettings.current()


# --- tag groups and tags ----------------------------------------------------------------
def _name(value: str) -> str:
    name = (value or "").strip()
    if not name or len(name) > MAX_NAME or "\x00" in name:
        raise Invalid(_("a name of 1 to %(max)s characters") % {"max": MAX_NAME})
    return name


def create_group(name: str, description: str = "", *, user) -> TagGroup:
    _require_manager(user)
    name = _name(name)
    if TagGroup.objects.filter(name=name).exists():
        raise Conflict(_("a tag group with this name exists"))
    return TagGroup.objects.create(
        name=name,
        description=(description or "")[:200],
        position=TagGroup.objects.count(),
    )


def check_rule(kind: str, rule: Any) -> list[dict[str, Any]]:
    if kind == TagKind.MANUAL:
        if rule:
            raise Invalid(_("a manual tag has no rule"))
        return []
    try:
        return tag_rules.check_rule(rule)
    except tag_rules.RuleError as exc:
        raise Invalid(
            _("invalid rule"), errors=[{"field": exc.path, "reason": exc.message}]
        ) from None


def create_tag(
    group: TagGroup,
    name: str,
    kind: str = TagKind.MANUAL,
    rule: Any = None,
    description: str = "",
    *,
    user,
) -> Tag:
    """A new tag; a rule tag is put on customers at the next computation (run at once
    for everyone by `kefu customers_risk`)."""
    _require_manager(user)
    if kind not in TagKind.values:
        raise Invalid(_("the kind is manual or rule"))
    name = _name(name)
    checked = check_rule(kind, rule)
    try:
        with transaction.atomic():
            tag = Tag.objects.create(
                group=group,
                name=name,
                kind=kind,
                rule=checked,
                description=(description or "")[:200],
                created_by=user,
            )
    except IntegrityError:
        raise Conflict(_("this group has a tag with this name")) from None
    audit(
        AuditAction.CHANGE_SETTINGS,
        user=user,
        object_type="customers.tag",
        object_id=str(tag.pk),
        detail={"group": group.name, "name": name, "kind": kind, "rule": checked},
    )
    return tag


def delete_tag(tag: Tag, *, user) -> None:
    _require_manager(user)
    audit(
        AuditAction.CHANGE_SETTINGS,
        user=user,
        object_type="customers.tag",
        object_id=str(tag.pk),
        detail={"deleted": f"{tag.group.name}: {tag.name}", "customers": tag.links.count()},
    )
    tag.delete()


# --- manual tags on customers ----------------------------------------------------------------
def _visible_customer(user, external_id: str) -> Customer:
    customer = access.customers_visible_to(user).filter(external_id=external_id).first()
    if customer is None:
        raise NotFound(_("no such customer"))
    return customer


def _manual_tag(user, tag_id: int) -> Tag:
    tag = access.restrict(Tag.objects.all(), user).filter(pk=tag_id).first()
    if tag is None:
        raise NotFound(_("no such tag"))
    if tag.kind != TagKind.MANUAL:
        raise Conflict(_("a rule tag is set by its rule, not by hand"))
    return tag


def add_tag(user, customer_id: str, tag_id: int) -> CustomerTag:
    """Put a manual tag on a customer the user sees (needs `tag_customers`)."""
    customer = _visible_customer(user, customer_id)
    if not access.may_tag_customers(user):
        raise NotAllowed(_("tagging customers needs the permission to tag customers"))
    tag = _manual_tag(user, tag_id)
    link, _created = CustomerTag.objects.get_or_create(
        customer=customer, tag=tag, defaults={"added_by": user}
    )
    return link


def remove_tag(user, customer_id: str, tag_id: int) -> None:
    customer = _visible_customer(user, customer_id)
    if not access.may_tag_customers(user):
        raise NotAllowed(_("tagging customers needs the permission to tag customers"))
    tag = _manual_tag(user, tag_id)
    links = access.restrict(CustomerTag.objects.all(), user, access.CHANGE)
    deleted, _rows = links.filter(customer=customer, tag=tag).delete()
    if not deleted:
        raise NotFound(_("the customer does not carry this tag"))


# --- back-tests ----------------------------------------------------------------------------
def start_backtest(as_of: date, horizon_days: int, windows: int = 1, *, user) -> Backtest:
    """Queue a back-test (a background task computes it)."""
    _require_manager(user)
    from kefu.customers.tasks import run_backtest
    from kefu.lib.tasks import enqueue_or_fail

    if not 1 <= horizon_days <= 365:
        raise Invalid(_("the horizon is 1 to 365 days"))
    if not 1 <= windows <= 12:
        raise Invalid(_("1 to 12 windows"))
    row = Backtest.objects.create(
        as_of=as_of, horizon_days=horizon_days, windows=windows, created_by=user
    )
    return enqueue_or_fail(
        run_backtest,
        row,
        queued=BacktestStatus.QUEUED,
        failed=BacktestStatus.FAILED,
        what="the back-test",
    )


# --- audit of personal data -----------------------------------------------------------------
def record_reasons_viewed(request, customer: Customer, reasons: list) -> None:
    """An unmasked view of a customer's risk reasons is a view of personal data."""
    if reasons and access.can_view_personal_data(request.user):
        audit(
            AuditAction.VIEW_PERSONAL_DATA,
            request=request,
            object_type="customer_risk",
            object_id=customer.external_id,
        )
