"""The classifier in the product: trained from wrap-up codes and people's corrections,
labelling closed complaints on import, the review threshold, retraining, the page."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from conftest import build_personas, client_for
from kefu.demo.core.generator import generate
from kefu.improvement import actions, selectors
from kefu.improvement.choices import Source
from kefu.improvement.models import Classification, ClassifierModel, ImprovementSettings
from kefu.interactions.models import Conversation
from kefu.lib.errors import Invalid, NotAllowed
from kefu.qa.models import Lexicon


@pytest.fixture
def demo(import_records):
    """200 demo conversations (10 problems), every one classified (`classify_all`)."""
    ImprovementSettings.objects.update(classify_all=True)
    records = list(generate(3, "tiny"))
    import_records(*records)
    return [r for r in records if r["type"] == "conversation"]


@pytest.mark.django_db
def test_a_trained_classifier_labels_every_closed_conversation_once(demo):
    # when
    row = actions.train_classifier()
    written = actions.classify()

    # then: one active model, measured beside the baselines, every closed conversation
    closed = Conversation.objects.exclude(status="open").count()
    assert row.active and ClassifierModel.objects.filter(active=True).count() == 1
    assert row.examples == 200 and row.corrections == 0
    cv = row.report["cross_validated"]
    assert cv["model"]["problem_accuracy"] > cv["majority"]["problem_accuracy"]
    assert written == closed == Classification.objects.filter(source=Source.AUTO).count()
    assert actions.classify() == 0  # nothing new: nothing written again


@pytest.mark.django_db
def test_below_the_threshold_a_label_goes_to_review(demo):
    actions.train_classifier()
    ImprovementSettings.objects.update(review_below=0.999)

    actions.classify()

    rows = Classification.objects.all()
    assert rows.filter(needs_review=True).count() == rows.filter(confidence__lt=0.999).count()
    assert rows.filter(needs_review=True).exists()


@pytest.mark.django_db
def test_corrections_are_the_next_trainings_labels_and_are_never_relabelled(demo):
    mia = build_personas().mia
    actions.train_classifier()
    actions.classify()
    target = Classification.objects.order_by("pk").first()
    wrong = "发票问题" if target.problem != "发票问题" else "账户安全"

    actions.correct(target.pk, wrong, user=mia)
    examples, corrections = selectors.training_examples()
    row = actions.retrain_and_reclassify(user=mia)

    assert corrections == 1 and row.corrections == 1
    mine = next(e for e in examples if e.at == target.created_at and e.problem == wrong)
    assert mine.scene == selectors.current_taxonomy().problems()[wrong]
    target.refresh_from_db()
    assert (target.problem, target.source) == (wrong, Source.HUMAN)  # untouched by reclassify
    assert ClassifierModel.objects.filter(active=True).get() == row


@pytest.mark.django_db
def test_an_agent_may_not_train(demo):
    with pytest.raises(NotAllowed):
        actions.train_classifier(user=build_personas().alice)


@pytest.mark.django_db
def test_too_few_labels_are_refused_with_the_counts(personas):
    with pytest.raises(Invalid, match="0"):
        actions.train_classifier()


@pytest.mark.django_db
def test_closed_complaints_are_labelled_when_imported(demo, import_records):
    from conftest import native_conversation

    actions.train_classifier()
    actions.classify()
    record = native_conversation(id="NEW-1", complaint=True, agent="A0007")
    record["messages"][0]["text"] = "退款申请一周了钱还没到账，怎么回事"

    import_records(record)

    row = Classification.objects.get(conversation__external_id="NEW-1")
    assert row.source == Source.AUTO and row.problem == "退款到账慢"


@pytest.mark.django_db
def test_the_copies_follow_the_conversation(complaints, import_records):
    from conftest import native_conversation
    from kefu.improvement.tests.conftest import MAY

    row = Classification.objects.get(conversation__external_id="CMP-0")
    assert row.agent.external_id == "A0007"

    import_records(native_conversation(id="CMP-0", agent="A0102", created=MAY, complaint=False))

    row.refresh_from_db()
    assert row.agent.external_id == "A0102" and row.complaint is False


@pytest.mark.django_db
def test_the_synonyms_are_the_qa_lexicon(personas):
    from kefu.qa.actions import save_lexicon

    assert Lexicon.objects.filter(name="complaint_synonyms").exists()  # shipped, one place
    body = Lexicon.objects.get(name="complaint_synonyms").as_data()
    body["synonyms"]["退款到账慢"].append("米还没回来")

    save_lexicon("complaint_synonyms", body, user=personas.quinn)

    assert selectors.synonym_lexicon().synonyms["米还没回来"] == "退款到账慢"


@pytest.mark.django_db
def test_the_command_trains_and_prints_the_figures(demo):
    out = io.StringIO()
    call_command("improvement_classify", "--train", stdout=out)
    text = out.getvalue()
    assert "trained on 200 labelled complaints" in text
    assert "majority class" in text and "classified" in text


@pytest.mark.django_db
def test_the_command_without_a_model_says_so(personas):
    with pytest.raises(CommandError, match="--train"):
        call_command("improvement_classify", stdout=io.StringIO())


@pytest.mark.django_db
def test_the_page_shows_the_figures_and_only_managers_retrain(demo):
    p = build_personas()
    actions.train_classifier()

    page = client_for(p.sam).get(reverse("improvement:classifier"))
    refused = client_for(p.sam).post(reverse("improvement:classifier"))
    agent = client_for(p.alice).get(reverse("improvement:classifier"))
    retrain = client_for(p.quinn).post(reverse("improvement:classifier"))

    assert page.status_code == 200 and "classifier-figures" in page.content.decode()
    assert refused.status_code == 403 and agent.status_code == 403
    assert retrain.status_code == 302
    assert ClassifierModel.objects.count() == 2  # the tests' task backend runs at once
    assert ClassifierModel.objects.get(active=True).created_by == p.quinn


@pytest.mark.django_db
def test_the_api_trains_for_managers_and_reports_the_model(demo):
    p = build_personas()

    refused = client_for(p.sam).post("/api/v1/improvement/classifier/train")
    queued = client_for(p.mia).post("/api/v1/improvement/classifier/train")
    state = client_for(p.sam).get("/api/v1/improvement/classifier").json()
    agent = client_for(p.alice).get("/api/v1/improvement/classifier")

    assert refused.status_code == 403 and agent.status_code == 403
    assert queued.status_code == 202
    assert state["active"]["created_by"] == "mia" and state["active"]["examples"] == 200
    assert state["active"]["report"]["cross_validated"]["model"]["problem_accuracy"] > 0.5
    assert state["classifications"]["auto"] == state["classifications"]["total"] > 0
