"""Changing a scorecard on its page: a new version, linear or banded lines, errors named."""

from __future__ import annotations

from conftest import client_for
from kefu.performance.models import Template


def _form(lines: list[dict]) -> dict:
    data = {
        "form-TOTAL_FORMS": str(len(lines)),
        "form-INITIAL_FORMS": "0",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "40",
        "note": "分档计分",
    }
    for n, line in enumerate(lines):
        data |= {f"form-{n}-{key}": value for key, value in line.items()}
    return data


def test_a_manager_saves_banded_and_linear_lines_as_a_new_version(personas):
    standard = Template.objects.get(family="standard", version=1)
    response = client_for(personas.mia).post(
        f"/performance/scorecards/{standard.pk}/edit/",
        _form(
            [
                {"dimension": "development", "source": "training.certified", "weight": "10",
                 "bands": "0:0；1:100"},
                {"dimension": "quality", "source": "qa.score", "weight": "90", "floor": "60",
                 "target": "95"},
            ]
        ),
    )  # fmt: skip
    assert response.status_code == 302
    saved = Template.objects.get(family="standard", version=2)
    lines = {line.source: line for line in saved.indicators.all()}
    assert (lines["training.certified"].mapping, lines["training.certified"].bands) == (
        "bands",
        [[0.0, 0.0], [1.0, 100.0]],
    )
    assert lines["qa.score"].mapping == "linear"
    page = client_for(personas.alice).get("/performance/scorecards/").content.decode()
    assert "0:0; 1:100" in page


def test_a_linear_line_without_a_target_is_refused_with_its_field(personas):
    standard = Template.objects.get(family="standard", version=1)
    response = client_for(personas.mia).post(
        f"/performance/scorecards/{standard.pk}/edit/",
        _form([{"dimension": "quality", "source": "qa.score", "weight": "90", "floor": "60"}]),
    )
    assert response.status_code == 200
    assert response.context["formset"].forms[0].errors["target"]
    assert not Template.objects.filter(family="standard", version=2).exists()


def test_only_managers_change_scorecards(personas):
    standard = Template.objects.get(family="standard", version=1)
    for user in (personas.alice, personas.sam, personas.tina):
        assert (
            client_for(user).get(f"/performance/scorecards/{standard.pk}/edit/").status_code == 403
        )
