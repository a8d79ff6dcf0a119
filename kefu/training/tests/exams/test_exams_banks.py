"""Question banks: trainers only; questions on pages and by API; Excel and CSV import
(idempotent by question id or identity, the valid rows kept whatever their neighbours, the
others named by row and column) and export that round-trips; the same on the API."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from conftest import client_for
from kefu.audit.models import AuditLog
from kefu.training.models import Question, QuestionBank
from kefu.training.tests.exams.conftest import SECRET_FILL

HEADER = ["题号", "题型", "知识领域", "难度", "分值", "题目", "A", "B", "C", "D", "答案",
          "评分标准", "对话片段"]  # fmt: skip
ROWS = [
    ["K-001", "单选", "基础咨询", 1, 1, "无理由退货的期限是几天？", "3 天", "7 天", "15 天", "", "B", "", ""],
    ["K-002", "多选", "投诉处理", 3, 2, "安抚客户的正确做法？", "致歉", "推诿", "复述诉求", "", "AC", "", ""],
    ["K-003", "判断", "基础咨询", 2, 1, "可以向客户索要登录密码。", "", "", "", "", "错", "", ""],
    ["K-004", "填空", "产品知识", 2, 1, "最高会员等级是____。", "", "", "", "", "钻石会员|钻石", "", ""],
    ["K-005", "简答", "沟通技巧", 3, 5, "第三次来电时你怎么开场？", "", "", "", "", "", "致歉 1 分；复述 2 分；时限 2 分", ""],
    ["K-006", "情景", "跨部门协调", 4, 10, "请回复客户。", "", "", "", "", "", "安抚 3 分；联系物流 4 分；回电时限 3 分",
     "客户：快递三天没动了\n客服：您好，我马上查询"],
]  # fmt: skip


def xlsx(rows, header=HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def upload(client, bank, name, content):
    return client.post(
        f"/training/exams/banks/{bank.pk}/import/", {"file": SimpleUploadedFile(name, content)}
    )


@pytest.fixture
def empty_bank(personas):
    return QuestionBank.objects.create(name="新人题库")


def test_only_trainers_reach_the_banks(personas, bank):
    for who in ("alice", "sam", "mia", "quinn"):
        client = client_for(getattr(personas, who))
        assert client.get("/training/exams/banks/").status_code == 403
        assert client.get(f"/training/exams/banks/{bank.pk}/").status_code == 403
        assert client.get(f"/training/exams/banks/{bank.pk}/export/").status_code == 403
        assert client.get("/api/v1/training/banks").status_code == 403
        assert client.get(f"/api/v1/training/banks/{bank.pk}/questions").status_code == 404
        question = bank.questions.first()
        assert client.get(f"/api/v1/training/questions/{question.pk}").status_code == 404
    tina = client_for(personas.tina)
    assert tina.get(f"/training/exams/banks/{bank.pk}/").status_code == 200
    body = tina.get(f"/api/v1/training/banks/{bank.pk}/questions").json()
    assert len(body) == 11 and any(SECRET_FILL in q["answer"] for q in body)


def test_a_trainer_creates_a_bank_and_a_question_on_pages(personas):
    tina = client_for(personas.tina)
    response = tina.post("/training/exams/banks/", {"name": "投诉题库", "description": ""})
    bank = QuestionBank.objects.get(name="投诉题库")
    assert response.url == f"/training/exams/banks/{bank.pk}/"
    duplicate = tina.post("/training/exams/banks/", {"name": "投诉题库"})
    assert duplicate.status_code == 200 and "已有同名题库" in duplicate.content.decode()
    form = {
        "external_id": "Q-1", "kind": "multiple", "difficulty": "3", "points": "2",
        "text": "哪些是正确做法？", "choices": "致歉\n推诿\n复述诉求", "answer": "A、C",
        "active": "on",
    }  # fmt: skip
    assert tina.post(f"/training/exams/banks/{bank.pk}/questions/new/", form).status_code == 302
    q = Question.objects.get(bank=bank, external_id="Q-1")
    assert (q.kind, q.choices, q.answer) == ("multiple", ["致歉", "推诿", "复述诉求"], [0, 2])
    # a wrong answer letter comes back on the answer field, in Chinese
    form |= {"answer": "D"}
    page = tina.post(f"/training/exams/questions/{q.pk}/", form)
    assert page.status_code == 200 and "必须是已填选项的字母" in page.content.decode()
    form |= {"answer": "B", "kind": "single"}
    assert tina.post(f"/training/exams/questions/{q.pk}/", form).status_code == 302
    q.refresh_from_db()
    assert (q.kind, q.answer) == ("single", [1])


def test_the_question_api_checks_like_the_file_format(personas, empty_bank):
    tina = client_for(personas.tina)
    url = f"/api/v1/training/banks/{empty_bank.pk}/questions"
    good = {"external_id": "A1", "kind": "fill", "text": "最高等级？", "answer": ["钻石会员"],
            "area": "product", "points": 1.5}  # fmt: skip
    created = tina.post(url, json.dumps(good), content_type="application/json")
    assert created.status_code == 201 and created.json()["answer"] == ["钻石会员"]
    again = tina.post(url, json.dumps(good), content_type="application/json")
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "external_id"
    bad = good | {"external_id": "A2", "kind": "single", "choices": ["甲", "乙"], "answer": [5]}
    refused = tina.post(url, json.dumps(bad), content_type="application/json")
    assert refused.status_code == 422
    assert {e["field"] for e in refused.json()["errors"]} == {"answer"}
    assert (
        client_for(personas.alice)
        .post(url, json.dumps(good), content_type="application/json")
        .status_code
        == 404
    )
    qid = created.json()["id"]
    changed = tina.put(f"/api/v1/training/questions/{qid}", json.dumps(good | {"points": 2}),
                       content_type="application/json")  # fmt: skip
    assert changed.status_code == 200 and changed.json()["points"] == 2.0


def test_an_excel_import_adds_then_updates_and_is_idempotent(personas, empty_bank):
    tina = client_for(personas.tina)
    response = upload(tina, empty_bank, "题库.xlsx", xlsx(ROWS))
    assert response.status_code == 302
    questions = {q.external_id: q for q in empty_bank.questions.select_related("area")}
    assert len(questions) == 6
    assert questions["K-001"].answer == [1] and questions["K-001"].area.code == "basic"
    assert questions["K-002"].answer == [0, 2] and str(questions["K-002"].points) == "2.0"
    assert questions["K-003"].answer == [False]
    assert questions["K-004"].answer == ["钻石会员", "钻石"]
    assert questions["K-006"].excerpt[0] == {"role": "customer", "text": "快递三天没动了"}
    stamp = questions["K-001"].updated_at
    # the same file again: nothing changes
    again = tina.get(upload(tina, empty_bank, "题库.xlsx", xlsx(ROWS)).url)
    assert "新增 0 道，更新 0 道，未变 6 道" in again.content.decode()
    assert Question.objects.get(bank=empty_bank, external_id="K-001").updated_at == stamp
    # one changed row, one new: 1 updated, 1 new
    rows = [r[:] for r in ROWS] + [
        ["K-007", "判断", "", "", "", "新题", "", "", "", "", "对", "", ""]
    ]
    rows[0][10] = "C"
    upload(tina, empty_bank, "题库.xlsx", xlsx(rows))
    assert Question.objects.get(bank=empty_bank, external_id="K-001").answer == [2]
    assert empty_bank.questions.count() == 7
    audit = AuditLog.objects.filter(action="import", object_type="training.questionbank")
    assert audit.count() == 3 and audit.first().detail["created"] == 1


def test_an_import_keeps_the_valid_rows_and_names_the_bad_ones(personas, empty_bank):
    rows = [r[:] for r in ROWS]
    rows[1][10] = "AZ"  # row 3: no choice Z
    rows[3][1] = "问答"  # row 5: no such type
    rows[5][12] = "老板：你好"  # row 7: unknown speaker
    tina = client_for(personas.tina)
    response = upload(tina, empty_bank, "题库.xlsx", xlsx(rows))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="import-errors"' in html and "3 行未导入" in html
    errors = {(e["row"], e["column"]) for e in response.context["import_errors"]}
    assert errors == {(3, "答案 (K)"), (5, "题型 (B)"), (7, "对话片段 (M)")}
    assert "必须是已填选项的字母" in html  # the reasons in the user's language
    # the neighbours of the bad rows are in
    assert sorted(empty_bank.questions.values_list("external_id", flat=True)) == [
        "K-001", "K-003", "K-005",
    ]  # fmt: skip
    stamp = empty_bank.questions.get(external_id="K-001").updated_at
    # the same file again changes nothing, and names the same rows
    again = upload(tina, empty_bank, "题库.xlsx", xlsx(rows))
    assert {(e["row"], e["column"]) for e in again.context["import_errors"]} == errors
    assert empty_bank.questions.count() == 3
    assert empty_bank.questions.get(external_id="K-001").updated_at == stamp
    # the rows fixed: the rest come in, nothing twice
    assert upload(tina, empty_bank, "题库.xlsx", xlsx(ROWS)).status_code == 302
    assert empty_bank.questions.count() == 6


def test_a_file_without_one_valid_row_imports_nothing(personas, empty_bank):
    rows = [r[:] for r in ROWS[:2]]
    rows[0][1] = rows[1][1] = "问答"
    response = upload(client_for(personas.tina), empty_bank, "题库.xlsx", xlsx(rows))
    assert response.status_code == 422
    assert [e["row"] for e in response.context["import_errors"]] == [2, 3]
    assert not empty_bank.questions.exists()


def test_the_same_question_is_never_added_twice(personas, empty_bank):
    tina = client_for(personas.tina)
    upload(tina, empty_bank, "题库.xlsx", xlsx(ROWS))
    # another file numbers the same questions otherwise, spaces and case aside
    renamed = [[f"X-{i}", *r[1:]] for i, r in enumerate(ROWS)]
    renamed[0][5] = " 无理由退货的期限是几天？ "
    renamed[2][5] = "可以向客户索要登录 密码。"
    renamed.append(["X-9", "判断", "", "", "", "新的判断题", "", "", "", "", "对", "", ""])
    response = upload(tina, empty_bank, "另一份.xlsx", xlsx(renamed))
    assert response.status_code == 200
    assert {e["row"] for e in response.context["import_errors"]} == {2, 3, 4, 5, 6, 7}
    assert "已在题库中，编号 K-001" in response.content.decode()
    assert empty_bank.questions.count() == 7  # only X-9 is new
    # the same choice stem with other choices is another question
    other = [["X-10", *ROWS[0][1:]]]
    other[0][6:9] = ["1 天", "2 天", "3 天"]
    assert upload(tina, empty_bank, "x.xlsx", xlsx(other)).status_code == 302
    assert empty_bank.questions.count() == 8


def test_rows_without_an_id_are_matched_by_their_question(personas, empty_bank):
    header = [h for h in HEADER if h != "题号"]
    rows = [r[1:] for r in ROWS]
    tina = client_for(personas.tina)
    assert upload(tina, empty_bank, "无编号.xlsx", xlsx(rows, header)).status_code == 302
    ids = sorted(empty_bank.questions.values_list("external_id", flat=True))
    assert ids == ["Q-0001", "Q-0002", "Q-0003", "Q-0004", "Q-0005", "Q-0006"]
    # again: nothing new; a changed answer updates the question it names
    rows[0][9] = "C"
    again = tina.get(upload(tina, empty_bank, "无编号.xlsx", xlsx(rows, header)).url)
    assert "新增 0 道，更新 1 道，未变 5 道" in again.content.decode()
    assert empty_bank.questions.get(external_id="Q-0001").answer == [2]


def test_a_csv_from_chinese_excel_imports_and_its_errors_name_the_column(personas, empty_bank):
    lines = [",".join(HEADER)]
    for row in ROWS[:4]:
        lines.append(",".join(str(c) for c in row))
    content = "\r\n".join(lines).encode("gb18030")
    assert upload(client_for(personas.tina), empty_bank, "题库.csv", content).status_code == 302
    assert empty_bank.questions.count() == 4
    bad = content + "\r\nK-009,单选,,,,题,甲,,,,A,,".encode("gb18030")
    response = upload(client_for(personas.tina), empty_bank, "题库.csv", bad)
    assert response.status_code == 200
    assert [(e["row"], e["column"]) for e in response.context["import_errors"]] == [(6, "B")]
    assert empty_bank.questions.count() == 4


def test_unreadable_files_are_refused_with_a_reason(personas, empty_bank):
    tina = client_for(personas.tina)
    response = upload(tina, empty_bank, "x.xlsx", b"PK\x03\x04 not a workbook")
    assert response.status_code == 422 and "Excel" in response.content.decode()
    response = upload(tina, empty_bank, "x.csv", "题号,题目\r\nA,b".encode())
    assert response.status_code == 422
    assert [e["column"] for e in response.context["import_errors"]] == ["type"]


def test_the_export_round_trips_through_the_import(personas, bank):
    tina = client_for(personas.tina)
    exported = tina.get(f"/training/exams/banks/{bank.pk}/export/")
    assert exported.status_code == 200 and exported["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )
    sheet = load_workbook(io.BytesIO(exported.content)).active
    assert [c.value for c in sheet[1]][:3] == ["题号", "题型", "知识领域"]
    assert sheet.max_row == 12
    copy = QuestionBank.objects.create(name="副本")
    assert upload(tina, copy, "export.xlsx", exported.content).status_code == 302
    fields = ("external_id", "kind", "area_id", "difficulty", "points", "text", "choices",
              "answer", "rubric", "excerpt", "active")  # fmt: skip
    assert list(copy.questions.order_by("external_id").values(*fields)) == list(
        bank.questions.order_by("external_id").values(*fields)
    )
    csv = tina.get(f"/training/exams/banks/{bank.pk}/export/?format=csv")
    assert csv.content.decode("utf-8-sig").startswith("题号,题型")
    again = QuestionBank.objects.create(name="副本 CSV")
    assert upload(tina, again, "export.csv", csv.content).status_code == 302
    assert again.questions.count() == 11
    assert (
        AuditLog.objects.filter(action="export", object_type="training.questionbank").count() == 2
    )


def test_formula_like_text_stays_text_both_ways(personas, empty_bank):
    rows = [
        ["=1+1", "判断", "", "", "", '=HYPERLINK("http://x","点我")', "", "", "", "", "对", "", ""]
    ]
    tina = client_for(personas.tina)
    assert upload(tina, empty_bank, "x.xlsx", xlsx(rows)).status_code == 302
    q = empty_bank.questions.get()
    assert q.external_id == "=1+1" and q.text.startswith("=HYPERLINK")
    exported = tina.get(f"/training/exams/banks/{empty_bank.pk}/export/")
    sheet = load_workbook(io.BytesIO(exported.content)).active
    assert sheet["A2"].data_type != "f" and sheet["A2"].value == "=1+1"
    csv = tina.get(f"/training/exams/banks/{empty_bank.pk}/export/?format=csv").content
    assert "'=1+1" in csv.decode("utf-8-sig")
    copy = QuestionBank.objects.create(name="副本")
    upload(tina, copy, "x.csv", csv)
    assert copy.questions.get().external_id == "=1+1"


def test_the_template_is_a_valid_import(personas, empty_bank):
    tina = client_for(personas.tina)
    template = tina.get("/training/exams/banks/template/")
    assert upload(tina, empty_bank, "template.xlsx", template.content).status_code == 302
    assert set(empty_bank.questions.values_list("kind", flat=True)) == {
        "single", "multiple", "true_false", "fill", "short", "scenario",
    }  # fmt: skip
    assert client_for(personas.alice).get("/training/exams/banks/template/").status_code == 403


def test_the_api_imports_and_exports_like_the_page(personas, empty_bank):
    url = f"/api/v1/training/banks/{empty_bank.pk}"
    rows = [r[:] for r in ROWS]
    rows[1][10] = "AZ"
    tina = client_for(personas.tina)
    response = tina.post(f"{url}/import", {"file": SimpleUploadedFile("题库.xlsx", xlsx(rows))})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["updated"], body["unchanged"]) == (5, 0, 0)
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(3, "答案 (K)")]
    again = tina.post(f"{url}/import", {"file": SimpleUploadedFile("题库.xlsx", xlsx(rows))})
    assert (again.json()["created"], again.json()["unchanged"]) == (0, 5)
    assert tina.post(f"{url}/import", {}).status_code == 422
    exported = tina.get(f"{url}/export", {"format": "csv"})
    assert exported.status_code == 200 and exported["Content-Type"].startswith("text/csv")
    assert exported.content.decode("utf-8-sig").count("\r\n") == 6  # header + 5
    xlsx_export = tina.get(f"{url}/export")
    assert load_workbook(io.BytesIO(xlsx_export.content)).active.max_row == 6
    exports = AuditLog.objects.filter(action="export", object_type="training.questionbank")
    assert exports.count() == 2
    for who in ("alice", "sam", "mia", "quinn"):
        client = client_for(getattr(personas, who))
        file = SimpleUploadedFile("题库.xlsx", xlsx(ROWS))
        assert client.post(f"{url}/import", {"file": file}).status_code == 403
        assert client.get(f"{url}/export").status_code == 403
    assert empty_bank.questions.count() == 5
