"""Reads of the analyses (5-Why, fishbone, case retrospective): the three kinds, the rows
a user may read, the linked conversations a user may see, the last hand-off.

Analyses are department work (kefu/improvement/apps.py): read by supervisors and the
department roles, edited with MANAGE_IMPROVEMENT, never seen by agents. A linked
conversation is listed only to whoever may see that conversation."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kefu.accounts import access
from kefu.audit.models import AuditLog
from kefu.improvement.models import Fishbone, FiveWhy, Retrospective
from kefu.interactions.models import Conversation

FIVE_WHY = "fivewhy"
FISHBONE = "fishbone"
RETROSPECTIVE = "retrospective"


@dataclass(frozen=True)
class Kind:
    key: str  # also the URL names' prefix and the audit's object type suffix
    model: type[FiveWhy] | type[Fishbone] | type[Retrospective]
    slug: str  # the pages' path segment under /improvement/analyses/
    label: Promise
    plural: Promise

    @property
    def object_type(self) -> str:
        return f"improvement.{self.key}"

    # URL names (kefu/improvement/views_analysis.py)
    @property
    def url_list(self) -> str:
        return f"improvement:{self.key}_list"

    @property
    def url_new(self) -> str:
        return f"improvement:{self.key}_new"

    @property
    def url_detail(self) -> str:
        return f"improvement:{self.key}"

    @property
    def url_edit(self) -> str:
        return f"improvement:{self.key}_edit"

    @property
    def url_handoff(self) -> str:
        return f"improvement:{self.key}_handoff"


KINDS: dict[str, Kind] = {
    FIVE_WHY: Kind(FIVE_WHY, FiveWhy, "five-why", _("5-Why analysis"), _("5-Why analyses")),
    FISHBONE: Kind(FISHBONE, Fishbone, "fishbone", _("Fishbone diagram"), _("Fishbone diagrams")),
    RETROSPECTIVE: Kind(
        RETROSPECTIVE,
        Retrospective,
        "retrospectives",
        _("Case retrospective"),
        _("Case retrospectives"),
    ),
}


def kind_of(analysis: FiveWhy | Fishbone | Retrospective) -> Kind:
    return next(k for k in KINDS.values() if isinstance(analysis, k.model))


def analyses(user, kind: Kind) -> QuerySet:
    """The analyses of a kind this user may read (none for agents)."""
    return access.restrict(kind.model.objects.all(), user).select_related(
        "root_cause__parent", "created_by"
    )


def editable(user, kind: Kind) -> QuerySet:
    return access.restrict(kind.model.objects.all(), user, access.CHANGE)


def linked_conversations(analysis, user) -> QuerySet[Conversation]:
    """The analysis's conversations that this user may see, newest first."""
    return (
        access.restrict(analysis.conversations.all(), user)
        .select_related("agent", "customer", "team")
        .order_by("-created_at", "-pk")
    )


def last_handoff(object_type: str, object_id: int) -> AuditLog | None:
    """The latest hand-off recorded for an analysis or project (the audit trail is its
    record: kefu/improvement/handoffs.py)."""
    return (
        AuditLog.objects.filter(
            object_type=object_type, object_id=str(object_id), detail__has_key="handoff"
        )
        .select_related("user")
        .order_by("-at", "-pk")
        .first()
    )
