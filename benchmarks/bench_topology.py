"""Target (issue 24): the production topology, shown to work on one machine without
containers — PostgreSQL, Redis, N Uvicorn web processes, M RQ workers — under a mixed load,
with a worker and a web process killed mid-run and restarted: nothing lost, nothing counted
twice, every alert delivered once to each console that stayed connected, figures equal to
a recomputation. Prints throughput and latency figures.

    .venv/bin/python benchmarks/bench_topology.py --pg postgres://kefu@127.0.0.1:5432/postgres \
        --redis redis://127.0.0.1:6379/0                   # the full run (100,000 imported)
    ... --short                                            # the CI version (≤ 5 minutes)

The run makes a database of its own on the PostgreSQL server (dropped afterwards) and uses
Redis database 7 of the given server (flushed first). Load, for --duration seconds:
a web import of --conversations conversations (uploaded through web 1's import page, run
by the RQ workers), live customer messages at --rate a second spread over the web
processes through the REST API (each raises a `threat_to_complain` alert), --sockets
supervisor console sockets spread over the web processes, and dashboard readers. A third of
the way in, worker 1 and web 2 are killed (SIGKILL) and started again; `kefu import_resume`
(the scheduler's job) queues the import its worker lost again.
"""

from __future__ import annotations

import argparse
import asyncio
import http.cookiejar
import math
import multiprocessing as mp
import os
import re
import resource
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
from _common import ROOT, percentile, verdict
from bench_live import (
    KEFU,
    RULE,
    ManagedProcess,
    Poster,
    Server,
    check_database,
    issue_token,
    open_socket,
    server_env,
    session_cookie,
)

sys.path.insert(0, str(ROOT))
from kefu.monitoring.simulate import ApiClient

PASSWORD = "topology-" + secrets.token_hex(4)
TEAMS = ("售后一组", "售后二组", "售前一组", "售前二组")
# A0001 owns the live conversations (bench_live.Poster); T0001… the imported ones.
AGENTS = ["A0001", *(f"T{n:04d}" for n in range(1, 40))]
STALLED_AFTER_S = 30
SCRIPT = (
    ("customer", "你好，我的退款什么时候到账？"),
    ("agent", "您好，请问订单号是多少？"),
    ("customer", "订单号 {n:08d}"),
    ("agent", "已为您核实，退款 1-3 个工作日到账。"),
    ("customer", "好的谢谢"),
    ("agent", "不客气，祝您生活愉快！"),
)  # the run's KEFU_TASK_STALLED_AFTER_S (production: 300)


# --- the database and the processes --------------------------------------------------------
def psql(admin_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql)


