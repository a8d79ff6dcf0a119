"""The Django admin, for what has no page of its own yet, reads in Chinese: no English app
or model names ("Tasks Database Backend", "Axes", "API 令牌s")."""

from __future__ import annotations

import html as entities
import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

# Words that stay as they are in Chinese text: acronyms and the product's name.
KEPT = {"API", "KPI", "Kefu"}
APP_PAGES = ["/admin/", "/admin/accounts/", "/admin/django_tasks_database/", "/admin/axes/",
             "/admin/notifications/"]  # fmt: skip


def english_words(html: str, username: str) -> set[str]:
    html = re.sub(r"(?s)<script.*?</script>|<style.*?</style>", " ", html)
    text = entities.unescape(re.sub(r"<[^>]+>", " ", html)).replace(username, " ")
    return {w for w in re.findall(r"[A-Za-z]{3,}", text) if w not in KEPT}


@pytest.mark.django_db
@pytest.mark.parametrize("path", APP_PAGES)
def test_the_admin_index_reads_in_chinese(path):
    root = User.objects.create_superuser("root", password="x")
    client = Client()
    client.force_login(root)
    html = client.get(path, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert english_words(html, "root") == set()
    assert "令牌s" not in html


@pytest.mark.django_db
def test_the_admin_lists_the_renamed_apps():
    root = User.objects.create_superuser("root", password="x")
    client = Client()
    client.force_login(root)
    html = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    for name in ("后台任务", "登录锁定", "API 令牌", "Kefu 管理后台"):
        assert name in html
