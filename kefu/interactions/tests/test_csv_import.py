"""The two CSV formats: agents, and conversations as one row per message."""

import pytest

from kefu.accounts.models import Agent
from kefu.interactions.importer import import_file
from kefu.interactions.models import Conversation

AGENTS = """id,name,team,tier,hired_on,supervisor,工号备注
A0001,张伟,售后一组,lead,2019-07-01,,
A0007,李娜,售后一组,senior,2022-03-14,A0001,夜班
A0008,赵敏,售后一组,boss,2023-01-01,A0001,
"""

CONVERSATIONS = """conversation_id,channel,customer_id,customer_name,customer_phone,agent,created_at,status,category,complaint,csat,nps,message_id,role,message_agent,at,text,start_s,end_s
C1,chat,U1,王芳,13812345678,A0007,2024-05-02T10:15:03+08:00,resolved,售后/退款/退款到账慢,否,5,9,m1,customer,,2024-05-02T10:15:03+08:00,我的退款怎么还没到？,,
C1,,,,,,,,,,,,m2,agent,A0007,2024-05-02T10:15:21+08:00,您好，请问订单号是多少？,,
C2,phone,U1,,,A0007,2024-05-03T09:00:00+08:00,closed,售后/物流,是,,3,s1,agent,A0007,,您好，这里是客服中心,0,3.5
C2,,,,,,,,,,,,s2,customer,,,快递一直不动,3.8,8.0
C3,chat,U2,,,A0007,2024-05-03T09:00:00+08:00,resolved,,false,7,,m1,customer,,2024-05-03T09:00:00+08:00,你好,,
C4,email,U3,,,A0007,2024-05-04T09:00:00+08:00,open,,false,,,,,,,,,
C1,chat,U1,,,A0007,2024-05-02T10:15:03+08:00,resolved,,false,,,m3,customer,,2024-05-02T10:16:00+08:00,late row,,
"""


@pytest.mark.django_db
def test_it_imports_agents_from_csv(tmp_path):
    path = tmp_path / "agents.csv"
    path.write_text(AGENTS, encoding="utf-8-sig")
    report = import_file(path)
    assert (report.created, report.rejected) == (2, 1)
    assert report.errors[0].line == 4 and report.errors[0].field == "tier"
    li_na = Agent.objects.get(external_id="A0007")
    assert li_na.supervisor.external_id == "A0001"
    assert li_na.team.name == "售后一组"
    assert li_na.extra == {"工号备注": "夜班"}


@pytest.mark.django_db
def test_it_groups_message_rows_into_conversations(tmp_path):
    path = tmp_path / "chats.csv"
    path.write_text(CONVERSATIONS, encoding="utf-8")
    report = import_file(path)
    assert report.created == 3
    errors = {(e.line, e.record_id, e.field) for e in report.errors}
    assert errors == {(6, "C3", "survey.csat"), (8, "C1", "conversation_id")}
    c1 = Conversation.objects.get(external_id="C1")
    assert c1.message_count == 2 and c1.first_response_s == 18.0
    assert c1.category_path == ["售后", "退款", "退款到账慢"] and not c1.complaint
    c2 = Conversation.objects.get(external_id="C2")
    assert c2.complaint and c2.nps == 3 and c2.csat is None and c2.handle_time_s == 8.0
    assert c2.customer_id == c1.customer_id
    assert Conversation.objects.get(external_id="C4").message_count == 0


@pytest.mark.django_db
def test_a_csv_without_required_columns_is_refused(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("conversation_id,text\nC1,hello\n", encoding="utf-8")
    report = import_file(path)
    assert report.rejected == 1 and report.errors[0].field == "header"
    assert "channel" in report.errors[0].reason
