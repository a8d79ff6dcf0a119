"""Target: from a message POST to its alert arriving on a supervisor's WebSocket, p99 ≤ 100 ms
at 50 messages/s with 200 console WebSockets open (loopback); and no message lost or
evaluated twice when the server is killed and restarted during the run.

Starts real Uvicorn servers on a copy of a small demo database (`kefu demo --size small`,
built once), opens 200 console sockets as the demo manager (session cookie from the
log-in form), and posts customer messages that threaten to complain (each raises a
`threat_to_complain` alert) at --rate for --duration seconds through the REST API.

1. latency: POST start → that alert on each socket (every delivery, and the slowest
   socket per message), p50/p95/p99, PASS/FAIL against 100 ms;
2. restart: posts for --restart-duration seconds, kills the server (SIGKILL) a third of
   the way in and starts it again; posts are retried on connection errors (a retried
   POST answered 409 was stored). Then the database must hold every posted message
   exactly once, each with exactly one alert per (rule, message).

    .venv/bin/python benchmarks/bench_live.py [--rate 50] [--duration 60] [--sockets 200]
    .venv/bin/python benchmarks/bench_live.py --redis redis://127.0.0.1:6379/0

With --redis, two server processes share the Redis channel layer (the production set-up):
conversations are spread over both like a load balancer would, half the sockets are on
each, so every alert crosses processes for half of them.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import gc
import http.cookiejar
import multiprocessing as mp
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import orjson
from _common import ROOT, ensure_demo_database, percentile, verdict

sys.path.insert(0, str(ROOT))
from kefu.monitoring.simulate import ApiClient, message_path

UVICORN = ROOT / ".venv" / "bin" / "uvicorn"
SERVER_ARGS = ["kefu.asgi:application", "--host", "127.0.0.1", "--lifespan", "off",
               "--no-access-log", "--log-level", "warning",
               "--ws-per-message-deflate", "false"]  # fmt: skip
KEFU = ROOT / ".venv" / "bin" / "kefu"
TARGET_P99_MS = 100.0

RULE = "threat_to_complain"
MESSAGES_PER_CONVERSATION = 10
COMPLAINTS = (
    "再不处理我就去12315投诉你们",
    "我要投诉，你们一直拖着不退款",
    "不给解决就打12315投诉",
)


# --- servers -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ManagedProcess:
    """A child process the benchmarks start, kill (SIGKILL) and stop (SIGTERM, then kill)."""

    proc: subprocess.Popen | None = None

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


class Server(ManagedProcess):
    """One `uvicorn kefu.asgi:application` process on a free loopback port."""

    def __init__(self, env: dict[str, str], log: Path, port: int | None = None) -> None:
        self.env = env
        self.port = port or free_port()
        self.log = log
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [str(UVICORN), *SERVER_ARGS, "--port", str(self.port)],
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited ({self.proc.returncode}); see {self.log}")
            try:
                urllib.request.urlopen(self.url + "/accounts/login/", timeout=2).read()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"the server did not answer within {timeout:.0f} s; see {self.log}")


def server_env(database_url: str, redis_url: str | None) -> dict[str, str]:
    # The production settings, also under pytest (whose test settings would bring the
    # in-memory channel layer).
    env = {**os.environ, "DATABASE_URL": database_url, "KEFU_LOG_LEVEL": "ERROR",
           "DJANGO_SETTINGS_MODULE": "kefu.settings"}  # fmt: skip
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def session_cookie(base_url: str, username: str, password: str) -> str:
    """Log in through the form (CSRF token and cookie) and return the Cookie header."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base_url + "/accounts/login/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": token}
    ).encode()
    opener.open(base_url + "/accounts/login/", data=data, timeout=30).read()
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        raise RuntimeError(f"could not log in as {username}")
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def issue_token(env: dict[str, str], username: str) -> str:
    done = subprocess.run(
        [str(KEFU), "issue_token", username, "--name", "bench_live"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


# --- a minimal WebSocket client (RFC 6455; the standard library only) ----------------------


class WebSocket(asyncio.Protocol):
    """Client side of one socket: handshake, then unmasked text frames from the server are
    handed to `on_text(payload, received_at)`; pings are answered. Parsing in
    data_received keeps 200 sockets × thousands of frames a second cheap."""

    def __init__(self, host: str, path: str, cookie: str, on_text) -> None:
        self.request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}"
            f"\r\nSec-WebSocket-Version: 13\r\nOrigin: http://{host}\r\nCookie: {cookie}\r\n\r\n"
        ).encode()
        self.on_text = on_text
        self.buffer = bytearray()
        self.open = asyncio.get_running_loop().create_future()
        self.closed = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport
        transport.write(self.request)

    def connection_lost(self, exc) -> None:
        if not self.open.done():
            self.open.set_exception(ConnectionError("socket closed"))
        if not self.closed.done():
            self.closed.set_result(1006)

    def data_received(self, data: bytes) -> None:
        now = time.monotonic()
        self.buffer += data
        if not self.open.done():
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buffer[:end])
            del self.buffer[: end + 4]
            if not head.startswith(b"HTTP/1.1 101"):
                self.open.set_exception(ConnectionError(head.split(b"\r\n")[0].decode()))
                return
            self.open.set_result(True)
        buf = self.buffer
        while len(buf) >= 2:
            opcode, length, at = buf[0] & 0x0F, buf[1] & 0x7F, 2
            if length == 126:
                if len(buf) < 4:
                    return
                (length,), at = struct.unpack_from(">H", buf, 2), 4
            elif length == 127:
                if len(buf) < 10:
                    return
                (length,), at = struct.unpack_from(">Q", buf, 2), 10
            if len(buf) < at + length:
                return
            payload = bytes(buf[at : at + length])
            del buf[: at + length]
            if opcode == 1:
                self.on_text(payload, now)
            elif opcode == 9:
                self._send(0xA, payload)
            elif opcode == 8:
                if not self.closed.done():
                    code = struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 else 1005
                    self.closed.set_result(code)
                self.transport.close()
                return

    def _send(self, opcode: int, payload: bytes) -> None:
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.transport.write(bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked)


