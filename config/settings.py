"""Settings, read from the environment (see the configuration table in README.md)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import django_stubs_ext
import environ
from django.utils.translation import gettext_lazy as _

from config.logs import logging_settings

# Generic classes of Django (ModelAdmin[Question], QuerySet[Event]) subscriptable at run time, as
# the type checker reads them.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

# Off unless asked for: `make run` and the tests turn it on (DEBUG=true); nothing else does.
DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="insecure-development-key-change-me" if DEBUG else "")
if not SECRET_KEY:
    raise environ.ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
if "*" in ALLOWED_HOSTS:
    # The websocket origin check relies on ALLOWED_HOSTS; a wildcard would disable it.
    raise environ.ImproperlyConfigured("ALLOWED_HOSTS must list the real host names, not '*'")
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    # Full-text search in the archive (SearchVector); harmless on SQLite.
    "django.contrib.postgres",
    "channels",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "csp",
    # The task queue (events/tasks.py): django-tasks and its database backend.
    "django_tasks",
    "django_tasks_db",
    "events",
    "dialogue",
    "moderation",
    # Health checks, metrics, the access log (config/apps.py).
    "config.apps.OperationsConfig",
    "django_structlog",
    "reports",
    "consultation",
    "erasure",
    "law",
]

MIDDLEWARE = [
    # First: their time and their log line cover everything after them.
    "config.metrics.HttpLatencyMiddleware",
    "django_structlog.middlewares.RequestMiddleware",
    # /healthz, /readyz, /metrics: loopback only, whatever the Host header (config/probes.py).
    # Before SecurityMiddleware and CommonMiddleware, which check the host.
    "config.probes.LoopbackProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Inside SecurityMiddleware: no Referer from a page whose address is a secret link.
    "config.secret_links.SecretLinkMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    # A form posted from a page sent without a referrer comes with `Origin: null`; on an
    # address with a secret link, the CSRF token alone is checked (config/secret_links.py).
    "config.secret_links.SecretLinkCsrfMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # After authentication and messages: refuses undeclared routes, and sends staff without
    # two-factor authentication to its setup before any staff route (config/access.py).
    "config.access.AccessMiddleware",
    # After the access check: a former short name of an agency leads to its current one.
    "config.moved.MovedAgencyMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None
SITE_ID = 1

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
            ],
        },
    },
]

# --- Data ---------------------------------------------------------------------------------------

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while one writer commits; the embedded default serves a whole
    # dialogue from one process, so readers must never wait for the vote writer.
    # secure_delete: what is deleted (an erased question, nickname or email) is overwritten with
    # zeros, not left in the file's free space (docs/operations.md, "Erased data in PostgreSQL").
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA secure_delete=ON;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
    # Browser tests serve the test database from a second process, so it must be a file.
    DATABASES["default"]["TEST"] = {
        "NAME": env.str(
            "TEST_SQLITE_PATH",
            default=str(Path(tempfile.gettempdir()) / f"doithoai-test-{os.getpid()}.sqlite3"),
        )
    }
elif env.bool("DATABASE_POOL", default=True):
    # Django's psycopg pool, not persistent connections: under ASGI every HTTP request runs its
    # database code in a thread of its own, so a connection kept per thread (CONN_MAX_AGE) is
    # a new connection per request, left open until the thread is collected; 50 concurrent
    # page loads ran PostgreSQL out of connections (docs/performance.md, "HTTP pages"). The
    # pool hands each request a connection, checked with a round trip, and takes it back.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # Django passes it to the pool's `check`
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN", default=2),
        "max_size": env.int("DATABASE_POOL_MAX", default=20),
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10),
    }
else:
    # Behind PgBouncer in transaction mode, or wherever a pool per process is not wanted.
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "events.User"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # One hub channel per process receives every broadcast of that process, so the
            # per-channel capacity only has to absorb a short stall of one reader.
            # A Redis that is down is noticed within a second, not after the OS's connect timeout.
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "socket_connect_timeout": 1}],
                "capacity": 2000,
                "expiry": 30,
            },
        }
    }
    CACHES = {
        "default": {
            # A miss, not a 500, while Redis is away (config/cache.py); short timeouts.
            "BACKEND": "config.cache.TolerantRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    # Without Redis each process has its own cache, unless CACHE_URL names one they share
    # (e.g. filecache:///var/tmp/doithoai): then what the task worker keeps, such as a live
    # room's themes, reaches the server's consoles when they open.
    CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 90

# --- Accounts -----------------------------------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
# The consent to the personal data notice, recorded with its version (events/forms.py).
ACCOUNT_SIGNUP_FORM_CLASS = "events.forms.SignupConsentForm"
# A fresh sign-in counts as the reauthentication a first authenticator's setup asks for.
ACCOUNT_ADAPTER = "events.adapters.AccountAdapter"
# How long a sign-in or a reauthentication stands for a sensitive change (allauth's default).
ACCOUNT_REAUTHENTICATION_TIMEOUT = env.int("ACCOUNT_REAUTHENTICATION_TIMEOUT", default=300)
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
# Nobody signs in with an address they have not proved they own: invitations to staff roles and
# sign-in codes are sent by email, so an unverified address would let anyone claim them.
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
# Passwordless sign-in: a short code is emailed, as well as the usual password.
ACCOUNT_LOGIN_BY_CODE_ENABLED = env.bool("ACCOUNT_LOGIN_BY_CODE_ENABLED", default=True)
# One address per account; a new one replaces the old only once it is verified.
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
ACCOUNT_EMAIL_SUBJECT_PREFIX = env.str("ACCOUNT_EMAIL_SUBJECT_PREFIX", default="[Đối thoại] ")
# allauth's rate limits (sign-in failures, codes, resets, sign-ups) count in the default cache,
# which is Redis when REDIS_URL is set, so every worker shares one count. ACCOUNT_RATE_LIMITS=off
# turns them off (never in production).
if not env.bool("ACCOUNT_RATE_LIMITS", default=True):
    ACCOUNT_RATE_LIMITS = False
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
# Every message is queued (events/mail.py) and sent by the task worker through the backend that
# the EMAIL_BACKEND variable names, so no request, socket or callback ever waits for a mail server.
EMAIL_BACKEND = "events.mail.QueuedEmailBackend"
EMAIL_DELIVERY_BACKEND = env.str(
    "EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
if EMAIL_DELIVERY_BACKEND == EMAIL_BACKEND:
    raise environ.ImproperlyConfigured("EMAIL_BACKEND names how mail leaves: an SMTP backend")
# Seconds the worker waits on the mail server before it gives up and retries later.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
if env.str("EMAIL_FILE_PATH", default=""):
    EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="no-reply@localhost")

# Who answers for personal data, shown on the privacy page (/privacy/).
PRIVACY = {
    "controller": env.str("PRIVACY_CONTROLLER", default="Đơn vị vận hành nền tảng"),
    "contact": env.str("PRIVACY_CONTACT_EMAIL", default=DEFAULT_FROM_EMAIL),
    # The version of the notice people consent to, recorded with their consent: change it when
    # the notice (templates/events/privacy/) changes.
    "notice_version": env.str("PRIVACY_NOTICE_VERSION", default="2026-12-07"),
}

# Two-factor authentication: an authenticator app (TOTP) and recovery codes. Required of staff
# before any route declared staff (config/access.py); citizens never need it.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_ADAPTER = "events.adapters.StaffMFAAdapter"
# One period either side, for phone clocks that drift.
MFA_TOTP_TOLERANCE = env.int("MFA_TOTP_TOLERANCE", default=1)
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="Đối thoại chính sách – pháp luật")

# Single sign-on through OpenID Connect, configured only from the environment: an agency's own
# identity provider (OIDC_*) and the government identity provider under the reserved id "vneid"
# (VNEID_*). A provider whose client id or server URL is missing is not offered at all.
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_EMAIL_VERIFICATION = "mandatory"
SOCIALACCOUNT_QUERY_EMAIL = True
RESERVED_OIDC_PROVIDER_IDS = ("vneid",)


def openid_connect_apps(environment: environ.Env) -> list[dict[str, object]]:
    """The OpenID Connect apps the environment configures; none when it configures nothing."""
    apps: list[dict[str, object]] = []
    agency_id = environment.str("OIDC_PROVIDER_ID", default="sso")
    if agency_id in RESERVED_OIDC_PROVIDER_IDS:
        raise environ.ImproperlyConfigured(
            f"OIDC_PROVIDER_ID {agency_id!r} is reserved for the government identity provider"
        )
    for prefix, provider_id, default_name in (
        ("OIDC", agency_id, "Single sign-on"),
        ("VNEID", "vneid", "VNeID"),
    ):
        client_id = environment.str(f"{prefix}_CLIENT_ID", default="")
        server_url = environment.str(f"{prefix}_SERVER_URL", default="")
        if not client_id or not server_url:
            continue
        apps.append(
            {
                "provider_id": provider_id,
                "name": environment.str(f"{prefix}_NAME", default=default_name),
                "client_id": client_id,
                "secret": environment.str(f"{prefix}_CLIENT_SECRET", default=""),
                "settings": {
                    "server_url": server_url,
                    "token_auth_method": environment.str(
                        f"{prefix}_TOKEN_AUTH_METHOD", default="client_secret_basic"
                    ),
                    "oauth_pkce_enabled": True,
                    "scope": environment.list(
                        f"{prefix}_SCOPES", default=["openid", "profile", "email"]
                    ),
                },
            }
        )
    return apps


SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": openid_connect_apps(env)}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Language and time --------------------------------------------------------------------------

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
# Our own catalogue first; locale-vendor holds Vietnamese for the allauth pages we show, which
# allauth does not ship.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale-vendor"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
# Vietnamese dates in one format on every page (config/formats/vi/formats.py); English keeps
# Django's.
FORMAT_MODULE_PATH = ["config.formats"]

# --- Static files and security ------------------------------------------------------------------

# Uploaded and generated files (exports, attachments); backed up by deploy/backup.sh.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# In development daphne serves static files straight from the app folders, no collectstatic.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'", "ws:", "wss:"] if DEBUG else ["'self'", "wss:"],
        "frame-ancestors": ["'self'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
# The players the event page may frame for its live stream (Event.stream_embed_url).
STREAM_EMBED_ORIGINS = [
    "https://www.youtube-nocookie.com",
    "https://www.facebook.com",
    "https://player.vimeo.com",
    "https://vimeo.com",
]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "SAMEORIGIN"
# SAMEORIGIN, not DENY, on purpose: it says what CSP's `frame-ancestors 'self'` says, for older
# browsers. The embeddable pages (dialogue/views.py, `_framed_by`) drop it and name the agency's
# own sites in `frame-ancestors` instead.
SILENCED_SYSTEM_CHECKS = ["security.W019"]
if not DEBUG:
    # Production is served over TLS by nginx, which says so in X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    # Plain HTTP that reaches the app is sent to HTTPS (off only for loopback test topologies).
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Probes and scrapes reach a worker on loopback, in plain HTTP (docs/operations.md).
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
    # HSTS: browsers that have seen the site over HTTPS never use plain HTTP for it again, for a
    # year by default. The header is sent only on HTTPS responses.
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    # Preloading is the registrable domain's decision (hstspreload.org), not this site's: off
    # unless its owner asks for it, and then the check that reminds of it has nothing to say.
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS.append("security.W021")

# --- The dialogue -------------------------------------------------------------------------------

# The real-time core (live/): see docs/architecture.md, "The live core".
LIVE = {
    # Vote tallies reach sockets at most once per this many seconds per event.
    "TALLY_INTERVAL": env.float("DIALOGUE_TALLY_INTERVAL", default=0.25),
    # Seconds between the hub's heartbeat to every socket (0: none); see live/hub.py.
    "HEARTBEAT_SECONDS": env.float("DIALOGUE_HEARTBEAT_SECONDS", default=20.0),
    # Threads that serve the sockets' reads (snapshots, rights, the delta log) on PostgreSQL,
    # beside the one thread that runs their writes; see live/threads.py.
    "READ_THREADS": env.int("LIVE_READ_THREADS", default=4),
}

DIALOGUE = {
    # Largest inbound websocket frame accepted, in bytes; larger ones get an error frame.
    "MAX_FRAME_BYTES": env.int("DIALOGUE_MAX_FRAME_BYTES", default=4096),
    # A vote batch starts at most this often per process; see dialogue/batching.py.
    "VOTE_BATCH_SECONDS": env.float("DIALOGUE_VOTE_BATCH_SECONDS", default=0.025),
    "NICKNAME_MAX_LENGTH": 40,
    # How many people may share one internet address (an IPv4 address or an IPv6 /64): a hall on
    # the agency's network. Joins with a nickname and open sockets per address follow from it
    # (dialogue/ratelimit.py, docs/security.md "Limits"); a dialogue may set its own number.
    "PEOPLE_PER_ADDRESS": env.int("DIALOGUE_PEOPLE_PER_ADDRESS", default=300),
    # Open sockets of one browser session (tabs), over every dialogue.
    "SOCKETS_PER_SESSION": env.int("DIALOGUE_SOCKETS_PER_SESSION", default=10),
    # How long the join form's signed token, from the event page, stays good.
    "JOIN_TOKEN_SECONDS": env.int("DIALOGUE_JOIN_TOKEN_SECONDS", default=4 * 3600),
    # A worker's share of the shared socket counts lives this long unless renewed (a killed
    # worker's sockets stop counting after it).
    "SOCKET_COUNT_SECONDS": env.float("DIALOGUE_SOCKET_COUNT_SECONDS", default=60.0),
    # Per participant and per IP address; "N/minute" strings as the `limits` library reads them.
    "RATE_LIMITS": {
        "ask": {
            "participant": env.str("RATE_LIMIT_ASK_PARTICIPANT", default="5/minute"),
            "ip": env.str("RATE_LIMIT_ASK_IP", default="30/minute"),
        },
        "vote": {
            "participant": env.str("RATE_LIMIT_VOTE_PARTICIPANT", default="120/minute"),
            # A hall of 300 behind one address voting at once.
            "ip": env.str("RATE_LIMIT_VOTE_IP", default="1800/minute"),
        },
        # Similar questions suggested while a question is typed (dialogue/views.py: similar).
        "similar": {
            "participant": env.str("RATE_LIMIT_SIMILAR_PARTICIPANT", default="30/minute"),
            "ip": env.str("RATE_LIMIT_SIMILAR_IP", default="1200/minute"),
        },
        # Browsers subscribing to Web Push from a private page (dialogue/push.py).
        "push": {
            "participant": env.str("RATE_LIMIT_PUSH_PARTICIPANT", default="10/hour"),
            "ip": env.str("RATE_LIMIT_PUSH_IP", default="120/hour"),
        },
        # Comments on a draft (consultation/) count like questions; supports like votes.
        "comment": {
            "participant": env.str("RATE_LIMIT_COMMENT_PARTICIPANT", default="5/minute"),
            "ip": env.str("RATE_LIMIT_COMMENT_IP", default="30/minute"),
        },
        "support": {
            "participant": env.str("RATE_LIMIT_SUPPORT_PARTICIPANT", default="120/minute"),
            "ip": env.str("RATE_LIMIT_SUPPORT_IP", default="600/minute"),
        },
        # Look-ups of a question by its tracking code (dialogue/receipts.py), per code tried
        # and per address: enough for a person who mistypes, too few to guess with.
        "lookup": {
            "code": env.str("RATE_LIMIT_LOOKUP_CODE", default="10/hour"),
            "ip": env.str("RATE_LIMIT_LOOKUP_IP", default="60/hour"),
        },
    },
}

# --- The task queue -----------------------------------------------------------------------------

# Tasks are rows in the database (SQLite or PostgreSQL alike), run by `manage.py db_worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# Exports of a dialogue's questions with more rows than this are made by the task queue, with
# their progress shown; the file is kept this many hours for the person who asked.
REPORTS_SYNC_EXPORT_ROWS = env.int("REPORTS_SYNC_EXPORT_ROWS", default=2000)
REPORTS_EXPORT_HOURS = env.int("REPORTS_EXPORT_HOURS", default=24)

# The national roll-up (docs/reports.md, "National roll-up"). Publishing: this installation's
# issued reports as one JSON document signed with its Ed25519 key (the 32-byte private key,
# base64; `manage.py rollup_key` makes one and shows the public key to give the importers), served
# at /rollup/reports.json to those who present the token. Either empty: nothing is published.
ROLLUP_SIGNING_KEY = env.str("ROLLUP_SIGNING_KEY", default="")
ROLLUP_FEED_TOKEN = env.str("ROLLUP_FEED_TOKEN", default="")
# Who publishes, as the importers' pages name it.
ROLLUP_PUBLISHER = env.str("ROLLUP_PUBLISHER", default="")
# Importing: how long a pull from a publisher may take, and the largest document accepted.
ROLLUP_PULL_TIMEOUT = env.int("ROLLUP_PULL_TIMEOUT", default=30)
ROLLUP_MAX_BYTES = env.int("ROLLUP_MAX_BYTES", default=20_000_000)
# The daily `send_due_reminders` reminds each official of a written answer due within this many
# days, once per question (moderation/services/reminders.py).
WRITTEN_ANSWER_REMINDER_DAYS = env.int("WRITTEN_ANSWER_REMINDER_DAYS", default=3)
# A task that fails on a network error is queued again after each of these delays in turn
# (seconds: 30 s, 2 min, 10 min, 30 min, 2 h), then given up and logged (events/tasks.py).
TASK_RETRY_DELAYS: list[int] = env.list(
    "TASK_RETRY_DELAYS", cast=int, default=[30, 120, 600, 1800, 7200]
)
# Web Push to an asker's browser, subscribed from their private page (dialogue/push.py). The
# VAPID private key (`manage.py webpush_keys` makes one); empty: no Web Push is offered.
WEBPUSH_VAPID_PRIVATE_KEY = env.str("WEBPUSH_VAPID_PRIVATE_KEY", default="")
# Whom a push service writes to about this sender: a mailto: or https: address.
WEBPUSH_VAPID_SUBJECT = env.str("WEBPUSH_VAPID_SUBJECT", default=f"mailto:{DEFAULT_FROM_EMAIL}")
# The push services a browser's subscription may name: a host, or a domain and its subdomains.
# The worker posts only there, never to an address a visitor made up.
WEBPUSH_PUSH_SERVICES: list[str] = env.list(
    "WEBPUSH_PUSH_SERVICES",
    default=[
        "fcm.googleapis.com",
        "push.services.mozilla.com",
        "notify.windows.com",
        "push.apple.com",
    ],
)
# How long a push service keeps a message for a browser that is offline, in seconds.
WEBPUSH_TTL = env.int("WEBPUSH_TTL", default=7 * 24 * 3600)
# The agency's Zalo Official Account (dialogue/zalo.py): ZNS template messages to the phone
# number an asker left and agreed to be told at. Off unless switched on; then every other
# ZALO_ setting is needed.
ZALO_ZNS_ENABLED = env.bool("ZALO_ZNS_ENABLED", default=False)
ZALO_APP_ID = env.str("ZALO_APP_ID", default="")
ZALO_APP_SECRET = env.str("ZALO_APP_SECRET", default="")
# The first refresh token, from the Official Account's authorisation; each refresh replaces it
# with the next, kept in the database.
ZALO_REFRESH_TOKEN = env.str("ZALO_REFRESH_TOKEN", default="")
# The approved ZNS template: its parameters are `ma_tra_cuu`, `trang_thai` and `ngay`
# (docs/operations.md, "Zalo").
ZALO_ZNS_TEMPLATE_ID = env.str("ZALO_ZNS_TEMPLATE_ID", default="")
ZALO_API_URL = env.str("ZALO_API_URL", default="https://business.openapi.zalo.me")
ZALO_OAUTH_URL = env.str("ZALO_OAUTH_URL", default="https://oauth.zaloapp.com")
# Seconds before Web Push and Zalo requests are given up on (the worker retries later).
NOTIFY_TIMEOUT = env.int("NOTIFY_TIMEOUT", default=10)
if ZALO_ZNS_ENABLED and not all(
    (ZALO_APP_ID, ZALO_APP_SECRET, ZALO_REFRESH_TOKEN, ZALO_ZNS_TEMPLATE_ID)
):
    raise environ.ImproperlyConfigured(
        "ZALO_ZNS_ENABLED needs ZALO_APP_ID, ZALO_APP_SECRET, ZALO_REFRESH_TOKEN and "
        "ZALO_ZNS_TEMPLATE_ID"
    )
# `manage.py task_worker` writes a heartbeat; /readyz fails when none was written for this many
# seconds (config/taskworker.py): nobody would receive an invitation or a sign-in code.
TASK_WORKER_STALE_SECONDS = env.int("TASK_WORKER_STALE_SECONDS", default=180)


# --- Operations ---------------------------------------------------------------------------------

# JSON lines in production, readable text in development (config/logs.py).
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
LOGGING = logging_settings(log_format=LOG_FORMAT, level=env.str("LOG_LEVEL", default="INFO"))
# The access log is `request_finished`; `request_started` only at DEBUG. nginx sends its
# $request_id as X-Request-ID, so both logs share it. No IP in our lines: nginx's log has it.
DJANGO_STRUCTLOG_STATUS_START_LOG_LEVEL = 10
DJANGO_STRUCTLOG_IP_LOGGING_ENABLED = False
DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID = True

# Who may read /metrics on a worker's own port: addresses or networks (docs/operations.md).
METRICS_ALLOWED_IPS: list[str] = env.list("METRICS_ALLOWED_IPS", default=["127.0.0.1", "::1"])
# Also serve the metrics on this port, from a thread of each process (0: not at all).
METRICS_PORT = env.int("METRICS_PORT", default=0)
METRICS_HOST = env.str("METRICS_HOST", default="127.0.0.1")

# The web workers of this machine: doithoai@1 … doithoai@WORKERS, worker i on 127.0.0.1 port
# WORKER_BASE_PORT + i − 1. The systemd unit reads the same variables; nginx's upstream and
# Prometheus's targets are generated from these (manage.py deploy_config, config/deployconf.py).
WORKERS = env.int("WORKERS", default=2)
WORKER_BASE_PORT = env.int("WORKER_BASE_PORT", default=8001)
# Where deploy/backup.sh writes the backups, and the outcome of its last run that the metrics
# read (doithoai_backup_*; config/metrics.py).
BACKUP_DIR = Path(env.str("BACKUP_DIR", default="/var/backups/doithoai"))

# Decree 13/2023: nickname participants' identifiers are erased this many days after their
# dialogue ended (dialogue/retention.py; run daily by deploy/systemd/doithoai-retention.timer).
PERSONAL_DATA_RETENTION_DAYS = env.int("PERSONAL_DATA_RETENTION_DAYS", default=365)
