"""Root-cause pages with the right and the wrong role: the Top-5 counts what the user may
see, corrections and projects take MANAGE_IMPROVEMENT, figures are computed."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from conftest import client_for
from kefu.audit.models import AuditLog
from kefu.improvement.choices import Source
from kefu.improvement.models import Classification, Project, TaxonomyVersion
from kefu.interactions.models import Conversation
from kefu.metrics.models import ImprovementAction


def _pareto_counts(client, month="2024-05") -> dict[str, str]:
    html = client.get(reverse("improvement:home"), {"month": month}).content.decode()
    counts = {}
    for problem in ("退款到账慢", "物流延迟"):
        marker = f'data-problem="{problem}"'
        if marker in html:
            row = html.split(marker, 1)[1].split("</tr>", 1)[0]
            counts[problem] = row.split('<td class="num">', 2)[1].split("<", 1)[0]
    return counts


def test_the_top5_counts_what_each_role_may_see(complaints):
    p = complaints
    assert _pareto_counts(client_for(p.mia)) == {"退款到账慢": "3", "物流延迟": "3"}
    assert _pareto_counts(client_for(p.sam)) == {"退款到账慢": "3", "物流延迟": "1"}
    assert _pareto_counts(client_for(p.bob)) == {"物流延迟": "2"}
    assert _pareto_counts(client_for(p.olga)) == {}


def test_the_top5_shows_share_cumulative_and_change(complaints):
    html = client_for(complaints.mia).get(reverse("improvement:home"), {"month": "2024-05"})
    row = html.content.decode().split('data-problem="退款到账慢"', 1)[1].split("</tr>", 1)[0]
    # 3 of 6 = 50 %, cumulative 50 %; April had 1 → +2 (+200 %)
    assert "50 %" in row and "+2 (+200 %)" in row


def test_a_bad_month_is_named_and_not_used(complaints):
    response = client_for(complaints.mia).get(reverse("improvement:home"), {"month": "2024-13"})
    assert response.status_code == 200
    assert "2024-13" in response.content.decode()
    assert response.context["month"] == date(2024, 5, 1)  # the latest month instead


def test_drill_down_lists_only_visible_conversations(complaints):
    url = reverse("improvement:problem")
    query = {"problem": "物流延迟", "month": "2024-05"}
    assert client_for(complaints.mia).get(url, query).context["page"].paginator.count == 3
    bob_rows = client_for(complaints.bob).get(url, query).context["page"]
    assert {r.conversation.external_id for r in bob_rows} == {"CMP-4", "CMP-5"}


def test_a_qa_specialist_corrects_from_the_review_queue(complaints):
    p = complaints
    queue = client_for(p.quinn).get(reverse("improvement:review"))
    assert [r.conversation.external_id for r in queue.context["page"]] == ["CMP-5"]
    pk = Conversation.objects.get(external_id="CMP-5").pk
    client_for(p.quinn).post(
        reverse("improvement:review"), {"conversation": pk, "problem": "退换货"}
    )
    row = Classification.objects.get(pk=pk)
    assert (row.problem, row.scene, row.source, row.needs_review) == (
        "退换货",
        "售后",
        Source.HUMAN,
        False,
    )
    assert row.reviewed_by == p.quinn


def test_an_agent_cannot_correct(complaints):
    p = complaints
    pk = Conversation.objects.get(external_id="CMP-5").pk
    response = client_for(p.bob).post(
        reverse("improvement:review"), {"conversation": pk, "problem": "退换货"}, follow=True
    )
    assert response.status_code == 200
    assert Classification.objects.get(pk=pk).problem == "物流延迟"


def test_an_unknown_problem_is_refused(complaints):
    pk = Conversation.objects.get(external_id="CMP-5").pk
    client_for(complaints.quinn).post(
        reverse("improvement:review"), {"conversation": pk, "problem": "不存在"}
    )
    assert Classification.objects.get(pk=pk).problem == "物流延迟"


def test_the_shipped_taxonomy_is_version_1_and_edits_make_versions(personas):
    assert TaxonomyVersion.objects.count() == 1
    url = reverse("improvement:taxonomy")
    page = client_for(personas.mia).get(url)
    assert "退款到账慢" in page.content.decode()
    text = "- scene: 售后\n  problems:\n  - problem: 退款到账慢\n    causes:\n    - {cause: 流程冗余, kind: redundant_process}\n"
    assert client_for(personas.alice).post(url, {"text": text}).status_code == 403
    client_for(personas.mia).post(url, {"text": text, "note": "精简"})
    assert TaxonomyVersion.objects.count() == 2
    assert AuditLog.objects.filter(object_type="improvement.taxonomy", object_id="2").exists()
    bad = client_for(personas.mia).post(
        url,
        {
            "text": "- scene: 售后\n  problems:\n  - problem: x\n    causes: [{cause: y, kind: nope}]\n"
        },
    )
    assert "unknown kind: nope" in bad.content.decode() or "nope" in bad.content.decode()
    assert TaxonomyVersion.objects.count() == 2


def test_a_project_is_started_with_a_marker_and_computed_figures(complaints):
    p = complaints
    response = client_for(p.quinn).post(
        reverse("improvement:projects"),
        {
            "title": "退款提速",
            "problem": "退款到账慢",
            "owner": p.quinn.pk,
            "status": "running",
            "start": "2024-05-01",
            "end": "2024-05-09",
        },
    )
    project = Project.objects.get()
    assert response.status_code == 302
    assert ImprovementAction.objects.filter(pk=project.marker_id, on=date(2024, 5, 1)).exists()
    page = client_for(p.sam).get(reverse("improvement:project", args=[project.pk]))
    figures = page.context["figures"]
    # before: April 1 complaint of 1 conversation; after (from May 9): 3 of 6 conversations
    complaints_fig = figures["complaints"]
    assert (complaints_fig.before_events, complaints_fig.before_exposure) == (1, 1)
    assert complaints_fig.after_events == 3  # CMP-0…2 on 10–12 May
    assert 'data-figure="complaints"' in page.content.decode()


def test_projects_are_not_for_agents(complaints):
    p = complaints
    assert client_for(p.alice).get(reverse("improvement:projects")).status_code == 403
    response = client_for(p.sam).post(
        reverse("improvement:projects"),
        {
            "title": "x",
            "problem": "退款到账慢",
            "owner": p.sam.pk,
            "status": "planned",
            "start": "2024-05-01",
        },
    )
    assert response.status_code == 403 and not Project.objects.exists()
