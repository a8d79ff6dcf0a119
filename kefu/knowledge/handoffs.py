"""The improvement app's "knowledge gap" hand-off (kefu/improvement/handoffs.py): a root
cause of that kind becomes a request for a new article, which the knowledge owners see
in their queue. Registered from KnowledgeConfig.ready(); improvement never imports this
app."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from kefu.accounts import access
from kefu.audit.actions import record as audit
from kefu.audit.models import AuditAction
from kefu.improvement.models import Project
from kefu.improvement.selectors_analysis import kind_of
from kefu.knowledge import actions
from kefu.knowledge.choices import RequestKind
from kefu.lib.errors import Invalid, NotAllowed


def request_article(subject, *, user, request=None) -> int:
    """A request for a new article about the analysis's or project's problem and root
    cause, its reason naming where it came from. Audited on the subject (so its page shows
    the hand-off) and on the request. Returns 1."""
    if not access.manages_improvement(user):
        raise NotAllowed(_("this needs the permission to manage complaint analysis"))
    cause = subject.root_cause
    if cause is None:
        raise Invalid(_("name the root cause first"))
    if isinstance(subject, Project):
        url, object_type = reverse("improvement:project", args=[subject.pk]), "improvement.project"
    else:
        kind = kind_of(subject)
        url, object_type = reverse(f"improvement:{kind.key}", args=[subject.pk]), kind.object_type
    change = actions.request_change(
        user,
        kind=RequestKind.NEW,
        title=f"{subject.problem}：{cause.name}"[:200],
        reason=_("Knowledge gap found by the analysis “%(title)s” (%(url)s)")
        % {"title": subject.title, "url": url},
    )
    audit(
        AuditAction.KNOWLEDGE,
        user=user,
        request=request,
        object_type=object_type,
        object_id=str(subject.pk),
        detail={"handoff": "knowledge", "root_cause": cause.name, "request": change.pk},
    )
    return 1
