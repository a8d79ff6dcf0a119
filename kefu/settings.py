"""Kefu settings: every deployment choice comes from the environment (see README)."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(os.environ.get("KEFU_VAR_DIR", PROJECT_DIR / "var"))


def env(name: str, default: str | None = None) -> str | None:
    """Read NAME, or the contents of the file named by NAME_FILE (Docker/K8s secrets)."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text().strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


DEBUG = env_bool("KEFU_DEBUG", False)
# The default keys only suit the embedded demo; production sets its own (README).
SECRET_KEY = env("KEFU_SECRET_KEY", "kefu-insecure-demo-key-change-me-in-production")
SECRET_KEY_FALLBACKS = env_list("KEFU_SECRET_KEY_FALLBACKS")
# Salts for django-fernet-encrypted-fields; the first encrypts, all decrypt (key rotation).
SALT_KEY = env_list("KEFU_FIELD_ENCRYPTION_SALTS", "kefu-demo-salt-change-me")
ALLOWED_HOSTS = env_list("KEFU_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("KEFU_CSRF_TRUSTED_ORIGINS")

# The server is Uvicorn (`uvicorn kefu.asgi:application`, see README: why not Daphne);
# `kefu runserver` is Django's plain development server.
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "ninja",  # serves Swagger UI from its own static files (no CDN)
    "django_tasks",
    "django_tasks_db",
    "kefu.accounts",
    "kefu.audit",
    "kefu.interactions",
    "kefu.metrics",
    "kefu.qa",
    "kefu.workforce",
    "kefu.notifications",
    "kefu.reviews",
    "kefu.monitoring",
    "kefu.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "kefu.middleware.StaticFilesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kefu.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "kefu.urls"
WSGI_APPLICATION = "kefu.wsgi.application"
ASGI_APPLICATION = "kefu.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kefu.accounts.context_processors.roles",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'kefu.sqlite3'}",
        conn_max_age=int(env("KEFU_DB_CONN_MAX_AGE", "0") or 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the worker imports; IMMEDIATE avoids
    # "database is locked" upgrades when two processes write.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-131072; PRAGMA mmap_size=1073741824;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("KEFU_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Only for `kefu collectstatic` behind a web server; otherwise WhiteNoise serves the finders.
STATIC_ROOT = env("KEFU_STATIC_ROOT")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Serve straight from the finders: `make run` needs no collectstatic step.
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"

TASKS = {
    "default": {
        "BACKEND": env("KEFU_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
REDIS_URL = env("REDIS_URL")
if TASKS["default"]["BACKEND"] == "django_tasks_rq.RQBackend":
    # django-tasks-rq runs on django-rq: workers are `kefu rqworker default`.
    INSTALLED_APPS.append("django_rq")
    RQ_QUEUES = {"default": {"URL": REDIS_URL or "redis://127.0.0.1:6379/0"}}
    RQ = {"JOB_CLASS": "django_tasks_rq.backend.Job"}

# Each server process reads live events through one hub channel (kefu/monitoring/hub.py):
# room for bursts, where the default of 100 queued events would drop alerts.
CHANNEL_CAPACITY = 10_000
CHANNEL_LAYERS = (
    {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "capacity": CHANNEL_CAPACITY},
        }
    }
    if REDIS_URL
    else {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": CHANNEL_CAPACITY},
        }
    }
)

# Workforce: how long CP-SAT may search for a roster before the best one found is kept.
KEFU_WFM_ROSTER_TIME_LIMIT_S = float(env("KEFU_WFM_ROSTER_TIME_LIMIT_S", "25") or 25)

# API batches of up to 1,000 conversations exceed Django's 2.5 MB default body limit.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(env("KEFU_MAX_REQUEST_BYTES", str(32 * 1024 * 1024)) or 0)

# Request parameters (issue 14, docs/api.md): the longest period, in days, one request to
# the metrics API, the reports or `kefu metrics` computes (about three years). Dates
# in requests must also lie in 2000-01-01 … five years ahead (kefu/core/periods.py).
KEFU_MAX_PERIOD_DAYS = int(env("KEFU_MAX_PERIOD_DAYS", "1100") or 1100)

# Kefu's own settings.
KEFU_IMPORT_BATCH_SIZE = int(env("KEFU_IMPORT_BATCH_SIZE", "500") or 500)
# A bearer token's user and permissions are re-read at most this often per process.
KEFU_TOKEN_RECHECK_SECONDS = float(env("KEFU_TOKEN_RECHECK_SECONDS", "5") or 0)
# Threads per server process for live writes (kefu.core.livethreads); unset: 1 on
# SQLite (one writer anyway), 4 on PostgreSQL.
KEFU_LIVE_THREADS = int(env("KEFU_LIVE_THREADS")) if env("KEFU_LIVE_THREADS") else None
KEFU_PAGE_SIZE = int(env("KEFU_PAGE_SIZE", "50") or 50)
KEFU_ROLE_LABELS = {
    "agent": _("Agent"),
    "qa": _("QA specialist"),
    "supervisor": _("Supervisor"),
    "trainer": _("Trainer"),
    "manager": _("Manager"),
    "admin": _("Administrator"),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("KEFU_LOG_LEVEL", "WARNING")},
}

if not DEBUG:
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SECURE = env_bool("KEFU_SECURE_COOKIES", False)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
