"""Helpers shared by the benchmark scripts (not a test module)."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEFU = ROOT / ".venv" / "bin" / "kefu"


def run_kefu(args: list[str], database_url: str, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run([str(KEFU), *args], env=env, check=True, **kwargs)


def ensure_demo_database(path: Path, size: str) -> str:
    """A SQLite database holding the demo of `size`, built once and reused."""
    url = f"sqlite:///{path}"
    if not path.exists():
        started = time.perf_counter()
        print(f"building {path} with `kefu demo --size {size}` (once) …", flush=True)
        tmp = path.with_suffix(".partial")
        for suffix in ("", "-wal", "-shm"):
            Path(str(tmp) + suffix).unlink(missing_ok=True)
        tmp_url = f"sqlite:///{tmp}"
        run_kefu(["migrate", "-v0"], tmp_url)
        run_kefu(["demo", "--seed", "42", "--size", size], tmp_url, stdout=subprocess.DEVNULL)
        tmp.rename(path)
        print(f"built in {time.perf_counter() - started:.0f} s", flush=True)
    return url


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def summary(values_ms: list[float]) -> str:
    return (
        f"n={len(values_ms)} mean={statistics.fmean(values_ms):.1f} ms "
        f"p50={percentile(values_ms, 50):.1f} ms p95={percentile(values_ms, 95):.1f} ms "
        f"max={max(values_ms):.1f} ms"
    )


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def add_database_arguments(parser) -> None:
    """--db (a SQLite file) or --database-url (e.g. an empty PostgreSQL database): where the
    large demo is built once and measured."""
    parser.add_argument("--db", type=Path, default=None, help="SQLite file")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", ""),
        help="a database URL instead of the SQLite file (postgres://…; built once if empty)",
    )


def ensure_demo_url(url: str, size: str) -> str:
    """A database at `url` (PostgreSQL) migrated and holding the demo of `size`, built
    once: when it has no conversation yet."""
    run_kefu(["migrate", "-v0"], url)
    probe = run_kefu(
        ["shell", "-c", "from kefu.interactions.models import Conversation as C; "
         "print(int(C.objects.exists()))"],
        url, capture_output=True, text=True,
    )  # fmt: skip
    if probe.stdout.split()[-1:] != ["1"]:  # (the shell may print what it imported first)
        started = time.perf_counter()
        print(f"building the demo ({size}) in {url} (once) …", flush=True)
        run_kefu(["demo", "--seed", "42", "--size", size], url, stdout=subprocess.DEVNULL)
        print(f"built in {time.perf_counter() - started:.0f} s", flush=True)
    return url


def large_database_url(size: str, db: Path | None, database_url: str = "") -> str:
    """The URL of the benchmark database of `size`, built once: `database_url` if given,
    else the SQLite file `db` (default var/bench-<size>.sqlite3)."""
    if database_url:
        return ensure_demo_url(database_url, size)
    path = db or ROOT / "var" / f"bench-{size}.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    return ensure_demo_database(path, size)


def open_large_database(
    size: str, db: Path | None, *, kpi_facts: bool = True, database_url: str = ""
) -> dict[str, str]:
    """The benchmark database of `size` (built once; SQLite unless `database_url`),
    migrated, with Django set up on it (and its KPI facts current, unless
    kpi_facts=False); returns the environment for `kefu` subprocesses."""
    url = large_database_url(size, db, database_url)
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([str(KEFU), "migrate", "-v0"], env=env, check=True)
    setup_django(url)
    from django.db import connection

    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})", flush=True)
    from kefu.metrics.facts import facts_in_step

    if kpi_facts and not facts_in_step():
        print("KPI facts missing or stale: running `kefu metrics_rebuild` (once) …", flush=True)
        subprocess.run([str(KEFU), "metrics_rebuild"], env=env, check=True)
    return env


def logged_in_clients(usernames) -> dict:
    """A Django test client per demo user, logged in (force_login: the log-in throttle
    wants a request, and the password check is not what is measured)."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    clients = {}
    for username in sorted(set(usernames)):
        client = Client()
        client.force_login(get_user_model().objects.get(username=username))
        clients[username] = client
    return clients


def time_pages(pages: dict[str, tuple[str, str]], rounds: int) -> dict[str, list[float]]:
    """name → (user, path): each page requested once to warm up (following redirects),
    then `rounds` times; returns the timings in ms and prints one summary line each."""
    clients = logged_in_clients(user for user, _ in pages.values())
    results: dict[str, list[float]] = {}
    for name, (user, path) in pages.items():
        client = clients[user]
        response = client.get(path, follow=True)  # warm-up (and check)
        assert response.status_code == 200, (path, response.status_code)
        query = response.request["QUERY_STRING"]
        path = response.request["PATH_INFO"] + (f"?{query}" if query else "")
        timings = []
        for _ in range(rounds):
            started = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        results[name] = timings
        print(f"{name:36s} {summary(timings)}", flush=True)
    return results
