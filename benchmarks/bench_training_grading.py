"""Target: grading 127 agents' submissions of a 50-question exam ≤ 1 s.

The exam draws 50 objective questions (20 single choice, 10 multiple choice, 10 true/false,
10 fill-in) from an 80-question bank; each of 127 agents starts an attempt and saves
answers (about 85 % right), as the taking page does. What is timed is the grading of the
stored submissions, database writes included: `actions.submit_attempt` once per agent
(what each agent's "Submit" runs: lock, refuse if late or repeated, grade every answer,
write the answers' points and the attempt's score). The batch path, the server closing
127 overdue attempts in one `close_overdue_attempts`, is timed too. A warm-up round runs
first; then three measured rounds, each on new attempts.

    .venv/bin/python benchmarks/bench_training_grading.py [--db var/bench-training.sqlite3]

The database (migrated once, then reused) holds only the benchmark's rows.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import time
from datetime import timedelta
from pathlib import Path

from _common import KEFU, ROOT, setup_django, verdict

TARGET_S = 1.0
AGENTS = 127
ROUNDS = 3
PARTS = [("single", 20), ("multiple", 10), ("true_false", 10), ("fill", 10)]
BANK_SIZE = {"single": 32, "multiple": 16, "true_false": 16, "fill": 16}


def build(seed: int):
    from django.contrib.auth import get_user_model

    from kefu.accounts.models import Agent, Team
    from kefu.training.models import Area, Attempt, Exam, ExamPart, Question, QuestionBank

    Attempt.objects.filter(exam__title="bench-grading").delete()
    Exam.objects.filter(title="bench-grading").delete()
    QuestionBank.objects.filter(name="bench-grading").delete()
    rng = random.Random(seed)
    bank = QuestionBank.objects.create(name="bench-grading")
    areas = list(Area.objects.all())
    questions = []
    for kind, count in BANK_SIZE.items():
        for i in range(count):
            choices = [f"选项{j}" for j in range(4)] if kind in ("single", "multiple") else []
            answer = {
                "single": [rng.randrange(4)],
                "multiple": sorted(rng.sample(range(4), 2)),
                "true_false": [rng.random() < 0.5],
                "fill": ["钻石会员", "钻石"],
            }[kind]
            questions.append(Question(
                bank=bank, external_id=f"{kind}-{i:02d}", kind=kind, area=rng.choice(areas),
                difficulty=rng.randint(1, 5), text=f"{kind} 题 {i}", choices=choices,
                answer=answer, points=1,
            ))  # fmt: skip
    Question.objects.bulk_create(questions)
    exam = Exam.objects.create(
        title="bench-grading", kind="quiz", bank=bank, published=True, time_limit_minutes=60,
        attempts_allowed=100,
    )  # fmt: skip
    ExamPart.objects.bulk_create(ExamPart(exam=exam, kind=k, count=n) for k, n in PARTS)
    team, _ = Team.objects.get_or_create(name="bench-grading")
    users = []
    for i in range(AGENTS):
        user, _ = get_user_model().objects.get_or_create(username=f"bench-agent-{i:03d}")
        Agent.objects.update_or_create(
            external_id=f"BENCH{i:03d}", defaults={"name": f"客服{i}", "team": team, "user": user}
        )
        users.append(user)
    return exam, users


def respond(question, rng: random.Random) -> list:
    if rng.random() < 0.85:
        return [question.answer[0]] if question.kind == "fill" else list(question.answer)
    if question.kind == "single":
        return [(question.answer[0] + 1) % 4]
    if question.kind == "multiple":
        return [question.answer[0]]  # one of two right choices: all or nothing, 0
    if question.kind == "true_false":
        return [not question.answer[0]]
    return ["黄金会员"]


def stored_submissions(exam, users, rng: random.Random):
    """Each agent's attempt, started and answered (not submitted)."""
    from kefu.training.actions import exams as actions
    from kefu.training.models import Question

    questions = Question.objects.in_bulk(list(exam.bank.questions.values_list("pk", flat=True)))
    attempts = []
    for user in users:
        attempt = actions.start_attempt(exam, user=user, seed=rng.randrange(2**62))
        answers = {qid: respond(questions[qid], rng) for qid in attempt.question_ids}
        actions.save_answers(attempt, answers, user=user)
        attempts.append(attempt)
    return attempts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=ROOT / "var" / "bench-training.sqlite3")
    args = parser.parse_args()
    args.db.parent.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{args.db}"
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([str(KEFU), "migrate", "-v0"], env=env, check=True)
    setup_django(url)
    from django.db import connection
    from django.utils import timezone

    from kefu.training.actions import exams as actions
    from kefu.training.models import Answer, Attempt

    exam, users = build(seed=7)
    rng = random.Random(11)
    print(f"{AGENTS} agents, a {sum(n for _, n in PARTS)}-question exam "
          f"({', '.join(f'{n} {k}' for k, n in PARTS)}), SQLite", flush=True)  # fmt: skip
    timings, batch = [], []
    for round_ in range(ROUNDS + 1):
        Attempt.objects.filter(exam=exam).delete()
        attempts = stored_submissions(exam, users, rng)
        answers = Answer.objects.filter(attempt__exam=exam).count()
        started = time.perf_counter()
        for attempt, user in zip(attempts, users, strict=True):
            actions.submit_attempt(attempt, user=user)
        elapsed = time.perf_counter() - started
        graded = Attempt.objects.filter(exam=exam, status="graded").count()
        assert graded == AGENTS, graded
        assert not Answer.objects.filter(attempt__exam=exam, points__isnull=True).exists()
        mean = statistics.fmean(float(a.score) for a in Attempt.objects.filter(exam=exam))
        label = "warm-up" if round_ == 0 else f"round {round_}"
        print(f"  {label:8s} submit × {AGENTS}: {elapsed:.3f} s "
              f"({answers} answers graded, mean score {mean:.1f})", flush=True)  # fmt: skip
        if round_:
            timings.append(elapsed)
        # the batch path: the same submissions left to run out, closed in one call
        Attempt.objects.filter(exam=exam).delete()
        attempts = stored_submissions(exam, users, rng)
        past = timezone.now() - timedelta(seconds=1)
        Attempt.objects.filter(exam=exam).update(deadline=past)
        started = time.perf_counter()
        closed = actions.close_overdue_attempts(Attempt.objects.filter(exam=exam))
        elapsed_batch = time.perf_counter() - started
        assert closed == AGENTS, closed
        if round_:
            batch.append(elapsed_batch)
    connection.close()
    worst = max(timings)
    median = statistics.median(timings)
    print(
        f"grading {AGENTS} submissions (one submit each): median {median:.3f} s, "
        f"worst {worst:.3f} s — target ≤ {TARGET_S:.1f} s: {verdict(worst <= TARGET_S)}"
    )
    print(f"closing {AGENTS} overdue attempts in one call: median {statistics.median(batch):.3f} s")


if __name__ == "__main__":
    main()
