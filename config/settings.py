"""Nastavnik settings, read from environment variables.

The defaults run the embedded configuration of ``make run``: SQLite in the checkout, Celery tasks
executed in-process, e-mail printed to the console. Production sets DJANGO_DEBUG=0 and must then
provide DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, DATABASE_URL and CELERY_BROKER_URL (README).
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


def env_bool(name: str, default: bool) -> bool:
    """A yes/no variable: 1/0, true/false, yes/no, on/off (any case); anything else stops the start-up,
    since a typo («DJANGO_DEBUG=fasle») must not silently pick one meaning."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name}={value!r}: use 1/0, true/false, yes/no or on/off.")


def required(name: str) -> str:
    """A variable production cannot run without: its absence stops the start-up, naming it."""
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"{name} must be set when DJANGO_DEBUG is off (see README, «Production»).")
    return value


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)

# Production (DJANGO_DEBUG=0) refuses to start half-configured: no secret, no host names, no database
# URL (it would silently run on the SQLite file of the checkout) or no broker (tasks would run inside
# web requests) stops it with the variable's name.
if DEBUG:
    SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "") or "insecure-development-key-only-for-the-embedded-default"
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
else:
    SECRET_KEY = required("DJANGO_SECRET_KEY")
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        required("DJANGO_ALLOWED_HOSTS")
    required("DATABASE_URL")
    required("CELERY_BROKER_URL")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "auditlog",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "registry",
    "mentoring",
    "roadmaps",
    "monitoring",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Idle (30 min) and absolute (12 h) session limits; the second factor where a role requires it.
    "registry.security.SessionLimitsMiddleware",
    "registry.security.SecondFactorMiddleware",
    # Puts the user and the IP address on every audit entry written while the request runs.
    "auditlog.middleware.AuditlogMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "registry.middleware.ScopeMiddleware",
    "registry.security.SecurityHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: locks a username+address pair out after repeated failures.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

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
                "registry.context_processors.scope",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        # A kept connection is checked before reuse: after PostgreSQL restarts, the next request opens a
        # new one instead of failing on the dead one.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Two writers (the dev server and an in-process task) must wait, not fail.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "registry.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out username+address before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# 10 failed attempts for one username from one address lock that pair out for 15 minutes; every failed
# and successful login is logged (axes' AccessAttempt, AccessFailureLog and AccessLog tables).
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("AXES_PROXY_COUNT", "0")) or None

# Shared school computers: a session ends after 30 minutes without a request, 12 hours after the login
# whatever happens (registry.security.SessionLimitsMiddleware) and when the browser closes.
# The idle limit slides: SessionLimitsMiddleware touches the session at most once a minute (not on every
# request, which would cost three queries each), and every save moves its expiry SESSION_COOKIE_AGE on.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_MINUTES", "30")) * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_ABSOLUTE_HOURS = int(os.environ.get("SESSION_ABSOLUTE_HOURS", "12"))

# The second factor (TOTP, django-otp): required for the roles that see a whole district's or region's
# children, offered to everyone. Off in the embedded default so the demo logins work; on in production
# unless NASTAVNIK_SECOND_FACTOR=0 (a demo server) says otherwise.
SECOND_FACTOR_REQUIRED = env_bool("NASTAVNIK_SECOND_FACTOR", not DEBUG)
SECOND_FACTOR_ROLES = ("municipal_curator", "regional_observer")
OTP_TOTP_ISSUER = "Наставник"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", "Русский")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Moscow"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]

