"""SOP steps and version diffs (pure)."""

from __future__ import annotations

import pytest

from kefu.knowledge.core import diff, quality, sop


def test_it_parses_numbered_steps_with_branches():
    steps = sop.parse_text(
        "1. 核实订单状态\n   - 如果 订单未支付 → 3\n2. 联系仓库\n   补充说明\n3. 回复客户"
    )
    assert [s.n for s in steps] == [1, 2, 3]
    assert steps[0].branches == (sop.Branch("订单未支付", 3),)
    assert steps[1].text == "联系仓库 补充说明"
    assert sop.parse_text(sop.to_text(steps)) == steps


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ([{"n": 2, "text": "a"}], "numbered"),
        ([{"n": 1, "text": ""}], "empty"),
        ([{"n": 1, "text": "a", "branches": [{"if": "x", "goto": 5}]}], "missing_step"),
        ([{"n": 1, "text": "a", "branches": [{"if": "x", "goto": 1}]}], "self"),
        ([{"n": 1, "text": "a", "branches": [{"if": "", "goto": 1}]}], "no_condition"),
        ([{"n": 1, "text": "a", "branches": [{"if": "x", "goto": "2"}]}], "bad_goto"),
        ("1. a", "not_list"),
    ],
)
def test_it_refuses_bad_steps(data, code):
    with pytest.raises(sop.StepError) as exc:
        sop.check(data)
    assert code in [c for _n, c, _v in exc.value.errors]


def test_text_that_does_not_start_with_a_step_is_refused():
    with pytest.raises(sop.StepError):
        sop.parse_text("先核实订单")


def test_the_diff_marks_changed_lines_and_characters():
    rows = diff.diff(["退款1-3天到账", "同上"], ["退款1-5天到账", "同上", "新增"])
    assert [r.tag for r in rows] == ["replace", "equal", "insert"]
    assert ("3", True) in rows[0].old and ("5", True) in rows[0].new
    assert diff.changed(rows) == 2


def test_quality_score_is_the_share_of_criteria_met():
    answers = {c: True for c in quality.CRITERIA[:3]}
    assert quality.score(answers) == pytest.approx(3 / len(quality.CRITERIA))
    assert quality.score({}) is None
    assert quality.index([answers, quality.clean({})]) == pytest.approx(
        3 / len(quality.CRITERIA) / 2
    )
