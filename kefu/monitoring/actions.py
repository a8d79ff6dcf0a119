"""Writes of live monitoring: interventions (listening, suggestions, take-over,
escalation to an expert), the agent's answers to suggestions and replies, acknowledged
alerts, the suggestion library. Each validates, writes, audits and pushes after the
commit; refusals are ActionError (the API and pages turn them into 4xx)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from kefu.accounts import access
from kefu.audit.actions import record as audit
from kefu.audit.models import AuditAction
from kefu.core.params import parse_id
from kefu.interactions.actions import append_messages
from kefu.interactions.models import Conversation
from kefu.lib.errors import ActionError, Invalid, NotAllowed, NotFound
from kefu.lib.people import person_name
from kefu.monitoring import broadcast
from kefu.monitoring.choices import InterventionKind, SuggestionStatus
from kefu.monitoring.models import Alert, Intervention, SuggestionTemplate

MAX_TEXT = 1000
DEFAULT_TEMPLATES = (
    ("进度", "审核将在24小时内完成，我稍后短信同步进度"),
    ("安抚", "非常理解您的心情，这件事我会负责跟进到底，给您添麻烦了"),
    ("安抚", "抱歉让您久等了，我这边马上为您加急处理"),
    ("物流", "我已经联系快递加急派送，预计明天送达，到时候会短信通知您"),
    ("退款", "退款已提交，一般1-3个工作日原路退回，我会持续帮您关注"),
    ("补偿", "为表歉意，我为您申请了一张无门槛优惠券，稍后会发放到您的账户"),
    ("升级", "您的问题我已升级给专家组，专员会在2小时内联系您"),
    ("确认", "为了准确帮您处理，我跟您确认一下：您是想……，对吗？"),
)


def ensure_templates() -> None:
    if not SuggestionTemplate.objects.exists():
        SuggestionTemplate.objects.bulk_create(
            [SuggestionTemplate(category=c, text=t) for c, t in DEFAULT_TEMPLATES]
        )


def _conversation_for(user, external_id: Any) -> Conversation:
    """A conversation the user may listen to and act on, else NotFound (no hint that it
    exists)."""
    conversation = (
        access.listenable(user).filter(external_id=str(external_id or "")).first()
        if external_id
        else None
    )
    if conversation is None:  # outside the user's teams is not found, like a wrong id
        raise NotFound("no such live conversation in your teams")
    return conversation


def _text(raw: Any) -> str:
    if raw is not None and not isinstance(raw, str):
        raise Invalid("the text must be a string")
    text = (raw or "").strip()
    if not text:
        raise Invalid("the text is empty")
    if len(text) > MAX_TEXT:
        raise Invalid(f"at most {MAX_TEXT} characters, got {len(text)}")
    return text


def _alert(conversation: Conversation, alert_id: Any) -> Alert | None:
    if alert_id in (None, ""):
        return None
    alert = Alert.objects.filter(pk=parse_id(alert_id), conversation=conversation).first()
    if alert is None:
        raise Invalid("no such alert on this conversation")
    return alert


def intervention_payload(item: Intervention) -> dict:
    return {
        "id": item.pk,
        "kind": item.kind,
        "kind_label": str(item.get_kind_display()),
        "text": item.text,
        "status": item.status,
        "alert": item.alert_id,
        "supervisor": person_name(item.supervisor),
        "created_at": timezone.localtime(item.created_at).isoformat() if item.created_at else "",
    }


def _record(user, conversation: Conversation, kind: str, **fields) -> Intervention:
    item = Intervention.objects.create(
        conversation=conversation,
        kind=kind,
        supervisor=user,
        agent_id=conversation.agent_id,
        team_id=conversation.team_id,
        **fields,
    )
    audit(
        AuditAction.LISTEN if kind == InterventionKind.LISTEN else AuditAction.INTERVENE,
        user=user,
        object_type=f"live.{kind}",
        object_id=conversation.external_id,
        detail={"intervention": item.pk, "text": item.text, "alert": item.alert_id},
    )
    return item


def start_listening(user, external_id: str) -> int | None:
    """Record a silent-listening session; the conversation's pk, or None if refused."""
    try:
        conversation = _conversation_for(user, external_id)
    except NotFound:
        return None
    _record(user, conversation, InterventionKind.LISTEN)
    return conversation.pk


@transaction.atomic
def send_suggestion(
    user, external_id: str, text: Any, *, template_id: Any = None, alert_id: Any = None
) -> Intervention:
    """A suggested sentence for the agent (never shown to the customer)."""
    conversation = _conversation_for(user, external_id)
    template = None
    if template_id not in (None, ""):
        template_pk = parse_id(template_id)
        templates = SuggestionTemplate.objects.filter(pk=template_pk, enabled=True)
        template = templates.first() if template_pk else None
        if template is None:
            raise Invalid("no such suggestion template")
    body = _text(text if str(text or "").strip() else (template.text if template else ""))
    item = _record(
        user,
        conversation,
        InterventionKind.SUGGESTION,
        text=body,
        template=template,
        alert=_alert(conversation, alert_id),
        status=SuggestionStatus.PENDING,
    )
    _push(item, "live.suggestion")
    return item


