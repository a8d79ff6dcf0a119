"""Every built-in indicator: a conversation where it must fire (on the right messages,
with its evidence) and a close one where it must not."""

from __future__ import annotations

import pytest

from kefu.qa.core.defaults import default_engine, default_indicators
from kefu.qa.tests.conversations import CLEAN, T0, conversation, replace

C = CLEAN


def phone(*segments: tuple) -> list[tuple]:
    """Phone segments (role, text, start_s, end_s) as message specs."""
    return [(role, text, start, start, end) for role, text, start, end in segments]


PHONE_OK = [
    ("a", "您好，请问有什么可以帮您？", 0, 4),
    ("c", "我想确认一下我的订单", 5, 8),
    ("a", "好的，确认一下您的订单号是多少", 9, 14),
]

# indicator: (firing messages, firing header, expected message ids, evidence fragment,
#             near-miss messages, near-miss header)
CASES: dict[str, tuple] = {
    "missing_greeting": (
        replace(C, 1, "请问您是想查询哪个订单的退款呢？我帮您查一下。"), {}, ["m2"], "缺少",
        replace(C, 1, "亲，请问您是想查询哪个订单的退款呢？我帮您查一下。"), {},
    ),
    "missing_closing": (
        replace(C, 5, "好的。"), {}, ["m6"], "缺少",
        replace(C, 5, "好的。"), {"status": "open", "resolved_at": None},
    ),
    "missing_polite_words": (
        replace(replace(replace(C, 1, "您好，您是想查哪个订单？我帮您查一下。"), 3,
                        "已经核实，退款今天会到账。还有其他可以帮您的吗？"), 5, "不客气，祝您生活愉快！"),
        {}, [], "缺少",
        C, {},
    ),
    "forbidden_phrase": (
        replace(C, 3, "这个我也没办法，退款今天会到账。"), {}, ["m4"], "没办法",
        replace(C, 3, "这个办法可以解决，退款今天会到账。"), {},
    ),
    "rude_language": (
        replace(C, 3, "你是不是傻，退款今天到账"), {}, ["m4"], "你是不是傻",
        replace(C, 3, "别着急，退款今天到账"), {},
    ),
    "shirking": (
        replace(C, 3, "这不是我们的问题，你去找快递"), {}, ["m4"], "这不是我们的问题",
        replace(C, 3, "这是我们的问题，马上为您处理"), {},
    ),
    "perfunctory_reply": (
        [("c", "你好，退款什么时候到？", 0), ("a", "嗯", 5), ("c", "到底什么时候？", 10),
         ("a", "哦", 15), ("c", "你能说清楚吗？", 20), ("a", "好", 25)],
        {}, ["m2", "m4", "m6"], "简短回复",
        [("c", "你好，退款什么时候到？", 0), ("a", "嗯", 5), ("c", "到底什么时候？", 10),
         ("a", "您好，请问您是想查询哪个订单？", 15), ("c", "这个", 20), ("a", "好", 25)],
        {},
    ),
    "mechanical_soothing": (
        [("c", "怎么还没好", 0), ("a", "非常抱歉给您带来不便，请您耐心等待。", 5),
         ("c", "还要多久", 10), ("a", "非常抱歉给您带来不便，请您耐心等待。", 15),
         ("c", "到底多久", 20), ("a", "非常抱歉给您带来不便，请您耐心等待。", 25)],
        {}, ["m2", "m4", "m6"], "重复 3 次",
        [("c", "怎么还没好", 0), ("a", "非常抱歉给您带来不便，请您耐心等待。", 5),
         ("c", "还要多久", 10), ("a", "非常抱歉给您带来不便，请您耐心等待。", 15),
         ("c", "到底多久", 20), ("a", "已经为您加急，预计十分钟内完成。", 25)],
        {},
    ),
    "no_need_confirmation": (
        replace(replace(C, 1, "您好，我帮您查一下。"), 3, "好的，退款今天会到账。还有其他可以帮您的吗？"),
        {}, [], "缺少",
        C, {},
    ),
    "no_proactive_offer": (
        replace(replace(C, 1, "您好，请问您是想查询哪个订单的退款呢？"), 3, "好的，已经核实，退款今天会到账。"),
        {}, [], "缺少",
        C, {},
    ),
    "overpromise": (
        replace(C, 3, "我保证退款今天到账"), {}, ["m4"], "保证",
        replace(C, 3, "退款预计今天到账"), {},
    ),
    "asks_for_secret": (
        replace(C, 3, "请告诉我您收到的验证码"), {}, ["m4"], "验证码",
        replace(C, 3, "请勿向任何人透露验证码"), {},
    ),
    "agent_pii_leak": (
        replace(C, 3, "已为您登记手机号 13812345678"), {}, ["m4"], "13812345678",
        replace(C, 3, "已为您登记手机号 138****5678"), {},
    ),
    "excessive_transfer": (
        C, {"transfers": [{"from": "A0007", "to": "A0008", "at": T0.isoformat()},
                          {"from": "A0008", "to": "A0009", "at": T0.isoformat()}]},
        [], "转接 2 次",
        C, {"transfers": [{"from": "A0007", "to": "A0008", "at": T0.isoformat()}]},
    ),
    "no_agent_reply": (
        [("c", "在吗", 0), ("b", "您好，我是智能助手", 1), ("c", "有人吗", 30)],
        {"status": "open", "resolved_at": None}, ["m1", "m3"], "2 条客户消息",
        [("c", "在吗", 0), ("a", "您好，请问有什么可以帮您", 10)], {},
    ),
    "slow_first_response": (
        [("c", "你好", 0), ("b", "您好，我是智能助手", 1), *[(r, t, s + 35) for r, t, s in C[1:]]],
        {}, ["m1", "m3"], "首次响应 45 秒",
        [("c", "你好", 0), ("b", "您好，我是智能助手", 1), *[(r, t, s + 20) for r, t, s in C[1:]]],
        {},
    ),
    "slow_response_60s": (
        [*C[:3], (C[3][0], C[3][1], 95), *[(r, t, s + 55) for r, t, s in C[4:]]],
        {}, ["m3", "m4"], "等待 75 秒",
        [*C[:3], (C[3][0], C[3][1], 80), *[(r, t, s + 40) for r, t, s in C[4:]]],
        {},
    ),
    "long_wait_180s": (
        [*C[:3], (C[3][0], C[3][1], 220), *[(r, t, s + 180) for r, t, s in C[4:]]],
        {}, ["m3", "m4"], "等待 200 秒",
        [*C[:3], (C[3][0], C[3][1], 190), *[(r, t, s + 150) for r, t, s in C[4:]]],
        {},
    ),
    "long_handle_time": (
        [*C[:5], (C[5][0], C[5][1], 31 * 60)], {}, [], "处理时长 31.0 分钟",
        [*C[:5], (C[5][0], C[5][1], 29 * 60)], {},
    ),
    "long_silence": (
        phone(*PHONE_OK[:2], ("a", "好的，确认一下您的订单号是多少", 20, 24)),
        {"channel": "phone"}, ["m2", "m3"], "静音 12.0 秒",
        phone(*PHONE_OK), {"channel": "phone"},
    ),
    "interrupt": (
        phone(PHONE_OK[0], ("c", "我想确认一下我的订单", 5, 10), ("a", "好的，确认一下您的订单号是多少", 8, 13)),
        {"channel": "phone"}, ["m2", "m3"], "抢话 2.0 秒",
        phone(PHONE_OK[0], ("c", "我想确认一下我的订单", 5, 10), ("a", "好的，确认一下您的订单号是多少", 10.5, 15)),
        {"channel": "phone"},
    ),
    "fast_speech": (
        phone(*PHONE_OK[:2], ("a", "好的，确认一下您的订单号是多少我帮您查询一下", 9, 12)),
        {"channel": "phone"}, ["m3"], "字/秒",
        phone(*PHONE_OK[:2], ("a", "好的，确认一下您的订单号是多少我帮您查询一下", 9, 14)),
        {"channel": "phone"},
    ),
    "customer_repeat_3": (
        # (the clean replies follow, 20 s later: rules read messages by time)
        [("c", "在吗", 0), ("c", "有人吗", 10), ("b", "请稍候", 11), ("c", "快点回复", 20),
         *[(r, text, s + 20) for r, text, s in C[1:]]],
        {}, ["m1", "m2", "m4"], "连续 3 条",
        [("c", "在吗", 0), ("c", "有人吗", 10), ("a", "您好，请问有什么可以帮您？", 15), ("c", "退款", 20)],
        {},
    ),
    "customer_same_question": (
        [("c", "我的退款什么时候到账", 0), ("a", "您好，请问您是想查哪个订单？", 5),
         ("c", "我的退款什么时候能到账", 10), ("a", "请稍等，我帮您查一下", 15),
         ("c", "请问我的退款什么时候到账？", 20), ("a", "今天到账，还有其他可以帮您吗", 25)],
        {}, ["m1", "m3", "m5"], "相似提问 3 次",
        [("c", "我的退款什么时候到账", 0), ("a", "您好，请问您是想查哪个订单？", 5),
         ("c", "订单号是 20240501", 10), ("a", "请稍等，我帮您查一下", 15),
         ("c", "好的，谢谢你", 20), ("a", "今天到账，还有其他可以帮您吗", 25)],
        {},
    ),
    "negative_emotion": (
        replace(C, 2, "你们的服务太差了，我非常失望"), {}, ["m3"], "情绪",
        C, {},
    ),
    "anger": (
        replace(C, 2, "气死我了，什么破服务"), {}, ["m3"], "气死",
        replace(C, 2, "好的！"), {},
    ),
    "threat_to_complain": (
        replace(C, 2, "再不处理我就投诉"), {}, ["m3"], "投诉",
        C, {},
    ),
    "legal_or_media_threat": (
        replace(C, 2, "我要找律师起诉你们"), {}, ["m3"], "律师",
        C, {},
    ),
    "churn_risk": (
        replace(C, 2, "不行我就销户"), {}, ["m3"], "销户",
        C, {},
    ),
    "unresolved_negative_end": (
        replace(C, 4, "还是没解决，太让人失望了"), {}, ["m5"], "情绪",
        replace(C, 2, "太让人失望了"), {},
    ),
    "low_csat": (C, {"survey": {"csat": 2}}, [], "满意度 2", C, {"survey": {"csat": 3}}),
    "nps_detractor": (C, {"survey": {"nps": 6}}, [], "NPS 6", C, {"survey": {"nps": 7}}),
}  # fmt: skip


