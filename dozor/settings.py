"""Django settings for Dozor, read from the environment in one place (see docs/operations.md)."""

from __future__ import annotations

import datetime
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from dozor import APPS
from dozor.env import (
    LOCAL_SECRET_KEY,
    env_bool,
    env_choices,
    env_int,
    env_list,
    env_required_in_production,
    env_str,
    production_refusals,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DOZOR_ENV = env_str("DOZOR_ENV", "local")
if DOZOR_ENV not in {"local", "test", "production"}:
    raise ImproperlyConfigured(f"DOZOR_ENV must be local, test or production, got {DOZOR_ENV!r}")
PRODUCTION = DOZOR_ENV == "production"

SECRET_KEY = env_required_in_production(
    "DOZOR_SECRET_KEY", production=PRODUCTION, local_default=LOCAL_SECRET_KEY
)
DEBUG = env_bool("DOZOR_DEBUG", default=not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DOZOR_DEBUG must not be on when DOZOR_ENV=production")

ALLOWED_HOSTS = env_list(
    "DOZOR_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DOZOR_ALLOWED_HOSTS must be set when DOZOR_ENV=production")
CSRF_TRUSTED_ORIGINS = env_list("DOZOR_CSRF_TRUSTED_ORIGINS", [])

VAR_DIR = Path(env_str("DOZOR_VAR_DIR", str(BASE_DIR / "var")))
if not PRODUCTION:
    (VAR_DIR / "static").mkdir(parents=True, exist_ok=True)  # SQLite file and WhiteNoise's root live here

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",  # API tokens: hashed at rest, expiring, revocable (docs/decisions/0014-sign-in.md)
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    *APPS,
]

MIDDLEWARE = [
    "dozor.web.slowlog.SlowRequestMiddleware",  # outermost: times the whole stack
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "dozor.web.input_guard.InputGuardMiddleware",  # NUL characters, numbers beyond the database: 400
    "dozor.accounts.signin.middleware.SessionTimeoutMiddleware",
    "dozor.accounts.signin.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "dozor.web.middleware.SecurityHeadersMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into the lockout page
]

ROOT_URLCONF = "dozor.urls"
WSGI_APPLICATION = "dozor.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Project templates, then each feature folder's own (dozor/<app>/<feature>/templates), then the
        # apps' (APP_DIRS): a feature keeps its templates beside its views.
        "DIRS": [BASE_DIR / "templates", *sorted(Path(__file__).parent.glob("*/*/templates"))],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "dozor.web.context_processors.shell",
            ],
        },
    },
]

DEFAULT_SQLITE = f"sqlite:///{VAR_DIR / 'dozor.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(env_str("DATABASE_URL", DEFAULT_SQLITE), conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            # write-ahead log: readers never wait for the writer, which several gunicorn workers
            # need (`dozor serve`); backups use SQLite's online backup API, which includes the log
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0

FORMS_URLFIELD_ASSUME_HTTPS = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"
# Sign-in (docs/decisions/0014-sign-in.md): django-axes first, to refuse locked-out attempts.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
# Argon2 first; hashes of the other hashers are upgraded to Argon2 at the next sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# Roles that must use a second factor (TOTP); empty outside production so demo sign-ins work.
DOZOR_MFA_REQUIRED_ROLES = env_choices(
    "DOZOR_MFA_REQUIRED_ROLES",
    ["coordinator", "council", "monitor"] if PRODUCTION else [],
    choices=["coordinator", "council", "monitor", "liaison", "trainer"],  # accounts.Role (a test checks)
)
OTP_TOTP_ISSUER = env_str("DOZOR_OTP_ISSUER", "Dozor")
# An unannounced visit not yet begun in the personal iCalendar feed, which leaves Dozor for phone and
# cloud calendars: "busy" (a bare busy block: dates only) or "omit" (decision 0023).
DOZOR_ICAL_SECRET_VISITS = env_str("DOZOR_ICAL_SECRET_VISITS", "busy")
if DOZOR_ICAL_SECRET_VISITS not in {"busy", "omit"}:
    raise ImproperlyConfigured(
        f"DOZOR_ICAL_SECRET_VISITS must be busy or omit, got {DOZOR_ICAL_SECRET_VISITS!r}"
    )
