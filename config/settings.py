"""Noskhe settings: one module, every value from the environment.

Development defaults are safe to run on a laptop; with DEBUG off, the secret key and
allowed hosts have no default and a bad value fails at start.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean, not {value!r}")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from None


def envstr(name: str, default: str | None) -> str:
    value = os.environ.get(name) or default
    if value is None:
        raise ImproperlyConfigured(f"{name} must be set when DEBUG is off")
    return value


DEBUG = envbool("DEBUG", True)
SECRET_KEY = envstr("SECRET_KEY", "dev-only-insecure-key-change-me" if DEBUG else None)
ALLOWED_HOSTS = [h.strip() for h in envstr("ALLOWED_HOSTS", "*" if DEBUG else None).split(",")]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "config.apps.NoskheConfig",
    "config.admin_site.NoskheAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_celery_beat",
    "accounts",
    "claims",
    "prescriptions",
    "pharmacy",
    "paper",
    "complaints",
    "notices",
    "fhir_r4",
    "demo",
]

MIDDLEWARE = [
    "config.observability.RequestMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.hostile.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.db_router.ReplicaReadsMiddleware",
    "accounts.middleware.ActiveMembershipMiddleware",
    "accounts.middleware.DomainErrorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.security.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.membership",
            ],
            "builtins": ["accounts.templatetags.persian"],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}",
        conn_max_age=envint("DB_CONN_MAX_AGE", 60),
        # a connection kept across requests is checked before reuse, so a restarted
        # PostgreSQL costs one reconnect, not a 500
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["connect_timeout"] = envint("DB_CONNECT_TIMEOUT_SECONDS", 3)
    # Prepared statements: psycopg prepares a query it has run DB_PREPARE_THRESHOLD times on
    # a connection and PostgreSQL reuses its plan (Django turns them off unless asked). Only
    # the hot paths' statements bind on the server and can be prepared (config/sql.py); the
    # rest of the ORM binds on the client, which has no 65,535-parameter limit on a query.
    _prepare = os.environ.get("DB_PREPARE_THRESHOLD", "5").strip().lower()
    _options["prepare_threshold"] = None if _prepare in ("", "off", "none") else int(_prepare)
    # Behind PgBouncer in transaction pooling: no server-side cursors, no prepared
    # statements (a transaction may land on another server connection each time).
    if envbool("DB_PGBOUNCER", False):
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
        _options["prepare_threshold"] = None
    # A pool per process (for threaded workers): at most DB_POOL_MAX_SIZE connections each,
    # so processes × pool size bounds what PostgreSQL must accept.
    if envint("DB_POOL_MAX_SIZE", 0):
        _options["pool"] = {"min_size": 1, "max_size": envint("DB_POOL_MAX_SIZE", 0),
                            "timeout": envint("DB_POOL_TIMEOUT_SECONDS", 5)}
        DATABASES["default"]["CONN_MAX_AGE"] = 0
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default: serialise writers instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
# Read replicas (PostgreSQL streaming standbys): GET lookups, lists and reports read from
# `replica0`, `replica1`, … (config/db_router.py), with the primary's connection settings.
DATABASE_REPLICA_URLS = [url.strip() for url in
                         os.environ.get("DATABASE_REPLICA_URLS", "").split(",") if url.strip()]
for _number, _url in enumerate(DATABASE_REPLICA_URLS):
    _replica = dj_database_url.parse(_url)
    if not (_replica["ENGINE"] == DATABASES["default"]["ENGINE"]
            == "django.db.backends.postgresql"):
        raise ImproperlyConfigured("DATABASE_REPLICA_URLS must be postgres:// URLs beside a "
                                   "PostgreSQL DATABASE_URL")
    for _key in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS", "DISABLE_SERVER_SIDE_CURSORS"):
        _replica[_key] = DATABASES["default"].get(_key, _replica.get(_key))
    _replica["OPTIONS"] = {**DATABASES["default"].get("OPTIONS", {}),
                           **_replica.get("OPTIONS", {})}
    # tests: a replica alias is the test database itself (none is created for it)
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica{_number}"] = _replica
if DATABASE_REPLICA_URLS:
    DATABASE_ROUTERS = ["config.db_router.ReplicaRouter"]
# A person's reads go to the primary this long after they wrote; a replica lagging more is
# skipped; one found down is not tried again for REPLICA_RETRY_SECONDS; each process checks
# its replicas' lag every REPLICA_CHECK_SECONDS.
REPLICA_STICKY_SECONDS = envint("REPLICA_STICKY_SECONDS", 5)
REPLICA_MAX_LAG_SECONDS = envint("REPLICA_MAX_LAG_SECONDS", 5)
REPLICA_RETRY_SECONDS = envint("REPLICA_RETRY_SECONDS", 10)
REPLICA_CHECK_SECONDS = envint("REPLICA_CHECK_SECONDS", 2)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "noskhe"),
            # a Redis that is down fails fast (503), it never hangs a counter
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 12 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

LANGUAGE_CODE = "fa"
LANGUAGES = [("fa", _("Persian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tehran"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
# Production: WhiteNoise serves `collectstatic`'s output, compressed, under hashed names
# (cached for a year); development and tests read the source folders as they are.
STATIC_MANIFEST = envbool("STATIC_MANIFEST", not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": (
        "config.storage.StaticStorage" if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage")},
}
WHITENOISE_MAX_AGE = 31536000
if not STATIC_MANIFEST:
    # Development and tests: runserver and the live test server serve the source folders;
    # WhiteNoise's per-request file search (autorefresh) would cost ~0.8 ms on every page.
    MIDDLEWARE.remove("whitenoise.middleware.WhiteNoiseMiddleware")

# Requests: bodies are small JSON documents; anything far larger is refused early.
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("DATA_UPLOAD_MAX_MEMORY_SIZE", 256 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["accounts.renderers.FastJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["accounts.parsers.StrictJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api_errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Noskhe API",
    "DESCRIPTION": "Electronic prescription portal: sign-in, prescribing, fulfilment, claims.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI served from our own static files: counters may have no internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "config.api_schema.error_responses"],
    # request and response shapes apart (PrescriptionIn vs PrescriptionOut), so generated
    # clients get exact types for both
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"PrescriptionStatusEnum": "prescriptions.models.Prescription.Status"},
}

# Celery: unset broker means tasks run eagerly in the web process (development, tests).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
# One queue per kind of work, so each scales apart: `<CELERY_QUEUE>` for the rest and
# `<CELERY_QUEUE>.sms`, `.claims`, `.invoices`, `.pdf` (config/celery.py routes them).
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "noskhe")
CELERY_TASK_ROUTES = ("config.celery.route",)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# A task whose worker died is handed out again once it has been out this long (Redis
# broker), checked every CELERY_RESTORE_INTERVAL_SECONDS.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": envint("CELERY_VISIBILITY_TIMEOUT_SECONDS", 3600),
    "unacked_restore_interval": envint("CELERY_RESTORE_INTERVAL_SECONDS", 30),
    "unacked_restore_throttle": 1,
}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# SMS and one-time codes
SMS_BACKEND = os.environ.get("SMS_BACKEND", "console,outbox")
SMS_OUTBOX = os.environ.get("SMS_OUTBOX", str(BASE_DIR / "var" / "sms-outbox.jsonl"))
SMS_TIMEOUT_SECONDS = envint("SMS_TIMEOUT_SECONDS", 5)
KAVENEGAR_API_KEY = os.environ.get("KAVENEGAR_API_KEY", "")
KAVENEGAR_SENDER = os.environ.get("KAVENEGAR_SENDER", "")
KAVENEGAR_URL = os.environ.get("KAVENEGAR_URL", "https://api.kavenegar.com")
OTP_TTL_SECONDS = envint("OTP_TTL_SECONDS", 120)
OTP_MAX_ATTEMPTS = envint("OTP_MAX_ATTEMPTS", 5)
OTP_RESEND_SECONDS = envint("OTP_RESEND_SECONDS", 60)
OTP_MAX_REQUESTS_PER_IP_PER_HOUR = envint("OTP_MAX_REQUESTS_PER_IP_PER_HOUR", 30)
# Per national code and Iranian day, for sign-in and consent codes alike.
OTP_MAX_CODES_PER_DAY = envint("OTP_MAX_CODES_PER_DAY", 10)
OTP_MAX_FAILURES_PER_DAY = envint("OTP_MAX_FAILURES_PER_DAY", 20)
CONSENT_MAX_REQUESTS_PER_DOCTOR_PER_DAY = envint("CONSENT_MAX_REQUESTS_PER_DOCTOR_PER_DAY", 60)
# django-otp's exponential back-off between wrong tries (seconds × 2^(n-1)); 0 turns it off.
OTP_SMS_THROTTLE_FACTOR = envint("OTP_SMS_THROTTLE_FACTOR", 0)
# Trusted reverse proxies in front of the web processes (0: clients connect directly).
# TRUST_X_FORWARDED_FOR=1 is the older spelling of one hop.
PROXY_HOPS = envint("PROXY_HOPS", 1 if envbool("TRUST_X_FORWARDED_FOR", False) else 0)
CONSENT_GRANT_MINUTES = envint("CONSENT_GRANT_MINUTES", 30)
# An insurer reviewer's unlock of histories lapses this long after their last read (seed 004).
HISTORY_UNLOCK_MINUTES = envint("HISTORY_UNLOCK_MINUTES", 30)
API_TOKEN_TTL_HOURS = envint("API_TOKEN_TTL_HOURS", 12)

# Security when served for real
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# One JSON object per line in production (python-json-logger), each with the request id.
LOG_FORMAT = os.environ.get("LOG_FORMAT") or ("text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.observability.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "pythonjsonlogger.json.JsonFormatter",
                 "format": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
                 "rename_fields": {"asctime": "time", "levelname": "level"}},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT,
                             "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING").upper()},
}
# Prometheus scrapes /metrics from these addresses, or with this bearer token.
METRICS_ALLOWED_IPS = [ip.strip() for ip in
                       os.environ.get("METRICS_ALLOWED_IPS", "127.0.0.1,::1").split(",")]
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
# Each answer says how many SQL queries it ran (X-Query-Count): for `make bench-load`.
QUERY_COUNT_HEADER = os.environ.get("QUERY_COUNT_HEADER", "") == "1"


def envdays(name: str, default: str) -> dict[str, int]:
    """`drug=30,lab=90` -> {"drug": 30, "lab": 90} over the defaults; a bad value fails at
    start."""

    def parse(text: str) -> dict[str, int]:
        pairs = (part.split("=") for part in text.split(",") if part.strip())
        return {key.strip(): int(value) for key, value in pairs}

    try:
        return {**parse(default), **parse(os.environ.get(name) or "")}
    except ValueError:
        raise ImproperlyConfigured(f"{name} must look like drug=30,lab=90") from None


# How long a prescription of each kind can be fulfilled after it is written.
PRESCRIPTION_VALID_DAYS = envdays("PRESCRIPTION_VALID_DAYS",
                                  "drug=30,lab=90,imaging=90,physio=90,service=1")
# Pack codes (TTAC, seed 002 §9-2-7): every pack of a tracked drug needs its code. Off only
# for a deployment whose drugs are not labelled yet.
TTAC_REQUIRED = envbool("TTAC_REQUIRED", True)
# A drug dispensed without a daily dose counts as "in use" this many days (medication
# profile for the clinical rules), unless its catalog item says otherwise.
DEFAULT_DAYS_SUPPLY = envint("DEFAULT_DAYS_SUPPLY", 30)
# How far a counter's clock may run ahead of ours, and how long one service may take.
DISPENSE_CLOCK_SKEW_SECONDS = envint("DISPENSE_CLOCK_SKEW_SECONDS", 120)
DISPENSE_MAX_SERVICE_HOURS = envint("DISPENSE_MAX_SERVICE_HOURS", 12)

# Doctors' signatures (seed 003): off, a signature is optional but checked when sent.
SIGNATURE_REQUIRED = envbool("SIGNATURE_REQUIRED", False)
# The site's key for the paper copy's QR (P-256 or Ed25519, PEM text or a file's path);
# unset: a development key is made under var/.
PAPER_SIGNING_KEY = os.environ.get("PAPER_SIGNING_KEY", "")
# How long after an outage a service from the paper copy may still be synced.
PAPER_SYNC_MAX_DAYS = envint("PAPER_SYNC_MAX_DAYS", 7)
# A facility that dispensed online this close to a "paper" service was not cut off.
PAPER_ONLINE_WINDOW_MINUTES = envint("PAPER_ONLINE_WINDOW_MINUTES", 10)

# FHIR R4 (/fhir/r4/): identifier systems are URIs under this base (…/national-code,
# …/tracking-code, …).
FHIR_IDENTIFIER_BASE = os.environ.get("FHIR_IDENTIFIER_BASE", "https://noskhe.ir/fhir/sid")

# Claims and the insurer exchange (CONTRACT "Claims and invoices").
# Facilities' passwords at insurers are encrypted with this Fernet key (urlsafe base64 of
# 32 bytes); with DEBUG off it must be set.
CREDENTIALS_KEY = envstr("CREDENTIALS_KEY", "" if DEBUG else None)
if CREDENTIALS_KEY:
    from cryptography.fernet import Fernet

    try:
        Fernet(CREDENTIALS_KEY)
    except ValueError:
        raise ImproperlyConfigured("CREDENTIALS_KEY must be a Fernet key "
                                   "(urlsafe base64 of 32 bytes)") from None


def envmap(name: str) -> dict[str, str]:
    """`IHIO=https://…,SSO=https://…` -> {"IHIO": "https://…", …}; a bad value fails at start."""
    result = {}
    for part in (os.environ.get(name) or "").split(","):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        if not sep or not key.strip() or not value.strip().startswith(("http://", "https://")):
            raise ImproperlyConfigured(f"{name} must look like CODE=https://…,CODE=https://…")
        result[key.strip()] = value.strip().rstrip("/")
    return result


INSURER_API_URLS = envmap("INSURER_API_URLS")
INSURER_TIMEOUT_SECONDS = envint("INSURER_TIMEOUT_SECONDS", 10)
INSURER_RETRIES = envint("INSURER_RETRIES", 2)
INSURER_BACKOFF_SECONDS = envint("INSURER_BACKOFF_SECONDS", 1)
CLAIMS_BATCH_SIZE = envint("CLAIMS_BATCH_SIZE", 100)
