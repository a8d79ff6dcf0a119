"""Every user-facing string in the user's language: the main pages, crawled as each role
would click through them, show no Chinese in the English UI outside the data (names,
messages, lexicon words), and no English interface sentence in the Chinese UI.

The data are what the database holds (every text field and JSON string), except a
Chinese name that has an English sibling ({"zh": …, "en": …}): in the English UI the
English one must be shown, so the Chinese one does not count as data there.
"""

from __future__ import annotations

import html
import re
from collections import deque
from pathlib import Path

import pytest
from django.apps import apps
from django.db import models
from django.test import Client

from conftest import SHANGHAI, native_conversation

CJK = re.compile(r"[\u3400-\u9fff][\u3400-\u9fff\u3000-\u303f\uff00-\uffef0-9 ·、]*")
SKIP = ("/static/", "/admin/", "/accounts/logout", "/logout", "/api/", "/metrics?")
PO = Path(__file__).resolve().parents[1] / "kefu/locale/zh_Hans/LC_MESSAGES/django.po"
# The language switcher names each language in itself.
ALWAYS = {"中文", "简体中文"}


def visible_text(body: str) -> str:
    """What a reader sees: text and the titles, labels and placeholders of elements."""
    body = re.sub(r"<script.*?</script>|<style.*?</style>|<!--.*?-->", " ", body, flags=re.S)
    body = re.sub(r'<option value="[^"]*"[^>]*>', "<option>", body)
    shown = re.findall(r'(?:title|aria-label|placeholder|alt)="([^"]*)"', body)
    text = re.sub(r"<[^>]+>", "\n", body)
    return html.unescape(text + "\n" + "\n".join(shown))


def data_strings(english: bool) -> list[str]:
    """Every text the database holds (see the module's docstring)."""
    out: list[str] = []

    def walk(value) -> None:
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                if english and key == "zh" and "en" in value:
                    continue
                walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)

    for model in apps.get_models():
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
        ]
        if not fields:
            continue
        for row in model._base_manager.values_list(*fields).iterator():
            walk(list(row))
    return out


def crawl(user, language: str, limit: int = 90) -> dict[str, str]:
    """url → visible text of up to `limit` pages reachable from / in two clicks."""
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    seen: dict[str, str] = {}
    queue = deque([("/", 0)])
    shapes: dict[str, int] = {}
    while queue and len(seen) < limit:
        url, depth = queue.popleft()
        if url in seen:
            continue
        response = client.get(url, follow=True)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            seen[url] = ""
            continue
        body = response.content.decode()
        seen[url] = visible_text(body)
        if depth >= 2:
            continue
        for href in re.findall(r'href="(/[^"#]*)"', body):
            href = html.unescape(href)
            if href.startswith(SKIP) or "export" in href or ".xlsx" in href or ".csv" in href:
                continue
            shape = re.sub(r"\d+", "N", href.split("?")[0])
            if shapes.get(shape, 0) >= 2:
                continue
            shapes[shape] = shapes.get(shape, 0) + 1
            queue.append((href, depth + 1))
    return seen


@pytest.fixture
def english_world(personas, import_records):
    """The personas with English names and conversations (so any Chinese on an English
    page that is not data is the interface's)."""
    from kefu.accounts.models import Agent, Team

    Team.objects.filter(name="售后一组").update(name="After-sales 1")
    Team.objects.filter(name="售前一组").update(name="Pre-sales 1")
    for external_id, name in (("A0001", "Zhang Wei"), ("A0007", "Li Na"), ("A0102", "Wang Qiang")):
        Agent.objects.filter(external_id=external_id).update(name=name)
    records = []
    for n, agent in enumerate(("A0007", "A0007", "A0102")):
        record = native_conversation(
            id=f"EN-{n}", agent=agent, created=native_created(n), category=["After-sales"]
        )
        record["customer"]["name"] = "Mary Smith"
        record["messages"][0]["text"] = "Where is my refund? I am going to complain."
        record["messages"][1]["text"] = "Hello, I am Li from support, what is your order number?"
        records.append(record)
    assert import_records(*records).rejected == 0
    return personas


def native_created(n: int):
    from datetime import datetime

    return datetime(2024, 5, 2 + n, 10, 15, tzinfo=SHANGHAI)


def msgids() -> list[str]:
    """The interface's English sentences: one-line msgids of three words or more and 12
    characters, without placeholders, translated differently."""
    text = PO.read_text(encoding="utf-8")
    out = []
    for msgid, msgstr in re.findall(r'^msgid "(.+)"\nmsgstr "(.*)"$', text, re.M):
        if msgid == msgstr or "%" in msgid or "{" in msgid or len(msgid) < 12:
            continue
        if len(msgid.split()) >= 3 and msgstr:
            out.append(msgid.replace('\\"', '"'))
    return out


ROLES = ["mia", "quinn", "alice", "sam", "adam", "tina"]


@pytest.mark.parametrize("role", ROLES)
def test_the_english_interface_shows_no_chinese_outside_the_data(english_world, role):
    data = "\n".join(data_strings(english=True))
    leaks: dict[str, str] = {}
    for url, text in crawl(getattr(english_world, role), "en").items():
        for found in CJK.findall(text):
            for run in re.split(r"[、·]", found):  # a list of data items is data
                run = run.strip()
                if run and run not in ALWAYS and run not in data:
                    leaks.setdefault(run, url)
    assert not leaks, "\n".join(f"{url}: {run}" for run, url in sorted(leaks.items()))


@pytest.mark.parametrize("role", ROLES)
def test_the_chinese_interface_shows_no_english_interface_sentence(english_world, role):
    data = "\n".join(data_strings(english=False))
    sentences = [m for m in msgids() if m not in data]
    leaks: dict[str, str] = {}
    for url, text in crawl(getattr(english_world, role), "zh-hans").items():
        for sentence in sentences:
            if sentence in text:
                leaks.setdefault(sentence, url)
    assert not leaks, "\n".join(f"{url}: {s}" for s, url in sorted(leaks.items()))
