"""Back up and restore the database of a running Kefu, keys kept apart.

A backup is a directory: the database (`kefu.sqlite3` made with SQLite's online backup,
or `kefu.pgdump` made with `pg_dump --format=custom`) and `manifest.json`: when, from which
database, the newest migration of each app, the row count of every table *in the same
snapshot as the copy*, and a fingerprint of the encryption keys. The keys themselves are
never in a backup (docs/operations.md, "Backup and restore"): the fingerprint only lets
`restore` refuse keys that could not read the encrypted customer data.

Restoring checks the keys, writes the copy into the configured database (SQLite: the file
is replaced atomically, with the server stopped; PostgreSQL: `pg_restore` into an empty
database, or `--replace` to drop what is there), then counts every table again and fails
loudly when a count differs from the manifest.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import product
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction

MANIFEST = "manifest.json"
SQLITE_FILE = "kefu.sqlite3"
PG_FILE = "kefu.pgdump"
FORMAT = 1


class BackupError(Exception):
    """A backup or restore that must not go on; the message says why and what to do."""


@dataclass(frozen=True)
class Restored:
    vendor: str
    tables: int
    rows: int


# --- keys ---------------------------------------------------------------------------------
def _fingerprint(secret: str, salt: str) -> str:
    # An HMAC of a fixed text: equal keys give equal prints, and a print gives no key away.
    key = f"{secret}\x00{salt}".encode()
    return hmac.new(key, b"kefu-backup-key-check", hashlib.sha256).hexdigest()[:32]


def key_fingerprint() -> str:
    """The fingerprint of the keys new data is encrypted with (the primary pair)."""
    return _fingerprint(settings.SECRET_KEY, _salts()[0])


def _salts() -> list[str]:
    salts = settings.SALT_KEY
    return [salts] if isinstance(salts, str) else list(salts)


def keys_can_read(fingerprint: str) -> bool:
    """True when some configured key pair (fallback keys and older salts too) is the one
    the backup's data was encrypted with."""
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return any(
        hmac.compare_digest(_fingerprint(s, salt), fingerprint)
        for s, salt in product(secrets, _salts())
    )


# --- what is counted -------------------------------------------------------------------------
def table_names() -> list[str]:
    """Every table Kefu's models (and Django's, the task queue's) store rows in."""
    names = {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }
    existing = set(connection.introspection.table_names())
    return sorted(names & existing)


def _count(cursor, tables: Iterable[str], quote) -> dict[str, int]:
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")
        counts[table] = cursor.fetchone()[0]
    return counts


def _migrations(cursor) -> dict[str, str]:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    newest: dict[str, str] = {}
    for app, name in cursor.fetchall():
        newest[app] = max(newest.get(app, ""), name)
    return newest


def _manifest(vendor: str, file: str, counts: dict[str, int], migrations: dict) -> dict:
    return {
        "format": FORMAT,
        "made_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "vendor": vendor,
        "file": file,
        "migrations": migrations,
        "counts": counts,
        "key_fingerprint": key_fingerprint(),
    }