def database_url(admin_url: str, name: str) -> str:
    parts = urllib.parse.urlsplit(admin_url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def redis_db(url: str, number: int = 7) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{number}"))


class PatientClient(ApiClient):
    """Retries a POST on connection errors for up to ~2 minutes (a web process being
    restarted on a loaded machine), not the simulator's ~30 s."""

    def post(self, path: str, body, retries: int = 120):  # type: ignore[override]
        return super().post(path, body, retries)


class Worker(ManagedProcess):
    """One `kefu rqworker default` process."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.proc = None

    def start(self) -> None:
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [str(KEFU), "rqworker", "default"], env=self.env, cwd=ROOT,
                stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip


def kefu(env: dict[str, str], *args: str, timeout: float = 900) -> str:
    done = subprocess.run(
        [str(KEFU), *args], env=env, cwd=ROOT, capture_output=True, text=True,
        timeout=timeout, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"kefu {' '.join(args)}: {done.stderr.strip()[-2000:]}")
    return done.stdout


def set_up(env: dict[str, str], work: Path) -> None:
    """Migrations, 40 agents in 4 teams, a manager log-in (a monitor and an importer)."""
    kefu(env, "migrate", "-v0")
    agents = work / "agents.jsonl"
    agents.write_bytes(
        b"".join(
            orjson.dumps({"type": "agent", "id": a, "name": f"客服{a}", "team": TEAMS[n % 4]})
            + b"\n"
            for n, a in enumerate(AGENTS)
        )
    )
    kefu(env, "import", str(agents))
    code = (
        "from django.contrib.auth.models import Group, User\n"
        "from kefu.accounts.roles import ensure_roles\n"
        "from kefu.monitoring.live import ensure_rules\n"
        "ensure_roles(); ensure_rules()\n"
        f"u = User.objects.create_user('manager', password={PASSWORD!r})\n"
        "u.groups.add(Group.objects.get(name='manager'))\n"
    )
    kefu(env, "shell", "-c", code)


def import_file(path: Path, count: int, run: str) -> None:
    """`count` closed conversations of 6 messages over the 40 agents, a survey on half."""
    start = datetime(2026, 6, 1, 9, tzinfo=UTC)  # 100,000 minutes later is still past
    with path.open("wb") as out:
        for n in range(count):
            at = start + timedelta(minutes=n)
            messages = []
            for k, (role, text) in enumerate(SCRIPT):
                text = text.format(n=n)
                message = {"id": f"m{k + 1}", "role": role, "text": text,
                           "at": (at + timedelta(seconds=20 * k)).isoformat()}  # fmt: skip
                if role == "agent":
                    message["agent"] = AGENTS[n % len(AGENTS)]
                messages.append(message)
            record = {
                "type": "conversation", "id": f"TOPO-{run}-{n:06d}", "channel": "chat",
                "customer": {"id": f"TOPO-U{n % 5000:05d}"}, "agent": AGENTS[n % len(AGENTS)],
                "created_at": at.isoformat(), "status": "resolved",
                "resolved_at": (at + timedelta(seconds=150)).isoformat(), "messages": messages,
            }  # fmt: skip
            if n % 2:
                record["survey"] = {"csat": 1 + n % 5, "nps": n % 11}
            out.write(orjson.dumps(record) + b"\n")


def upload(base_url: str, path: Path) -> int:
    """Upload through the import page as the manager; the job id."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base_url + "/accounts/login/", timeout=60).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode(
        {"username": "manager", "password": PASSWORD, "csrfmiddlewaretoken": token}
    ).encode()
    opener.open(base_url + "/accounts/login/", data=data, timeout=60).read()
    csrf = {c.name: c.value for c in jar}["csrftoken"]
    boundary = "----kefu" + secrets.token_hex(8)
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
            f'{csrf}\r\n--{boundary}\r\nContent-Disposition: form-data; name="file_format"\r\n\r\n'
            f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{path.name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        ).encode()
        + path.read_bytes()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        base_url + "/imports/", data=body, method="POST",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}",
                 "Referer": base_url + "/imports/", "X-CSRFToken": csrf},
    )  # fmt: skip
    response = opener.open(request, timeout=600)
    match = re.search(r"/imports/(\d+)/", response.geturl())
    if not match:
        raise RuntimeError(f"the upload did not start an import: {response.geturl()}")
    return int(match.group(1))


def job_state(env: dict[str, str], job_id: int) -> dict:
    code = (
        "import orjson\nfrom kefu.interactions.models import ImportJob\n"
        f"j = ImportJob.objects.get(pk={job_id})\n"
        "print(orjson.dumps({'status': j.status, 'read': j.read, 'created': j.created,"
        " 'unchanged': j.unchanged, 'rejected': j.rejected}).decode())"
    )
    return orjson.loads(kefu(env, "shell", "-c", code).strip().splitlines()[-1])