def hits(messages, header) -> dict:
    result = default_engine().score(conversation(messages, **header))
    return {h.indicator: h for h in result.hits}


def test_every_contract_indicator_has_a_case():
    ids = [i["id"] for i in default_indicators()]
    assert len(ids) == 32
    assert sorted(CASES) == sorted(ids)


def test_a_clean_conversation_fires_nothing_and_scores_full_marks():
    result = default_engine().score(conversation())
    assert result.hits == ()
    assert (result.score, result.passed, result.fatal) == (100.0, True, False)


@pytest.mark.parametrize("indicator", sorted(CASES))
def test_it_fires_on_the_right_messages_with_evidence(indicator):
    messages, header, ids, evidence, *_ = CASES[indicator]
    found = hits(messages, header)
    assert indicator in found, f"{indicator} did not fire; fired: {sorted(found)}"
    hit = found[indicator]
    assert list(hit.messages) == ids
    assert evidence in hit.evidence


@pytest.mark.parametrize("indicator", sorted(CASES))
def test_it_stays_quiet_on_a_close_conversation(indicator):
    *_, messages, header = CASES[indicator]
    assert indicator not in hits(messages, header)


def test_long_handle_time_on_the_phone_is_15_minutes():
    def call(end_s: float) -> dict:
        segments = [("a", "您好，请问有什么可以帮您？", 0, 0, 4), ("c", "我想确认订单", 5, 5, 8),
                    ("a", "好的，还有其他可以帮您吗？", 9, 9, end_s)]  # fmt: skip
        return hits(segments, {"channel": "phone"})

    assert "long_handle_time" in call(16 * 60)
    assert "long_handle_time" not in call(14 * 60)