# --- backup --------------------------------------------------------------------------------
def backup(directory: Path) -> dict[str, Any]:
    """Copy the running database into `directory` (made; must be empty); the manifest."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    if any(directory.iterdir()):
        raise BackupError(f"{directory} is not empty: back up into a new directory.")
    if connection.vendor == "sqlite":
        manifest = _backup_sqlite(directory)
    elif connection.vendor == "postgresql":
        manifest = _backup_postgres(directory)
    else:  # pragma: no cover - the settings allow only these two
        raise BackupError(f"no backup for the {connection.vendor} database")
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return manifest


def _backup_sqlite(directory: Path) -> dict[str, Any]:
    target_path = directory / SQLITE_FILE
    connection.ensure_connection()
    source = connection.connection
    target = sqlite3.connect(target_path)
    try:
        # The online backup copies a consistent snapshot while others go on writing.
        source.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        cursor = target.cursor()
        counts = _count(cursor, table_names(), lambda t: f'"{t}"')
        migrations = _migrations(cursor)
        (check,) = target.execute("PRAGMA integrity_check").fetchone()
        if check != "ok":
            raise BackupError(f"the copy fails SQLite's integrity check: {check}")
    finally:
        target.close()
    return _manifest("sqlite", SQLITE_FILE, counts, migrations)


def _pg_env_and_dsn() -> tuple[dict[str, str], list[str]]:
    db = connection.settings_dict
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args = ["--dbname", str(db["NAME"])]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    return env, args


def _pg_tool(name: str) -> str:
    """pg_dump / pg_restore: KEFU_PG_BIN's, else the newest installed (Debian keeps one
    directory per major version), else the one on PATH."""
    configured = os.environ.get("KEFU_PG_BIN")
    if configured:
        return str(Path(configured) / name)
    versions = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    if versions:
        return str(versions[-1])
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed (Debian: apt install postgresql-client)")
    return found


def _backup_postgres(directory: Path) -> dict[str, Any]:
    env, target_args = _pg_env_and_dsn()
    quote = connection.ops.quote_name
    # Count in the snapshot pg_dump copies: a repeatable-read transaction exports its
    # snapshot, pg_dump joins it, the counts are read inside it.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot,) = cursor.fetchone()
        dump = subprocess.run(
            [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
             f"--snapshot={snapshot}", "--file", str(directory / PG_FILE), *target_args],
            env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if dump.returncode != 0:
            raise BackupError(f"pg_dump failed: {dump.stderr.strip()}")
        counts = _count(cursor, table_names(), quote)
        migrations = _migrations(cursor)
    return _manifest("postgresql", PG_FILE, counts, migrations)


# --- restore -------------------------------------------------------------------------------
def read_manifest(directory: Path) -> dict[str, Any]:
    path = Path(directory) / MANIFEST
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise BackupError(f"{path} is missing: not a Kefu backup directory.") from exc
    except ValueError as exc:
        raise BackupError(f"{path} is not valid JSON: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: format {manifest.get('format')!r}, expected {FORMAT}.")
    return manifest


def restore(directory: Path, *, replace: bool = False, ignore_keys: bool = False) -> Restored:
    """Write the backup in `directory` into the configured database; checked counts."""
    directory = Path(directory)
    manifest = read_manifest(directory)
    if not ignore_keys and not keys_can_read(manifest["key_fingerprint"]):
        raise BackupError(
            "The keys configured here (KEFU_SECRET_KEY / KEFU_FIELD_ENCRYPTION_SALTS) are not "
            "the ones this backup's data was encrypted with: customer personal data would be "
            "unreadable. Set them from your key store, or pass --ignore-keys."
        )
    if manifest["vendor"] != connection.vendor:
        raise BackupError(
            f"This is a {manifest['vendor']} backup; the configured database is "
            f"{connection.vendor}. Move between them with kefu export / kefu import."
        )
    if connection.vendor == "sqlite":
        _restore_sqlite(directory / manifest["file"], replace)
    else:
        _restore_postgres(directory / manifest["file"], replace)
    return verify(manifest)


def _has_data() -> bool:
    return "django_migrations" in connection.introspection.table_names()


def _restore_sqlite(source: Path, replace: bool) -> None:
    target = Path(connection.settings_dict["NAME"])
    if str(target) == ":memory:" or "mode=memory" in str(target):
        raise BackupError("The configured SQLite database is in memory: nothing to restore into.")
    connection.close()
    if target.exists() and target.stat().st_size and not replace:
        raise BackupError(f"{target} exists: stop the server and pass --replace to overwrite it.")
    partial = target.with_name(target.name + ".restoring")
    shutil.copyfile(source, partial)
    for suffix in ("-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    partial.replace(target)


def _restore_postgres(source: Path, replace: bool) -> None:
    if _has_data() and not replace:
        raise BackupError(
            "The configured PostgreSQL database holds tables: restore into an empty database, "
            "or pass --replace to drop them first."
        )
    connection.close()
    env, target_args = _pg_env_and_dsn()
    clean = ["--clean", "--if-exists"] if replace else []
    done = subprocess.run(
        [_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
         "--single-transaction", *clean, *target_args, str(source)],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()}")


def verify(manifest: dict[str, Any]) -> Restored:
    """Count every table of the manifest again; BackupError naming those that differ."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        counts = _count(cursor, manifest["counts"], quote)
    wrong = {t: (n, counts[t]) for t, n in manifest["counts"].items() if counts[t] != n}
    if wrong:
        listed = ", ".join(f"{t}: {a} → {b}" for t, (a, b) in sorted(wrong.items()))
        raise BackupError(f"restored row counts differ from the backup's: {listed}")
    return Restored(connection.vendor, len(counts), sum(counts.values()))