async def open_socket(port: int, path: str, cookie: str, on_text) -> WebSocket:
    loop = asyncio.get_running_loop()
    host = f"127.0.0.1:{port}"
    _, ws = await loop.create_connection(
        lambda: WebSocket(host, path, cookie, on_text), "127.0.0.1", port
    )
    await asyncio.wait_for(ws.open, 30)
    return ws


# --- the receiving process -----------------------------------------------------------------


def receive(ports: list[int], count: int, cookie: str, ready, stop, results) -> None:
    """Open `count` console sockets spread over `ports`; until `stop`, note when each
    alert (conversation, message, rule) arrives on each socket; put {key: [times]}."""
    # The bookkeeping below grows to hundreds of thousands of objects: with the cyclic
    # garbage collector on, its full passes would stall reading and inflate latencies.
    gc.disable()
    arrivals: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    events = {"state": 0, "alerts": 0}

    def on_text(payload: bytes, at: float) -> None:
        event = orjson.loads(payload)
        if not event.get("alerts"):
            events["state"] += 1
            return
        events["alerts"] += 1
        for alert in event["alerts"]:
            arrivals[(alert["conversation"], alert["message_id"], alert["rule"])].append(at)

    async def main() -> None:
        sockets = []
        for i in range(count):
            sockets.append(
                await open_socket(ports[i % len(ports)], "/ws/live/console/", cookie, on_text)
            )
        ready.set()
        while not stop.is_set():
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)  # the last alerts in flight
        closed = sum(1 for s in sockets if s.closed.done())
        for s in sockets:
            s.transport.close()
        results.put({"arrivals": dict(arrivals), "events": events, "closed": closed})

    asyncio.run(main())


# --- posting -------------------------------------------------------------------------------


