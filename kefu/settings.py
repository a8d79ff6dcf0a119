"""Kefu settings: every deployment choice comes from the environment (see README)."""

from __future__ import annotations

import ipaddress
import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
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


def local_secret(name: str) -> str:
    """A random secret kept in VAR_DIR/NAME (mode 0600), made on first use.

    Without KEFU_SECRET_KEY / KEFU_FIELD_ENCRYPTION_SALTS (the embedded `make run`) the
    keys come from here: never a published key, and the same one after every restart so
    encrypted fields stay readable. The first process to link its file wins a race.
    """
    path = VAR_DIR / name
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        tmp = VAR_DIR / f".{name}.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(50) + "\n")
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    value = path.read_text().strip()
    if not value:
        raise ImproperlyConfigured(f"{path} is empty; delete it or set the variable instead")
    return value


DEBUG = env_bool("KEFU_DEBUG", False)
SECRET_KEY = env("KEFU_SECRET_KEY") or local_secret("secret_key")
SECRET_KEY_FALLBACKS = env_list("KEFU_SECRET_KEY_FALLBACKS")
# Salts for django-fernet-encrypted-fields; the first encrypts, all decrypt (key rotation).
SALT_KEY = env_list("KEFU_FIELD_ENCRYPTION_SALTS") or [local_secret("field_encryption_salt")]
# Published in earlier versions as defaults: anyone could forge sessions or decrypt with
# them, so they are refused unless DEBUG is on (docs/operations.md).
PUBLIC_DEMO_KEYS = frozenset(
    {"kefu-insecure-demo-key-change-me-in-production", "kefu-demo-salt-change-me"}
)
if not DEBUG and PUBLIC_DEMO_KEYS.intersection([SECRET_KEY, *SECRET_KEY_FALLBACKS, *SALT_KEY]):
    raise ImproperlyConfigured(
        "KEFU_SECRET_KEY, KEFU_SECRET_KEY_FALLBACKS or KEFU_FIELD_ENCRYPTION_SALTS holds the "
        "public demo key; set your own (docs/operations.md) or unset them to use the keys "
        "kept in the var directory."
    )
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
    # django-tasks-db and django-axes under translated names (kefu/lib/appconfigs.py)
    "kefu.lib.appconfigs.TasksDatabaseConfig",
    # axes before kefu.accounts: its log-in failure handler runs before Kefu's audit
    "kefu.lib.appconfigs.AxesConfig",
    "csp",
    "kefu.accounts",
    "kefu.audit",
    "kefu.interactions",
    "kefu.sla",
    "kefu.metrics",
    "kefu.qa",
    "kefu.workforce",
    "kefu.notifications",
    "kefu.ops",
    "kefu.reviews",
    # before kefu.monitoring: its receiver of written conversations gives a new live
    # conversation its agent before monitoring stores the conversation's live state
    "kefu.assignment",
    "kefu.monitoring",
    "kefu.customers",
    "kefu.training",
    "kefu.performance",
    "kefu.improvement",
    "kefu.knowledge",
    "kefu.demo",
]

MIDDLEWARE = [
    # First: /healthz, /readyz and /metrics answered before host checks and redirects;
    # then each request's id, its latency by route and the access log (kefu/ops).
    "kefu.ops.middleware.ProbeMiddleware",
    "kefu.ops.middleware.RequestObservationMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "kefu.middleware.StaticFilesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kefu.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "kefu.middleware.RejectNulMiddleware",
    "kefu.middleware.RowIdRangeMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a locked-out log-in into the lock-out page (kefu.accounts.views).
    "axes.middleware.AxesMiddleware",
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
# channels_redis blocks 5 s in BZPOPMIN per read; redis-py 8's default socket timeout is
# also 5 s, so an idle read raced the timeout, and an event popped at that instant was
# lost with the reply (the topology run: a dead hub pump, 10 of 5,980 alerts missed).
# The socket timeout stays well above the blocking read.
CHANNEL_SOCKET_TIMEOUT_S = 30


def redis_channel_layer(url: str) -> dict:
    return {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            "hosts": [{"address": url, "socket_timeout": CHANNEL_SOCKET_TIMEOUT_S,
                       "socket_connect_timeout": 5}],
            "capacity": CHANNEL_CAPACITY,
        },
    }  # fmt: skip


