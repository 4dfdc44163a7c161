"""Fieldbox settings: one module, every deployment value read from the environment.

Without ``DATABASE_URL`` the embedded demo database (SQLite under ``var/``) is used;
without ``REDIS_URL`` background tasks run in-process. See docs/deploy.md.
"""

from __future__ import annotations

import ipaddress
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def _tile_origin(template: str) -> list[str]:
    """The scheme and host of a tile URL template (``https://{s}.tiles.example/{z}/{x}/{y}.png``), for img-src."""
    if not template:
        return []
    parts = urlsplit(template.replace("{s}", "*"))
    if "*" in parts.netloc and not parts.netloc.startswith("*."):
        # A CSP source allows a wild card only as the host's whole first label.
        raise ImproperlyConfigured("MAP_TILE_URL: {s} may only be the first part of the host ({s}.tiles.example).")
    return [f"{parts.scheme}://{parts.netloc}"] if parts.scheme and parts.netloc else []


PACKAGE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env("FIELDBOX_VAR_DIR", str(Path.cwd() / "var")))

DEBUG = env_bool("DEBUG", False)
DEMO = env_bool("FIELDBOX_DEMO", False)
TESTING = env_bool("FIELDBOX_TESTING", False)

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not (DEBUG or DEMO or TESTING):
        raise ImproperlyConfigured("SECRET_KEY must be set (see docs/deploy.md).")
    SECRET_KEY = "insecure-demo-key-" + "x" * 40  # only for the demo and the tests

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if (DEBUG or DEMO) else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Number of reverse proxies in front of the app whose X-Forwarded-For entries are trusted.
TRUSTED_PROXY_COUNT = int(env("TRUSTED_PROXY_COUNT", "0"))
# The demo and development serve on PORT (`make demo PORT=8123`): their links, and `fieldbox simulate-device`, follow.
SITE_URL = env("SITE_URL", f"http://127.0.0.1:{env('PORT', '8000') if (DEBUG or DEMO) else '8000'}").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_ratelimit",
    "axes",
    "ninja",
    "fieldbox.core",
    "fieldbox.accounts",
    "fieldbox.fleet",
    "fieldbox.jobs",
    "fieldbox.removals",
    "fieldbox.service",
    "fieldbox.commerce",
    "fieldbox.messaging",
    "fieldbox.web",
]

MIDDLEWARE = [
    # The request's id (X-Request-ID) for its log lines and its tasks, and its access line: before anything answers.
    "fieldbox.core.logs.RequestIdMiddleware",
    # Counts and times every request by URL pattern and status for /metrics (next: it sees every answer).
    "fieldbox.core.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy with a nonce per request (request.csp_nonce), and Permissions-Policy: every response.
    "csp.middleware.CSPMiddleware",
    "fieldbox.core.headers.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "fieldbox.accounts.middleware.ScopeMiddleware",
    "fieldbox.accounts.middleware.TwoFactorMiddleware",
    # Every input checked once before any view: NUL characters refused, bodies over DATA_UPLOAD_MAX_MEMORY_SIZE 413.
    "fieldbox.core.middleware.RequestInputMiddleware",
    # A statement the database cut (REQUEST_STATEMENT_TIMEOUT) answers 503 "try again", a full disk 507.
    "fieldbox.core.limits.ServerLimitsMiddleware",
    "axes.middleware.AxesMiddleware",
    # A phone's change sent with an Idempotency-Key is applied once, in one transaction with its key.
    "fieldbox.service.offline.FieldChangeMiddleware",
]

ROOT_URLCONF = "fieldbox.config.urls"
WSGI_APPLICATION = "fieldbox.config.wsgi.application"

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
                "fieldbox.web.context_processors.shell",
            ],
        },
    },
]

