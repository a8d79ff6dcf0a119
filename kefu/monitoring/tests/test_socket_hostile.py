"""Hostile frames on the live sockets: every frame gets an answer, none closes the socket
or raises in the server (binary, not JSON, not an object, huge ids, wrong types)."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from kefu.monitoring import live
from kefu.monitoring.routing import websocket_urlpatterns
from kefu.monitoring.tests.test_live import client_for, open_conversation

HOSTILE_FRAMES = [
    {"text_data": "not json"},
    {"text_data": "[1, 2]"},
    {"text_data": '"a string"'},
    {"text_data": "null"},
    {"bytes_data": b"\x00\xff binary"},
    {"text_data": '{"action": "ack", "alert": 9223372036854775808}'},
    {"text_data": '{"action": "ack", "alert": 1e999}'},
    {"text_data": '{"action": "ack", "alert": -1}'},
    {"text_data": '{"action": "ack", "alert": [1]}'},
    {"text_data": '{"action": "reply", "conversation": ["LIVE-A"], "text": {"a": 1}}'},
    {
        "text_data": '{"action": "reply", "conversation": "LIVE-A", "text": "x", "suggestion": 1e308}'
    },
    {"text_data": '{"action": "use", "suggestion": 9223372036854775808}'},
    {"text_data": '{"action": "dismiss", "suggestion": "1; drop table"}'},
    {"text_data": '{"action": ["reply"]}'},
]


def _socket(path: str, user) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), path)
    communicator.scope["user"] = user
    return communicator


async def _answers(path: str, user, frames: list[dict]) -> list[dict]:
    socket = _socket(path, user)
    connected, _ = await socket.connect()
    assert connected
    answers = []
    for frame in frames:
        await socket.send_to(**frame)
        answer = await socket.receive_json_from(timeout=3)
        while answer.get("type") not in ("live.result", "live.ack", "live.error"):
            answer = await socket.receive_json_from(timeout=3)  # pushed events in between
        answers.append(answer)
    # still open and still working: a well-formed frame after all the hostile ones
    await socket.send_json_to({"action": "unknown"})
    answers.append(await socket.receive_json_from(timeout=3))
    await socket.disconnect()
    return answers


@pytest.mark.django_db(transaction=True)
def test_it_answers_hostile_frames_on_the_workspace_and_stays_open(personas):
    live.ensure_rules()
    open_conversation(client_for(personas.mia), "LIVE-A", "A0007")

    answers = async_to_sync(_answers)("/ws/live/workspace/", personas.alice, HOSTILE_FRAMES)

    assert len(answers) == len(HOSTILE_FRAMES) + 1
    assert [a for a in answers if a.get("ok") is not False] == []
    assert [a for a in answers if not a.get("error")] == []


@pytest.mark.django_db(transaction=True)
def test_it_answers_hostile_frames_on_the_console_and_stays_open(personas):
    live.ensure_rules()

    answers = async_to_sync(_answers)("/ws/live/console/", personas.sam, HOSTILE_FRAMES)

    assert len(answers) == len(HOSTILE_FRAMES) + 1
    assert [a for a in answers if a.get("ok") is not False] == []


@pytest.mark.django_db(transaction=True)
def test_it_refuses_a_frame_over_the_size_limit(personas):
    live.ensure_rules()
    open_conversation(client_for(personas.mia), "LIVE-A", "A0007")
    huge = '{"action": "reply", "conversation": "LIVE-A", "text": "' + "长" * 70_000 + '"}'

    answers = async_to_sync(_answers)("/ws/live/workspace/", personas.alice, [{"text_data": huge}])

    assert answers[0]["ok"] is False
    assert (
        "64" in answers[0]["error"]
        or "large" in answers[0]["error"]
        or "过大" in answers[0]["error"]
    )
