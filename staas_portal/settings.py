"""Settings for StaaS Portal, read from the environment only.

README.md lists every variable with its default. Without any of them the portal
runs on SQLite under var/ with Celery tasks inline, which is what `make run` uses.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from staas_portal.env import (
    development_encryption_key,
    env_bool,
    env_choice,
    env_float,
    env_int,
    env_list,
    env_required,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent
# Where the embedded defaults keep their files: the SQLite database, the
# development encryption key, the emulator's state and key.
VAR_DIR = Path(env_str("STAAS_VAR_DIR") or BASE_DIR / "var")

DEBUG = env_bool("DEBUG")

SECRET_KEY = env_required("SECRET_KEY", unless_debug=True, debug=DEBUG) or (
    "insecure-development-key-only-used-when-DEBUG-is-1"
)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "staas_portal.admin_apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "staas_portal.core",
    "staas_portal.users",
    "staas_portal.audit",
    "staas_portal.clusters",
    "staas_portal.customers",
    "staas_portal.jobs",
    "staas_portal.limits",
    "staas_portal.selfservice",
    "staas_portal.usage",
    "staas_portal.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "staas_portal.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "staas_portal.core.middleware.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Axes must come last: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "staas_portal.urls"
WSGI_APPLICATION = "staas_portal.wsgi.application"

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
            ],
        },
    },
]

# Database: a SQLite file under var/ unless DATABASE_URL names another.
DATABASE_URL = env_str("DATABASE_URL")
if not DATABASE_URL:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASE_URL = f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True),
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "users.User"
AUTHENTICATION_BACKENDS = [
    # Axes first, so that a locked-out account is refused before its password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)
# Invitation and password-reset links work once, and for this long at most.
PASSWORD_RESET_TIMEOUT = env_int("STAAS_LINK_HOURS", 72) * 60 * 60
if PASSWORD_RESET_TIMEOUT < 3600:
    raise ImproperlyConfigured("STAAS_LINK_HOURS must be 1 or more.")

# Mail (invitations, password resets): printed on the console unless EMAIL_HOST is set.
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "StaaS Portal <portal@localhost>")

# Key pairs older than this are flagged for rotation, on staff and customer pages.
STAAS_KEY_MAX_AGE_DAYS = env_int("STAAS_KEY_MAX_AGE_DAYS", 90)
if STAAS_KEY_MAX_AGE_DAYS < 1:
    raise ImproperlyConfigured("STAAS_KEY_MAX_AGE_DAYS must be 1 or more.")

# Failed logins are throttled per account and, separately, per address.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "staas_portal.core.http.client_address"
AXES_LOCKOUT_TEMPLATE = "errors/locked_out.html"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT") or VAR_DIR / "static")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# The REST API under /api/: token authentication only, JSON in and out, and every
# error as application/problem+json. README.md's API section describes it.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["staas_portal.api.authentication.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["staas_portal.api.permissions.TokenScopePermits"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "staas_portal.api.schema.ApiSchema",
    "EXCEPTION_HANDLER": "staas_portal.api.problems.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "StaaS Portal API",
    "DESCRIPTION": "Provisioning for storefronts and billing systems. See README.md, section API.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema describes the API; reading it needs no token.
    "SERVE_AUTHENTICATION": [],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CustomerStatus": "staas_portal.customers.models.Customer.Status",
        "AccountState": "staas_portal.customers.models.S3Account.State",
        "TaskState": "staas_portal.jobs.models.Job.State",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "staas_portal.api.schema.name_bucket_operations",
        "staas_portal.api.schema.add_token_problems",
    ],
    # Swagger UI from the portal's own static files, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Reverse proxies in front of the portal. Only their X-Forwarded-* headers are
# trusted; with none, a client could forge its address and defeat the throttle.
STAAS_PROXY_COUNT = env_int("STAAS_PROXY_COUNT", 0)
if STAAS_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

if not DEBUG:
    SECURE_SSL_REDIRECT = True
    # Load balancers probe over plain HTTP inside the private network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
# Pages send the CSRF token from the form or from hx-headers, so scripts never need the
# cookie itself.
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy: scripts, styles and everything else from the portal itself,
# and no inline script anywhere. Django's admin site and the API's docs page set some
# styles inline, so those two alone may.
CSP_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
CSP_INLINE_STYLE_PATHS = ("/django-admin/", "/api/docs/")

# Secrets at rest (S3 secret keys, the system key) are encrypted with these keys.
# Several comma-separated keys allow rotation: the first encrypts, all decrypt.
STAAS_ENCRYPTION_KEYS = env_list("STAAS_ENCRYPTION_KEY")
if not STAAS_ENCRYPTION_KEYS:
    if not DEBUG:
        env_required("STAAS_ENCRYPTION_KEY", unless_debug=False, debug=DEBUG)
    STAAS_ENCRYPTION_KEYS = [development_encryption_key(VAR_DIR)]
for _key in STAAS_ENCRYPTION_KEYS:
    try:
        Fernet(_key)
    except ValueError:
        raise ImproperlyConfigured(
            "STAAS_ENCRYPTION_KEY must be 32 url-safe base64-encoded bytes; "
            'generate one with: python -c "from cryptography.fernet import Fernet; '
            'print(Fernet.generate_key().decode())"'
        ) from None

# The default gateway, created as the first storage cluster when none exists.
STAAS_GATEWAY = {
    "url": env_str("STAAS_GATEWAY_URL"),
    "access_key": env_str("STAAS_GATEWAY_ACCESS_KEY"),
    "secret_key": env_str("STAAS_GATEWAY_SECRET_KEY"),
    "signature": env_choice("STAAS_GATEWAY_SIGNATURE", "v2", ("v2", "v4")),
    "region": env_str("STAAS_GATEWAY_REGION", "us-east-1"),
}
# Seconds the portal waits for a gateway's answer, once connected. A write that gets
# no answer in time may still have been made: reconcile settles it later.
STAAS_GATEWAY_TIMEOUT = env_float("STAAS_GATEWAY_TIMEOUT", 30.0)
if STAAS_GATEWAY_TIMEOUT <= 0:
    raise ImproperlyConfigured(
        f"STAAS_GATEWAY_TIMEOUT must be more than 0 seconds (got {STAAS_GATEWAY_TIMEOUT:g})."
    )

# Celery: with REDIS_URL unset, tasks run inline in the web process.
REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "staas")
# Drift is at most this old; each run costs one user listing plus one query per S3 user.
STAAS_RECONCILE_MINUTES = env_int("STAAS_RECONCILE_MINUTES", 15)
if STAAS_RECONCILE_MINUTES < 1:
    raise ImproperlyConfigured(
        f"STAAS_RECONCILE_MINUTES must be 1 or more (got {STAAS_RECONCILE_MINUTES})."
    )
# Statistics objects are harvested this often; each run lists them and samples every
# bucket's size, so the storage history has one sample per bucket and run.
STAAS_USAGE_HARVEST_MINUTES = env_int("STAAS_USAGE_HARVEST_MINUTES", 5)
if STAAS_USAGE_HARVEST_MINUTES < 1:
    raise ImproperlyConfigured(
        f"STAAS_USAGE_HARVEST_MINUTES must be 1 or more (got {STAAS_USAGE_HARVEST_MINUTES})."
    )
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {
        "task": "staas_portal.core.tasks.record_worker_heartbeat",
        "schedule": 60.0,
    },
    "reconcile-clusters": {
        "task": "staas_portal.customers.tasks.reconcile_clusters",
        "schedule": STAAS_RECONCILE_MINUTES * 60.0,
    },
    "harvest-usage": {
        "task": "staas_portal.usage.tasks.harvest_all_clusters",
        "schedule": STAAS_USAGE_HARVEST_MINUTES * 60.0,
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "staas_portal.core.logging.RequestIdFilter"}},
    "formatters": {
        "line": {
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "line",
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO").upper()},
    "loggers": {
        # The request log below replaces Django's own line per failed request.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
        "django.utils.autoreload": {"level": "WARNING"},
        "axes.apps": {"level": "WARNING"},
    },
}