# Database: PostgreSQL in production and tests, SQLite for the embedded demo.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'fieldbox.sqlite3'}"),
        conn_max_age=int(env("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# How long one SQL statement may run, in seconds (fieldbox.core.limits): in a web process (a page, an API call), and
# in a worker's task. A transaction left idle that long in either gives its locks back. Commands have no limit.
REQUEST_STATEMENT_TIMEOUT = float(env("REQUEST_STATEMENT_TIMEOUT", "30"))
TASK_STATEMENT_TIMEOUT = float(env("TASK_STATEMENT_TIMEOUT", "300"))
IDLE_TRANSACTION_TIMEOUT = float(env("IDLE_TRANSACTION_TIMEOUT", "60"))
# The web server (gunicorn, `fieldbox serve`): a process silent this many seconds is killed and replaced (above
# the statement limit, below the proxy's read timeout); one asked to stop has this long to finish its request; each
# is replaced after about this many requests.
WEB_TIMEOUT = int(env("WEB_TIMEOUT", "50"))
WEB_GRACEFUL_TIMEOUT = int(env("WEB_GRACEFUL_TIMEOUT", "30"))
WEB_MAX_REQUESTS = int(env("WEB_MAX_REQUESTS", "2000"))
if WEB_TIMEOUT <= REQUEST_STATEMENT_TIMEOUT:
    raise ImproperlyConfigured("WEB_TIMEOUT must be longer than REQUEST_STATEMENT_TIMEOUT.")

REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "fieldbox.core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "fieldbox_cache"}}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"
# Password reset and new-account links expire after 72 hours.
PASSWORD_RESET_TIMEOUT = 72 * 3600
INVITATION_TTL = timedelta(hours=72)
PARTNERSHIP_INVITATION_TTL = timedelta(days=int(env("PARTNERSHIP_INVITATION_DAYS", "14")))

# Login throttling (django-axes): per (account, address) pair, so one person's typing does not lock out the others
# behind the same router, and per address alone at a higher limit (fieldbox.core.login_throttle), so a guesser
# spraying many accounts from one address is stopped too. The address is REMOTE_ADDR or the trusted proxies' entry
# only, so a forged X-Forwarded-For changes nothing.
LOGIN_FAILURE_LIMIT = int(env("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_ADDRESS_FAILURE_LIMIT = int(env("LOGIN_ADDRESS_FAILURE_LIMIT", "50"))
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=int(env("LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "fieldbox.core.login_throttle.LoginThrottleHandler"
AXES_USERNAME_FORM_FIELD = "username"
AXES_CLIENT_IP_CALLABLE = "fieldbox.core.http.client_ip"
AXES_LOCKOUT_CALLABLE = "fieldbox.accounts.views.auth.locked_out"
# A success must not wipe the failures counted against other accounts from the same address.
AXES_RESET_ON_SUCCESS = False
# Tries during a block check no password, so they are not guesses: not counted, they neither lengthen the block nor
# bring the other accounts of the address nearer to LOGIN_ADDRESS_FAILURE_LIMIT.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_USERNAME_CALLABLE = "fieldbox.core.http.login_name"
AXES_VERBOSE = False

OTP_TOTP_ISSUER = "Fieldbox"

# Largest request body kept in memory (Django's default, 2.5 MB): larger ones answer 413. Files sent as multipart
# file parts are not counted (large ones are streamed to disk); each import has its own limit in bytes below.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Rate limits of public forms (django-ratelimit), counted per client address as above.
RATELIMIT_IP_META_KEY = "fieldbox.core.http.client_ip"
# Django's Redis cache counts atomically (INCR), though django-ratelimit lists only memcached as tested.
# The demo's database cache is not atomic: good enough for one person trying the product.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"] + ([] if REDIS_URL else ["django_ratelimit.E003"])
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The covering indexes of the hot lists (INCLUDE) are PostgreSQL's; the demo's SQLite keeps their key columns.
    SILENCED_SYSTEM_CHECKS.append("models.W040")
# While Redis is down the counters cannot be kept: let people through rather than lock everyone out.
RATELIMIT_FAIL_OPEN = True
PASSWORD_RESET_RATE_PER_ADDRESS = env("PASSWORD_RESET_RATE_PER_ADDRESS", "10/h")
PASSWORD_RESET_RATE_PER_ACCOUNT = env("PASSWORD_RESET_RATE_PER_ACCOUNT", "3/h")
# The public page of a job code ("/mission/"): wrong pairs counted per address and per installer code; the page a
# right pair opens stays open that many minutes in the technician's browser.
JOB_CODE_RATE_PER_ADDRESS = env("JOB_CODE_RATE_PER_ADDRESS", "10/h")
JOB_CODE_RATE_PER_INSTALLER_CODE = env("JOB_CODE_RATE_PER_INSTALLER_CODE", "30/h")
JOB_CODE_SESSION_MINUTES = int(env("JOB_CODE_SESSION_MINUTES", "120"))
# The API's requests per client (fieldbox.core.throttles: counted atomically in Redis across web processes): with a
# token or a session, per token; without, per address.
API_RATE = env("API_RATE", "1200/m")
API_ANONYMOUS_RATE = env("API_ANONYMOUS_RATE", "60/m")
# "Is this vehicle equipped?": look-ups per person.
VEHICLE_CHECK_RATE = env("VEHICLE_CHECK_RATE", "120/h")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = int(env("SESSION_COOKIE_AGE", str(14 * 24 * 3600)))
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not (DEBUG or DEMO or TESTING):
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXY_COUNT else None
# Content-Security-Policy (django-csp), the same in production, the demo and the tests: no inline script or style,
# only files we serve and the blocks that carry the request's nonce (docs/deploy.md, "Security headers"). A map's tile
# server (MAP_TILE_URL) is allowed in img-src; CSP_EXTRA_IMG_SRC / CSP_EXTRA_CONNECT_SRC add hosts by hand.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", NONCE],
        "img-src": ["'self'", "data:", "blob:", *_tile_origin(env("MAP_TILE_URL")), *env_list("CSP_EXTRA_IMG_SRC")],
        "connect-src": ["'self'", *env_list("CSP_EXTRA_CONNECT_SRC")],
        "font-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
# Permissions-Policy on every response (fieldbox.core.headers): the camera for the barcode scanner, the position for
# clocking in on site, nothing else.
PERMISSIONS_POLICY = {
    "camera": ["self"],
    "geolocation": ["self"],
    **{
        feature: []
        for feature in (
            "accelerometer",
            "browsing-topics",
            "display-capture",
            "gyroscope",
            "hid",
            "magnetometer",
            "microphone",
            "midi",
            "payment",
            "screen-wake-lock",
            "serial",
            "usb",
            "xr-spatial-tracking",
        )
    },
}

# Internationalisation: Italian, French and English; times stored in UTC.
LANGUAGE_CODE = env("LANGUAGE_CODE", "en")
LANGUAGES = [("it", _("Italian")), ("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "fieldbox_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(VAR_DIR / "static")))
# Front-end packages installed by the set-up (npm ci), served by us: never a CDN.
NODE_MODULES = Path(env("NODE_MODULES", str(Path.cwd() / "node_modules")))
STATICFILES_DIRS = [
    ("htmx.org", NODE_MODULES / "htmx.org" / "dist"),
    # Barcode reader (plain JS, no WASM), loaded by the scanner only when it opens.
    ("zxing", NODE_MODULES / "@zxing" / "browser" / "umd"),
    # Maps of customers' sites, drawn only when a tile server is configured (MAP_TILE_URL).
    ("leaflet", NODE_MODULES / "leaflet" / "dist"),
    # The planners' calendars (day, week, month, resources, drag and drop) and the work report's signatures.
    ("event-calendar", NODE_MODULES / "@event-calendar" / "build" / "dist"),
    ("signature_pad", NODE_MODULES / "signature_pad" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not (DEBUG or DEMO or TESTING)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
WHITENOISE_USE_FINDERS = DEBUG or DEMO or TESTING

# E-mail: SMTP in production, files under var/mail in the demo.
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.filebased.EmailBackend" if DEMO else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = str(VAR_DIR / "mail")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(env("EMAIL_TIMEOUT", "20"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Fieldbox <noreply@fieldbox.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# SMS: console or files under var/sms in the demo, a real HTTP gateway in production (docs/deploy.md).
SMS_BACKEND = env("SMS_BACKEND", "file" if DEMO else "console")
SMS_FILE_PATH = str(VAR_DIR / "sms")
SMS_SENDER = env("SMS_SENDER", "Fieldbox")
SMS_API_URL = env("SMS_API_URL", "https://api.twilio.com")
SMS_API_USER = env("SMS_API_USER")
SMS_API_TOKEN = env("SMS_API_TOKEN")
SMS_TIMEOUT = float(env("SMS_TIMEOUT", "10"))
SMS_MAX_SEGMENTS = int(env("SMS_MAX_SEGMENTS", "4"))
# Numbers written without an international prefix are read as numbers of this country.
PHONE_DEFAULT_REGION = env("PHONE_DEFAULT_REGION", "IT")

# Outbox: delivery of e-mail, SMS and webhooks by workers, with retries (docs/architecture.md).
OUTBOX_BATCH_SIZE = int(env("OUTBOX_BATCH_SIZE", "100"))
OUTBOX_MAX_ATTEMPTS = int(env("OUTBOX_MAX_ATTEMPTS", "8"))
OUTBOX_RETRY_BASE_SECONDS = int(env("OUTBOX_RETRY_BASE_SECONDS", "30"))
OUTBOX_RETRY_MAX_SECONDS = int(env("OUTBOX_RETRY_MAX_SECONDS", str(6 * 3600)))
# A claimed message is somebody's for this long; after a worker dies it is claimed again.
OUTBOX_LEASE_SECONDS = int(env("OUTBOX_LEASE_SECONDS", "300"))
OUTBOX_KEEP_SENT_DAYS = int(env("OUTBOX_KEEP_SENT_DAYS", "90"))
WEBHOOK_TIMEOUT = float(env("WEBHOOK_TIMEOUT", "10"))
if 2 * max(EMAIL_TIMEOUT, SMS_TIMEOUT, WEBHOOK_TIMEOUT) > OUTBOX_LEASE_SECONDS:
    # A batch starts no message after half its lease; one send must fit in the other half.
    raise ImproperlyConfigured("OUTBOX_LEASE_SECONDS must be at least twice the longest send timeout.")
# Webhooks to private and loopback addresses are refused unless allowed (closed networks, tests).
WEBHOOK_ALLOW_PRIVATE = env_bool("WEBHOOK_ALLOW_PRIVATE", DEBUG or DEMO or TESTING)
# Inbound device events: how far the signed timestamp may be from our clock.
DEVICE_EVENT_MAX_SKEW_SECONDS = int(env("DEVICE_EVENT_MAX_SKEW_SECONDS", "300"))
DEVICE_EVENT_RATE = env("DEVICE_EVENT_RATE", "6000/m")
# Jobs: a paired device that has not reported its activation after this many hours alerts customer care.
ACTIVATION_ALERT_HOURS = int(env("ACTIVATION_ALERT_HOURS", "24"))
# Bulk load of devices from a spreadsheet: the largest file and the most rows accepted.
DEVICE_IMPORT_MAX_BYTES = int(env("DEVICE_IMPORT_MAX_BYTES", str(10 * 1024 * 1024)))
DEVICE_IMPORT_MAX_ROWS = int(env("DEVICE_IMPORT_MAX_ROWS", "50000"))
# Photos taken on site: largest upload accepted, and the most pixels decoded (decompression bombs are refused).
JOB_PHOTO_MAX_BYTES = int(env("JOB_PHOTO_MAX_BYTES", str(8 * 1024 * 1024)))
JOB_PHOTO_MAX_PIXELS = int(env("JOB_PHOTO_MAX_PIXELS", str(50_000_000)))

# The service desk's mail: a message larger than this, or with more parts, is refused (kept with its reason); a
# file larger than this is not kept with its message. Our own messages carry X-Loop with this marker.
SERVICE_MAIL_MAX_BYTES = int(env("SERVICE_MAIL_MAX_BYTES", str(30 * 1024 * 1024)))
SERVICE_MAIL_MAX_PARTS = int(env("SERVICE_MAIL_MAX_PARTS", "200"))
SERVICE_ATTACHMENT_MAX_BYTES = int(env("SERVICE_ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024)))
SERVICE_LOOP_MARKER = env("SERVICE_LOOP_MARKER", "fieldbox").lower()
# IMAP polling of support mailboxes: every so many seconds, at most so many messages a mailbox and round.
SERVICE_IMAP_POLL_EVERY = float(env("SERVICE_IMAP_POLL_EVERY", "60"))
SERVICE_IMAP_BATCH = int(env("SERVICE_IMAP_BATCH", "200"))
SERVICE_IMAP_TIMEOUT = float(env("SERVICE_IMAP_TIMEOUT", "30"))
# Files kept with a customer (contracts, drawings, photos): the largest accepted; the types are core.files'.
CUSTOMER_FILE_MAX_BYTES = int(env("CUSTOMER_FILE_MAX_BYTES", str(20 * 1024 * 1024)))
# The map of a customer's sites: the tile server's URL template (e.g. https://tiles.example/{z}/{x}/{y}.png) and the
# attribution its licence asks for. Empty: no map is drawn, the sites' coordinates are listed with a link instead.
# Our Content-Security-Policy allows the tile server's host in img-src (CONTENT_SECURITY_POLICY above).
MAP_TILE_URL = env("MAP_TILE_URL")
MAP_TILE_ATTRIBUTION = env("MAP_TILE_ATTRIBUTION")
# Fernet keys (comma-separated, newest first) that encrypt secrets at rest (core.crypto); derived from SECRET_KEY
# when empty.
ENCRYPTION_KEYS = [k.strip() for k in env("ENCRYPTION_KEYS", "").split(",") if k.strip()]
# Jobs from a spreadsheet: larger files or more rows are refused (split them).
JOB_IMPORT_MAX_BYTES = int(env("JOB_IMPORT_MAX_BYTES", str(5 * 1024 * 1024)))
JOB_IMPORT_MAX_ROWS = int(env("JOB_IMPORT_MAX_ROWS", "5000"))
# Removal requests from a spreadsheet: the largest file, the most rows, and from how many rows the check and the
# save run in the background (with a progress bar) instead of during the upload.
REMOVAL_IMPORT_MAX_BYTES = int(env("REMOVAL_IMPORT_MAX_BYTES", str(20 * 1024 * 1024)))
REMOVAL_IMPORT_MAX_ROWS = int(env("REMOVAL_IMPORT_MAX_ROWS", "100000"))
REMOVAL_IMPORT_BACKGROUND_ROWS = int(env("REMOVAL_IMPORT_BACKGROUND_ROWS", "2000"))
REMOVAL_DRAFT_KEEP_DAYS = int(env("REMOVAL_DRAFT_KEEP_DAYS", "7"))  # drafts neither confirmed nor discarded
ACTION_LINK_MAX_AGE = timedelta(days=int(env("ACTION_LINK_DAYS", "14")))
# The vehicle owner's link to ask for another workshop: valid this long after the assignment; opens per address.
OWNER_LINK_MAX_AGE = timedelta(days=int(env("OWNER_LINK_DAYS", "60")))
OWNER_LINK_RATE = env("OWNER_LINK_RATE", "30/h")
# Calendars: how long an appointment lasts in the feeds; wrong feed addresses one client may try.
APPOINTMENT_MINUTES = int(env("APPOINTMENT_MINUTES", "60"))
CALENDAR_FEED_REFUSED_RATE = env("CALENDAR_FEED_REFUSED_RATE", "20/h")

# Background work: Celery with Redis in production; in-process when no broker is configured.
CELERY_BROKER_URL = REDIS_URL or "memory://"
# Without a broker (the demo) tasks run in-process; the tests run them in-process too unless they start workers.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL or TESTING)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# A task past its soft limit gets SoftTimeLimitExceeded (its transaction rolls back); past the hard limit its process
# is killed and the task is failed, not redelivered. Scheduled work (drain, resume runs) picks up what it left. Both
# stay well below the broker's visibility timeout (1 h), after which a task not acknowledged would run twice.
CELERY_TASK_SOFT_TIME_LIMIT = int(env("TASK_SOFT_TIME_LIMIT", "900"))
CELERY_TASK_TIME_LIMIT = CELERY_TASK_SOFT_TIME_LIMIT + 60
# A worker process is replaced after so many tasks, or once it holds more than so many KiB after a task: a slow leak
# (a library's cache, a large import's objects) never grows without bound.
CELERY_WORKER_MAX_TASKS_PER_CHILD = int(env("WORKER_MAX_TASKS_PER_CHILD", "1000"))
CELERY_WORKER_MAX_MEMORY_PER_CHILD = int(env("WORKER_MAX_MEMORY_MB", "1024")) * 1024
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 2}
# Documents (PDFs made after the fact) wait in a queue of their own: a thousand invoices' PDFs never hold up the
# short work queued after them (an invoice run's parts, mail). ``fieldbox worker`` takes both queues by default.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {"fieldbox.commerce.tasks_invoicing.make_invoice_pdfs": {"queue": "documents"}}
WORKER_QUEUES = ("celery", "documents")
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "drain-outbox": {
        "task": "fieldbox.messaging.tasks.drain_outbox",
        "schedule": float(env("OUTBOX_DRAIN_EVERY", "15")),
    },
    "sweep-device-events": {"task": "fieldbox.messaging.tasks.sweep_device_events", "schedule": 60.0},
    "flag-missing-activations": {"task": "fieldbox.jobs.tasks.flag_missing_activations", "schedule": 900.0},
    "purge-sent-messages": {"task": "fieldbox.messaging.tasks.purge_sent_messages", "schedule": 86400.0},
    "purge-stale-removal-drafts": {"task": "fieldbox.removals.tasks.purge_stale_drafts", "schedule": 86400.0},
    "poll-support-mailboxes": {"task": "fieldbox.service.tasks.poll_mailboxes", "schedule": SERVICE_IMAP_POLL_EVERY},
    "expire-quotes-and-offers": {"task": "fieldbox.commerce.tasks.expire_quotes_and_offers", "schedule": 3600.0},
    "expire-prepaid-minutes": {"task": "fieldbox.commerce.tasks_prepaid.expire_prepaid_minutes", "schedule": 3600.0},
    "make-missing-invoice-pdfs": {
        "task": "fieldbox.commerce.tasks_invoicing.make_missing_invoice_pdfs",
        "schedule": 600.0,
    },
    "resume-invoice-runs": {"task": "fieldbox.commerce.tasks_invoicing.resume_invoice_runs", "schedule": 300.0},
    "generate-plan-work-orders": {"task": "fieldbox.service.tasks.generate_plan_work_orders", "schedule": 86400.0},
    "renew-contracts": {"task": "fieldbox.service.tasks.renew_contracts", "schedule": 86400.0},
    "purge-expired-credentials": {
        "task": "fieldbox.accounts.tasks.purge_expired_credentials",
        "schedule": 3600.0,
    },
}

# Logs (fieldbox.core.logs, docs/deploy.md "Logs"): one JSON object a line on standard error in production, plain
# text in the demo and development; each line carries the request's id, organisation and user, the task's name and id.
LOG_FORMAT = env("LOG_FORMAT", "plain" if (DEBUG or DEMO) else "json").strip().lower()
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured("LOG_FORMAT must be 'plain' or 'json'.")
# /metrics (Prometheus): readable with the bearer token METRICS_TOKEN or from an address in METRICS_ALLOWED_NETWORKS
# (CIDRs, separated by commas); with neither set it answers 404. The demo and development open it to this machine.
# Each process of a host writes its counters under PROMETHEUS_MULTIPROC_DIR; `fieldbox serve` clears the dead ones'.
METRICS_TOKEN = env("METRICS_TOKEN")
METRICS_ALLOWED_NETWORKS = env_list("METRICS_ALLOWED_NETWORKS", "127.0.0.1/32,::1/128" if (DEBUG or DEMO) else "")
METRICS_DIR = Path(env("PROMETHEUS_MULTIPROC_DIR", str(VAR_DIR / "prometheus")))
try:
    [ipaddress.ip_network(cidr, strict=False) for cidr in METRICS_ALLOWED_NETWORKS]
except ValueError as exc:
    raise ImproperlyConfigured(f"METRICS_ALLOWED_NETWORKS: {exc}") from exc
if not (DEBUG or DEMO or TESTING):
    SECURE_REDIRECT_EXEMPT.append(r"^metrics$")  # Prometheus scrapes each web process directly, inside the network

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "fieldbox.core.logs.ContextFilter"}},
    "formatters": {
        "plain": {
            "()": "fieldbox.core.logs.PlainFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
        "json": {"()": "fieldbox.core.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["context"]},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

NINJA_PAGINATION_PER_PAGE = 50
