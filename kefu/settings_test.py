"""Test settings: the same as production but fast password hashing and inline tasks.

Log-in lock-out (django-axes) stays on: its state lives in the test database, which each
test starts empty.
"""

import os

# Fixed test keys: the suite neither reads nor writes the var directory's keys.
os.environ.setdefault("KEFU_SECRET_KEY", "kefu-test-secret-key-not-for-production-0123456789")
os.environ.setdefault("KEFU_FIELD_ENCRYPTION_SALTS", "kefu-test-salt")

from kefu.settings import *  # noqa: F403
from kefu.settings import DATABASES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # pytest-django builds an in-memory test database; WAL pragmas do not apply there.
    DATABASES["default"]["OPTIONS"] = {"timeout": 30}
WHITENOISE_AUTOREFRESH = True
# Live writes in the test's own thread and transaction (kefu.lib.livethreads).
KEFU_LIVE_THREADS = 0
# Tokens re-read on every request (tests revoke and reuse them at once).
KEFU_TOKEN_RECHECK_SECONDS = 0
