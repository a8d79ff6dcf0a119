"""Live monitoring in two browsers on a real Uvicorn server (WebSockets need ASGI): a
customer message posted through the API raises an alert on the supervisor's console; the
supervisor listens, sends a suggestion from the library; it appears at once in the
agent's workspace, where the agent uses it and the reply reaches the listening page."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

KEFU = Path(sys.executable).with_name("kefu")
UVICORN = Path(sys.executable).with_name("uvicorn")
# As `make run` serves it (no per-message compression).
SERVER_ARGS = ["--host", "127.0.0.1", "--lifespan", "off", "--no-access-log",
               "--ws-per-message-deflate", "false"]  # fmt: skip
PASSWORD = "kefu2024"
SUGGESTION = "审核将在24小时内完成，我稍后短信同步进度"


@dataclass
class Site:
    url: str
    token: str
    agent: str  # the demo agent's external id


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_demo(folder: Path, *, setup_timeout_s: int = 300, start_timeout_s: int = 30
               ) -> Iterator[Site]:  # fmt: skip
    """A fresh demo installation (SQLite file in `folder`) served by Uvicorn in another
    process, for a module's `site` fixture (`yield from serve_demo(…)`)."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'demo.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "kefu.settings",
        "KEFU_MEDIA_ROOT": str(folder / "media"),
    }
    env.pop("REDIS_URL", None)  # the embedded default: one process, in-memory layer

    def kefu(*args: str) -> str:
        done = subprocess.run([str(KEFU), *args], env=env, capture_output=True, text=True,
                              timeout=setup_timeout_s)  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout

    kefu("migrate", "-v0")
    kefu("demo", "--seed", "42", "--size", "tiny")
    token = kefu("issue_token", "manager", "--name", "browser test").strip().splitlines()[-1]
    agent = kefu(
        "shell", "-c",
        "from kefu.accounts.models import Agent;"
        "print(Agent.objects.get(user__username='agent').external_id)",
    ).strip().splitlines()[-1]  # fmt: skip
    port = _free_port()
    server = subprocess.Popen(
        [str(UVICORN), "kefu.asgi:application", "--port", str(port), *SERVER_ARGS],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + start_timeout_s
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
    try:
        yield Site(f"http://127.0.0.1:{port}", token, agent)
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:
    """A fresh demo installation served by Uvicorn in another process."""
    yield from serve_demo(tmp_path_factory.mktemp("live"))


def api(site: Site, path: str, body) -> int:
    request = urllib.request.Request(
        site.url + path,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {site.token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def now(seconds: float = 0) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


def signed_in(browser, site: Site, username: str):
    context = browser.new_context(
        viewport={"width": 1440, "height": 900}, locale="en-US", base_url=site.url
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    tab.goto("/accounts/login/")
    tab.fill("#id_username", username)
    tab.fill("#id_password", PASSWORD)
    tab.click("form[action='/accounts/login/'] button[type=submit]")
    tab.wait_for_load_state()
    return context, tab


def test_an_alert_a_suggestion_and_the_agents_reply(browser, site, screenshot):
    # a customer starts a chat with the demo agent
    conversation = {
        "type": "conversation", "id": "LIVE-BROWSER-1", "channel": "chat", "status": "open",
        "customer": {"id": "U-LIVE-1"}, "agent": site.agent, "created_at": now(),
        "messages": [{"id": "m1", "role": "customer", "at": now(), "text": "你好，我的退款还没到"}],
    }  # fmt: skip
    assert api(site, "/api/v1/conversations", conversation) == 201

    supervisor_context, console = signed_in(browser, site, "supervisor")
    agent_context, workspace = signed_in(browser, site, "agent")
    try:
        console.goto("/live/")
        console.locator("tr[data-conversation='LIVE-BROWSER-1']").wait_for()
        console.locator("#live-status.ok").wait_for()

        # a customer who wrote 15 s ago, of the chat policy's 30 s first response: the row
        # turns "about to breach" 10 s before the deadline and "breached" at it, counted
        waiting = {
            "type": "conversation", "id": "LIVE-BROWSER-SLA", "channel": "chat",
            "status": "open", "customer": {"id": "U-LIVE-SLA"}, "agent": site.agent,
            "created_at": now(-15),
            "messages": [{"id": "m1", "role": "customer", "at": now(-15), "text": "在吗"}],
        }  # fmt: skip
        assert api(site, "/api/v1/conversations", waiting) == 201
        sla = console.locator("tr[data-conversation='LIVE-BROWSER-SLA'] td.sla .badge")
        sla.filter(has_text="即将超时").wait_for(timeout=15_000)
        sla.filter(has_text="已超时").wait_for(timeout=20_000)
        assert int(console.inner_text("#sla-breached-count")) >= 1
        screenshot(console, "live-console-sla")

        workspace.goto("/live/workspace/")
        workspace.locator(".workspace-conv[data-conversation='LIVE-BROWSER-1']").wait_for()
        workspace.locator("#live-status.ok").wait_for()

        # the customer threatens to complain: the alert appears on the console at once
        message = {"id": "m2", "role": "customer", "at": now(), "text": "再不处理我就投诉到12315"}
        assert api(site, "/api/v1/conversations/LIVE-BROWSER-1/messages", message) == 201
        alert = console.locator("#live-alerts .alert-item[data-rule='threat_to_complain']")
        alert.wait_for()
        assert "LIVE-BROWSER-1" in alert.inner_text()
        screenshot(console, "live-console-alert")

        # the supervisor listens and sends a suggestion from the library
        alert.locator("a").click()
        console.wait_for_url("**/live/conversations/LIVE-BROWSER-1/")
        console.locator("#live-status.ok").wait_for()
        console.select_option("#id_template", label=f"[进度] {SUGGESTION[:40]}")
        assert console.input_value("#id_text") == SUGGESTION
        console.click("#suggest-form button[type=submit]")
        console.wait_for_url("**/live/conversations/LIVE-BROWSER-1/")
        console.locator("#live-status.ok").wait_for()

        # it appears in the agent's workspace (never to the customer); the agent uses it
        suggestion = workspace.locator("#workspace-suggestions .suggestion", has_text=SUGGESTION)
        suggestion.wait_for()
        screenshot(workspace, "live-workspace-suggestion")
        suggestion.locator("button.use").click()
        card = workspace.locator(".workspace-conv[data-conversation='LIVE-BROWSER-1']")
        assert card.locator("textarea").input_value() == SUGGESTION
        card.locator(".reply-form button[type=submit]").click()
        card.locator(".msg-agent .msg-body", has_text=SUGGESTION).wait_for()

        # the listening supervisor sees the reply come in
        console.locator("#listen-messages .msg-agent .msg-body", has_text=SUGGESTION).wait_for()
        screenshot(console, "live-listen-reply")
    finally:
        supervisor_context.close()
        agent_context.close()


def test_an_alert_pushed_again_late_is_shown_once(browser, site, screenshot):
    """`kefu live_push_missed` pushes alerts whose push was not recorded (a web process
    died between its push and marking it). A console may already have one of them: it
    shows it once; an alert it never got appears."""
    sockets: list = []
    replayed: list[dict] = []

    def replay_alerts_late(ws) -> None:  # between the page and the real server
        server = ws.connect_to_server()
        sockets.append(ws)

        def from_server(message) -> None:
            ws.send(message)
            event = json.loads(message)
            if event.get("type") == "live.update" and event.get("alerts"):
                replayed.extend(event["alerts"])
                ws.send(json.dumps({"type": "live.alerts", "alerts": event["alerts"]}))

        server.on_message(from_server)

    context, console = signed_in(browser, site, "supervisor")
    try:
        console.route_web_socket("**/ws/live/console/", replay_alerts_late)
        console.goto("/live/")
        console.locator("#live-status.ok").wait_for()
        conversation = {
            "type": "conversation", "id": "LIVE-BROWSER-LATE", "channel": "chat",
            "status": "open", "customer": {"id": "U-LIVE-LATE"}, "agent": site.agent,
            "created_at": now(),
            "messages": [{"id": "m1", "role": "customer", "at": now(), "text": "你好"}],
        }  # fmt: skip
        assert api(site, "/api/v1/conversations", conversation) == 201
        console.locator("tr[data-conversation='LIVE-BROWSER-LATE']").wait_for()
        message = {"id": "m2", "role": "customer", "at": now(), "text": "再不处理我就投诉到12315"}
        assert api(site, "/api/v1/conversations/LIVE-BROWSER-LATE/messages", message) == 201
        threat = console.locator(
            "#live-alerts .alert-item[data-rule='threat_to_complain']", has_text="LIVE-BROWSER-LATE"
        )
        threat.wait_for()
        assert replayed, "the server pushed no alert"

        # an alert this console never got, pushed late: it appears. Events are handled in
        # order, so by then the replays sent before it were handled too.
        late = {**replayed[-1], "id": 2_000_000_000, "message_id": "m-late"}
        sockets[-1].send(json.dumps({"type": "live.alerts", "alerts": [late]}))
        console.locator("#live-alerts .alert-item[data-alert='2000000000']").wait_for()
        items = console.locator("#live-alerts .alert-item", has_text="LIVE-BROWSER-LATE")
        ours = {a["id"] for a in replayed if a["conversation"] == "LIVE-BROWSER-LATE"}
        assert items.count() == len(ours) + 1
        assert threat.count() == 1 + (late["rule"] == "threat_to_complain")
        screenshot(console, "live-console-late-push")
    finally:
        context.close()
