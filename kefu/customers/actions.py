"""Writes of the customers domain (validate, then do): the risk settings, tag groups and
tags, manual tags on customers, back-test runs, win-back campaigns and their outcomes.
Refusals are `kefu.lib.errors` types."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts import access
from kefu.audit.actions import record as audit
from kefu.audit.models import AuditAction
from kefu.customers import selectors, tag_names
from kefu.customers.choices import BacktestStatus, TagKind, WinbackGroup, WinbackOutcome
from kefu.customers.core import tags as tag_rules
from kefu.customers.core import winback
from kefu.customers.filtersets import CustomerFilterSet
from kefu.customers.models import (
    Backtest,
    CustomerTag,
    RiskSettings,
    Tag,
    TagGroup,
    WinbackCampaign,
    WinbackMember,
)
from kefu.interactions.models import Conversation, Customer
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
    carriers = list(tag.links.values_list("customer_id", flat=True))
    tag.delete()
    tag_names.sync(carriers)


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
    tag_names.sync([customer.pk])
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
    tag_names.sync([customer.pk])


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


# --- win-back campaigns ----------------------------------------------------------------------
@transaction.atomic
def create_campaign(
    *,
    user,
    name: str,
    tag_ids: list[int],
    starts_on: date,
    window_days: int | None = None,
    control_share: float | None = None,
    description: str = "",
) -> WinbackCampaign:
    """A win-back list from a tag filter (customers carrying all the tags, as the customer
    list finds them), split into contact and control (kefu.customers.core.winback); each
    contact member assigned to the agent of their newest conversation. Audited."""
    _require_manager(user)
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise Invalid(_("a name of 1 to 100 characters"))
    window_days = settings.KEFU_WINBACK_WINDOW_DAYS if window_days is None else window_days
    share = settings.KEFU_WINBACK_CONTROL_SHARE if control_share is None else control_share
    if not 1 <= window_days <= 365:
        raise Invalid(_("the window is 1 to 365 days"))
    if not 0 <= share <= 0.5:
        raise Invalid(_("the control share is 0 to 50 %"))
    if not tag_ids:
        raise Invalid(_("choose at least one tag"))
    tags = list(access.restrict(Tag.objects.select_related("group"), user).filter(pk__in=tag_ids))
    if len(tags) != len(set(tag_ids)):
        raise NotFound(_("no such tag"))
    found = CustomerFilterSet({"tag": [t.pk for t in tags]}, selectors.risk_rows(user), user=user)
    customer_ids = list(found.qs.order_by().values_list("customer_id", flat=True).distinct())
    campaign = build_campaign(
        name=name,
        description=description,
        tags=tags,
        customer_ids=customer_ids,
        starts_on=starts_on,
        window_days=window_days,
        control_share=share,
        created_by=user,
    )
    audit(
        AuditAction.CHANGE_SETTINGS,
        user=user,
        object_type="customers.winbackcampaign",
        object_id=str(campaign.pk),
        detail={"created": name, "tags": campaign.criteria, "members": len(customer_ids),
                "control_share": share, "window_days": window_days},
    )  # fmt: skip
    return campaign


def record_outcome(user, member_id: int, outcome: str, note: str = "") -> WinbackMember:
    """The agent's outcome of contacting one member (a member of the contact group the
    user may change: assigned to them, their team's, or any for a manager)."""
    if outcome not in WinbackOutcome.values:
        raise Invalid(
            _("unknown outcome %(outcome)r; one of %(choices)s")
            % {"outcome": outcome, "choices": ", ".join(v for v in WinbackOutcome.values if v)}
        )
    member = (
        access.restrict(WinbackMember.objects.all(), user, access.CHANGE)
        .filter(pk=member_id)
        .first()
    )
    if member is None:
        raise NotFound(_("no such member"))
    if member.group != WinbackGroup.CONTACT:
        raise Conflict(_("a member of the control group is held back: not contacted"))
    member.outcome = outcome
    member.note = (note or "").strip()[:500]
    member.outcome_at = timezone.now() if outcome else None
    member.outcome_by = user if outcome else None
    member.save(update_fields=["outcome", "note", "outcome_at", "outcome_by"])
    return member


def build_campaign(
    *,
    name: str,
    description: str,
    tags: list[Tag],
    customer_ids: list[int],
    starts_on: date,
    window_days: int,
    control_share: float,
    created_by=None,
) -> WinbackCampaign:
    """Write a checked campaign (`create_campaign`; the demo): the campaign, its members
    split by `core.winback.group_of`, each contact member assigned to the agent of their
    newest conversation (control members are not contacted: no agent)."""
    campaign = WinbackCampaign.objects.create(
        name=name,
        description=(description or "").strip()[:300],
        criteria=[{"id": t.pk, "group": t.group.name, "name": t.name} for t in tags],
        starts_on=starts_on,
        window_days=window_days,
        control_share=control_share,
        created_by=created_by,
    )
    campaign.tags.set(tags)
    newest_agent = Subquery(
        Conversation.objects.filter(customer_id=OuterRef("pk"))
        .order_by("-created_at", "-pk")
        .values("agent_id")[:1]
    )
    agents = dict(
        Customer.objects.filter(pk__in=customer_ids)
        .annotate(newest_agent=newest_agent)
        .values_list("pk", "newest_agent")
    )
    members = []
    for customer_id in sorted(set(customer_ids)):
        group = winback.group_of(campaign.pk, customer_id, control_share)
        agent_id = agents.get(customer_id) if group == WinbackGroup.CONTACT else None
        members.append(
            WinbackMember(
                campaign=campaign, customer_id=customer_id, group=group, agent_id=agent_id
            )
        )
    WinbackMember.objects.bulk_create(members, batch_size=1000)
    return campaign