CHANNEL_LAYERS = (
    {"default": redis_channel_layer(REDIS_URL)}
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
# Win-back campaigns (kefu.customers): the share of members held back as the control group
# (not contacted) and the days after the start within which a member "came back"; the
# defaults of a new campaign's form.
KEFU_WINBACK_CONTROL_SHARE = float(env("KEFU_WINBACK_CONTROL_SHARE", "0.10") or 0.10)
KEFU_WINBACK_WINDOW_DAYS = int(env("KEFU_WINBACK_WINDOW_DAYS", "30") or 30)

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
# Threads per server process for live writes (kefu.lib.livethreads); unset: 1 on
# SQLite (one writer anyway), 4 on PostgreSQL.
KEFU_LIVE_THREADS = int(env("KEFU_LIVE_THREADS")) if env("KEFU_LIVE_THREADS") else None
# The fast paths that rely on Uvicorn's and Django's internals (kefu/lib/server_adapter.py);
# 0: the plain Channels send and Django's own ASGI handler.
KEFU_SERVER_FAST_PATH = env_bool("KEFU_SERVER_FAST_PATH", True)
KEFU_PAGE_SIZE = int(env("KEFU_PAGE_SIZE", "50") or 50)
KEFU_ROLE_LABELS = {
    "agent": _("Agent"),
    "qa": _("QA specialist"),
    "supervisor": _("Supervisor"),
    "trainer": _("Trainer"),
    "manager": _("Manager"),
    "admin": _("Administrator"),
}

# Import limits (docs/data-formats.md, "Limits"): records outside them are rejected one by
# one with a reason; the file, batch and every other record are kept.
KEFU_IMPORT_EARLIEST = env("KEFU_IMPORT_EARLIEST", "2000-01-01")  # earliest timestamp, ISO date
KEFU_IMPORT_FUTURE_TOLERANCE_HOURS = float(env("KEFU_IMPORT_FUTURE_TOLERANCE_HOURS", "24") or 24)
KEFU_IMPORT_MAX_TEXT_CHARS = int(env("KEFU_IMPORT_MAX_TEXT_CHARS", "20000") or 20000)
KEFU_IMPORT_MAX_RECORD_BYTES = int(env("KEFU_IMPORT_MAX_RECORD_BYTES", str(2 * 1024 * 1024)) or 0)
KEFU_IMPORT_MAX_MESSAGES = int(env("KEFU_IMPORT_MAX_MESSAGES", "5000") or 5000)
KEFU_IMPORT_MAX_UPLOAD_BYTES = int(env("KEFU_IMPORT_MAX_UPLOAD_BYTES", str(1024**3)) or 0)
# Uploaded import files (they hold personal data) are deleted once imported, and failed or
# stalled ones after this many days (`kefu import_cleanup`, and whenever an import starts).
KEFU_IMPORT_FILE_RETENTION_DAYS = float(env("KEFU_IMPORT_FILE_RETENTION_DAYS", "7") or 0)
# `kefu retention` (scheduled daily) deletes finished task results, expired sessions and
# log-in logs past these ages (docs/operations.md, "Retention").
KEFU_TASK_RESULT_RETENTION_DAYS = float(env("KEFU_TASK_RESULT_RETENTION_DAYS", "7") or 7)
KEFU_FAILED_TASK_RETENTION_DAYS = float(env("KEFU_FAILED_TASK_RETENTION_DAYS", "30") or 30)
KEFU_LOGIN_LOG_RETENTION_DAYS = int(env("KEFU_LOGIN_LOG_RETENTION_DAYS", "90") or 90)
# A background job (import, QA rescore, roster) with no heartbeat for this long was lost
# with its worker; `kefu import_resume` (scheduled) queues such imports again.
KEFU_TASK_STALLED_AFTER_S = float(env("KEFU_TASK_STALLED_AFTER_S", "300") or 300)

# Logs (docs/deployment.md, "Logs"): plain text, or one JSON object per line with
# KEFU_LOG_FORMAT=json; each line logged while a request is served carries its id. The
# access log (logger kefu.request: method, path, route, status, duration, user id) is on
# by default with JSON, or with KEFU_ACCESS_LOG=1.
KEFU_LOG_FORMAT = (env("KEFU_LOG_FORMAT", "text") or "text").strip().lower()
if KEFU_LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured("KEFU_LOG_FORMAT must be text or json")
KEFU_ACCESS_LOG = env_bool("KEFU_ACCESS_LOG", KEFU_LOG_FORMAT == "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "kefu.ops.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "kefu.ops.logs.JsonFormatter"},
        "text": {
            "()": "kefu.ops.logs.TextFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": KEFU_LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env("KEFU_LOG_LEVEL", "WARNING")},
    "loggers": {
        "kefu.request": {"level": "INFO" if KEFU_ACCESS_LOG else "WARNING"},
        # what `kefu scheduler` ran, and how long it took
        "kefu.scheduler": {"level": "INFO"},
    },
}