@transaction.atomic
def take_action(user, external_id: str, kind: str, note: Any = "", alert_id: Any = None):
    """Take-over or escalation to an expert, recorded and told to the agent."""
    if kind not in (InterventionKind.TAKEOVER, InterventionKind.ESCALATE):
        raise Invalid("kind must be takeover or escalate")
    conversation = _conversation_for(user, external_id)
    note_text = str(note or "").strip()[:MAX_TEXT]
    item = _record(user, conversation, kind, text=note_text, alert=_alert(conversation, alert_id))
    _push(item, "live.intervention")
    return item


def _push(item: Intervention, event_type: str) -> None:
    payload = intervention_payload(item) | {"conversation": item.conversation.external_id}
    groups = [broadcast.conversation_group(item.conversation_id)]
    if item.agent_id:
        groups.append(broadcast.agent_group(item.agent_id))
    transaction.on_commit(lambda: broadcast.send(groups, {"type": event_type, "item": payload}))


def answer_suggestion(user, suggestion_id: Any, *, used: bool) -> Intervention:
    """The conversation's agent uses or dismisses a pending suggestion: NotFound outside
    the user's own conversations, Invalid once answered."""
    suggestions = Intervention.objects.select_related("conversation").filter(
        kind=InterventionKind.SUGGESTION
    )
    item = access.restrict(suggestions, user, access.CHANGE).filter(pk=parse_id(suggestion_id))
    item = item.first()
    if item is None:
        raise NotFound("no such suggestion")
    if item.status != SuggestionStatus.PENDING:
        raise Invalid(f"already {item.status}")
    item.status = SuggestionStatus.USED if used else SuggestionStatus.DISMISSED
    item.responded_at = timezone.now()
    item.save(update_fields=["status", "responded_at"])
    payload = intervention_payload(item) | {"conversation": item.conversation.external_id}
    broadcast.send(
        [broadcast.conversation_group(item.conversation_id)],
        {"type": "live.intervention", "item": payload},
    )
    return item


def respond_to_suggestion(user, suggestion_id: Any, *, used: bool) -> dict:
    """`answer_suggestion` for the workspace socket: a result, never an exception."""
    try:
        item = answer_suggestion(user, suggestion_id, used=used)
    except ActionError as exc:
        return {"ok": False, "error": exc.detail}
    return {"ok": True, "suggestion": item.pk, "status": item.status}


def agent_reply(user, external_id: Any, text: Any, suggestion_id: Any = None) -> dict:
    """An agent's reply from the workspace: appended like any API message (so it is
    evaluated live), optionally marking the suggestion it came from as used."""
    agent_id = access.workspace_agent_id(user)
    if agent_id is None:
        return {"ok": False, "error": "no such conversation of yours"}
    own = Conversation.objects.filter(agent_id=agent_id)
    if not isinstance(external_id, str):
        return {"ok": False, "error": "no such conversation of yours"}
    if suggestion_id not in (None, "") and parse_id(suggestion_id) is None:
        return {"ok": False, "error": "no such suggestion"}
    try:
        body = _text(text)
        result = append_messages(user, own, external_id, [{"role": "agent", "text": body}])
    except NotFound:
        return {"ok": False, "error": "no such conversation of yours"}
    except ActionError as exc:
        return {"ok": False, "error": exc.detail}
    if suggestion_id not in (None, ""):
        respond_to_suggestion(user, suggestion_id, used=True)
    return {"ok": True, "conversation": result.record.id, "messages": result.message_ids}


def acknowledge_alert(user, alert_id: Any) -> bool:
    alerts = access.restrict(Alert.objects.all(), user, access.CHANGE)
    alert = alerts.filter(pk=parse_id(alert_id)).first()
    if alert is None:  # outside the user's teams is not found, like a wrong id
        return False
    if alert.acknowledged_at is None:
        Alert.objects.filter(pk=alert.pk).update(
            acknowledged_by=user, acknowledged_at=timezone.now()
        )
    return True


def add_template(user, text: Any, category: Any = "") -> SuggestionTemplate:
    if not access.can_monitor(user):
        raise NotAllowed("only supervisors and managers edit the suggestion library")
    item = SuggestionTemplate.objects.create(
        text=_text(text), category=str(category or "").strip()[:50], created_by=user
    )
    audit(
        AuditAction.CHANGE_SETTINGS,
        user=user,
        object_type="live.template",
        object_id=str(item.pk),
        detail={"text": item.text, "category": item.category},
    )
    return item
