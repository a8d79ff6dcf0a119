"""The scoring pipeline: imported conversations are scored from the database, the stored
results are exactly what the engine gives for the imported records, re-scores keep
history per scorecard version, and reads are scoped per role."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import native_conversation
from kefu.core.masking import mask_text
from kefu.interactions.core.native import CustomerRecord, parse_object
from kefu.interactions.importer import configured_tz
from kefu.interactions.models import Conversation
from kefu.qa import scoring, store
from kefu.qa import tasks as qa_tasks
from kefu.qa.models import PendingQa, QaHit, QaResult, QaRun, RunStatus, ScorecardVersion
from kefu.qa.selectors import hits_visible_to, results_visible_to
from kefu.qa.tests.conversations import CLEAN, T0, native
from kefu.qa.tests.conversations import replace as say
from kefu.qa.tests.test_indicators import CASES

_ids = itertools.count(1)


def case(indicator: str, **extra) -> dict:
    """The conversation on which `indicator` fires (test_indicators.CASES)."""
    messages, header, *_ = CASES[indicator]
    return native(messages, id=f"C-SC-{next(_ids):05d}", **{**header, **extra})


def expected(record_dict: dict):
    """What the engine says about the record as imported (no database involved)."""
    record = parse_object(record_dict, configured_tz())
    return store.engine_for().score(record)


def stored(external_id: str) -> QaResult:
    return QaResult.objects.get(conversation__external_id=external_id, is_current=True)


def assert_stored_equals(result: QaResult, scored) -> None:
    assert (result.score, result.passed, result.fatal) == (
        scored.score,
        scored.passed,
        scored.fatal,
    )
    assert result.hit_count == len(scored.hits)
    assert result.items == [
        {
            "item": i.item,
            "section": i.section,
            "points": i.points,
            "fatal": i.fatal,
            "indicators": list(i.indicators),
        }
        for i in scored.items
    ]
    hits = [
        (h.indicator, tuple(h.messages), h.evidence, h.severity, h.type, h.occurrences)
        for h in result.hits.order_by("pk")
    ]
    # Evidence is stored masked (it may quote a message: '出现: 138****5678').
    assert hits == [
        (h.indicator, h.messages, mask_text(h.evidence), h.severity, h.type, h.occurrences)
        for h in scored.hits
    ]
    version = result.scorecard_version
    assert (version.scorecard.slug, version.number) == (
        scored.scorecard,
        scored.scorecard_version,
    )


# --- import → scored --------------------------------------------------------------------


@pytest.mark.django_db
def test_importing_conversations_scores_them(personas, import_records):
    # when two conversations are imported (the import hook queues, the task scores)
    first, second = native_conversation(), native_conversation(agent="A0102")
    second["messages"][1]["agent"] = "A0102"
    import_records(first, second)
    # then each has one current result, attributed like its conversation
    assert not PendingQa.objects.exists()
    for record in (first, second):
        conversation = Conversation.objects.get(external_id=record["id"])
        result = QaResult.objects.get(conversation=conversation)
        assert result.is_current
        assert (result.agent_id, result.team_id) == (conversation.agent_id, conversation.team_id)
        assert result.day == conversation.created_at.astimezone(configured_tz()).date()
        assert result.scorecard_version == store.default_version()
        assert result.run_id is None
        for hit in result.hits.all():
            assert hit.is_current
            assert (hit.agent_id, hit.team_id, hit.day) == (
                result.agent_id,
                result.team_id,
                result.day,
            )


@pytest.mark.django_db
def test_every_indicator_survives_the_database_round_trip(import_records):
    # given the conversation of every built-in indicator (phone segments, transfers,
    # surveys, no agent reply, …), one with an order and escalations, and a clean one
    records = [case(indicator) for indicator in sorted(CASES)]
    records.append(
        native(
            say(CLEAN, 3, "我保证退款今天到账"),
            id="C-SC-ORDER",
            order={"converted": True, "amount": 99.5, "currency": "CNY"},
            escalations=[
                {"level": "supervisor", "at": (T0 + timedelta(seconds=30)).isoformat()},
            ],
            category=["售后", "退款"],
            complaint=True,
        )
    )
    records.append(native(id="C-SC-CLEAN"))
    # when they are imported
    import_records(*records)
    # then every stored result is exactly the engine's for the record as imported
    fired = set()
    for record in records:
        scored = expected(record)
        assert_stored_equals(stored(record["id"]), scored)
        fired.update(h.indicator for h in scored.hits)
    assert fired >= set(CASES)


@pytest.mark.django_db
def test_records_from_the_database_equal_the_imported_ones(import_records):
    records = [case(indicator) for indicator in sorted(CASES)]
    records.append(native(id="C-SC-ORDER2", order={"converted": False, "amount": 12.0}))
    import_records(*records)
    pks = Conversation.objects.values_list("pk", flat=True)
    rebuilt = {record.id: (info, record) for info, record in scoring.records_for(pks)}
    tz = configured_tz()
    for record_dict in records:
        original = parse_object(record_dict, tz)
        info, record = rebuilt[original.id]
        # personal fields are not read back (no rule uses them)
        assert record == replace(
            original,
            customer=CustomerRecord(id=original.customer.id, segment=original.customer.segment),
        )
        conversation = Conversation.objects.get(pk=info.pk)
        assert (info.agent_id, info.team_id) == (conversation.agent_id, conversation.team_id)
        assert info.day == original.created_at.astimezone(tz).date()


@pytest.mark.django_db
def test_records_are_read_with_a_constant_number_of_queries(import_records):
    import_records(*(case(indicator) for indicator in sorted(CASES)))
    pks = sorted(Conversation.objects.values_list("pk", flat=True))

    def queries(ids) -> int:
        with CaptureQueriesContext(connection) as captured:
            list(scoring.records_for(ids))
        return len(captured)

    assert queries(pks[:2]) == queries(pks) == 5  # agents + 4 per chunk


# hypothesis: conversations made of phrases that fire (or nearly fire) rules, any timing
PHRASES = [
    "您好，请问有什么可以帮您？",
    "嗯",
    "不知道",
    "这个我也没办法",
    "非常抱歉给您带来不便，请您耐心等待。",
    "我保证今天到账",
    "请告诉我验证码",
    "已登记手机号 13812345678",
    "我的退款什么时候到账",
    "气死我了，什么破服务",
    "再不处理我就投诉",
    "我要找律师",
    "不行我就销户",
    "你们太差了，非常失望",
    "好的，谢谢，还有其他可以帮您的吗？祝您生活愉快",
    "Hello, thank you",
]
message_spec = st.tuples(
    st.sampled_from("cab"),
    st.sampled_from(PHRASES),
    st.integers(min_value=0, max_value=400),
    st.floats(min_value=0, max_value=8, allow_nan=False),
)


@st.composite
def conversations(draw) -> dict:
    channel = draw(st.sampled_from(["chat", "phone", "app"]))
    specs, at = [], 0
    for role, text, gap, length in draw(st.lists(message_spec, min_size=0, max_size=10)):
        at += gap
        spec = (role, text, at)
        if channel == "phone":
            spec = (role, text, at, at, at + length)
        specs.append(spec)
    header: dict = {"channel": channel, "id": f"C-HY-{next(_ids):05d}"}
    if draw(st.booleans()):
        header["status"], header["resolved_at"] = "open", None
    header["survey"] = draw(
        st.one_of(
            st.none(),
            st.fixed_dictionaries(
                {"csat": st.integers(1, 5) | st.none(), "nps": st.integers(0, 10) | st.none()}
            ),
        )
    )
    transfers = draw(st.integers(min_value=0, max_value=3))
    if transfers:
        header["transfers"] = [
            {"from": "A0007", "to": "A0008", "at": (T0 + timedelta(seconds=n)).isoformat()}
            for n in range(transfers)
        ]
    return native(specs, **header)


@pytest.mark.django_db
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(record=conversations())
def test_the_stored_result_is_the_engines_for_any_conversation(import_records, record):
    import_records(record)
    assert_stored_equals(stored(record["id"]), expected(record))


# --- idempotence and history ------------------------------------------------------------


@pytest.mark.django_db
def test_reimporting_a_changed_conversation_rescores_it_in_place(import_records):
    record = native(id="C-SC-CHANGE")
    import_records(record)
    first = stored("C-SC-CHANGE")
    assert first.score == 100.0
    # when the same conversation comes back with a taboo phrase
    changed = native(say(CLEAN, 3, "这个我也没办法，退款今天会到账。"), id="C-SC-CHANGE")
    import_records(changed)
    # then it is scored again and keeps one (current) result
    results = QaResult.objects.filter(conversation__external_id="C-SC-CHANGE")
    assert results.count() == 1
    assert_stored_equals(results.get(), expected(changed))
    assert results.get().score == 90.0
    assert results.get().pk == first.pk  # rewritten in place: references stay valid
    # an unchanged re-import changes nothing
    import_records(changed)
    assert list(results.values_list("pk", flat=True)) == [first.pk]


@pytest.mark.django_db
def test_scoring_twice_replaces_the_versions_result(import_records):
    records = [case("forbidden_phrase"), case("anger")]
    import_records(*records)
    pks = list(Conversation.objects.values_list("pk", flat=True))
    hits = QaHit.objects.count()
    results = set(QaResult.objects.values_list("pk", flat=True))
    assert scoring.score_conversations(pks) == 2
    assert scoring.score_conversations(pks) == 2
    assert set(QaResult.objects.values_list("pk", flat=True)) == results
    assert QaHit.objects.count() == hits
    for record in records:
        assert_stored_equals(stored(record["id"]), expected(record))


def _new_version(**changes) -> ScorecardVersion:
    current = store.default_version()
    definition = {**current.definition, **changes}
    return ScorecardVersion.objects.create(
        scorecard=current.scorecard,
        number=current.number + 1,
        definition={**definition, "version": current.number + 1},
        note="stricter",
    )


@pytest.mark.django_db
def test_a_rescore_with_a_new_version_keeps_the_old_results_as_history(import_records):
    records = [case("forbidden_phrase"), case("slow_response_60s"), native(id="C-SC-OK")]
    import_records(*records)
    v1 = store.default_version()
    old_hits = QaHit.objects.count()
    # when the scorecard gets a version 2 (pass line 95) and everything is re-scored
    v2 = _new_version(pass_line=95)
    assert store.default_version() == v2
    run = qa_tasks.start_rescore(v2, "change")  # the immediate test backend runs it now
    run.refresh_from_db()
    assert (run.status, run.done, run.total) == (RunStatus.DONE, 3, 3)
    assert run.started_at and run.finished_at and not run.error
    # then each conversation has its v1 result as history and a current v2 result
    for record in records:
        results = QaResult.objects.filter(conversation__external_id=record["id"])
        assert sorted(results.values_list("scorecard_version__number", "is_current")) == [
            (1, False),
            (2, True),
        ]
        current = results.get(is_current=True)
        assert current.run_id == run.pk
        assert_stored_equals(current, expected(record))
        assert not results.get(scorecard_version=v1).hits.filter(is_current=True).exists()
    assert stored(records[0]["id"]).passed is False  # 90 < 95 now
    assert QaHit.objects.filter(is_current=False).count() == old_hits
    assert QaHit.objects.filter(is_current=True).count() == old_hits
    # a second run of the same version replaces its results, history stays as it was
    qa_tasks.start_rescore(v2)
    assert QaResult.objects.count() == 6
    assert QaResult.objects.filter(is_current=True).count() == 3


@pytest.mark.django_db
def test_a_run_that_cannot_be_queued_says_so(import_records, monkeypatch):
    from kefu.qa import tasks

    class Down:
        def enqueue(self, *args, **kwargs):
            raise ConnectionError("queue down")

    monkeypatch.setattr(tasks, "run_rescore", Down())
    run = qa_tasks.start_rescore(None)
    assert run.status == RunStatus.FAILED
    assert "queue down" in run.error


@pytest.mark.django_db
def test_a_failing_run_is_marked_failed(import_records, monkeypatch):
    import_records(native(id="C-SC-FAIL"))

    def broken(*args, **kwargs):
        raise RuntimeError("engine broke")

    monkeypatch.setattr(scoring, "_score_chunk", broken)
    run = scoring.create_run(store.default_version())
    with pytest.raises(RuntimeError):
        scoring.execute_run(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "engine broke" in run.error
    assert run.finished_at is not None


@pytest.mark.django_db
def test_a_failed_run_goes_on_where_it_stopped(import_records, monkeypatch):
    # given 5 conversations, scored in chunks of 2, and a run that breaks on the third chunk
    import_records(*[native(id=f"C-SC-R{n}") for n in range(5)])
    monkeypatch.setattr(scoring, "CHUNK", 2)
    real = scoring._score_chunk
    seen: list[list[int]] = []

    def flaky(chunk, *args):
        seen.append(list(chunk))
        if len(seen) == 3:
            raise RuntimeError("worker killed")
        return real(chunk, *args)

    monkeypatch.setattr(scoring, "_score_chunk", flaky)
    run = scoring.create_run(store.default_version())
    with pytest.raises(RuntimeError):
        scoring.execute_run(run.pk)
    run.refresh_from_db()
    assert (run.status, run.done, run.total) == (RunStatus.FAILED, 4, 5) and run.can_restart
    # when it is restarted
    run = qa_tasks.restart_run(run)
    # then it scores only what was left and ends done with every conversation counted
    assert (run.status, run.done, run.total) == (RunStatus.DONE, 5, 5)
    assert seen[3] == seen[2] and len(seen) == 4
    assert QaResult.objects.filter(run=run, is_current=True).count() == 5


@pytest.mark.django_db
def test_a_run_whose_worker_vanished_is_stalled_and_taken_over(import_records):
    import_records(native(id="C-SC-ST"))
    run = scoring.create_run(store.default_version())
    stale = timezone.now() - timedelta(minutes=6)
    QaRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, heartbeat_at=stale)
    run.refresh_from_db()
    assert run.is_stalled and run.can_restart
    # a live worker's run is left alone (a task delivered twice)
    QaRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now())
    assert scoring.execute_run(run.pk).done == 0
    # a stalled one is taken over
    QaRun.objects.filter(pk=run.pk).update(heartbeat_at=stale)
    assert scoring.execute_run(run.pk).status == RunStatus.DONE


@pytest.mark.django_db
def test_the_command_resumes_a_stopped_run(import_records):
    import_records(native(id="C-SC-CMD"))
    run = scoring.create_run(store.default_version())
    QaRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, error="killed")
    out = StringIO()
    call_command("qa", "rescore", "--resume", str(run.pk), stdout=out)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.done == 1
    with pytest.raises(CommandError, match="nothing to resume"):
        call_command("qa", "rescore", "--resume", str(run.pk))


@pytest.mark.django_db
def test_the_queue_is_worked_off(import_records):
    from kefu.interactions.signals import import_finished
    from kefu.qa import signals

    # given an import whose background task never ran
    import_finished.disconnect(dispatch_uid="qa-score")
    try:
        import_records(native(id="C-SC-Q1"), case("anger"))
    finally:
        import_finished.connect(signals.on_import_finished, dispatch_uid="qa-score")
    assert PendingQa.objects.count() == 2 and not QaResult.objects.exists()
    # when the queue is worked off (the `pending` command)
    out = StringIO()
    call_command("qa", "pending", stdout=out)
    assert "2" in out.getvalue()
    assert not PendingQa.objects.exists()
    assert QaResult.objects.count() == 2
    # a queued conversation deleted meanwhile is simply dropped
    scoring.queue([999_999])
    assert scoring.score_pending() == 1
    assert not PendingQa.objects.exists()


@pytest.fixture
def queued(import_records):
    """Three imported conversations queued for scoring, none scored yet (the import's
    background task disconnected)."""
    from kefu.interactions.signals import import_finished
    from kefu.qa import signals

    import_finished.disconnect(dispatch_uid="qa-score")
    try:
        import_records(native(id="C-SC-M1"), case("anger"), native(id="C-SC-M3"))
    finally:
        import_finished.connect(signals.on_import_finished, dispatch_uid="qa-score")
    ids = sorted(Conversation.objects.values_list("pk", flat=True))
    assert sorted(PendingQa.objects.values_list("conversation_id", flat=True)) == ids
    return ids


@pytest.mark.django_db
def test_queueing_a_queued_conversation_again_renews_its_mark(queued):
    first = PendingQa.objects.get(conversation_id=queued[0]).mark
    scoring.queue([queued[0], queued[0]])  # twice in one batch, too
    row = PendingQa.objects.get(conversation_id=queued[0])  # still one row
    assert row.mark > first
    assert PendingQa.objects.count() == len(queued)


@pytest.mark.django_db
def test_a_pass_takes_off_what_it_scored(queued, monkeypatch):
    monkeypatch.setattr(scoring, "CHUNK", 2)  # two chunks: the queue is walked in id order
    progress: list[int] = []
    assert scoring.score_pending(progress.append) == 3
    assert progress == [2, 3]
    assert not PendingQa.objects.exists()
    assert set(QaResult.objects.values_list("conversation_id", flat=True)) == set(queued)


@pytest.mark.django_db
def test_a_conversation_queued_again_while_it_is_scored_stays_queued(queued, monkeypatch):
    # given a writer that queues the second conversation again while its chunk is scored
    monkeypatch.setattr(scoring, "CHUNK", 2)
    score_chunk = scoring._score_chunk
    written = []

    def writer_meanwhile(ids, *args):
        done = score_chunk(ids, *args)
        if queued[1] in ids and not written:
            written.append(queued[1])
            scoring.queue([queued[1]])  # a new mark: the pass read the old one
        return done

    monkeypatch.setattr(scoring, "_score_chunk", writer_meanwhile)
    scored_signals: list = []

    def listen(sender, conversation_ids, **kwargs):
        scored_signals.append(conversation_ids)

    scoring.scoring_finished.connect(listen)
    try:
        # when a pass works the queue off
        assert scoring.score_pending() == 3
        # then the conversation written meanwhile is still queued, the others are not …
        assert list(PendingQa.objects.values_list("conversation_id", flat=True)) == [queued[1]]
        assert QaResult.objects.count() == 3
        # … and the next pass scores it again and takes it off
        assert scoring.score_pending() == 1
    finally:
        scoring.scoring_finished.disconnect(listen)
    assert not PendingQa.objects.exists()
    assert scored_signals == [queued, [queued[1]]]
    assert QaResult.objects.filter(is_current=True).count() == 3  # rewritten in place


# --- scoping ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_results_are_scoped_like_conversations(personas, import_records):
    def owned_by(agent: str, *, bad: bool) -> dict:
        messages = say(CLEAN, 3, "这个我也没办法") if bad else CLEAN
        record = native(messages, id=f"C-SC-{next(_ids):05d}", agent=agent)
        for m in record["messages"]:
            if m["role"] == "agent":
                m["agent"] = agent
        return record

    alice = owned_by("A0007", bad=True)
    bob = owned_by("A0102", bad=True)
    sam = owned_by("A0001", bad=False)
    import_records(alice, bob, sam)
    # history of another version is hidden by default
    scoring.score_conversations(
        Conversation.objects.values_list("pk", flat=True), _new_version(pass_line=90)
    )

    def seen(user) -> set[str]:
        return set(results_visible_to(user).values_list("conversation__external_id", flat=True))

    everything = {alice["id"], bob["id"], sam["id"]}
    assert seen(personas.alice) == {alice["id"]}
    assert seen(personas.bob) == {bob["id"]}
    assert seen(personas.sam) == {alice["id"], sam["id"]}
    assert seen(personas.quinn) == everything
    assert seen(personas.mia) == everything
    assert seen(personas.olga) == set()
    assert results_visible_to(personas.quinn).count() == 3
    assert results_visible_to(personas.quinn, current=False).count() == 6

    def hit_agents(user) -> set[int]:
        return set(hits_visible_to(user).values_list("agent__external_id", flat=True))

    assert hit_agents(personas.alice) == {"A0007"}
    assert hit_agents(personas.sam) == {"A0007"}  # sam's own conversation is clean
    assert hit_agents(personas.bob) == {"A0102"}
    assert hit_agents(personas.mia) == {"A0007", "A0102"}
    assert not hits_visible_to(personas.olga).exists()


# --- the command ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_rescore_command(import_records):
    records = [case("anger"), native(id="C-SC-CMD")]
    import_records(*records)
    v2 = _new_version(pass_line=99)
    v1 = ScorecardVersion.objects.get(scorecard=v2.scorecard, number=1)
    out = StringIO()
    call_command("qa", "rescore", stdout=out)  # the default scorecard's latest: v2
    text = out.getvalue()
    assert "default v2" in text
    assert "2 conversations" in text and "conversations/s" in text and "peak RSS" in text
    run = QaRun.objects.get()
    assert (run.status, run.done, run.scorecard_version) == (RunStatus.DONE, 2, v2)
    current = QaResult.objects.filter(is_current=True)
    assert set(current.values_list("scorecard_version", flat=True)) == {v2.pk}
    # an explicit version: back to v1 (v2's results become history)
    call_command("qa", "rescore", "--scorecard", "default", "--version", "1", stdout=StringIO())
    assert set(current.values_list("scorecard_version", flat=True)) == {v1.pk}
    assert QaResult.objects.count() == 4
    engine_v1 = store.engine_for(v1)
    for record in records:
        scored = engine_v1.score(parse_object(record, configured_tz()))
        assert_stored_equals(stored(record["id"]), scored)
    with pytest.raises(CommandError, match="no scorecard"):
        call_command("qa", "rescore", "--scorecard", "nope")
    with pytest.raises(CommandError, match="no version 7"):
        call_command("qa", "rescore", "--version", "7")
