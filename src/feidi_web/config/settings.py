"""Feidi web settings: one module, configured by environment variables.

Defaults run with no setup (SQLite under ``FEIDI_DATA_DIR``, a generated secret, DEBUG on
only when ``FEIDI_DEBUG=1``). Production sets ``DATABASE_URL`` (PostgreSQL),
``FEIDI_SECRET_KEY`` and ``FEIDI_ALLOWED_HOSTS``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("FEIDI_DATA_DIR", Path.cwd() / "var")).resolve()


def _env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").lower() in ("1", "true", "yes", "on")


def _secret_key() -> str:
    if key := os.environ.get("FEIDI_SECRET_KEY"):
        return key
    # A stable per-installation key so sessions survive restarts without any setup.
    path = DATA_DIR / "secret_key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


DEBUG = _env_bool("FEIDI_DEBUG")
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = os.environ.get("FEIDI_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("FEIDI_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # serves the API docs' Swagger UI from the app, not a CDN
    "django_tasks",
    "django_tasks_db",
    "feidi_web.common",
    "feidi_web.accounts",
    "feidi_web.enterprises",
    "feidi_web.inbox",
    "feidi_web.evaluations",
    "feidi_web.pool",
    "feidi_web.dashboards",
    "feidi_web.portal",
    "feidi_web.registry",
    "feidi_web.pipeline",
    "feidi_web.chains",
    "feidi_web.opportunities",
    "feidi_web.matchmaking",
    "feidi_web.events",
    "feidi_web.cultivation",
    "feidi_web.space",
    "feidi_web.policies",
    "feidi_web.demo",
    "feidi_web.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "feidi_web.common.middleware.PrivatePagesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files from the app, no CDN
    "django.contrib.sessions.middleware.SessionMiddleware",
    "feidi_web.common.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "feidi_web.common.middleware.RejectNulMiddleware",
    "feidi_web.common.middleware.BusyDatabaseMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "feidi_web.accounts.middleware.DeviceCookieMiddleware",
    "feidi_web.accounts.middleware.PasswordChangeRequiredMiddleware",
]

ROOT_URLCONF = "feidi_web.config.urls"
WSGI_APPLICATION = "feidi_web.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "feidi_web.common.context_processors.navigation",
            ],
        },
    },
]
#: Every form widget gets Bootstrap's class for its kind (form-select, form-control) here,
#: in one place, rather than field by field in each form.
FORM_RENDERER = "feidi_web.common.renderers.FeidiFormRenderer"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'feidi.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the page server read while the background worker writes an evaluation. Reads
    # go through a memory map of the file rather than a read() per page: scanning the
    # registry's rows (its JSON profiles make them long) takes a third of the time.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA mmap_size=1073741824;"
    )
    # A writer waits up to 30 s for another's transaction to end. IMMEDIATE: a transaction
    # takes the write lock when it begins, so two writers queue for it; with SQLite's default
    # (DEFERRED) a transaction that read first and writes second fails at once with "database
    # is locked" when another wrote in between — the busy timeout cannot help it.
    DATABASES["default"]["OPTIONS"]["timeout"] = 30
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "feidi_web.accounts.throttle.ThrottleBackend",  # first: a refused log-in stops here
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Log-in throttle (accounts.throttle), within a sliding window of FEIDI_LOGIN_COOLOFF_MINUTES:
# a trusted device (a browser that has logged in as the user) is refused after
# FEIDI_LOGIN_FAILURE_LIMIT failures of its own; any other client after that many failures
# for the account from its address, or FEIDI_LOGIN_ACCOUNT_LIMIT from untrusted clients at
# any address. A refused attempt checks no password and is not counted.
FEIDI_LOGIN_FAILURE_LIMIT = int(os.environ.get("FEIDI_LOGIN_FAILURE_LIMIT", "5"))
FEIDI_LOGIN_ACCOUNT_LIMIT = int(os.environ.get("FEIDI_LOGIN_ACCOUNT_LIMIT", "20"))
FEIDI_LOGIN_COOLOFF_MINUTES = int(os.environ.get("FEIDI_LOGIN_COOLOFF_MINUTES", "15"))
#: How long a browser stays a trusted device after its last log-in (signed cookie).
FEIDI_TRUSTED_DEVICE_DAYS = 180
#: How long an API token works unless `api_token --days N` says otherwise.
FEIDI_API_TOKEN_DAYS = 90
#: An open investment project nobody has touched for this many days is flagged stale.
FEIDI_PROJECT_STALE_DAYS = int(os.environ.get("FEIDI_PROJECT_STALE_DAYS", "30"))
#: A matchmaking profile stays live this many days after review or renewal.
FEIDI_PROFILE_DAYS = int(os.environ.get("FEIDI_PROFILE_DAYS", "180"))
#: Seconds an event's 1:1 meeting schedule may take to compute, in the request (feidi.schedule;
#: a rescheduling may take this twice). The benchmark event of 2,000 requests needs about 2 s.
#: Email (reminders, policy digests): the console by default, so a fresh machine prints what it
#: would send; a real mail server is named by FEIDI_EMAIL_BACKEND and Django's EMAIL_* settings.
EMAIL_BACKEND = os.environ.get(
    "FEIDI_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = os.environ.get("FEIDI_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("FEIDI_EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("FEIDI_FROM_EMAIL", "飞地 Feidi <noreply@localhost>")
#: How links in emails and calendar feeds start (this site's address as users reach it).
FEIDI_SITE_URL = os.environ.get("FEIDI_SITE_URL", "http://127.0.0.1:8000")
FEIDI_SCHEDULE_SECONDS = float(os.environ.get("FEIDI_SCHEDULE_SECONDS", "20"))
#: Reverse proxies in front of the platform (accounts.network.client_address): 0 = the client
#: is REMOTE_ADDR and X-Forwarded-For is ignored; N = the N-th X-Forwarded-For entry from the
#: right, the address the outermost trusted proxy saw.
FEIDI_TRUSTED_PROXY_COUNT = int(os.environ.get("FEIDI_TRUSTED_PROXY_COUNT", "0"))
if FEIDI_TRUSTED_PROXY_COUNT < 0:
    raise ValueError("FEIDI_TRUSTED_PROXY_COUNT must be 0 or more")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG and _env_bool("FEIDI_HTTPS"):
    # Served over HTTPS: cookies only over it, plain HTTP redirected, and browsers told to
    # use nothing else for a year (HSTS; FEIDI_HSTS_SECONDS=0 while trying a certificate).
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = int(os.environ.get("FEIDI_HSTS_SECONDS", str(365 * 24 * 3600)))
    # /healthz stays reachable over plain HTTP for a load balancer's probe
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

#: Content-Security-Policy (django-csp): scripts and everything else only from the platform
#: itself — all JavaScript is served from static files, none inline. Inline *styles* stay
#: allowed: ECharts draws its tooltips with style attributes, and a style cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if _env_bool("FEIDI_HTTPS") and FEIDI_TRUSTED_PROXY_COUNT > 0:
    # TLS ends at the trusted proxy, which says so in X-Forwarded-Proto
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
#: Serve straight from the apps' static folders too, so tests and a fresh checkout need no
#: collectstatic step.
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "media"
#: Form fields (not files) of one request; file uploads are bounded by FEIDI_IMPORT_MAX_BYTES.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
#: Uploads larger than this go to a temporary file rather than memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
#: Every upload passes through the bounded handler first: it stops receiving a file as soon as
#: it is larger than FEIDI_IMPORT_MAX_BYTES, before anything is stored.
FILE_UPLOAD_HANDLERS = [
    "feidi_web.common.uploads.BoundedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
#: The largest spreadsheet an import accepts (bytes, as uploaded).
FEIDI_IMPORT_MAX_BYTES = int(os.environ.get("FEIDI_IMPORT_MAX_BYTES", str(50 * 1024 * 1024)))
#: What an uploaded file may hold, checked before it is read (``feidi.io.ReadLimits``): a
#: prefecture's registry is ≈ 33,000 firms × 5 years; the dense cell area bounds what the
#: XLSX reader allocates; the uncompressed size bounds zip and Parquet decompression bombs.
FEIDI_IMPORT_LIMITS = {
    "max_rows": int(os.environ.get("FEIDI_IMPORT_MAX_ROWS", "1000000")),
    "max_columns": int(os.environ.get("FEIDI_IMPORT_MAX_COLUMNS", "256")),
    "max_cells": int(os.environ.get("FEIDI_IMPORT_MAX_CELLS", "20000000")),
    "max_uncompressed_bytes": int(
        os.environ.get("FEIDI_IMPORT_MAX_UNCOMPRESSED_BYTES", str(256 * 1024 * 1024))
    ),
}
#: The child process that reads an upload: address space and CPU seconds (and wall seconds).
FEIDI_IMPORT_MEMORY_BYTES = int(os.environ.get("FEIDI_IMPORT_MEMORY_BYTES", str(4 * 2**30)))
FEIDI_IMPORT_SECONDS = int(os.environ.get("FEIDI_IMPORT_SECONDS", "300"))

# Background jobs without a broker: tasks are rows in the database, run by `db_worker`.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("FEIDI_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

#: The rulebook and as-of date a new evaluation proposes.
FEIDI_DEFAULT_RULEBOOK = os.environ.get("FEIDI_DEFAULT_RULEBOOK", "miit-2022")
#: A running evaluation whose worker has not written for this long is stale (its worker was
#: killed): it can be retried or cancelled. Workers write after every batch of 500 firms.
FEIDI_RUN_STALE_SECONDS = int(os.environ.get("FEIDI_RUN_STALE_SECONDS", "120"))
#: Firms per batch of an evaluation: small enough that the progress bar moves on a county,
#: large enough that the core's per-call overhead stays a small share.
FEIDI_RUN_BATCH_FIRMS = int(os.environ.get("FEIDI_RUN_BATCH_FIRMS", "500"))
#: How many evaluations one user may have waiting or running at once.
FEIDI_RUNS_PER_USER = int(os.environ.get("FEIDI_RUNS_PER_USER", "3"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("FEIDI_LOG_LEVEL", "INFO")},
    # WeasyPrint logs one line per laid-out page at INFO
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        # WeasyPrint subsets the CJK font for every PDF: thousands of INFO lines otherwise
        "fontTools": {"level": "WARNING"},
    },
}
