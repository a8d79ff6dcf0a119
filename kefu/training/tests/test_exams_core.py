"""The exam cores without a database: drawing, grading, item analysis (against a
hand-computed example), pre/post, and the question file format."""

from __future__ import annotations

import math
from collections import Counter
from decimal import Decimal

import pytest

from kefu.training.core import drawing, grading, item_analysis, prepost, question_rows
from kefu.training.core.drawing import Candidate, Part
from kefu.training.core.item_analysis import ItemScore

# --- drawing ---------------------------------------------------------------------------------


def bank(n: int = 40) -> list[Candidate]:
    areas = ("basic", "complaint", "coordination", "product")
    kinds = ("single", "multiple", "true_false", "fill")
    return [Candidate(i, areas[i % 4], 1 + i % 5, kinds[(i // 4) % 4]) for i in range(1, n + 1)]


def test_it_draws_the_same_paper_for_the_same_seed_and_another_for_another():
    parts = [Part(5, area="basic"), Part(5, kind="single")]
    first = drawing.draw(bank(), parts, seed=7)
    assert first == drawing.draw(bank(), parts, seed=7)
    assert first == drawing.draw(list(reversed(bank())), parts, seed=7)  # input order: no
    papers = {tuple(drawing.draw(bank(), parts, seed=s)) for s in range(20)}
    assert len(papers) == 20


def test_it_fills_each_part_with_distinct_questions_that_match_it():
    questions = {q.id: q for q in bank(80)}
    parts = [Part(3, area="complaint", difficulty=2), Part(4, kind="fill"), Part(6)]
    for seed in range(50):
        paper = drawing.draw(bank(80), parts, seed=seed)
        assert len(paper) == len(set(paper)) == 13
        first, second = paper[:3], paper[3:7]
        assert all(questions[q].area == "complaint" and questions[q].difficulty == 2 for q in first)
        assert all(questions[q].kind == "fill" for q in second)


def test_it_rematches_overlapping_parts_instead_of_running_short():
    # Part 1 (any basic question) may take the two difficulty-3 questions part 2 needs;
    # the matching moves part 1 onto the others.
    pool = [
        Candidate(1, "basic", 3, "single"),
        Candidate(2, "basic", 3, "single"),
        Candidate(3, "basic", 1, "single"),
        Candidate(4, "basic", 2, "single"),
    ]
    parts = [Part(2, area="basic"), Part(2, area="basic", difficulty=3)]
    for seed in range(200):
        paper = drawing.draw(pool, parts, seed=seed)
        assert set(paper[:2]) == {3, 4} and set(paper[2:]) == {1, 2}


def test_it_refuses_a_paper_the_bank_cannot_fill():
    with pytest.raises(drawing.Shortfall) as refused:
        drawing.draw(bank(), [Part(2, kind="single"), Part(3, area="nowhere")], seed=1)
    assert (refused.value.part, refused.value.wanted, refused.value.available) == (1, 3, 0)
    pool = [Candidate(1, "basic", 3, "single"), Candidate(2, "basic", 3, "single")]
    with pytest.raises(drawing.Shortfall):
        drawing.draw(pool, [Part(1, difficulty=3), Part(2, area="basic")], seed=1)
    assert drawing.available(pool, Part(1, area="basic")) == 2


def test_it_draws_every_candidate_about_equally_often():
    pool = [Candidate(i, "basic", 3, "single") for i in range(10)]
    counts: Counter[int] = Counter()
    runs = 3000
    for seed in range(runs):
        counts.update(drawing.draw(pool, [Part(2)], seed=seed))
    # each is in 20 % of the papers; 3,000 papers: σ ≈ 0.7 %
    assert all(0.17 < counts[i] / runs < 0.23 for i in range(10)), counts


def test_it_refuses_an_overlong_paper():
    with pytest.raises(ValueError):
        drawing.draw(bank(300), [Part(drawing.MAX_QUESTIONS + 1)], seed=1)


# --- grading ---------------------------------------------------------------------------------


def key(kind: str, answer: list, points: float = 2, choices: int = 4) -> grading.Key:
    return grading.Key(kind, answer, points, choices)


def test_it_normalises_fill_answers_for_width_case_and_spaces():
    assert grading.normalise_fill("ＶＩＰ　会员 ") == grading.normalise_fill("vip会员") == "vip会员"
    assert grading.normalise_fill("Ａｂｃ １２３") == "abc123"
    assert grading.normalise_fill("7 天无理由") == "7天无理由"


def test_it_grades_single_and_true_false():
    assert grading.grade(key("single", [2]), [2]) == grading.Grade(2.0, True)
    assert grading.grade(key("single", [2]), [1]) == grading.Grade(0.0, False)
    assert grading.grade(key("true_false", [False]), [False]).correct is True
    assert grading.grade(key("true_false", [False]), [True]).points == 0.0


def test_it_grades_multiple_choice_all_or_nothing():
    k = key("multiple", [0, 2, 3], points=3)
    assert grading.grade(k, [0, 2, 3]) == grading.Grade(3.0, True)
    assert grading.grade(k, [0, 2]) == grading.Grade(0.0, False)  # one missing
    assert grading.grade(k, [0, 1, 2, 3]) == grading.Grade(0.0, False)  # one extra
    assert grading.grade(k, grading.clean_response("multiple", [3, 0, 2, 2], 4)).correct


def test_it_grades_fill_against_several_accepted_answers():
    k = key("fill", ["7天无理由退货", "七天无理由退货"])
    assert grading.grade(k, ["７天 无理由退货"]).correct
    assert grading.grade(k, ["七天无理由退货"]).correct
    assert not grading.grade(k, ["15天无理由退货"]).correct
    assert grading.grade(key("fill", ["VIP"]), ["vip"]).points == 2.0


def test_it_leaves_short_and_scenario_answers_to_a_trainer():
    assert grading.grade(key("short", []), ["先道歉再核实订单"]) == grading.Grade(None, None)
    assert grading.grade(key("scenario", []), ["……"]) == grading.Grade(None, None)
    assert grading.grade(key("short", []), []) == grading.Grade(0.0, False)  # blank: 0 at once
    assert grading.grade(key("single", [1]), []) == grading.Grade(0.0, False)  # unanswered


@pytest.mark.parametrize(
    ("kind", "response", "code"),
    [
        ("single", [4], "choice_range"),
        ("single", [True], "choice_index"),
        ("single", ["1"], "choice_index"),
        ("single", [0, 1], "one_choice"),
        ("multiple", [0, 9], "choice_range"),
        ("true_false", ["true"], "true_false"),
        ("fill", [3], "text"),
        ("fill", ["x" * 501], "too_long"),
        ("short", ["a\x00b"], "text"),
    ],
)
def test_it_refuses_responses_that_do_not_fit(kind, response, code):
    with pytest.raises(grading.InvalidResponse) as refused:
        grading.clean_response(kind, response, 4)
    assert refused.value.code == code


def test_it_cleans_responses_to_their_stored_form():
    assert grading.clean_response("multiple", [2, 0, 2], 4) == [0, 2]
    assert grading.clean_response("single", 1, 4) == [1]
    assert grading.clean_response("fill", ["  "], 0) == []
    assert grading.clean_response("short", None, 0) == []


def test_it_scores_only_when_nothing_is_pending_and_rounds_half_up():
    assert grading.total([(1, 1), (None, 5)]) == grading.Total(1.0, 6.0, 1, None)
    assert grading.total([(Decimal("16.9"), 20)]).score == 84.5
    assert grading.total([(16.99, 20)]).score == 85.0  # 84.95 → 85.0, not 84.9
    assert grading.total([(0, 2), (1.5, 2)]).score == 37.5
    assert grading.total([]).score == 0.0
    assert grading.passed(85.0, 85) and not grading.passed(84.9, 85)


# --- item analysis ---------------------------------------------------------------------------
#
# Four attempts of three questions (q1, q2 worth 1 point; q3 worth 2):
#
#   attempt  q1  q2  q3  total
#   A         1   1   2   4/4
#   B         1   0   2   3/4
#   C         0   1   0   1/4
#   D         0   0   1   1/4
#
# q1: p = 1,1,0,0 → F = 50; SD = √(4 × 0.25 / 3) = 57.735.
#     rest (X − x)/(M − m) = 3/3, 2/3, 1/3, 1/3 (mean 7/12);
#     Σdp·dr = 0.5, Σdp² = 1, Σdr² = 0.30556 → r = 0.5 / √0.30556 = 0.90453 → D = 90.45.
# q2: p = 1,0,1,0 → F = 50; rest = 1, 1, 0, 1/3 (mean 7/12);
#     Σdp·dr = −1/6, Σdp² = 1, Σdr² = 0.75 → r = −0.19245 → D = −19.25.
# q3: p = 1, 1, 0, 0.5 → F = 62.5; rest = 2/2, 1/2, 1/2, 0/2 (mean 0.5);
#     Σdp·dr = 0.25, Σdp² = 0.6875, Σdr² = 0.5 → r = 0.25 / √0.34375 = 0.42640 → D = 42.64.
HAND = [
    [ItemScore(1, 1, 1), ItemScore(2, 1, 1), ItemScore(3, 2, 2)],
    [ItemScore(1, 1, 1), ItemScore(2, 0, 1), ItemScore(3, 2, 2)],
    [ItemScore(1, 0, 1), ItemScore(2, 1, 1), ItemScore(3, 0, 2)],
    [ItemScore(1, 0, 1), ItemScore(2, 0, 1), ItemScore(3, 1, 2)],
]


def test_it_computes_facility_and_discrimination_as_worked_out_by_hand():
    q1, q2, q3 = item_analysis.analyse(HAND)
    assert (q1.question, q1.n, q1.facility) == (1, 4, 50.0)
    assert q1.sd == pytest.approx(57.735, abs=1e-3)
    assert q1.discrimination == pytest.approx(90.453, abs=1e-3)
    assert q2.facility == 50.0
    assert q2.discrimination == pytest.approx(-19.245, abs=1e-3)
    assert q3.facility == 62.5
    assert q3.discrimination == pytest.approx(42.640, abs=1e-3)
    assert q1.flags == q2.flags == q3.flags == ()  # fewer than five attempts: no flags


def test_it_flags_easy_hard_and_non_discriminating_questions():
    # q1 everyone right, q2 nobody right, q3 right by the weaker half only (negative),
    # q4 (and q5, q6) right by the stronger half.
    attempts = []
    for i in range(10):
        strong = i < 5
        attempts.append(
            [
                ItemScore(1, 1, 1),
                ItemScore(2, 0, 1),
                ItemScore(3, 0 if strong else 1, 1),
                ItemScore(4, 4 if strong else 1, 4),
                ItemScore(5, 1 if strong else 0, 1),
                ItemScore(6, 1 if strong else 0, 1),
            ]
        )
    stats = {s.question: s for s in item_analysis.analyse(attempts)}
    assert stats[1].facility == 100.0 and stats[1].discrimination is None
    assert stats[1].flags == (item_analysis.TOO_EASY,)
    assert stats[2].flags == (item_analysis.TOO_HARD,)
    assert stats[3].discrimination < 0
    assert stats[3].flags == (item_analysis.NON_DISCRIMINATING, item_analysis.NEGATIVE)
    assert stats[4].discrimination > 50 and stats[4].flags == ()


def test_it_counts_only_the_attempts_that_drew_a_question():
    attempts = [[ItemScore(1, 1, 1), ItemScore(2, 1, 1)], [ItemScore(1, 0, 1)]]
    stats = {s.question: s for s in item_analysis.analyse(attempts)}
    assert (stats[1].n, stats[2].n) == (2, 1)
    assert stats[2].sd is None and stats[2].discrimination is None
    # the one-question attempt has no rest of the test: it does not count for D
    assert stats[1].discrimination is None


def test_flags_follow_the_documented_bands():
    assert item_analysis.flags_for(5, 95.0, 30.0) == ("too_easy",)
    assert item_analysis.flags_for(5, 94.9, 20.0) == ()
    assert item_analysis.flags_for(5, 19.9, 19.9) == ("too_hard", "non_discriminating")
    assert item_analysis.flags_for(4, 100.0, -50.0) == ()
    assert math.isclose(item_analysis.TOO_EASY_AT, 95.0)


# --- pre/post --------------------------------------------------------------------------------


def test_it_pairs_pre_and_post_scores_per_agent():
    pre = {"a": 60.0, "b": 70.0, "c": 74.0, "late": 50.0}
    post = {"a": 90.0, "b": 88.0, "c": 89.0, "new": 95.0}
    result = prepost.compare(pre, post)
    assert (result.pre_n, result.post_n, result.paired_n) == (4, 4, 3)
    assert result.pre_mean == pytest.approx(63.5)
    assert result.paired_pre_mean == pytest.approx(68.0)
    assert result.paired_post_mean == pytest.approx(89.0)
    assert result.gain == pytest.approx(21.0)
    assert result.improved == 3
    empty = prepost.compare({}, {"x": 1.0})
    assert empty.paired_n == 0 and empty.gain is None and empty.pre_mean is None


# --- question rows ---------------------------------------------------------------------------
AREAS = {"basic": "基础咨询", "complaint": "投诉处理"}
HEADER_ZH = ["题号", "题型", "知识领域", "难度", "分值", "题目", "A", "B", "C", "D", "答案",
             "评分标准", "对话片段"]  # fmt: skip


def test_it_reads_every_type_of_question_from_chinese_headers():
    rows = [
        (2, ["Q1", "单选", "基础咨询", "2", "1", "退货期限？", "7天", "15天", "", "", "A", "", ""]),
        (3, ["Q2", "多选题", "complaint", "3", "2", "安抚步骤？", "道歉", "推诿", "核实", "", "a、c", "", ""]),
        (4, ["Q3", "判断", "", "", "", "可以承诺赔偿？", "", "", "", "", "错", "", ""]),
        (5, ["Q4", "填空", "", "", "", "___天无理由退货", "", "", "", "", "7|七", "", ""]),
        (6, ["Q5", "简答", "", "", "5", "如何安抚？", "", "", "", "", "", "道歉、共情、方案", ""]),
        (7, ["Q6", "情景", "投诉处理", "4", "10", "请回复客户", "", "", "", "", "", "先道歉",
             "客户：快递三天没动\n客服: 您好"]),
        (8, [""] * 13),
    ]  # fmt: skip
    parsed, errors = question_rows.parse_table(HEADER_ZH, rows, AREAS)
    assert errors == []
    q = {p.external_id: p for _, p in parsed}
    assert [n for n, _ in parsed] == [2, 3, 4, 5, 6, 7]
    assert (q["Q1"].kind, q["Q1"].area, q["Q1"].difficulty, q["Q1"].answer) == (
        "single", "basic", 2, [0],
    )  # fmt: skip
    assert q["Q2"].answer == [0, 2] and q["Q2"].points == Decimal("2.0")
    assert q["Q3"].answer == [False] and q["Q3"].difficulty == 3 and q["Q3"].area is None
    assert q["Q4"].answer == ["7", "七"]
    assert q["Q5"].rubric == "道歉、共情、方案" and q["Q5"].answer == []
    assert q["Q6"].excerpt == [
        {"role": "customer", "text": "快递三天没动"},
        {"role": "agent", "text": "您好"},
    ]


def test_it_names_the_row_and_column_of_every_error():
    rows = [
        (2, ["Q1", "单选", "", "6", "0", "题", "甲", "", "丙", "", "D", "", ""]),
        (3, ["Q2", "问答", "火星", "", "", "", "", "", "", "", "", "", ""]),
        (4, ["Q1", "判断", "", "", "", "题", "", "", "", "", "也许", "", ""]),
        (5, ["Q4", "简答", "", "", "", "题", "", "", "", "", "答案", "", ""]),
        (6, ["Q5", "情景", "", "", "", "题", "", "", "", "", "", "要点", "老板：你好"]),
        (7, ["Q6", "填空", "", "", "0.25", "题", "", "", "", "", "", "", "客户：在吗"]),
    ]  # fmt: skip
    parsed, errors = question_rows.parse_table(HEADER_ZH, rows, AREAS)
    found = {(e.row, e.column, e.code) for e in errors}
    assert {
        (2, "difficulty", "difficulty"),
        (2, "points", "points"),
        (2, "B", "choices_gap"),
        (2, "answer", "answer_letter"),
        (3, "type", "unknown_type"),
        (3, "area", "unknown_area"),
        (3, "question", "required"),
        (4, "answer", "answer_true_false"),
        (4, "id", "duplicate_id"),
        (5, "answer", "answer_not_allowed"),
        (5, "rubric", "rubric_required"),
        (6, "excerpt", "excerpt_line"),
        (7, "points", "points"),
        (7, "answer", "answer_fill"),
        (7, "excerpt", "excerpt_not_allowed"),
    } <= found
    assert parsed == []
    duplicate = next(e for e in errors if e.code == "duplicate_id")
    assert duplicate.params == {"row": 2}


def test_it_refuses_a_header_without_the_required_columns():
    parsed, errors = question_rows.parse_table(["题号", "题目", "题目"], [], AREAS)
    assert parsed == []
    assert {(e.row, e.column, e.code) for e in errors} == {
        (1, "question", "duplicate_column"),
        (1, "type", "missing_column"),
    }


@pytest.mark.parametrize("zh", [True, False])
def test_a_question_survives_a_round_trip_through_its_row(zh):
    rows = [
        ["Q1", "multiple", "complaint", "4", "2.5", "选出正确做法", "道歉", "推诿", "核实", "",
         "AC", "", ""],
        ["Q2", "scenario", "basic", "3", "10", "回复客户", "", "", "", "", "", "先道歉",
         "customer: 在吗\nagent: 您好"],
        ["Q3", "true_false", "", "1", "1", "对吗", "", "", "", "", "true", "", ""],
    ]  # fmt: skip
    header = [k for k in question_rows.COLUMNS if k not in "EFGH" and k != "active"]
    parsed, errors = question_rows.parse_table(header, list(enumerate(rows, 2)), AREAS)
    assert errors == []
    for _, q in parsed:
        cells = question_rows.to_cells(q, AREAS.get(q.area or ""), zh)
        values = dict(zip(question_rows.COLUMNS, map(str, cells), strict=True))
        again, problems = question_rows.parse_question(values, AREAS)
        assert problems == [] and again == q
    assert question_rows.header(True)[:2] == ["题号", "题型"]


# --- the import's plan: identity and idempotence ---------------------------------------------
def _q(
    external_id: str, text: str, kind: str = "true_false", **values
) -> question_rows.ParsedQuestion:
    defaults = {"area": None, "difficulty": 3, "points": Decimal(1), "answer": [True]}
    if kind in ("single", "multiple"):
        defaults |= {"choices": ["甲", "乙"], "answer": [0]}
    return question_rows.ParsedQuestion(external_id, kind, text=text, **(defaults | values))


def test_the_identity_ignores_width_case_and_spaces_but_not_choices_or_type():
    same = question_rows.identity(_q("a", "可以 推诿吗？"))
    assert same == question_rows.identity(_q("b", " 可以推诿吗? "))  # NFKC: ？ → ?
    assert same != question_rows.identity(_q("c", "可以推诿吗？", "fill", answer=["否"]))
    one = question_rows.identity(_q("d", "哪个对？", "single"))
    assert one == question_rows.identity(_q("e", "哪个对？", "single", answer=[1]))
    assert one != question_rows.identity(_q("f", "哪个对？", "single", choices=["丙", "丁"]))


def test_a_plan_adds_updates_and_keeps_and_the_same_rows_again_change_nothing():
    existing = {"K1": _q("K1", "旧题"), "K2": _q("K2", "第二题")}
    rows = [
        (2, _q("K1", "旧题")),  # unchanged
        (3, _q("K2", "第二题", answer=[False])),  # updated
        (4, _q("K3", "新题")),  # created
        (5, _q("", "第三题")),  # created with the next free id
        (6, _q("", "旧题 ")),  # K1 again, by identity: refused as the same as row 2
    ]
    plan = question_rows.plan_import(rows, existing)
    assert [q.external_id for _r, q in plan.unchanged] == ["K1"]
    assert [q.external_id for _r, q in plan.update] == ["K2"]
    assert [q.external_id for _r, q in plan.create] == ["K3", "Q-0001"]
    assert [(e.row, e.code) for e in plan.errors] == [(6, "same_question_in_file")]
    after = dict(existing) | {q.external_id: q for _r, q in plan.update + plan.create}
    again = question_rows.plan_import(rows, after)
    assert not again.create and not again.update
    assert [q.external_id for _r, q in again.unchanged] == ["K1", "K2", "K3", "Q-0001"]


def test_a_plan_never_makes_two_questions_the_same():
    existing = {"K1": _q("K1", "退货期限？"), "Q-0001": _q("Q-0001", "别的题")}
    rows = [
        (2, _q("X9", "退货期限？")),  # a new id for a question already in the bank
        (3, _q("Q-0001", "退货期限？")),  # an edit that would copy K1
        (4, _q("", "又一题")),  # the generated id skips the taken Q-0001
    ]
    plan = question_rows.plan_import(rows, existing)
    assert [(e.row, e.code, dict(e.params)) for e in plan.errors] == [
        (2, "same_question", {"id": "K1"}),
        (3, "same_question", {"id": "K1"}),
    ]
    assert [q.external_id for _r, q in plan.create] == ["Q-0002"]
