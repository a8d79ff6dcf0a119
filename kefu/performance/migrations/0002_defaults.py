"""The settings row, the default scorecards per tier and two behaviour scales.

Source keys are those of kefu.performance.sources (docs/performance.md lists them)."""

from django.db import migrations

# (dimension, source, weight %, floor, target) — linear mappings; a floor above the
# target means lower is better. `training.certified` is 0 or 1.
STANDARD = [
    ("efficiency", "kpi.frt_mean_s", 10, 60, 20),
    ("efficiency", "kpi.aht_s", 5, 900, 300),
    ("efficiency", "kpi.response_rate", 10, 0.9, 1.0),
    ("quality", "qa.score", 12, 60, 95),
    ("quality", "kpi.csat_satisfied_rate", 10, 0.7, 0.95),
    ("quality", "kpi.fcr_rate", 5, 0.5, 0.85),
    ("quality", "bars.attitude", 5, 1, 5),
    ("quality", "reviews.mystery", 3, 60, 95),
    ("development", "training.certified", 5, 0, 1),
    ("development", "training.exam_score", 5, 60, 95),
    ("development", "training.attendance_rate", 5, 0.8, 1.0),
    ("compliance", "qa.fatal_rate", 10, 0.05, 0.0),
    ("compliance", "kpi.complaint_rate", 5, 0.05, 0.005),
    ("nps", "kpi.nps", 10, 0, 60),
]
# New hires: development weighs more, efficiency less (they are learning the job).
NEW_HIRE = [
    ("efficiency", "kpi.frt_mean_s", 8, 60, 25),
    ("efficiency", "kpi.response_rate", 7, 0.9, 1.0),
    ("quality", "qa.score", 15, 60, 95),
    ("quality", "kpi.csat_satisfied_rate", 10, 0.7, 0.95),
    ("quality", "kpi.fcr_rate", 5, 0.5, 0.85),
    ("quality", "bars.attitude", 5, 1, 5),
    ("development", "training.exam_score", 10, 60, 95),
    ("development", "training.attendance_rate", 10, 0.8, 1.0),
    ("development", "training.certified", 5, 0, 1),
    ("compliance", "qa.fatal_rate", 10, 0.05, 0.0),
    ("compliance", "kpi.complaint_rate", 5, 0.05, 0.005),
    ("nps", "kpi.nps", 10, 0, 60),
]
# Seniors: resolution and the 360-degree view of collaboration weigh more.
SENIOR = [
    ("efficiency", "kpi.frt_mean_s", 8, 60, 20),
    ("efficiency", "kpi.aht_s", 5, 900, 300),
    ("efficiency", "kpi.response_rate", 7, 0.9, 1.0),
    ("quality", "qa.score", 12, 60, 95),
    ("quality", "kpi.csat_satisfied_rate", 8, 0.7, 0.95),
    ("quality", "kpi.fcr_rate", 10, 0.5, 0.85),
    ("quality", "bars.attitude", 5, 1, 5),
    ("quality", "reviews.mystery", 5, 60, 95),
    ("development", "training.certified", 5, 0, 1),
    ("development", "feedback.mean", 10, 2, 5),
    ("compliance", "qa.fatal_rate", 10, 0.05, 0.0),
    ("compliance", "kpi.complaint_rate", 5, 0.05, 0.005),
    ("nps", "kpi.nps", 10, 0, 60),
]

SCALES = [
    (
        "attitude",
        "服务态度",
        "对客户的礼貌、耐心、同理心与积极性。",
        [
            "语气生硬或不耐烦，出现推诿、反问或服务禁语。",
            "基本礼貌，但回复机械，较少回应客户情绪。",
            "礼貌、耐心，能安抚客户情绪并说明处理进展。",
            "主动共情，预判客户顾虑，用客户能懂的话解释方案。",
            "在困难对话中扭转客户情绪，客户明确表示认可，可作为示范案例。",
        ],
        "qa.score",
    ),
    (
        "problem_solving",
        "问题解决",
        "确认需求、诊断原因、给出方案并跟进到结果。",
        [
            "未确认需求即作答，答非所问或方案错误。",
            "能回答常见问题，复杂问题需多次转交。",
            "确认需求后给出正确方案，必要时按流程转交并告知时限。",
            "诊断到根因，一次解决，并主动告知后续步骤。",
            "解决疑难问题并推动流程改进，经验沉淀为知识库案例。",
        ],
        "kpi.fcr_rate",
    ),
]


def forwards(apps, schema_editor):
    Settings = apps.get_model("performance", "PerformanceSettings")
    Template = apps.get_model("performance", "Template")
    Line = apps.get_model("performance", "TemplateIndicator")
    Scale = apps.get_model("performance", "BarsScale")
    if not Settings.objects.exists():
        Settings.objects.create()
    for family, name, tier, lines in (
        ("standard", "客服标准绩效", "", STANDARD),
        ("new-hire", "新员工绩效", "new", NEW_HIRE),
        ("senior", "资深客服绩效", "senior", SENIOR),
    ):
        if Template.objects.filter(family=family).exists():
            continue
        template = Template.objects.create(family=family, name=name, tier=tier, version=1)
        Line.objects.bulk_create(
            Line(
                template=template,
                position=position,
                dimension=dimension,
                source=source,
                weight=weight,
                mapping="linear",
                floor=floor,
                target=target,
            )
            for position, (dimension, source, weight, floor, target) in enumerate(lines)
        )
    for code, name, description, anchors, evidence in SCALES:
        Scale.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "description": description,
                "levels": [{"level": i + 1, "anchor": a} for i, a in enumerate(anchors)],
                "evidence_source": evidence,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("performance", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
