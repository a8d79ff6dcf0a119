"""`kefu improvement_eval` and the texts it reads (kefu/improvement/texts.py)."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from kefu.demo.core.generator import generate
from kefu.improvement import texts
from kefu.interactions.models import Conversation


@pytest.fixture
def demo(import_records):
    records = list(generate(3, "tiny"))
    import_records(*records)
    return [r for r in records if r["type"] == "conversation"]


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("improvement_eval", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_texts_are_the_customers_messages_and_labels_the_codes(demo):
    # when
    examples = texts.examples(texts.conversations(complaints_only=False))

    # then: every labelled conversation, oldest first, customer messages only
    assert len(examples) == len(demo) == 200
    first = min(demo, key=lambda r: r["created_at"])
    expected = "\n".join(m["text"] for m in first["messages"] if m["role"] == "customer")
    assert examples[0].text == expected
    assert (examples[0].scene, examples[0].problem) == tuple(first["category"][:2])
    assert all(m["text"] not in examples[0].text for m in first["messages"] if m["role"] == "agent")
    complaints = texts.conversations()
    assert complaints.count() == sum(r["complaint"] for r in demo)


@pytest.mark.django_db
def test_the_window_and_the_labels_select_conversations(demo):
    Conversation.objects.filter(pk=Conversation.objects.order_by("pk").first().pk).update(
        category2=""
    )

    unlabelled = texts.conversations(complaints_only=False).count()
    march = texts.conversations(
        complaints_only=False, since=date(2024, 3, 1), until=date(2024, 3, 31)
    )

    assert unlabelled == 199
    assert march.exists()
    assert all(c.created_at.month == 3 for c in march)


@pytest.mark.django_db
def test_it_prints_the_figures_as_json(demo):
    data = json.loads(run("--all", "--folds", "3", "--json"))

    assert data["examples"] == 200 and data["selection"] == "all"
    cv = data["cross_validated"]
    assert set(cv) == {"model", "majority", "keyword"}
    assert cv["model"]["problem_accuracy"] > cv["majority"]["problem_accuracy"]
    assert data["held_out_sizes"]["train"] + data["held_out_sizes"]["test"] == 200
    assert [row["threshold"] for row in data["thresholds"]][:2] == [0.0, 0.3]


@pytest.mark.django_db
def test_it_prints_a_table(demo):
    output = run("--all", "--folds", "3")

    assert "Cross-validated" in output and "Held out by time" in output
    assert "majority class" in output and "keyword" in output and "Review queue" in output


@pytest.mark.django_db
def test_it_refuses_bad_options_and_too_few_conversations(demo):
    with pytest.raises(CommandError, match="--since"):
        run("--since", "2024-13-01")
    with pytest.raises(CommandError, match="folds"):
        run("--folds", "1")
    with pytest.raises(CommandError, match="too few"):
        run("--until", "2024-01-03")
