"""Test settings: the same as production but fast password hashing and inline tasks."""

from kefu.settings import *  # noqa: F403
from kefu.settings import DATABASES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # pytest-django builds an in-memory test database; WAL pragmas do not apply there.
    DATABASES["default"]["OPTIONS"] = {"timeout": 30}
WHITENOISE_AUTOREFRESH = True
