"""The live path end to end: messages posted through the API are evaluated as they are
stored, alerts are stored once per rule and message and pushed to the right consoles,
listeners and workspaces; every page, API call and socket checks who may see what."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from asgiref.sync import async_to_sync
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.core.management import call_command
from django.db.models import F
from django.test import Client
from django.utils import timezone

from conftest import drain, listen
from kefu.monitoring import broadcast, live
from kefu.monitoring.choices import InterventionKind, SuggestionStatus
from kefu.monitoring.models import Alert, Intervention, LiveState
from kefu.monitoring.routing import websocket_urlpatterns
from kefu.ops.jobs import JOBS

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def open_conversation(client: Client, cid: str, agent: str, text: str = "你好，在吗") -> None:
    now = timezone.now()
    body = {
        "type": "conversation",
        "id": cid,
        "channel": "chat",
        "status": "open",
        "customer": {"id": f"U-{cid}"},
        "agent": agent,
        "created_at": now.isoformat(),
        "messages": [{"id": "m1", "role": "customer", "at": now.isoformat(), "text": text}],
    }
    response = client.post("/api/v1/conversations", json.dumps(body), "application/json")
    assert response.status_code == 201, response.content


def post(client: Client, cid: str, *messages: dict) -> object:
    return client.post(
        f"/api/v1/conversations/{cid}/messages", json.dumps(list(messages)), "application/json"
    )


def say(mid: str, text: str, role: str = "customer", seconds: float = 0, agent: str = "A0007"):
    message = {"id": mid, "role": role, "text": text,
               "at": (timezone.now() + timedelta(seconds=seconds)).isoformat()}  # fmt: skip
    if role == "agent":
        message["agent"] = agent
    return message


@pytest.fixture
def room(personas):
    live.ensure_rules()
    live.forget_rules()
    ingest = client_for(personas.mia)  # managers may ingest
    open_conversation(ingest, "LIVE-A", "A0007")  # alice, 售后一组 (sam's team)
    open_conversation(ingest, "LIVE-B", "A0102")  # bob, 售前一组
    return personas, ingest


def test_a_posted_message_raises_its_alerts_once(room, django_capture_on_commit_callbacks):
    _personas, ingest = room
    response = post(ingest, "LIVE-A", say("m2", "再不处理我就投诉到12315"))
    assert response.status_code == 201
    alert = Alert.objects.get(conversation__external_id="LIVE-A", rule="threat_to_complain")
    assert alert.message_id == "m2" and alert.team.name == "售后一组"
    state = LiveState.objects.get(conversation__external_id="LIVE-A")
    assert state.is_live and state.risk > 0 and "threat_to_complain" in state.rules
    assert state.waiting_since is not None  # nobody answered yet
    # the same message again is refused (409) and evaluates nothing twice
    again = post(ingest, "LIVE-A", say("m2", "再不处理我就投诉到12315"))
    assert again.status_code == 409
    assert Alert.objects.filter(rule="threat_to_complain").count() == 1
    # an answer stops the wait
    post(ingest, "LIVE-A", say("m3", "您好，非常抱歉，我马上帮您处理", "agent"))
    state.refresh_from_db()
    assert state.waiting_since is None and state.message_count == 3


def test_messages_evaluated_again_keep_their_one_alert(room):
    # given a message whose alert is stored, and a live state that lost count of it (e.g.
    # restored from a backup taken between the two writes)
    _personas, ingest = room
    post(ingest, "LIVE-A", say("m2", "再不处理我就投诉到12315"))
    of_m2 = Alert.objects.filter(conversation__external_id="LIVE-A", message_id="m2")
    first = sorted(of_m2.values_list("pk", "rule"))
    assert "threat_to_complain" in {rule for _, rule in first}
    LiveState.objects.filter(conversation__external_id="LIVE-A").update(message_count=1)
    # when the conversation is written again, m2 is evaluated again
    post(ingest, "LIVE-A", say("m3", "在吗"))
    # then it keeps its alerts, once each, and the state counts every message
    assert sorted(of_m2.values_list("pk", "rule")) == first
    assert LiveState.objects.get(conversation__external_id="LIVE-A").message_count == 3


def test_alerts_reach_the_watching_groups_only(room, django_capture_on_commit_callbacks):
    _personas, ingest = room
    everyone = listen("live.all")
    team_a = listen(live.broadcast.team_group(_team_id("售后一组")))
    team_b = listen(live.broadcast.team_group(_team_id("售前一组")))
    with django_capture_on_commit_callbacks(execute=True):
        post(ingest, "LIVE-A", say("m2", "你们这什么破服务，气死我了"))

    got_all, got_a, got_b = (drain(c) for c in (everyone, team_a, team_b))
    assert [e["type"] for e in got_all] == ["live.update"]  # one event per message
    assert got_all[0]["state"]["conversation"] == "LIVE-A" and got_all[0]["group"] == "live.all"
    alerts = got_a[0]["alerts"]
    assert "anger" in {a["rule"] for a in alerts} and alerts[0]["conversation"] == "LIVE-A"
    assert got_b == []


def _team_id(name: str) -> int:
    from kefu.accounts.models import Team

    return Team.objects.get(name=name).pk


def test_an_old_open_conversation_from_history_is_not_live(personas, import_records):
    from conftest import native_conversation

    old = native_conversation(id="C-OLD-OPEN", status="open")
    old.pop("resolved_at", None)
    old.pop("closed_at", None)
    import_records(old)
    assert not LiveState.objects.filter(conversation__external_id="C-OLD-OPEN").exists()


def test_a_closed_conversation_leaves_the_console(room):
    _personas, ingest = room
    post(ingest, "LIVE-A", say("m2", "谢谢"))
    now = timezone.now().isoformat()
    body = {
        "type": "conversation", "id": "LIVE-A", "channel": "chat", "status": "closed",
        "customer": {"id": "U-LIVE-A"}, "agent": "A0007", "created_at": now,
        "resolved_at": now, "closed_at": now,
        "messages": [say("m1", "你好，在吗"), say("m2", "谢谢")],
    }  # fmt: skip
    ingest.post("/api/v1/conversations", json.dumps(body), "application/json")
    assert not LiveState.objects.get(conversation__external_id="LIVE-A").is_live


# --- pages ----------------------------------------------------------------------------------
@pytest.mark.parametrize("persona", ["alice", "quinn", "tina", "olga"])
def test_only_supervisors_and_managers_open_the_console(room, persona):
    personas, _ = room
    assert client_for(getattr(personas, persona)).get("/live/").status_code == 403


def test_the_console_lists_the_teams_live_conversations_riskiest_first(room):
    personas, ingest = room
    post(ingest, "LIVE-B", say("m2", "你们是骗子，我要投诉，律师函见"))
    post(ingest, "LIVE-A", say("m2", "好的"))
    manager = client_for(personas.mia).get("/live/")
    rows = [r["conversation"].external_id for r in manager.context["rows"]]
    assert rows == ["LIVE-B", "LIVE-A"]
    supervisor = client_for(personas.sam).get("/live/")
    assert [r["conversation"].external_id for r in supervisor.context["rows"]] == ["LIVE-A"]
    assert all(a["conversation"] == "LIVE-A" for a in supervisor.context["alerts"])


def test_the_console_shows_waits_about_to_breach_and_breached(room, personas):
    _personas, ingest = room
    # given a customer who wrote 25 s ago and one who wrote 40 s ago, both unanswered
    # (the shipped chat policy: first response within 30 s)
    open_conversation(ingest, "LIVE-C", "A0007")
    late = timezone.now() - timedelta(seconds=25)
    LiveState.objects.filter(conversation__external_id="LIVE-A").update(
        sla_due=late + timedelta(seconds=30), sla_warn_s=10
    )
    state = LiveState.objects.get(conversation__external_id="LIVE-C")
    # the live path stored the deadline: 30 s after the customer's first message
    first = state.conversation.messages.get(external_id="m1").at
    assert state.sla_due == first + timedelta(seconds=30) and state.sla_warn_s == 10
    LiveState.objects.filter(pk=state.pk).update(sla_due=timezone.now() - timedelta(seconds=10))
    page = client_for(personas.sam).get("/live/")
    rows = {row["conversation"].external_id: row["sla"] for row in page.context["rows"]}
    assert rows["LIVE-A"] == "at_risk" and rows["LIVE-C"] == "breached"
    assert page.context["sla_counts"] == {"ok": 0, "at_risk": 1, "breached": 1}
    html = page.content.decode()
    assert 'class="badge sla-at_risk">about to breach' in html
    assert 'class="badge sla-breached">breached' in html
    # the API says the same
    listed = client_for(personas.sam).get("/api/v1/live/conversations").json()
    assert {r["conversation"]: r["sla_state"] for r in listed} == rows
    # an answer ends the wait: nothing is due
    post(ingest, "LIVE-C", say("m2", "您好，请问有什么可以帮您？", role="agent", seconds=1))
    assert LiveState.objects.get(pk=state.pk).sla_due is None


def test_a_supervisor_listens_to_and_suggests_in_their_team_only(room):
    personas, _ = room
    sam = client_for(personas.sam)
    assert sam.get("/live/conversations/LIVE-A/").status_code == 200
    assert sam.get("/live/conversations/LIVE-B/").status_code == 404  # another team
    assert sam.post("/live/conversations/LIVE-B/suggest/", {"text": "x"}).status_code == 404
    response = sam.post("/live/conversations/LIVE-A/suggest/", {"text": "审核将在24小时内完成"})
    assert response.status_code == 302
    item = Intervention.objects.get(kind=InterventionKind.SUGGESTION)
    assert (item.supervisor, item.agent.external_id, item.status) == (
        personas.sam, "A0007", SuggestionStatus.PENDING,
    )  # fmt: skip
    # agents cannot send suggestions
    alice = client_for(personas.alice)
    assert alice.post("/live/conversations/LIVE-A/suggest/", {"text": "x"}).status_code == 403
    # take-over and escalation are recorded too
    sam.post("/live/conversations/LIVE-A/takeover/", {"note": "我来处理"})
    sam.post("/live/conversations/LIVE-A/escalate/")
    kinds = set(Intervention.objects.values_list("kind", flat=True))
    assert {"suggestion", "takeover", "escalate"} <= kinds


def test_the_workspace_is_the_agents_own(room):
    personas, _ = room
    alice = client_for(personas.alice).get("/live/workspace/")
    assert [c["conversation"].external_id for c in alice.context["conversations"]] == ["LIVE-A"]
    assert client_for(personas.mia).get("/live/workspace/").status_code == 403  # no agent


def test_the_workspace_names_the_supervisor_who_suggested(room):
    personas, _ = room
    personas.sam.first_name = "孙主管"
    personas.sam.save(update_fields=["first_name"])
    client_for(personas.sam).post("/live/conversations/LIVE-A/suggest/", {"text": "先致歉"})
    page = client_for(personas.alice).get("/live/workspace/").content.decode()
    assert "孙主管" in page and ">sam<" not in page


def test_the_report_counts_avoided_escalations(room):
    personas, _ingest = room
    sam = client_for(personas.sam)
    sam.post("/live/conversations/LIVE-A/suggest/", {"text": "我马上帮您加急"})
    report = sam.get("/live/report/")
    assert report.status_code == 200
    total = report.context["data"]["total"]
    assert (total["conversations"], total["avoided"], total["suggestions"]) == (1, 1, 1)
    assert client_for(personas.alice).get("/live/report/").status_code == 403


# --- sockets ----------------------------------------------------------------------------------
def _socket(path: str, user) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), path)
    communicator.scope["user"] = user
    return communicator


@pytest.mark.django_db(transaction=True)
def test_sockets_refuse_the_wrong_roles(personas):
    live.ensure_rules()
    ingest = client_for(personas.mia)
    open_conversation(ingest, "LIVE-B", "A0102")

    async def opens(path: str, user) -> tuple[bool, int | None]:
        communicator = _socket(path, user)
        connected, code = await communicator.connect()
        await communicator.disconnect()
        return connected, code

    run = async_to_sync(opens)
    assert run("/ws/live/console/", personas.alice) == (False, 4403)
    assert run("/ws/live/console/", personas.olga) == (False, 4403)
    assert run("/ws/live/console/", personas.sam)[0]
    assert run("/ws/live/conversations/LIVE-B/", personas.sam) == (False, 4403)
    assert run("/ws/live/conversations/LIVE-B/", personas.mia)[0]
    assert run("/ws/live/workspace/", personas.mia) == (False, 4403)
    assert run("/ws/live/workspace/", personas.bob)[0]
    # listening is recorded, and the agent is told nothing
    assert Intervention.objects.filter(kind=InterventionKind.LISTEN).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_suggestion_reaches_the_agent_who_replies_with_it(personas):
    live.ensure_rules()
    personas.sam.first_name = "孙主管"  # the agent sees who suggested by name, not log-in
    personas.sam.save(update_fields=["first_name"])
    open_conversation(client_for(personas.mia), "LIVE-A", "A0007")
    sam = client_for(personas.sam)

    async def scenario() -> tuple[dict, dict, dict]:
        workspace = _socket("/ws/live/workspace/", personas.alice)
        listener = _socket("/ws/live/conversations/LIVE-A/", personas.sam)
        assert (await workspace.connect())[0] and (await listener.connect())[0]
        from asgiref.sync import sync_to_async

        await sync_to_async(sam.post)(
            "/live/conversations/LIVE-A/suggest/", {"text": "我帮您加急处理"}
        )
        suggestion = await workspace.receive_json_from(timeout=3)
        await workspace.send_json_to({"action": "reply", "conversation": "LIVE-A",
                                      "text": "我帮您加急处理", "suggestion": suggestion["item"]["id"]})  # fmt: skip
        result = {}
        while result.get("type") != "live.result":  # the reply's own update may come first
            result = await workspace.receive_json_from(timeout=3)
        heard = None
        while heard is None or not heard.get("messages"):
            heard = await listener.receive_json_from(timeout=3)
        await workspace.disconnect()
        await listener.disconnect()
        return suggestion, result, heard

    suggestion, result, heard = async_to_sync(scenario)()
    assert (
        suggestion["type"] == "live.suggestion" and suggestion["item"]["text"] == "我帮您加急处理"
    )
    assert suggestion["item"]["supervisor"] == "孙主管"
    assert result["ok"] is True
    assert heard["messages"][0]["text"] == "我帮您加急处理"  # the listener saw the reply
    item = Intervention.objects.get(kind=InterventionKind.SUGGESTION)
    assert item.status == SuggestionStatus.USED


# --- REST API ---------------------------------------------------------------------------------
def test_the_api_gives_monitors_their_teams_and_agents_their_suggestions(room):
    personas, ingest = room
    post(ingest, "LIVE-A", say("m2", "再不处理我就投诉"))
    post(ingest, "LIVE-B", say("m2", "你们是骗子"))
    sam = client_for(personas.sam)
    rows = sam.get("/api/v1/live/conversations").json()
    assert [r["conversation"] for r in rows] == ["LIVE-A"] and rows[0]["risk"] > 0
    alerts = sam.get("/api/v1/live/alerts").json()
    assert {a["conversation"] for a in alerts} == {"LIVE-A"}
    newest = max(a["id"] for a in alerts)
    assert sam.get(f"/api/v1/live/alerts?after={newest}").json() == []
    everyone = client_for(personas.mia).get("/api/v1/live/conversations").json()
    assert {r["conversation"] for r in everyone} == {"LIVE-A", "LIVE-B"}
    for outsider in (personas.alice, personas.quinn, personas.olga):
        assert client_for(outsider).get("/api/v1/live/alerts").status_code == 403
    # a suggestion through the API, answered by the agent (and by nobody else)
    sent = sam.post("/api/v1/live/conversations/LIVE-A/suggestions",
                    json.dumps({"text": "先安抚，再说明退款时效"}), "application/json")  # fmt: skip
    assert sent.status_code == 201
    other = sam.post("/api/v1/live/conversations/LIVE-B/suggestions",
                     json.dumps({"text": "x"}), "application/json")  # fmt: skip
    assert other.status_code == 404
    answer = json.dumps({"used": False})
    url = f"/api/v1/live/suggestions/{sent.json()['id']}/response"
    assert client_for(personas.bob).post(url, answer, "application/json").status_code == 404
    done = client_for(personas.alice).post(url, answer, "application/json")
    assert done.status_code == 200 and done.json()["status"] == "dismissed"
    report = sam.get("/api/v1/live/report").json()
    assert report["total"]["suggestions"] == 1


@pytest.mark.parametrize("size", [0, 125, 126, 65535, 65536])
def test_a_hub_frame_is_what_a_websocket_client_reads(size):
    from websockets.frames import Frame, Opcode
    from websockets.streams import StreamReader

    from kefu.lib.server_adapter import frame_writer, text_frame

    payload = ("监" * size).encode()[:size]
    data = text_frame(payload)
    reader = StreamReader()
    reader.feed_data(data)
    parser = Frame.parse(reader.read_exact, mask=False)
    try:
        next(parser)
    except StopIteration as done:
        frame = done.value
    assert (frame.opcode, frame.fin, frame.data) == (Opcode.TEXT, True, payload)
    # only Uvicorn's protocol objects get the direct writer
    assert frame_writer(lambda message: None) is None


def test_the_hub_keeps_delivering_after_a_failed_read_of_the_channel_layer():
    import asyncio

    from kefu.monitoring.hub import Hub

    class FlakyLayer:
        """Redis timing out once under load, then the next event."""

        def __init__(self) -> None:
            self.reads = 0
            self.groups: dict[str, str] = {}

        async def new_channel(self, prefix: str) -> str:
            return prefix + "x"

        async def group_add(self, group: str, channel: str) -> None:
            self.groups[group] = channel

        async def receive(self, channel: str) -> dict:
            self.reads += 1
            if self.reads == 1:
                raise TimeoutError("Timeout reading from socket")
            if self.reads == 2:
                return {"type": "live.update", "group": "live.all", "alerts": [1]}
            await asyncio.sleep(3600)
            raise AssertionError("unreachable")

    class Console:
        frame_write = None

        def __init__(self) -> None:
            self.sent: list[dict] = []

        async def frame_send(self, message: dict) -> None:
            self.sent.append(message)

    async def scenario() -> list[dict]:
        layer, console, hub = FlakyLayer(), Console(), Hub()
        import kefu.monitoring.hub as module

        real = module.get_channel_layer
        module.get_channel_layer = lambda: layer
        try:
            await hub.join("live.all", console)
            for _ in range(100):
                if console.sent:
                    break
                await asyncio.sleep(0.02)
        finally:
            module.get_channel_layer = real
            hub._pump.cancel()
        return console.sent

    sent = asyncio.run(scenario())
    # the first read failed, the pump went on: the next event reached the console
    assert len(sent) == 1 and '"alerts":[1]' in sent[0]["text"]


# --- alerts stored but never pushed ---------------------------------------------------------
# The web process that stored one was killed between the commit and the push (the full
# topology run lost one alert that way), or the channel layer refused: `kefu
# live_push_missed` (the scheduler's job every minute) pushes it, once.
ANGRY = "再不处理我就投诉到12315"


def _store_without_push(ingest, monkeypatch, django_capture_on_commit_callbacks) -> Alert:
    """A message whose alert is stored, then its push fails (a process dying there)."""
    monkeypatch.setattr(broadcast, "send_many", lambda pairs: False)
    with django_capture_on_commit_callbacks(execute=True):
        assert post(ingest, "LIVE-A", say("m2", ANGRY)).status_code == 201
    monkeypatch.undo()
    alert = Alert.objects.get(conversation__external_id="LIVE-A", rule="threat_to_complain")
    assert alert.pushed_at is None
    return alert


def test_an_alert_pushed_after_its_commit_is_marked_and_never_pushed_again(
    room, django_capture_on_commit_callbacks
):
    _personas, ingest = room
    with django_capture_on_commit_callbacks(execute=True):
        post(ingest, "LIVE-A", say("m2", ANGRY))
    assert not Alert.objects.filter(pushed_at__isnull=True).exists()
    everyone = listen(broadcast.ALL)
    assert live.push_missed(timedelta(0)) == 0
    assert drain(everyone) == []


def test_an_alert_never_pushed_reaches_the_consoles_once_after_the_grace(
    room, monkeypatch, django_capture_on_commit_callbacks
):
    _personas, ingest = room
    alert = _store_without_push(ingest, monkeypatch, django_capture_on_commit_callbacks)
    everyone = listen(broadcast.ALL)
    team = listen(broadcast.team_group(_team_id("售后一组")))
    other_team = listen(broadcast.team_group(_team_id("售前一组")))
    listener = listen(broadcast.conversation_group(alert.conversation_id))
    # within the grace it is the storing process's to push
    assert live.push_missed() == 0
    # past it, the sweeper pushes it as `live.alerts` to the team's consoles and listeners
    Alert.objects.update(created_at=F("created_at") - timedelta(minutes=1))
    assert live.push_missed() >= 1
    got = drain(everyone)
    pushed = [a for e in got for a in e["alerts"] if a["rule"] == "threat_to_complain"]
    assert [e["type"] for e in got] == ["live.alerts"] * len(got)
    assert [(a["id"], a["conversation"], a["message_id"]) for a in pushed] == [
        (alert.pk, "LIVE-A", "m2")
    ]
    assert drain(team) and drain(listener) and drain(other_team) == []
    # and only once
    assert live.push_missed(timedelta(0)) == 0
    assert drain(everyone) == []


def test_a_failed_push_is_left_for_the_next_run(
    room, monkeypatch, django_capture_on_commit_callbacks
):
    _personas, ingest = room
    _store_without_push(ingest, monkeypatch, django_capture_on_commit_callbacks)
    monkeypatch.setattr(broadcast, "send_many", lambda pairs: False)
    assert live.push_missed(timedelta(0)) == 0
    monkeypatch.undo()
    assert Alert.objects.filter(pushed_at__isnull=True).exists()
    assert live.push_missed(timedelta(0)) >= 1
    assert not Alert.objects.filter(pushed_at__isnull=True).exists()


def test_the_command_runs_every_minute_from_the_scheduler(
    room, monkeypatch, django_capture_on_commit_callbacks
):
    _personas, ingest = room
    _store_without_push(ingest, monkeypatch, django_capture_on_commit_callbacks)
    out = StringIO()
    call_command("live_push_missed", "--grace-s", "0", stdout=out)
    assert out.getvalue().startswith("pushed ") and "pushed 0" not in out.getvalue()
    job = next(j for j in JOBS if j.name == "live_push_missed")
    assert job.cron == "* * * * *" and job.command == ("live_push_missed",)
