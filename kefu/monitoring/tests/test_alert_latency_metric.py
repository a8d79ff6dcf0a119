"""The live alert latency histogram (/metrics, docs/deployment.md) counts each pushed alert."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from kefu.monitoring.tests.test_live import post, room, say  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def pushed() -> float:
    return REGISTRY.get_sample_value("kefu_live_alert_latency_seconds_count") or 0.0


def test_each_pushed_alert_is_timed(room, django_capture_on_commit_callbacks):  # noqa: F811
    _personas, ingest = room
    before = pushed()
    # a message without alerts: nothing timed
    with django_capture_on_commit_callbacks(execute=True):
        post(ingest, "LIVE-A", say("m2", "您好，我想问一下发货时间"))
    assert pushed() == before
    # a message that raises alerts: each one timed when pushed
    with django_capture_on_commit_callbacks(execute=True):
        post(ingest, "LIVE-A", say("m3", "再不处理我就投诉到12315"))
    from kefu.monitoring.models import Alert

    raised = Alert.objects.filter(conversation__external_id="LIVE-A", message_id="m3").count()
    assert raised >= 1
    assert pushed() == before + raised
    assert REGISTRY.get_sample_value("kefu_live_alert_latency_seconds_sum") < 60