# --- the consoles ----------------------------------------------------------------------------
def consoles(ports: list[int], count: int, cookie: str, ready, stop, results) -> None:
    """`count` console sockets over `ports`; per socket, how often each alert arrived."""
    seen: dict[int, dict[tuple[str, str, str], int]] = defaultdict(lambda: defaultdict(int))
    # pushed again by `kefu live_push_missed` (`live.alerts`): a page drops a known id
    late: dict[int, dict[tuple[str, str, str], int]] = defaultdict(lambda: defaultdict(int))
    first: dict[tuple[str, str, str], float] = {}

    async def main() -> None:
        sockets = []
        for i in range(count):

            def on_text(payload: bytes, at: float, i: int = i) -> None:
                event = orjson.loads(payload)
                counts = late[i] if event.get("type") == "live.alerts" else seen[i]
                for alert in event.get("alerts") or ():
                    key = (alert["conversation"], alert["message_id"], alert["rule"])
                    counts[key] += 1
                    first.setdefault(key, at)

            sockets.append(await open_socket(ports[i % len(ports)], "/ws/live/console/",
                                             cookie, on_text))  # fmt: skip
        ready.set()
        while not stop.is_set():
            await asyncio.sleep(0.1)
        await asyncio.sleep(2.0)  # alerts still in flight
        open_ = [i for i, s in enumerate(sockets) if not s.closed.done()]
        for s in sockets:
            s.transport.close()
        results.put({"seen": {i: dict(seen[i]) for i in open_},
                     "late": {i: dict(late[i]) for i in open_}, "open": open_,
                     "first": first, "count": count,
                     "cpu_s": own_cpu_seconds()})  # fmt: skip

    asyncio.run(main())


# --- dashboard readers ---------------------------------------------------------------------
def read_dashboards(urls: list[str], cookie: str, stop: threading.Event, out: list) -> None:
    paths = ["/metrics/", "/conversations/", "/live/", "/qa/"]
    n = 0
    while not stop.is_set():
        url = urls[n % len(urls)] + paths[n % len(paths)]
        n += 1
        started = time.monotonic()
        try:
            request = urllib.request.Request(url, headers={"Cookie": cookie})
            status = urllib.request.urlopen(request, timeout=30).status
        except OSError:
            status = 0  # the web process being restarted
        out.append((paths[(n - 1) % len(paths)], status, (time.monotonic() - started) * 1000))
        time.sleep(0.2)


def same_figures(kept: object, again: object) -> bool:
    """Equal, floats to 12 significant digits: PostgreSQL sums the stored facts in heap order,
    which a recomputation changes, so the last bits of a mean may differ."""
    if isinstance(kept, float) and isinstance(again, float):
        return math.isclose(kept, again, rel_tol=1e-12)
    if isinstance(kept, list) and isinstance(again, list):
        return len(kept) == len(again) and all(map(same_figures, kept, again))
    if isinstance(kept, dict) and isinstance(again, dict):
        return kept.keys() == again.keys() and all(same_figures(kept[k], again[k]) for k in kept)
    return kept == again


def figures_equal(env: dict[str, str]) -> bool:
    """`kefu metrics` as kept current by the workers == after a full recomputation."""
    args = ("metrics", "--from", "2026-01-01", "--to", "2026-12-31", "--by", "team")
    kept = orjson.loads(kefu(env, *args))
    kefu(env, "metrics_rebuild")
    again = orjson.loads(kefu(env, *args))
    same = same_figures(kept, again)
    total = sum(row["conversations"] for row in again)
    print(f"figures: kefu metrics --by team over {total} conversations, kept current vs "
          f"recomputed: {'equal (floats to 12 digits)' if same else 'DIFFERENT'}")  # fmt: skip
    if not same:
        print("  kept:", kept, "\n  recomputed:", again)
    return same