class Poster:
    """Posts complaint messages at `rate` a second, `MESSAGES_PER_CONVERSATION` to a
    conversation (created open, empty, just before its first message), in `rate` lanes of
    one message a second."""

    def __init__(self, clients: list[ApiClient], run: str, rate: float, workers: int = 24) -> None:
        self.clients = clients  # a conversation's messages all go to one server
        self.run = run
        self.rate = rate
        self.workers = workers
        self.started: dict[tuple[str, str], float] = {}  # (conversation, message) → POST start
        self.stored: set[tuple[str, str]] = set()
        self.conflicts = 0  # retried POSTs answered 409: stored the first time
        self.failures: list[str] = []
        self.lanes = max(1, int(rate))
        self.t0 = (
            0.0  # when the timed posting started  # conversations in parallel: one message/s each
        )
        self._lock = threading.Lock()
        self._created: set[str] = set()
        self._lane_locks = [threading.Lock() for _ in range(self.lanes)]

    def _conversation(self, n: int) -> tuple[str, str]:
        lane, k = n % self.lanes, n // self.lanes
        # Lanes are staggered (the first conversation of lane i is i mod 10 messages
        # shorter), so conversations open spread over time, not all 50 in the same second.
        offset = lane % MESSAGES_PER_CONVERSATION
        conversation, position = divmod(k + offset, MESSAGES_PER_CONVERSATION)
        message = position + 1 - (offset if conversation == 0 else 0)
        return f"BENCH-{self.run}-{lane:03d}-{conversation:04d}", f"m{message}"

    def _client(self, n: int) -> ApiClient:
        return self.clients[(n % self.lanes) % len(self.clients)]

    def _create(self, external_id: str, client: ApiClient) -> None:
        now = datetime.now(UTC).isoformat()
        body = {"id": external_id, "channel": "chat", "agent": "A0001", "status": "open",
                "customer": {"id": f"BENCH-U{external_id[-8:]}"}, "created_at": now,
                "messages": []}  # fmt: skip
        status, answer = client.post("/api/v1/conversations", body)
        if status not in (200, 201):
            raise RuntimeError(f"create {external_id}: {status} {answer}")

    def _open_first(self, n: int) -> str:
        conversation, _ = self._conversation(n)
        self._create(conversation, self._client(n))
        return conversation

    def _post(self, n: int) -> None:
        # One conversation's messages in order, even when the server falls behind.
        with self._lane_locks[n % self.lanes]:
            self._post_in_order(n)

    def _post_in_order(self, n: int) -> None:
        conversation, message_id = self._conversation(n)
        try:
            if message_id == "m1" and conversation not in self._created:
                self._create(conversation, self._client(n))
                self._created.add(conversation)
            body = {"id": message_id, "role": "customer",
                    "text": f"{COMPLAINTS[n % len(COMPLAINTS)]}（{n}）"}  # fmt: skip
            key = (conversation, message_id)
            self.started[key] = time.monotonic()
            status, answer = self._client(n).post(message_path(conversation), body)
            if status == 201:
                self.stored.add(key)
            elif status == 409 and any(e.get("id") == message_id for e in answer.get("errors", [])):
                with self._lock:
                    self.conflicts += 1
                self.stored.add(key)
            else:
                raise RuntimeError(f"{status} {answer}")
        except Exception as exc:
            with self._lock:
                self.failures.append(f"{conversation}/{message_id}: {exc}")

    def run_for(self, duration: float, during=None) -> int:
        """Post for `duration` seconds; `during(elapsed)` is called from the schedule
        loop (e.g. to restart the server). Returns the messages scheduled."""
        total = int(duration * self.rate)
        with ThreadPoolExecutor(self.workers) as pool:
            # Steady state from the first second: each lane's first conversation is open
            # before the clock starts (else all of them would open in that second).
            self._created.update(pool.map(self._open_first, range(min(self.lanes, total))))
            self.t0 = t0 = time.monotonic()
            for n in range(total):
                delay = t0 + n / self.rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                if during is not None:
                    during(time.monotonic() - t0)
                pool.submit(self._post, n)
        return total


# --- the runs ------------------------------------------------------------------------------


