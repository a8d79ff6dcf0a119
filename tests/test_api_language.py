"""The API's error messages in Chinese and English (issue 14): the `detail` and the
validation reasons follow Accept-Language (Chinese without one); field names and status
codes stay the same in both."""

from __future__ import annotations

import pytest
from django.test import Client

from kefu.accounts.models import ApiToken


@pytest.fixture
def bearer(personas) -> dict[str, str]:
    _, raw = ApiToken.issue(personas.mia, "lang")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def get(path: str, language: str | None, **headers):
    if language is not None:
        headers["HTTP_ACCEPT_LANGUAGE"] = language
    return Client().get(path, **headers)


BAD = "/api/v1/conversations?from=0001-01-01&limit=0"


@pytest.mark.parametrize("language", ["zh-hans", "zh-CN,zh;q=0.9", None])
def test_it_answers_a_bad_request_in_chinese_by_default(bearer, language):
    response = get(BAD, language, **bearer)
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "请求无效"
    reasons = {e["field"]: e["reason"] for e in body["errors"]}
    assert reasons["query.limit"] == "不能小于 1"
    assert reasons["query.from"].startswith("必须是 2000-01-01 至")


@pytest.mark.parametrize("language", ["en", "en-US,en;q=0.9", "fr, en;q=0.5"])
def test_it_answers_the_same_bad_request_in_english(bearer, language):
    response = get(BAD, language, **bearer)
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "invalid request"
    reasons = {e["field"]: e["reason"] for e in body["errors"]}
    assert reasons["query.limit"] == "must be at least 1"
    assert reasons["query.from"].startswith("must be a day from 2000-01-01 to")


def test_refusals_and_missing_credentials_follow_the_language_too(personas, bearer):
    _, agent_raw = ApiToken.issue(personas.alice, "lang")
    agent = {"HTTP_AUTHORIZATION": f"Bearer {agent_raw}"}
    assert get("/api/v1/wfm/forecast", "en", **agent).json()["detail"] == (
        "workforce planning needs the workforce permission"
    )
    assert get("/api/v1/wfm/forecast", "zh-hans", **agent).json()["detail"] == (
        "排班规划需要“排班”权限"
    )
    assert get("/api/v1/me", "en").json() == {"detail": "Unauthorized"}
    assert get("/api/v1/me", None).json()["detail"].startswith("未认证")
    assert get("/api/v1/reviews/x", "en", **bearer).json() == {"detail": "Not Found"}
    assert get("/api/v1/reviews/x", None, **bearer).json() == {"detail": "未找到"}


def test_the_web_pages_stay_chinese_whatever_the_browser_says(personas):
    client = Client()
    client.force_login(personas.mia)
    response = client.get("/conversations/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.headers["Content-Language"] == "zh-hans"