# A session ends after this long without a request, besides its absolute lifetime (SESSION_COOKIE_AGE).
DOZOR_IDLE_SECONDS = env_int("DOZOR_IDLE_SECONDS", 30 * 60, minimum=60)
# Exporting confidential material needs the password (and second factor) entered this recently.
DOZOR_REAUTH_SECONDS = env_int("DOZOR_REAUTH_SECONDS", 15 * 60, minimum=60)
# Lockout: this many failed sign-ins for one user name from one address lock that pair for the cool-off.
AXES_FAILURE_LIMIT = env_int("DOZOR_LOCKOUT_FAILURES", 5, minimum=1)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("DOZOR_LOCKOUT_MINUTES", 30, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "dozor.accounts.signin.lockout.lockout_response"
AXES_VERBOSE = False
# The address is REMOTE_ADDR (django-ipware is not installed): X-Forwarded-For can be forged.
PASSWORD_RESET_TIMEOUT = env_int("DOZOR_PASSWORD_RESET_SECONDS", 3 * 24 * 3600, minimum=3600)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Languages: Kazakh (state language), Russian (official), English (partners).
LANGUAGE_CODE = env_str("DOZOR_LANGUAGE", "ru")
FORMAT_MODULE_PATH = ["dozor.formats"]  # Kazakh number and date formats (Django has none)
LANGUAGES = [("kk", _("Kazakh")), ("ru", _("Russian")), ("en", _("English"))]
if LANGUAGE_CODE not in {code for code, _name in LANGUAGES}:
    raise ImproperlyConfigured(f"DOZOR_LANGUAGE must be one of kk, ru, en, got {LANGUAGE_CODE!r}")
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("DOZOR_TIME_ZONE", "Asia/Almaty")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("DOZOR_STATIC_ROOT", str(VAR_DIR / "static")))
MEDIA_ROOT = Path(env_str("DOZOR_MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media-not-served/"  # files are only ever served through access-checked views
# AES-GCM keys for fields encrypted at rest (core/crypto.py): "id:base64key,oldid:base64key".
DOZOR_FIELD_KEYS = env_str("DOZOR_FIELD_KEYS", "")
if PRODUCTION and not DOZOR_FIELD_KEYS:
    raise ImproperlyConfigured("DOZOR_FIELD_KEYS must be set when DOZOR_ENV=production (dozor keys new)")
if PRODUCTION and (
    _refusals := production_refusals(
        secret_key=SECRET_KEY, allowed_hosts=ALLOWED_HOSTS, field_keys=DOZOR_FIELD_KEYS
    )
):
    raise ImproperlyConfigured("\n".join(_refusals))
DOZOR_MAX_EVIDENCE_BYTES = env_int("DOZOR_MAX_EVIDENCE_BYTES", 20 * 1024 * 1024)
# ODK forms carry the NPM's public key; submissions are decrypted on arrival (core/formkeys.py, decision 0027).
DOZOR_FORM_ENCRYPTION = env_bool("DOZOR_FORM_ENCRYPTION", True)
DOZOR_MAX_ATTACHMENT_BYTES = env_int("DOZOR_MAX_ATTACHMENT_BYTES", 20 * 1024 * 1024)
# A YAML file of extra redaction patterns (default: the country pack's redaction.yaml).
DOZOR_REDACTION_PATTERNS = env_str("DOZOR_REDACTION_PATTERNS", "")
# The address people reach Dozor at, for links in e-mails (reminders); no trailing slash.
DOZOR_SITE_URL = env_str("DOZOR_SITE_URL", "").rstrip("/")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Upload limits: imports are validated whole in memory, so they are capped.
DOZOR_MAX_IMPORT_BYTES = env_int("DOZOR_MAX_IMPORT_BYTES", 5 * 1024 * 1024, minimum=1024)
DOZOR_MAX_IMPORT_ROWS = env_int("DOZOR_MAX_IMPORT_ROWS", 20000, minimum=1)
# Completed checklists exported from ODK Central / KoboToolbox: 10,000 submissions of the largest
# shipped template are 7.7 MB as Central's main CSV and 57 MB as Kobo's JSON, which carries every
# question's path in every record; 80 MiB leaves a margin (docs/operations.md, decision 0029).
DOZOR_MAX_SUBMISSIONS_BYTES = env_int("DOZOR_MAX_SUBMISSIONS_BYTES", 80 * 1024 * 1024, minimum=1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = DOZOR_MAX_IMPORT_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = DOZOR_MAX_IMPORT_BYTES + 1024 * 1024

DOZOR_PACKS_DIR = Path(env_str("DOZOR_PACKS_DIR", str(BASE_DIR / "packs")))
DOZOR_COUNTRY_PACK = env_str("DOZOR_COUNTRY_PACK", "kz")
DOZOR_DEMO_PASSWORD = env_str("DOZOR_DEMO_PASSWORD", "dozor-demo-2026")

# Sessions and cookies.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("DOZOR_SESSION_SECONDS", 8 * 3600, minimum=300)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("DOZOR_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env_int("DOZOR_HSTS_SECONDS", 31536000, minimum=0)
    # Covers only the names under Dozor's own (dozor.example.kz -> *.dozor.example.kz).
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DOZOR_HSTS_INCLUDE_SUBDOMAINS", default=True)
    # No HSTS preload (security.W021): the preload list takes whole registrable domains, which
    # belong to the NPM's institution, not to Dozor; submitting one is the institution's decision.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Load balancers probe over plain HTTP; /healthz says only "ok" or "error" and sets no cookie.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

EMAIL_BACKEND = env_str(
    "DOZOR_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = env_str("DOZOR_FROM_EMAIL", "dozor@localhost")
# Give up on a mail server that does not answer, so a worker is never stuck on one notification.
EMAIL_TIMEOUT = env_int("DOZOR_EMAIL_TIMEOUT", 30, minimum=1)

# Background tasks (django-tasks): the database is the queue, so there is no broker to run; `dozor
# worker` runs them (docs/operations.md, docs/decisions/0017-tasks-and-outbox.md). The tests
# switch to the immediate backend (conftest.py) except those that exercise the worker itself.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# The outbox: a notification the mail server refused is tried again with exponential back-off
# (1, 2, 4 ... minutes, at most a day apart); after this many failed attempts it is shown to the
# coordinators as failing (it is still retried).
DOZOR_NOTIFICATION_FAILING_AFTER = env_int("DOZOR_NOTIFICATION_FAILING_AFTER", 5, minimum=1)
# When the worker queues the day's reminder digests (local time, HH:MM).
DOZOR_REMINDERS_AT = env_str("DOZOR_REMINDERS_AT", "08:00")
try:
    datetime.time.fromisoformat(DOZOR_REMINDERS_AT)
except ValueError as exc:
    raise ImproperlyConfigured(f"DOZOR_REMINDERS_AT must be HH:MM, got {DOZOR_REMINDERS_AT!r}") from exc

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Per client: anonymous by address, signed-in by user; "token" is the strict rate of /api/v1/token/.
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("DOZOR_API_ANON_RATE", "60/minute"),
        "user": env_str("DOZOR_API_USER_RATE", "1200/minute"),
        "token": env_str("DOZOR_API_TOKEN_RATE", "5/minute"),
    },
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "dozor.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "dozor.api.schema.AutoSchema",  # documents 400/401/403/404/429 too
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
REST_KNOX = {
    "TOKEN_TTL": datetime.timedelta(days=env_int("DOZOR_API_TOKEN_DAYS", 90, minimum=1)),
    "TOKEN_PREFIX": "dzr_",
    "AUTO_REFRESH": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Dozor API",
    "DESCRIPTION": "REST API of Dozor, the information system for National Preventive Mechanisms. "
    "Every endpoint applies the same access rules as the pages.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# Logs: one JSON object per line on stderr (dozor.core.logs), e.g. django.request's errors (a 500
# with path, status, user id and traceback) and slow requests (dozor.web.slowlog); never a query
# string or posted data.
DOZOR_SLOW_REQUEST_MS = env_int("DOZOR_SLOW_REQUEST_MS", 1000, minimum=0)
LOG_LEVEL = env_str("DOZOR_LOG_LEVEL", "WARNING")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "dozor.core.logs.JsonFormatter"}},
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr", "formatter": "json"}
    },
    "loggers": {
        # Replaces Django's own handlers for "django" (console when DEBUG, mail to ADMINS), which
        # would print every error a second time, unformatted. django.server keeps Django's.
        "django": {"handlers": ["stderr"], "level": LOG_LEVEL, "propagate": False},
    },
    "root": {"handlers": ["stderr"], "level": LOG_LEVEL},
}