def latency_run(servers: list[Server], args, cookie: str, token: str) -> bool:
    ctx = mp.get_context("spawn")
    ready, stop, results = ctx.Event(), ctx.Event(), ctx.Queue()
    receiver = ctx.Process(
        target=receive, args=([s.port for s in servers], args.sockets, cookie, ready, stop, results)
    )
    receiver.start()
    if not ready.wait(120):
        raise RuntimeError("the sockets did not open")
    print(f"{args.sockets} console sockets open on {len(servers)} server(s) as manager")
    # With several servers (Redis) the posts are spread over them like a load balancer.
    clients = [ApiClient(s.url, token) for s in servers]
    poster = Poster(clients, "L" + datetime.now().strftime("%H%M%S"), args.rate)
    total = poster.run_for(args.duration)
    started = poster.t0
    elapsed = time.monotonic() - started
    stop.set()
    outcome = results.get(timeout=120)
    receiver.join(30)
    arrivals = outcome["arrivals"]
    deliveries, slowest, missing, series = [], [], 0, []
    for key, t_post in poster.started.items():
        times = arrivals.get((*key, RULE), [])
        if len(times) < args.sockets:
            missing += 1
        deliveries += [(t - t_post) * 1000 for t in times]
        if times:
            slowest.append((max(times) - t_post) * 1000)
            series.append((t_post - started, (min(times) - t_post) * 1000, slowest[-1], *key))
    print(
        f"posted {total} messages in {elapsed:.1f} s ({total / elapsed:.1f}/s), "
        f"{len(poster.failures)} failed; events received: {outcome['events']['state']} states, "
        f"{outcome['events']['alerts']} alert batches; sockets closed early: {outcome['closed']}"
    )
    if poster.failures:
        print("  first failure:", poster.failures[0])
    if args.series:
        rows = [
            f"{t:.3f}\t{fast:.1f}\t{slow:.1f}\t{c}\t{m}" for t, fast, slow, c, m in sorted(series)
        ]
        header = "s\tfirst_socket_ms\tlast_socket_ms\tconversation\tmessage\n"
        Path(args.series).write_text(header + "\n".join(rows) + "\n")
        print(f"per-message latencies written to {args.series}")
    if not deliveries:
        print("no alert arrived: FAIL")
        return False
    p50, p95, p99 = (percentile(deliveries, q) for q in (50, 95, 99))
    print(
        f"alert on a socket (every delivery, n={len(deliveries)}): p50 {p50:.1f} ms  "
        f"p95 {p95:.1f} ms  p99 {p99:.1f} ms  max {max(deliveries):.1f} ms"
    )
    s50, s95, s99 = (percentile(slowest, q) for q in (50, 95, 99))
    print(
        f"alert on all {args.sockets} sockets (slowest socket per message): p50 {s50:.1f} ms  "
        f"p95 {s95:.1f} ms  p99 {s99:.1f} ms"
    )
    print(f"messages whose alert missed a socket: {missing} of {len(poster.started)}")
    ok = p99 <= TARGET_P99_MS and missing == 0 and not poster.failures
    print(f"latency p99 ≤ {TARGET_P99_MS:.0f} ms, every alert on every socket: {verdict(ok)}")
    return ok


def restart_run(servers: list[Server], args, token: str, database_url: str) -> bool:
    run = "R" + datetime.now().strftime("%H%M%S")
    poster = Poster([ApiClient(servers[0].url, token)], run, args.rate)
    restarted = threading.Event()

    def restart_once(elapsed: float) -> None:
        if not restarted.is_set() and elapsed >= args.restart_duration / 3:
            restarted.set()
            threading.Thread(target=_restart, args=(servers[0],), daemon=True).start()

    total = poster.run_for(args.restart_duration, during=restart_once)
    print(
        f"restart run: {total} messages posted, server killed and restarted after "
        f"{args.restart_duration / 3:.0f} s; {len(poster.stored)} confirmed stored "
        f"({poster.conflicts} on a retry answered 409), {len(poster.failures)} failed"
    )
    if poster.failures:
        print("  first failure:", poster.failures[0])
    return check_database(database_url, f"BENCH-{run}-", poster)


def _restart(server: Server) -> None:
    started = time.monotonic()
    server.kill()
    server.start()
    print(f"  server restarted in {time.monotonic() - started:.1f} s", flush=True)