# Uploaded scans are personal data: they live outside STATIC and are served only by views that
# check the user's scope, never by the web server directly.
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media-not-served/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 15 * 1024 * 1024

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
# Seconds the SMTP backend waits on the server (connecting, every command): a hanging server cannot hang
# a request or a worker; the reminder outbox retries the letter later.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "nastavnik@localhost")
# Where django.core.mail.backends.filebased.EmailBackend writes letters (the Celery CI stage reads them).
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", "")
# The portal's address as seen by users: links in e-mails are built from it.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# Celery: without a broker URL, tasks run in-process (the embedded default).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
# A task's message is acknowledged only when it finished, and given back if the worker process dies
# (SIGKILL, out of memory): another worker picks it up. One message at a time per worker process, so a
# dying worker holds no queue of others' messages. Every task has time limits; the broker's visibility
# timeout is longer than the longest task, so a long export is not delivered twice while it runs.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = int(os.environ.get("CELERY_TASK_SOFT_TIME_LIMIT", "600"))
CELERY_TASK_TIME_LIMIT = int(os.environ.get("CELERY_TASK_TIME_LIMIT", "660"))
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Sending a task must not hang a request while Redis is down: give up quickly, the sweep sends it later.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY = False
# Periodic tasks, started by `celery -A config beat` (one beat process per installation). Times are
# CELERY_TIMEZONE's, i.e. Moscow time. A task run twice (a redelivery, a second beat) sends nothing twice.
CELERY_BEAT_SCHEDULE = {
    "roadmap-reminders": {
        # The scan (catching up missed days) and the sending of its letters. Keep the hour in step with
        # roadmaps.reminders.LATE_SCAN_AFTER.
        "task": "roadmaps.tasks.send_daily_reminders_task",
        "schedule": crontab(hour=7, minute=0),
    },
    "roadmap-reminder-digests": {
        # The reminder outbox: retries, letters of a worker that died, a missed 07:00 scan.
        "task": "roadmaps.tasks.send_reminder_digests_task",
        "schedule": crontab(minute="*/5"),
    },
    "refresh-dashboard-summaries": {
        "task": "monitoring.tasks.refresh_summaries",
        "schedule": crontab(hour=5, minute=0),
    },
    "sweep-participant-imports": {
        # Participant files whose check was never sent (the broker was down) or whose worker was killed.
        "task": "registry.tasks.sweep_participant_imports",
        "schedule": 60.0,
    },
    "personal-data": {
        # Consents that expired overnight stop processing; what is due is destroyed, with its act.
        "task": "registry.tasks.personal_data_daily",
        "schedule": crontab(hour=0, minute=20),
    },
    "sweep-exports": {
        # Export jobs whose worker died (no heartbeat) or whose message never reached a worker.
        "task": "monitoring.tasks.sweep_exports",
        "schedule": 60.0,
    },
    "remove-expired-exports": {
        "task": "monitoring.tasks.remove_expired_exports",
        "schedule": crontab(hour=3, minute=30),
    },
    "forget-submitted-forms": {
        # The one-time tokens of the create forms (registry.once) are kept for a day.
        "task": "registry.tasks.forget_submitted_forms",
        "schedule": crontab(hour=3, minute=40),
    },
    # Notices when work waits (registry.notifications): consents ending within 30 days, pairs without a
    # meeting for 30 days, before the working day; letters whose message was lost, every five minutes.
    "notices-consents": {
        "task": "registry.tasks.notices_daily",
        "schedule": crontab(hour=6, minute=40),
    },
    "notices-quiet-pairs": {
        "task": "mentoring.tasks.notify_quiet_pairs_task",
        "schedule": crontab(hour=6, minute=45),
    },
    "sweep-notice-emails": {
        "task": "registry.tasks.sweep_notice_emails",
        "schedule": 300.0,
    },
}

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if not os.environ.get("REDIS_CACHE_URL")
    else {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["REDIS_CACHE_URL"]}
}

# Content-Security-Policy (django-csp), enforced: scripts only from our own static files (Bootstrap is
# served from static/vendor, the portal's behaviours from static/js/nastavnik.js; no inline script, no
# CDN); styles from our files plus the inline style attributes the templates use for widths and colours
# (not a script vector); images from us and data: URIs (the QR codes); nothing may frame the portal.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True

# The audit trail (registry.audit): django-auditlog's entries, extended with whose data they are about.
AUDITLOG_LOGENTRY_MODEL = "registry.AuditEntry"
# auditlog's own migrations create its LogEntry table even when the model is swapped for ours; without
# them nothing of auditlog needs a table (its only model is swapped), and a flush of the test database
# on PostgreSQL does not trip over an orphan table referencing django_content_type.
MIGRATION_MODULES = {"auditlog": None}
AUDITLOG_DISABLE_REMOTE_ADDR = False
AUDITLOG_STORE_JSON_CHANGES = True

# Personal data retention (152-ФЗ art. 21; README «Персональные данные»). Days after which a person's
# data is destroyed: after the consent was revoked or expired (the law's 30 days), and after the person
# was archived with the purpose achieved (the programme's records are kept for the reporting period).
PD_DAYS_AFTER_REVOCATION = int(os.environ.get("PD_DAYS_AFTER_REVOCATION", "30"))
PD_DAYS_AFTER_ARCHIVING = int(os.environ.get("PD_DAYS_AFTER_ARCHIVING", "1095"))

# Consent scans and agreements: what the upload check accepts.
UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    # Django's own loggers would print a second copy through their default handlers.
    "loggers": {"django": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}
