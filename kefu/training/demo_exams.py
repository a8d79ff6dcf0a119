"""Demo data of question banks and exams (the lead wires `demo(seed)` into `kefu demo`).

- A bank 客服知识题库 of 60 Chinese customer-service questions over the six knowledge
  areas and every question type, read through the import format's checks
  (kefu/training/core/question_rows.py).
- The new-hire course 新人7天速赢 with a pre-test (day 1) and a post-test (day 7) of 20
  questions drawn by the new-hire track's weights (基础咨询 8, 投诉处理 6, 跨部门协调 6),
  taken by the year's new hires: means 68 → 89 exactly (the seeds), paired per agent.
- The quarterly certification's knowledge exam (Q4 2024, closed book, pass line 85, one
  scenario question graded by the trainer, audited), taken by every agent: mean ≈ 91.
- A monthly quiz open to everyone, so the demo agent can take an exam.

Papers are drawn by the real drawing core with a seed per attempt, and graded by the real
grading (`actions.grade_submitted`); only which answers are right is simulated, chosen so
that stronger agents get the harder questions right (the item analysis has something to
show) and so that the averages are the seeds'. Running it again changes nothing.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from kefu.accounts.choices import Tier
from kefu.accounts.models import Agent
from kefu.lib.localtime import configured_tz
from kefu.training.actions import exams as actions
from kefu.training.choices import AttemptStatus, CourseKind, ExamKind
from kefu.training.core import drawing, question_rows
from kefu.training.models import Answer, Area, Attempt, Course, Exam, ExamPart, Question, QuestionBank
from kefu.training.selectors import exams as selectors

BANK = "客服知识题库"
COURSE = "新人7天速赢"
PRE_TITLE = "新人7天速赢 · 前测"
POST_TITLE = "新人7天速赢 · 后测"
CERT_TITLE = "2024年第四季度服务认证 · 业务知识"
QUIZ_TITLE = "投诉处理月度小测"
PRE_MEAN, POST_MEAN = 68, 89  # the seeds
CERT_MEAN = 91  # seeds: 全员业务知识考核平均分从82分提升至91分
NEW_HIRE_PARTS = [  # the new-hire track: 基础咨询 40 %, 投诉处理 30 %, 跨部门协调 30 %
    ("basic", "single", 4), ("basic", "true_false", 2), ("basic", "fill", 2),
    ("complaint", "single", 3), ("complaint", "multiple", 3),
    ("coordination", "single", 3), ("coordination", "multiple", 3),
]  # fmt: skip
CERT_PARTS = [
    ("product", "single", 4), ("product", "fill", 2), ("product", "true_false", 2),
    ("basic", "single", 4), ("complaint", "single", 3), ("complaint", "multiple", 2),
    ("communication", "single", 3), ("communication", "multiple", 2),
    ("coordination", "single", 2), ("analysis", "single", 1), ("analysis", "scenario", 1),
]  # fmt: skip
QUIZ_PARTS = [("complaint", "", 6), ("communication", "", 4)]

# (id, type, area, difficulty, points, question, choices, answer, rubric, excerpt)
C, A = "客户：", "客服："
QUESTIONS: list[tuple[Any, ...]] = [
    # 基础咨询
    ("JC-01", "单选", "basic", 1, 1, "平台支持七天无理由退货的商品，退货期限从哪天开始计算？",
     ["下单当天", "签收次日", "发货当天", "付款次日"], "B"),
    ("JC-02", "单选", "basic", 2, 1, "客户询问订单物流，客服首先应该做什么？",
     ["直接告诉客户耐心等待", "核实订单号并查询物流轨迹", "建议客户联系快递公司", "为客户重新下单"], "B"),
    ("JC-03", "单选", "basic", 2, 1, "客户要求修改收货地址，订单已发货，正确的处理是？",
     ["告知无法修改并结束会话", "联系快递拦截或改派，并告知可能产生的时效变化", "让客户拒收后重新购买", "直接在系统里修改地址"], "B"),
    ("JC-04", "单选", "basic", 3, 1, "会话开始后多长时间内应完成首次响应（公司标准）？",
     ["10 秒", "30 秒", "60 秒", "3 分钟"], "B"),
    ("JC-05", "单选", "basic", 3, 1, "客户咨询发票开具，以下说法正确的是？",
     ["电子发票在确认收货后可在订单详情下载", "发票只能在下单时申请", "发票需要客户到门店领取", "个人不能开具发票"], "A"),
    ("JC-06", "单选", "basic", 4, 1, "客户未提供订单号，只给了手机号，最合适的做法是？",
     ["拒绝查询", "用手机号查询后，核对收货人姓名等信息再提供订单详情", "直接把手机号下所有订单详情发给客户", "让客户去找订单号再来"], "B"),
    ("JC-07", "判断", "basic", 1, 1, "为了核实身份，可以请客户提供账户登录密码。", [], "错"),
    ("JC-08", "判断", "basic", 2, 1, "结束会话前应确认客户是否还有其他问题。", [], "对"),
    ("JC-09", "判断", "basic", 3, 1, "客户的退款已原路退回，只要系统显示成功，就无需再告知到账时间。", [], "错"),
    ("JC-10", "填空", "basic", 2, 1, "标准问候语：“您好，很高兴为您服务，请问有什么可以____您？”", [], "帮到|帮助"),
    ("JC-11", "填空", "basic", 3, 1, "退款原路退回银行卡，一般在____个工作日内到账。", [], "1-7|1到7|1～7|一至七"),
    ("JC-12", "填空", "basic", 4, 1, "首次响应时间的英文缩写是____。", [], "FRT"),
    # 投诉处理
    ("TS-01", "单选", "complaint", 2, 1, "客户情绪激动地投诉快递延误，客服第一句话最好是？",
     ["这是快递公司的问题", "非常抱歉给您带来不便，我马上为您核实", "请您冷静一下", "您下单时就应该选加急"], "B"),
    ("TS-02", "单选", "complaint", 3, 1, "投诉处理中“复述诉求”的主要目的是？",
     ["拖延时间", "确认理解一致，让客户感到被倾听", "记录证据", "转移话题"], "B"),
    ("TS-03", "单选", "complaint", 3, 1, "客户要求的赔偿超出客服权限时，应该？",
     ["直接拒绝", "先答应下来", "说明权限范围，并在承诺时限内升级给主管处理", "让客户去消费者协会"], "C"),
    ("TS-04", "单选", "complaint", 4, 1, "投诉升级后，应在多长时间内给客户首次进展反馈（公司标准）？",
     ["24 小时内", "72 小时内", "一周内", "处理完毕再反馈"], "A"),
    ("TS-05", "多选", "complaint", 2, 1, "安抚投诉客户时，以下哪些做法是正确的？",
     ["先致歉并表达理解", "强调是客户自己的问题", "复述客户诉求", "给出明确的处理时限"], "ACD"),
    ("TS-06", "多选", "complaint", 3, 1, "以下哪些属于服务禁语？",
     ["这不归我们管", "您稍等，我马上查", "你听不懂吗", "我也没办法"], "ACD"),
    ("TS-07", "多选", "complaint", 4, 1, "一起投诉完结前，客服需要确认哪些事项？",
     ["客户认可处理方案", "工单已记录处理结果", "客户已给出好评", "后续回访时间已约定"], "ABD"),
    ("TS-08", "多选", "complaint", 5, 1, "判断一起投诉是否需要升级，应考虑哪些因素？",
     ["涉及金额是否超出权限", "客户是否威胁曝光或投诉至监管部门", "客户的语气是否礼貌", "同一问题是否重复投诉"], "ABD"),
    ("TS-09", "判断", "complaint", 2, 1, "客户辱骂客服时，客服可以立即挂断电话。", [], "错"),
    ("TS-10", "情景", "complaint", 4, 5, "请写出你接下来的回复（安抚、说明原因、给出方案和时限）。", [], "",
     "安抚与致歉 1 分；说明已核实的原因 1 分；给出具体方案（补发或退款）2 分；承诺时限 1 分",
     [C + "我买的生日蛋糕模具今天必须到，你们物流显示三天没动了！", A + "您好，我这边看到您的包裹在中转站停留了。",
      C + "我不管什么原因，今天到不了我就投诉！"]),
    # 跨部门协调
    ("XT-01", "单选", "coordination", 2, 1, "客户反馈 App 无法支付，经初步排查疑似系统故障，应转交哪个部门？",
     ["财务部", "技术部", "仓储部", "市场部"], "B"),
    ("XT-02", "单选", "coordination", 3, 1, "向其他部门提交协作工单时，最重要的是写清楚？",
     ["客户的情绪", "问题现象、复现步骤、影响范围和期望完成时间", "客服的工号", "客户的历史订单"], "B"),
    ("XT-03", "单选", "coordination", 3, 1, "协作部门超过约定时限未回复，客服应该？",
     ["等待对方回复", "按升级路径催办，并同步客户当前进展", "告诉客户问题已解决", "自行给客户退款"], "B"),
    ("XT-04", "单选", "coordination", 4, 1, "多个客户集中反馈同一问题时，客服最先应该？",
     ["逐个安抚", "上报主管并发起批量问题工单", "关闭相关咨询入口", "等待技术部发现"], "B"),
    ("XT-05", "多选", "coordination", 3, 1, "跨部门协调时，客服需要同步给客户的信息有？",
     ["当前处理进展", "负责部门", "预计完成时间", "内部同事的姓名和电话"], "ABC"),
    ("XT-06", "多选", "coordination", 4, 1, "以下哪些情况需要联系仓储部？",
     ["漏发商品", "发错货", "优惠券无法使用", "包裹破损需要补发"], "ABD"),
    ("XT-07", "多选", "coordination", 5, 1, "推动技术部排查系统 BUG，客服可以提供哪些信息帮助定位？",
     ["客户的设备型号和 App 版本", "出现问题的时间点", "客户的截图或录屏", "客户的登录密码"], "ABC"),
    ("XT-08", "判断", "coordination", 2, 1, "协作工单提交后，客服就不用再跟进了。", [], "错"),
    ("XT-09", "判断", "coordination", 3, 1, "涉及退款的协作，需要在工单里注明退款金额和原路退回方式。", [], "对"),
    ("XT-10", "情景", "coordination", 5, 5, "请写出你的回复，并说明你会联系哪个部门、提交哪些信息。", [], "",
     "回应客户并致歉 1 分；判断为技术问题并联系技术部 2 分；工单写明现象、时间、设备 1 分；承诺回电时限 1 分",
     [C + "你们 App 会员积分兑换一直提示失败，试了五次了。", A + "您好，请问您是在哪个页面兑换的呢？",
      C + "就在积分商城，我朋友也是一样的。"]),
    # 产品知识
    ("CP-01", "单选", "product", 1, 1, "会员等级中最高一级是？", ["白银会员", "黄金会员", "铂金会员", "钻石会员"], "D"),
    ("CP-02", "单选", "product", 2, 1, "“价格保护”服务的有效期是签收后多少天？", ["7 天", "15 天", "30 天", "不限"], "A"),
    ("CP-03", "单选", "product", 3, 1, "积分可以用于以下哪种用途？",
     ["兑换优惠券", "提现到银行卡", "转让给他人", "抵扣运费险以外的所有费用"], "A"),
    ("CP-04", "单选", "product", 3, 1, "“极速退款”适用于哪类订单？",
     ["所有订单", "信用良好用户的未发货订单或已寄回订单", "仅限会员订单", "仅限大额订单"], "B"),
    ("CP-05", "单选", "product", 4, 1, "以下哪项不属于“以旧换新”活动的条件？",
     ["旧机能正常开机", "旧机无进水", "旧机需购买于本平台", "旧机型号在回收清单中"], "C"),
    ("CP-06", "填空", "product", 2, 1, "运费险理赔金会在退货签收后打到客户的____账户。", [], "支付|付款"),
    ("CP-07", "填空", "product", 3, 1, "大家电送货上门后的免费安装需在____天内预约。", [], "30|三十"),
    ("CP-08", "填空", "product", 4, 1, "会员积分有效期为获得后____个月。", [], "12|十二"),
    ("CP-09", "判断", "product", 2, 1, "定制类商品不支持七天无理由退货。", [], "对"),
    ("CP-10", "判断", "product", 3, 1, "优惠券过期后，客服可以在后台为客户延期。", [], "错"),
    # 沟通技巧
    ("GT-01", "单选", "communication", 1, 1, "以下哪句话最能体现同理心？",
     ["这个问题很常见", "我理解您等了这么久一定很着急", "系统就是这样设计的", "请您按流程来"], "B"),
    ("GT-02", "单选", "communication", 2, 1, "老年客户不会操作 App 时，最合适的方式是？",
     ["把帮助文档链接发给客户", "慢语速、分步骤引导，并同步发送文字说明", "建议客户找家人帮忙", "直接帮客户下单"], "B"),
    ("GT-03", "单选", "communication", 3, 1, "客户连续追问同一问题三次，说明？",
     ["客户故意找茬", "之前的回答没有解决客户的真实疑问", "客户没有看消息", "应该转人工"], "B"),
    ("GT-04", "单选", "communication", 4, 1, "向客户解释技术术语时，正确的做法是？",
     ["原样使用术语显得专业", "用客户能理解的白话，并确认客户已理解", "让客户自行搜索", "避免解释"], "B"),
    ("GT-05", "多选", "communication", 2, 1, "积极倾听包括哪些行为？",
     ["不打断客户", "适时回应“我明白”", "边听边处理其他会话", "复述关键信息"], "ABD"),
    ("GT-06", "多选", "communication", 3, 1, "以下哪些是规范的结束语要素？",
     ["确认问题已解决", "询问是否还有其他需要", "邀请评价", "催促客户下线"], "ABC"),
    ("GT-07", "多选", "communication", 4, 1, "电话沟通中，以下哪些会降低客户体验？",
     ["长时间静音不说明原因", "语速过快", "和客户同时说话", "复述确认客户信息"], "ABC"),
    ("GT-08", "判断", "communication", 1, 1, "面对客户抱怨，先解释公司规定再道歉效果更好。", [], "错"),
    ("GT-09", "判断", "communication", 3, 1, "需要客户等待查询时，应告知大约需要多长时间。", [], "对"),
    ("GT-10", "简答", "communication", 3, 5, "客户第三次来电询问同一个退款问题，请写出你的开场白。", [], "",
     "致歉 1 分；表明已了解前两次来电的情况 2 分；给出明确的到账时间或跟进时限 2 分"),
    # 问题分析
    ("FX-01", "单选", "analysis", 3, 1, "“退款到账慢”的投诉本月增加 40%，最先应该分析？",
     ["客服的话术", "退款流程各环节的耗时分布", "客户的性别比例", "竞争对手的退款政策"], "B"),
    ("FX-02", "单选", "analysis", 4, 1, "鱼骨图分析根因时，以下哪项通常不作为一个维度？",
     ["人", "流程", "系统", "客户的星座"], "D"),
    ("FX-03", "单选", "analysis", 5, 1, "判断一个问题是否属于“高频问题”，最合理的依据是？",
     ["某位客户投诉了很多次", "一段时间内同类工单的数量和占比", "主管的印象", "问题出现的时间早晚"], "B"),
    ("FX-04", "多选", "analysis", 4, 1, "分析一线解决率（FCR）下降时，应关注哪些数据？",
     ["重复来电率", "转派和升级的比例", "客服的出勤率", "按问题类型拆分的解决率"], "ABD"),
    ("FX-05", "多选", "analysis", 5, 1, "以下哪些可以作为改进措施效果的验证指标？",
     ["同类投诉量的变化", "客户满意度的变化", "客服的打字速度", "问题的平均解决时长"], "ABD"),
    ("FX-06", "情景", "analysis", 4, 5, "请分析这位客户反复来电的可能原因，并提出一条流程改进建议。", [], "",
     "指出首次未给出明确时限 2 分；指出信息未同步/无主动告知 1 分；改进建议具体可执行 2 分",
     [C + "这已经是我第三次打电话问退款了。", A + "您好，请问您的订单号是多少？",
      C + "每次都问订单号，上次的客服说三天到账，现在五天了还没到！"]),
    ("FX-07", "情景", "analysis", 5, 5, "请判断问题可能出在哪个环节，并写出你给客户的回复。", [], "",
     "定位到库存同步或超卖环节 2 分；回复包含致歉、方案（补发时间或退款）、补偿说明 3 分",
     [C + "我下单的时候显示有货，现在又说缺货要退款？", A + "非常抱歉，我帮您查一下。",
      C + "我朋友同一天买的也是这样，你们系统是不是有问题？"]),
    ("FX-08", "简答", "analysis", 3, 5, "列出三条你会用来判断“客户流失风险”的信号。", [], "",
     "每条合理信号（如多次投诉、差评、明确表示不再购买、长时间未下单）得分，3 条满分 5 分"),
]  # fmt: skip

WRONG_FILL = ["不清楚", "3", "帮忙", "APP", "15"]
SCENARIO_ANSWERS = [
    (5, "非常抱歉让您久等了！我已核实您的包裹在中转站滞留，已为您联系物流加急处理，"
        "今天 18 点前给您回电告知结果；如果今天无法送达，我们为您安排补发或全额退款，您看可以吗？"),
    (4, "很抱歉给您带来不便，我这边已经联系相关部门处理，今天下班前会给您回复，请您放心。"),
    (3, "抱歉，这个问题我已经记录下来了，会尽快帮您处理。"),
    (2, "您好，我帮您查一下，请稍等。"),
    (1, "这个是系统的问题，我们也没有办法，您耐心等待。"),
]  # fmt: skip


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=configured_tz())


def _bank() -> QuestionBank:
    bank, _ = QuestionBank.objects.get_or_create(
        name=BANK, defaults={"description": "新人培训、月度测验和季度认证共用的题库"}
    )
    areas = dict(Area.objects.values_list("code", "name"))
    area_ids = dict(Area.objects.values_list("code", "pk"))
    existing = set(bank.questions.values_list("external_id", flat=True))
    for row in QUESTIONS:
        ext, kind, area, difficulty, points, text, choices, answer, *rest = row
        if ext in existing:
            continue
        rubric = rest[0] if rest else ""
        excerpt = "\n".join(rest[1]) if len(rest) > 1 else ""
        cells = {"id": ext, "type": kind, "area": area, "difficulty": str(difficulty),
                 "points": str(points), "question": text, "answer": answer, "rubric": rubric,
                 "excerpt": excerpt}  # fmt: skip
        cells |= {letter: choices[i] if i < len(choices) else "" for i, letter in
                  enumerate(question_rows.LETTERS)}  # fmt: skip
        parsed, errors = question_rows.parse_question(cells, areas)
        if parsed is None:
            raise ValueError(f"demo question {ext}: {errors}")
        q = Question(bank=bank)
        actions._apply(q, parsed, area_ids)
        q.save()
    return bank


def _exam(title: str, kind: str, bank, parts, **values) -> Exam:
    exam, created = Exam.objects.get_or_create(title=title, defaults={"kind": kind, "bank": bank, **values})
    if created:
        areas = {a.code: a for a in Area.objects.all()}
        ExamPart.objects.bulk_create(
            ExamPart(exam=exam, area=areas[a], kind=k, count=n) for a, k, n in parts
        )
    return exam


def _wrong(q: Question, rng: random.Random) -> list[Any]:
    if q.kind == "single":
        return [rng.choice([i for i in range(len(q.choices)) if i not in q.answer])]
    if q.kind == "multiple":
        key = list(q.answer)
        if len(key) > 1 and rng.random() < 0.6:
            key.remove(rng.choice(key))  # one right choice missed
        else:
            key.append(rng.choice([i for i in range(len(q.choices)) if i not in key] or [0]))
        return sorted(set(key))
    if q.kind == "true_false":
        return [not q.answer[0]]
    return [rng.choice(WRONG_FILL)]


def _right(q: Question) -> list[Any]:
    return [q.answer[0]] if q.kind == "fill" else list(q.answer)


def _counts(rng: random.Random, n: int, total: int, mean: float, sd: float, low: int, high: int,
            floor: list[int] | None = None) -> list[int]:  # fmt: skip
    """n whole numbers in [low, high] (each at least floor[i]) around mean, summing to total."""
    floor = floor or [low] * n
    values = [min(high, max(floor[i], round(rng.gauss(mean, sd)))) for i in range(n)]
    while sum(values) != total:
        i = rng.randrange(n)
        if sum(values) < total and values[i] < high:
            values[i] += 1
        elif sum(values) > total and values[i] > max(low, floor[i]):
            values[i] -= 1
    return values


def _sit(exam: Exam, agent: Agent, started: datetime, right: int, rng: random.Random, pool,
         parts, questions: dict[int, Question], strength: float) -> Attempt:  # fmt: skip
    """An attempt with `right` objective questions answered right: the ones easiest for
    this agent (difficulty against strength, with noise), the others wrong."""
    ids = drawing.draw(pool, parts, rng.randrange(2**62))
    attempt = Attempt.objects.create(
        exam=exam, agent=agent, number=1, question_ids=ids, started_at=started,
        deadline=started + timedelta(minutes=exam.time_limit_minutes),
        submitted_at=started + timedelta(minutes=rng.randint(9, exam.time_limit_minutes - 2)),
        status=AttemptStatus.SUBMITTED,
    )  # fmt: skip
    objective = [q for q in ids if questions[q].kind not in ("short", "scenario")]
    ease = sorted(objective, key=lambda q: questions[q].difficulty - strength + rng.gauss(0, 1.2))
    chosen = set(ease[:right])
    answers = []
    for qid in ids:
        q = questions[qid]
        if q.kind in ("short", "scenario"):
            response = [rng.choice(SCENARIO_ANSWERS)[1]]
        else:
            response = _right(q) if qid in chosen else _wrong(q, rng)
        answers.append(Answer(attempt=attempt, question=q, response=response))
    Answer.objects.bulk_create(answers)
    return attempt


def _grader():
    return get_user_model().objects.filter(groups__name="trainer", is_active=True).order_by("pk").first()


@transaction.atomic
def demo(seed: int = 42) -> dict[str, Any]:
    """Create the demo's bank, exams and graded attempts (see the module docstring);
    returns the figures it reproduces."""
    rng = random.Random(seed * 7919 + 17)
    bank = _bank()
    course, _ = Course.objects.get_or_create(
        title=COURSE, defaults={"kind": CourseKind.COURSE, "hours": Decimal(14),
                                "summary": "新人入职第 1–7 天：基础咨询、投诉处理、跨部门协调"},
    )  # fmt: skip
    closes = _at(date(2024, 12, 31), 23, 59)
    pre = _exam(PRE_TITLE, ExamKind.PRE, bank, NEW_HIRE_PARTS, course=course, published=True,
                time_limit_minutes=30, closes_at=closes)  # fmt: skip
    post = _exam(POST_TITLE, ExamKind.POST, bank, NEW_HIRE_PARTS, course=course, published=True,
                 time_limit_minutes=30, closes_at=closes)  # fmt: skip
    cert = _exam(CERT_TITLE, ExamKind.CERTIFICATION, bank, CERT_PARTS, published=True,
                 time_limit_minutes=45, opens_at=_at(date(2024, 12, 16), 9),
                 closes_at=_at(date(2024, 12, 20), 18))  # fmt: skip
    _exam(QUIZ_TITLE, ExamKind.QUIZ, bank, QUIZ_PARTS, published=True, time_limit_minutes=15,
          closed_book=False, attempts_allowed=3)  # fmt: skip
    if not Attempt.objects.filter(exam__in=[pre, post, cert]).exists():
        _attempts(rng, bank, pre, post, cert)
    figures = selectors.pre_post(_Everyone(), course.pk)
    summary = selectors.exam_results(_Everyone(), cert)[1] if figures else None
    return {
        "questions": bank.questions.count(),
        "pre_post": figures[0].figures if figures else None,
        "certification_mean": summary.mean if summary else None,
    }


def _attempts(rng: random.Random, bank, pre: Exam, post: Exam, cert: Exam) -> None:
    questions = {q.pk: q for q in bank.questions.all()}
    pool = selectors.candidates(bank.pk)
    agents = list(Agent.objects.order_by("external_id"))
    if not agents:
        return
    # the year's new hires (a multiple of five of them: the means come out exact)
    cohort = [a for a in agents if a.tier == Tier.NEW]
    cohort = cohort[: max(5, len(cohort) - len(cohort) % 5)] if len(cohort) >= 5 else agents[:5]
    n, size = len(cohort), sum(p[2] for p in NEW_HIRE_PARTS)
    pre_right = _counts(rng, n, PRE_MEAN * n * size // 100, PRE_MEAN * size / 100, 1.8, 6, 19)
    post_right = _counts(rng, n, POST_MEAN * n * size // 100, POST_MEAN * size / 100, 1.2, 12,
                         size, floor=pre_right)  # fmt: skip
    graded: list[Attempt] = []
    pre_parts = selectors.core_parts(pre.parts.select_related("area"))
    for agent, k_pre, k_post in zip(cohort, pre_right, post_right, strict=True):
        hired = agent.hired_on if agent.hired_on and agent.hired_on.year == 2024 else None
        day1 = (hired or date(2024, 3, 4) + timedelta(days=rng.randrange(200))) + timedelta(days=1)
        strength = (k_pre - 13.6) / 2
        graded.append(_sit(pre, agent, _at(day1, 9, 30), k_pre, rng, pool, pre_parts,
                           questions, strength))  # fmt: skip
        graded.append(_sit(post, agent, _at(day1 + timedelta(days=6), 16), k_post, rng, pool,
                           pre_parts, questions, strength + 2))  # fmt: skip
    # the quarterly certification: every agent, 25 objective points and a scenario (5)
    cert_parts = selectors.core_parts(cert.parts.select_related("area"))
    objective = sum(c for _, k, c in CERT_PARTS if k != "scenario")
    sittings = []
    for agent in agents:
        target = min(100.0, max(55.0, rng.gauss(CERT_MEAN, 5.5)))
        points = round(target * 0.30)
        scenario = min(5, max(1, round(points / 6 + rng.gauss(0, 0.7))))
        right = min(objective, max(0, points - scenario))
        started = _at(date(2024, 12, 16) + timedelta(days=rng.randrange(4)), 14, rng.randrange(30))
        attempt = _sit(cert, agent, started, right, rng, pool, cert_parts, questions,
                       (right - 22) / 2)  # fmt: skip
        sittings.append((attempt, scenario))
    for exam in (pre, post, cert):
        batch = [a for a in graded + [s for s, _ in sittings] if a.exam_id == exam.pk]
        for a in batch:
            a.exam = exam
        actions.grade_submitted(batch, now=timezone.now())
    _grade_scenarios(sittings, rng)


def _grade_scenarios(sittings, rng: random.Random) -> None:
    """The trainer grades each certification's scenario answer (audited, as on the page)."""
    grader = _grader()
    for attempt, points in sittings:
        answer = attempt.answers.filter(question__kind__in=("short", "scenario")).first()
        if answer is None:
            continue
        text = next(t for p, t in SCENARIO_ANSWERS if p == points)
        Answer.objects.filter(pk=answer.pk).update(response=[text])
        comment = "要点齐全" if points == 5 else "缺少明确的处理时限" if points >= 3 else "未安抚客户情绪"
        when = attempt.submitted_at + timedelta(hours=rng.randint(2, 30))
        if grader is not None:
            actions.grade_answer(answer, points, comment, user=grader, now=when)
        else:  # no trainer log-in yet: the same grade, unsigned
            Answer.objects.filter(pk=answer.pk).update(
                points=Decimal(points), correct=points == 5, comment=comment, graded_at=when
            )
            actions._settle(Attempt.objects.select_related("exam").get(pk=attempt.pk), when)


class _Everyone:
    """The demo reads its figures over every row (kefu.accounts.access needs a user)."""

    is_authenticated = True
    is_active = True
    pk = None

    def has_perm(self, perm: str) -> bool:
        return True