# Prometheus at /metrics (docs/deployment.md, "Metrics"): scrapes with the bearer token
# KEFU_METRICS_TOKEN, or from KEFU_METRICS_ALLOWED_NETWORKS (client address as the audit
# log reads it, after KEFU_PROXY_COUNT proxies). Several processes on one host share
# PROMETHEUS_MULTIPROC_DIR (read by prometheus-client itself).
KEFU_METRICS_TOKEN = env("KEFU_METRICS_TOKEN") or ""
try:
    KEFU_METRICS_NETWORKS = [
        ipaddress.ip_network(n, strict=False)
        for n in env_list("KEFU_METRICS_ALLOWED_NETWORKS", "127.0.0.1/32,::1/128")
    ]
except ValueError as exc:
    raise ImproperlyConfigured(f"KEFU_METRICS_ALLOWED_NETWORKS: {exc}") from exc
# Scheduler (kefu scheduler, kefu/ops/jobs.py): jobs to leave out, comma-separated.
KEFU_SCHEDULER_SKIP = env_list("KEFU_SCHEDULER_SKIP")

# --- Security: passwords, log-in lock-out, HTTPS, Content-Security-Policy ---------------
# The production set-up these serve is described in docs/operations.md.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": int(env("KEFU_PASSWORD_MIN_LENGTH", "10") or 10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes checks every authenticate() call with a request: the log-in page and the
# admin's. The API takes bearer tokens and sessions, never passwords.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(env("KEFU_LOGIN_FAILURE_LIMIT", "5") or 5)
# 0: locked until an administrator unlocks (`kefu axes_reset_username NAME`, or the admin).
_cooloff_minutes = float(env("KEFU_LOGIN_COOLOFF_MINUTES", "15") or 0)
AXES_COOLOFF_TIME = timedelta(minutes=_cooloff_minutes) if _cooloff_minutes > 0 else None
# Username and address together: one address cannot lock everyone out, and one
# account's guesser cannot lock its owner out from another address.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The lock ends on time even while someone keeps guessing.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "kefu.accounts.views.locked_out"
AXES_USERNAME_CALLABLE = "kefu.accounts.views.axes_username"
AXES_VERBOSE = False
# Behind N reverse proxies, the client address is read from X-Forwarded-For (N hops).
KEFU_PROXY_COUNT = int(env("KEFU_PROXY_COUNT", "0") or 0)
AXES_CLIENT_IP_CALLABLE = "kefu.audit.actions.client_ip"

# Off for the embedded http://127.0.0.1:8000; KEFU_HTTPS=1 when users reach Kefu by HTTPS.
KEFU_HTTPS = env_bool("KEFU_HTTPS", False)
SECURE_SSL_REDIRECT = KEFU_HTTPS
SECURE_HSTS_SECONDS = int(env("KEFU_HSTS_SECONDS", "31536000") or 0) if KEFU_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("KEFU_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("KEFU_HSTS_PRELOAD", False)
# TLS ends at the proxy: trust its X-Forwarded-Proto (only if it always sets it).
if env_bool("KEFU_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env_bool("KEFU_SECURE_COOKIES", KEFU_HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = []
if not SECURE_HSTS_PRELOAD:
    # Preloading binds the whole domain for months: the operator opts in explicitly.
    SILENCED_SYSTEM_CHECKS.append("security.W021")

# Scripts only from Kefu's own static files (no inline script, no eval). Styles allow
# 'unsafe-inline': ECharts tooltips and Swagger UI write style attributes in markup.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],  # CSP 3: 'self' covers the same host's ws:// and wss://
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
