"""The backup and restore drill: a backup of a database with encrypted customer data,
restored by `kefu restore` in another process into a new database, exports the same
bytes; the wrong keys, a foreign directory and an occupied database are refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from io import BytesIO, StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from conftest import import_native
from kefu.interactions.models import Conversation
from kefu.ops import backup
from kefu.qa.tests.conversations import CLEAN, native

pytestmark = pytest.mark.django_db(transaction=True)


def records() -> list[dict]:
    agent = {"type": "agent", "id": "A0007", "name": "李娜", "team": "售后一组", "tier": "senior"}
    out: list[dict] = [agent]
    for n in range(6):
        record = native(CLEAN, id=f"C-BK-{n}")
        record["customer"] = {
            "id": f"U-BK-{n}",
            "name": f"王{n}",
            "phone": f"1380013800{n}",
            "segment": "vip" if n % 2 else "regular",
        }
        out.append(record)
    return out


class Stdout:
    """A stand-in for sys.stdout: `kefu export` writes bytes to stdout.buffer."""

    def __init__(self) -> None:
        self.buffer = BytesIO()


def export_here() -> bytes:
    out = Stdout()
    old, sys.stdout = sys.stdout, out  # type: ignore[assignment]
    try:
        call_command("export", stdout=StringIO(), stderr=StringIO())
    finally:
        sys.stdout = old
    return out.buffer.getvalue()


def kefu(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kefu.cli", *args],
        env=env, capture_output=True, timeout=300, check=False,
    )  # fmt: skip


@pytest.fixture
def elsewhere(tmp_path):
    """The environment of another Kefu: the same keys, its own (empty) database."""
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "kefu.settings"
    env["KEFU_VAR_DIR"] = str(tmp_path / "var")
    env.pop("DATABASE_URL", None)
    created = None
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        created = f"kefu_restore_{uuid.uuid4().hex[:8]}"
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{created}"')
        auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
        env["DATABASE_URL"] = f"postgres://{auth}@{db['HOST']}:{db['PORT']}/{created}"
    yield env
    if created:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{created}" WITH (FORCE)')


def test_a_restored_backup_exports_the_same_bytes(tmp_path, elsewhere):
    # given a database with encrypted customer names and phones
    import_native(*records())
    expected = export_here()
    assert b"C-BK-5" in expected and "王5".encode() in expected
    # when it is backed up, then restored by another process into its own database
    call_command("backup", output=tmp_path / "b", stdout=StringIO())
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert manifest["counts"]["interactions_conversation"] == Conversation.objects.count() == 6
    assert manifest["vendor"] == connection.vendor
    files = sorted(p.name for p in (tmp_path / "b").iterdir())
    assert files == sorted(["manifest.json", manifest["file"]])  # no key in the backup
    restored = kefu(["restore", "--input", str(tmp_path / "b")], elsewhere)
    assert restored.returncode == 0, restored.stderr.decode()
    assert b"every count equal" in restored.stdout
    exported = kefu(["export", "--output", str(tmp_path / "again.jsonl")], elsewhere)
    assert exported.returncode == 0, exported.stderr.decode()
    # then the export is byte for byte the original's (names decrypted with the same keys)
    assert (tmp_path / "again.jsonl").read_bytes() == expected
    # and a second restore over it is refused unless told to replace
    again = kefu(["restore", "--input", str(tmp_path / "b")], elsewhere)
    assert again.returncode != 0 and b"--replace" in again.stderr
    replaced = kefu(["restore", "--input", str(tmp_path / "b"), "--replace"], elsewhere)
    assert replaced.returncode == 0, replaced.stderr.decode()


def test_a_backup_is_refused_where_the_keys_cannot_read_it(tmp_path, elsewhere):
    import_native(*records()[:2])
    call_command("backup", output=tmp_path / "b", stdout=StringIO())
    other_keys = elsewhere | {"KEFU_FIELD_ENCRYPTION_SALTS": "another-salt"}
    refused = kefu(["restore", "--input", str(tmp_path / "b")], other_keys)
    assert refused.returncode != 0 and b"KEFU_FIELD_ENCRYPTION_SALTS" in refused.stderr
    # the keys of an older rotation still read it (a salt kept after the new one)
    rotated = elsewhere | {
        "KEFU_FIELD_ENCRYPTION_SALTS": f"new-salt,{os.environ['KEFU_FIELD_ENCRYPTION_SALTS']}"
    }
    assert kefu(["restore", "--input", str(tmp_path / "b")], rotated).returncode == 0


def test_only_a_kefu_backup_in_an_empty_directory_is_taken(tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(backup.BackupError, match="not empty"):
        backup.backup(tmp_path / "full")
    with pytest.raises(backup.BackupError, match=r"manifest\.json is missing"):
        backup.read_manifest(tmp_path / "full")
    (tmp_path / "full" / "manifest.json").write_text('{"format": 99}')
    with pytest.raises(backup.BackupError, match="format 99"):
        backup.read_manifest(tmp_path / "full")


def test_a_restore_whose_counts_differ_fails_loudly(tmp_path):
    import_native(*records()[:2])
    manifest = backup.backup(tmp_path / "b")
    assert backup.verify(manifest).rows == sum(manifest["counts"].values())
    Conversation.objects.all().delete()
    with pytest.raises(backup.BackupError, match="interactions_conversation: 1 → 0"):
        backup.verify(manifest)


def test_the_fingerprint_gives_no_key_away():
    print_ = backup.key_fingerprint()
    assert backup.keys_can_read(print_)
    assert not backup.keys_can_read("0" * 32)
    from django.conf import settings

    assert settings.SECRET_KEY not in print_ and len(print_) == 32
