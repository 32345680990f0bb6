"""Django settings for Dozor, read from the environment in one place (see docs/operations.md)."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from dozor import APPS
from dozor.env import env_bool, env_int, env_list, env_required_in_production, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DOZOR_ENV = env_str("DOZOR_ENV", "local")
if DOZOR_ENV not in {"local", "test", "production"}:
    raise ImproperlyConfigured(f"DOZOR_ENV must be local, test or production, got {DOZOR_ENV!r}")
PRODUCTION = DOZOR_ENV == "production"

SECRET_KEY = env_required_in_production(
    "DOZOR_SECRET_KEY", production=PRODUCTION, local_default="dozor-local-development-key-not-secret"
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
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
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
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "dozor.web.middleware.SecurityHeadersMiddleware",
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
    DATABASES["default"]["OPTIONS"].update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
    DATABASES["default"]["CONN_MAX_AGE"] = 0

FORMS_URLFIELD_ASSUME_HTTPS = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"

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
DOZOR_MAX_EVIDENCE_BYTES = env_int("DOZOR_MAX_EVIDENCE_BYTES", 20 * 1024 * 1024)
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

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "dozor.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
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