def check_database(database_url: str, prefix: str, poster: Poster) -> bool:
    """Every confirmed message stored exactly once; each with its alert exactly once."""
    code = f"""
import orjson
from django.db.models import Count
from kefu.interactions.models import Message
from kefu.monitoring.models import Alert, LiveState
ours = dict(conversation__external_id__startswith={prefix!r})
rows = list(Message.objects.filter(**ours).values_list("conversation__external_id", "external_id"))
alerts = Alert.objects.filter(**ours)
dups = alerts.values("conversation_id", "rule", "message_id").annotate(n=Count("id"))
alerted = alerts.filter(rule={RULE!r}).values_list("conversation__external_id", "message_id")
states = LiveState.objects.filter(**ours).values_list("conversation__external_id", "message_count")
print(orjson.dumps({{"rows": rows, "dup_alerts": dups.filter(n__gt=1).count(),
                    "with_rule": list(alerted), "states": list(states)}}).decode())
"""
    env = {**os.environ, "DATABASE_URL": database_url}
    done = subprocess.run(
        [str(KEFU), "shell", "-c", code], env=env, capture_output=True, text=True, check=True
    )
    data = orjson.loads(done.stdout.strip().splitlines()[-1])
    rows = [tuple(r) for r in data["rows"]]
    stored = set(rows)
    duplicates = len(rows) - len(stored)
    lost = poster.stored - stored
    unconfirmed = stored - poster.stored  # stored, but the client never heard (not an error)
    alerted = [tuple(r) for r in data["with_rule"]]
    without_alert = stored - set(alerted)
    alert_dups = len(alerted) - len(set(alerted)) + data["dup_alerts"]
    counts = defaultdict(int)
    for conversation, _ in rows:
        counts[conversation] += 1
    state_mismatch = sum(1 for c, n in data["states"] if counts.get(c, 0) != n)
    print(
        f"database: {len(rows)} messages stored for {len(poster.stored)} confirmed; "
        f"lost {len(lost)}, stored twice {duplicates}, stored unconfirmed {len(unconfirmed)}; "
        f"messages without their {RULE} alert {len(without_alert)}, duplicate alerts "
        f"{alert_dups}; live states off their message count {state_mismatch}"
    )
    ok = not lost and not duplicates and not without_alert and not alert_dups
    ok = ok and not state_mismatch
    print(f"restart: nothing lost, nothing evaluated twice: {verdict(ok)}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--sockets", type=int, default=200)
    parser.add_argument("--restart-duration", type=float, default=30.0)
    parser.add_argument("--redis", metavar="URL", help="two servers on this Redis channel layer")
    parser.add_argument("--skip-restart", action="store_true")
    parser.add_argument("--series", metavar="FILE", help="each message's latencies (TSV)")
    args = parser.parse_args()

    base = ROOT / "var" / "bench-live-base.sqlite3"
    base.parent.mkdir(parents=True, exist_ok=True)
    ensure_demo_database(base, "small")
    db = ROOT / "var" / "bench-live-run.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    shutil.copy(base, db)
    database_url = f"sqlite:///{db}"
    env = server_env(database_url, args.redis)
    subprocess.run([str(KEFU), "migrate", "-v0"], env=env, check=True)
    token = issue_token(env, "manager")

    count = 2 if args.redis else 1
    servers = [Server(env, ROOT / "var" / f"bench-live-server-{i}.log") for i in range(count)]
    for s in servers:
        s.log.unlink(missing_ok=True)
        s.start()
    mode = (
        f"{count} Uvicorn processes on Redis {args.redis}"
        if args.redis
        else "1 Uvicorn process, in-memory channel layer"
    )
    print(f"{mode}; ports {', '.join(str(s.port) for s in servers)}")
    try:
        cookie = session_cookie(servers[0].url, "manager", "kefu2024")
        ok = latency_run(servers, args, cookie, token)
        if not args.skip_restart:
            ok = restart_run(servers, args, token, database_url) and ok
    finally:
        for s in servers:
            s.stop()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