def test_fatal_items_fail_the_conversation_with_score_zero():
    result = default_engine().score(conversation(replace(C, 3, "请把支付密码发给我")))
    assert result.fatal and not result.passed and result.score == 0


def test_english_conversations_work_too():
    english = [
        ("c", "Hi, I have a question about my refund.", 0),
        ("a", "Hello! To confirm, do you mean the order from May 1? Let me help you check.", 10),
        ("c", "Yes", 20),
        ("a", "Thank you, the refund arrives today. Anything else I can do for you?", 30),
    ]
    assert default_engine().score(conversation(english)).hits == ()
    rude = replace(english, 3, "I don't know, that's your problem, stupid")
    found = hits(rude, {})
    assert {"forbidden_phrase", "rude_language"} <= set(found)
    assert "hi" not in default_engine().lexicons.find("this is it")  # whole words only


def test_deductions_follow_the_scorecard():
    result = default_engine().score(conversation(replace(C, 3, "这个我也没办法，退款今天会到账。")))
    assert [(i.item, i.points) for i in result.items] == [("taboo", -10.0)]
    assert result.score == 90.0 and result.passed


def test_per_occurrence_items_are_capped():
    slow = [("c", "在吗", 0), ("a", "您好，请问您是想咨询什么？我帮您看看", 90)]
    for n in range(5):  # five more slow replies
        slow += [
            ("c", f"第{n}个问题是什么", 100 + n * 200),
            ("a", "请稍等，确认一下", 170 + n * 200),
        ]
    result = default_engine().score(conversation(slow, survey=None))
    wait = next(i for i in result.items if i.item == "reply_wait")
    assert wait.points == -6.0  # 2 points × 6 waits, capped at 6


def test_the_first_response_is_judged_by_the_channels_sla_target():
    # given a first reply after 90 s: slow for a chat (30 s), on time for an e-mail (24 h)
    slow = [("c", "在吗", 0), ("a", "您好，请问您是想咨询什么？我帮您确认一下", 90)]
    chat = default_engine().score(conversation(slow, survey=None))
    email = default_engine().score(conversation(slow, channel="email", survey=None))
    # then only the chat has the hit and loses points
    assert "slow_first_response" in {h.indicator for h in chat.hits}
    assert "slow_first_response" not in {h.indicator for h in email.hits}
    assert ("first_response", -5.0) in [(i.item, i.points) for i in chat.items]
    assert "first_response" not in [i.item for i in email.items]
    assert email.score - chat.score >= 5