# --- the run -------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", default=os.environ.get("KEFU_TOPOLOGY_PG"), required=False,
                        help="a PostgreSQL URL whose server may create a database")  # fmt: skip
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL"))
    parser.add_argument("--webs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--sockets", type=int, default=200)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--short", action="store_true", help="the CI version (≤ 5 minutes)")
    args = parser.parse_args()
    if args.short:
        args.conversations, args.rate, args.sockets, args.duration = 3000, 10.0, 30, 30.0
    if not args.pg or not args.redis:
        parser.error("--pg and --redis (or KEFU_TOPOLOGY_PG and REDIS_URL) are needed")

    run = datetime.now().strftime("%H%M%S")
    name = f"kefu_topology_{run}_{secrets.token_hex(3)}"
    work = Path(tempfile.mkdtemp(prefix="kefu-topology-"))
    psql(args.pg, f'CREATE DATABASE "{name}"')
    redis_url = redis_db(args.redis)
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    env = server_env(database_url(args.pg, name), redis_url) | {
        "KEFU_TASKS_BACKEND": "django_tasks_rq.RQBackend",
        "KEFU_VAR_DIR": str(work / "var"),
        "KEFU_SECRET_KEY": secrets.token_urlsafe(50),
        "KEFU_FIELD_ENCRYPTION_SALTS": secrets.token_urlsafe(20),
        "KEFU_TASK_STALLED_AFTER_S": str(STALLED_AFTER_S),
        "KEFU_LOG_LEVEL": "WARNING",
    }
    webs = [Server(env, work / f"web-{i + 1}.log") for i in range(args.webs)]
    workers = [Worker(env, work / f"worker-{i + 1}.log") for i in range(args.workers)]
    ok = True
    try:
        started = time.monotonic()
        set_up(env, work)
        import_path = work / "import.jsonl"
        import_file(import_path, args.conversations, run)
        for process in [*webs, *workers]:
            process.start()
        t_up, driver_before = time.monotonic(), own_cpu_seconds()
        print(f"topology: PostgreSQL {name}, Redis {redis_url}, {args.webs} web processes "
              f"(ports {', '.join(str(w.port) for w in webs)}), {args.workers} RQ workers; "
              f"set up in {time.monotonic() - started:.0f} s")  # fmt: skip
        token = issue_token(env, "manager")
        cookie = session_cookie(webs[0].url, "manager", PASSWORD)

        ctx = mp.get_context("spawn")
        ready, stop, results = ctx.Event(), ctx.Event(), ctx.Queue()
        receiver = ctx.Process(target=consoles, args=([w.port for w in webs], args.sockets,
                                                      cookie, ready, stop, results))  # fmt: skip
        receiver.start()
        if not ready.wait(180):
            raise RuntimeError("the console sockets did not open")
        t_import = time.monotonic()
        job_id = upload(webs[0].url, import_path)
        print(f"import: {args.conversations} conversations uploaded to web 1 (job {job_id}); "
              f"{args.sockets} console sockets open over {args.webs} web processes")  # fmt: skip

        readings: list = []
        reading = threading.Event()
        readers = [threading.Thread(target=read_dashboards,
                                    args=([w.url for w in webs], cookie, reading, readings))
                   for _ in range(2)]  # fmt: skip
        for r in readers:
            r.start()
        killed = threading.Event()
        spent = {"webs": 0.0, "workers": 0.0}

        def chaos(elapsed: float) -> None:
            if not killed.is_set() and elapsed >= args.duration / 3:
                killed.set()
                threading.Thread(target=kill_and_restart, args=(workers[0], webs[-1], spent),
                                 daemon=True).start()  # fmt: skip

        clients = [PatientClient(w.url, token) for w in webs]
        poster = Poster(clients, "T" + run, args.rate)
        posted = poster.run_for(args.duration, during=chaos)
        t_posted = time.monotonic()
        # The scheduler's job every minute: alerts stored but never pushed (a web process
        # killed between its commit and its push). Every confirmed post has pushed its own
        # by now (the push runs before the answer), so no grace is needed here.
        late = kefu(env, "live_push_missed", "--grace-s", "0").strip()
        print(f"live_push_missed after the posts: {late}")

        # The import: wait for it, resuming what a lost worker left (the scheduler's job).
        deadline = time.monotonic() + max(600.0, args.conversations / 20)
        state = job_state(env, job_id)
        while state["status"] not in ("done", "failed") and time.monotonic() < deadline:
            time.sleep(5)
            kefu(env, "import_resume")
            state = job_state(env, job_id)
        import_s = time.monotonic() - t_import
        reading.set()
        for r in readers:
            r.join()
        stop.set()
        outcome = results.get(timeout=120)
        receiver.join(30)
        cpu_report(spent, webs, workers, outcome["cpu_s"],
                   own_cpu_seconds() - driver_before, time.monotonic() - t_up)  # fmt: skip

        # --- checks ---
        print(f"live: {posted} messages posted at {args.rate:.0f}/s over {args.webs} web "
              f"processes in {t_posted - poster.t0:.1f} s; {len(poster.stored)} confirmed, "
              f"{len(poster.failures)} failed")  # fmt: skip
        for failure in poster.failures[:5]:
            print("  failure:", failure)
        ok = check_database(env["DATABASE_URL"], f"BENCH-T{run}-", poster) and ok
        ok = not poster.failures and ok

        imported = state["created"] + state["unchanged"]
        print(f"import: job {state['status']} after {import_s:.0f} s "
              f"({args.conversations / import_s:.0f} conversations/s while under the live "
              f"load); read {state['read']}, created {state['created']}, unchanged "
              f"{state['unchanged']}, rejected {state['rejected']}")  # fmt: skip
        count = orjson.loads(kefu(env, "shell", "-c", (
            "import orjson\nfrom kefu.interactions.models import Conversation, Message\n"
            f"q = Conversation.objects.filter(external_id__startswith='TOPO-{run}-')\n"
            "print(orjson.dumps([q.count(), Message.objects.filter(conversation__in=q).count()"
            "]).decode())")).strip().splitlines()[-1])  # fmt: skip
        import_ok = (state["status"] == "done" and state["rejected"] == 0
                     and count == [args.conversations, 6 * args.conversations]
                     and imported == args.conversations)  # fmt: skip
        print(
            f"import: {count[0]} conversations and {count[1]} messages stored of "
            f"{args.conversations} and {6 * args.conversations}: {verdict(import_ok)}"
        )
        ok = import_ok and ok

        ok = alerts_delivered(outcome, poster) and ok
        ok = dashboard_figures(readings) and ok
        ok = figures_equal(env) and ok
        size = orjson.loads(kefu(env, "shell", "-c", (
            "import orjson\nfrom django.db import connection\n"
            "from kefu.interactions.models import Conversation, Message\n"
            "c = connection.cursor()\nc.execute('SELECT pg_database_size(current_database())')\n"
            "print(orjson.dumps([c.fetchone()[0], Conversation.objects.count(),"
            " Message.objects.count()]).decode())")).strip().splitlines()[-1])  # fmt: skip
        print(f"storage: {size[0] / 1e6:.0f} MB for {size[1]} conversations and {size[2]} "
              f"messages, schema included ({size[0] / max(1, size[1]) / 1024:.1f} KB per "
              "conversation)")  # fmt: skip
    finally:
        for process in [*webs, *workers]:
            process.stop()
        try:
            psql(args.pg, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except Exception as exc:  # pragma: no cover - reported, the run's verdict stands
            print("could not drop", name, exc)
    print(f"topology: nothing lost, nothing counted twice, every alert once: {verdict(ok)}")
    sys.exit(0 if ok else 1)


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def cpu_seconds(process: ManagedProcess) -> float:
    """CPU time of a running child and of the children it waited for (RQ's work horses)."""
    if process.proc is None or process.proc.poll() is not None:
        return 0.0
    stat = Path(f"/proc/{process.proc.pid}/stat").read_text()
    # after "(name)": state is field 3; utime, stime, cutime, cstime are fields 14-17
    fields = stat.rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def kill_and_restart(worker: Worker, web: Server, spent: dict[str, float]) -> None:
    started = time.monotonic()
    spent["workers"] += cpu_seconds(worker)  # the killed processes' share of the load
    spent["webs"] += cpu_seconds(web)
    worker.kill()
    web.kill()
    print(f"  killed worker 1 and web {web.port} (SIGKILL)", flush=True)
    time.sleep(2)
    worker.start()
    web.start()
    print(f"  restarted both in {time.monotonic() - started:.1f} s", flush=True)


def cpu_report(
    spent: dict[str, float],
    webs: list[Server],
    workers: list[Worker],
    consoles_s: float,
    driver_s: float,
    load_s: float,
) -> None:
    """Where the machine's CPU went during the load: the rest is PostgreSQL, Redis, the
    `kefu` commands of the run and idle time."""
    webs_s = spent["webs"] + sum(map(cpu_seconds, webs))
    workers_s = spent["workers"] + sum(map(cpu_seconds, workers))
    print(f"cpu over the {load_s:.0f} s since the processes started, on {os.cpu_count()} "
          f"cores: web processes {webs_s:.0f} s, RQ workers {workers_s:.0f} s, the console "
          f"sockets' receiver {consoles_s:.0f} s, this driver {driver_s:.0f} s")  # fmt: skip


def alerts_delivered(outcome: dict, poster: Poster) -> bool:
    """Each alert of a stored message reached each console that stayed open exactly once
    (a late push by `live_push_missed` of one it had is shown once: counted apart), and
    alert latency from POST start to the first console."""
    keys = {(*key, RULE) for key in poster.stored}
    open_ = outcome["open"]
    missing = twice = again = 0
    for i in open_:
        seen, late = outcome["seen"].get(i, {}), outcome["late"].get(i, {})
        missing += sum(1 for k in keys if seen.get(k, 0) + late.get(k, 0) == 0)
        twice += sum(1 for k in keys if seen.get(k, 0) > 1 or late.get(k, 0) > 1)
        # pushed, then its process killed before it marked the alert pushed: the sweeper
        # pushes it again, and the page, which drops an alert id it shows, shows it once
        again += sum(1 for k in keys if seen.get(k, 0) == 1 and late.get(k, 0) == 1)
    latencies = [(outcome["first"][k] - poster.started[k[:2]]) * 1000
                 for k in keys if k in outcome["first"] and k[:2] in poster.started]  # fmt: skip
    closed = outcome["count"] - len(open_)
    arrived = sum(sum(seen.values()) for seen in outcome["seen"].values())
    sample = next(iter(outcome["first"]), None)
    print(
        f"alerts: {arrived} deliveries of {len(outcome['first'])} distinct alerts arrived "
        f"(e.g. {sample}); expected e.g. {next(iter(keys), None)}"
    )
    print(
        f"alerts: {len(keys)} alerts × {len(open_)} consoles that stayed open ({closed} were "
        f"on the killed web process): missed {missing}, delivered twice {twice}; pushed "
        f"again late {again} (a page shows them once)"
    )
    if latencies:
        print(
            f"alert latency, POST → first console: p50 {percentile(latencies, 50):.0f} ms, "
            f"p95 {percentile(latencies, 95):.0f} ms, p99 {percentile(latencies, 99):.0f} ms"
        )
    ok = missing == 0 and twice == 0 and bool(keys)
    print(f"alerts: each delivered once to each console: {verdict(ok)}")
    return ok


def dashboard_figures(readings: list) -> bool:
    good = [ms for _path, status, ms in readings if status == 200]
    failed = [r for r in readings if r[1] != 200]
    if good:
        print(f"dashboard reads: {len(good)} answered 200 (p50 {percentile(good, 50):.0f} ms, "
              f"p95 {percentile(good, 95):.0f} ms), {len(failed)} refused while a web process "
              "restarted")  # fmt: skip
    for page in sorted({path for path, _status, _ms in readings}):
        times = [ms for path, status, ms in readings if path == page and status == 200]
        if times:
            print(f"  {page}: {len(times)} reads, p50 {percentile(times, 50):.0f} ms, "
                  f"max {max(times):.0f} ms")  # fmt: skip
    return bool(good)


if __name__ == "__main__":
    main()
