"""All settings, read from the environment in this one module (twelve-factor style).

Why here and only here: the same code runs the demo, the tests, CI on PostgreSQL + Redis and a
production server; what differs between them is the environment, never the code. See README.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (see README, 'Settings').")
    SECRET_KEY = "insecure-dev-only-key-do-not-use-in-production-0123456789abcdef"

# Fernet keys for tokens at rest, newest first (comma separated); rotation = prepend a new key.
# Production requires them (deploy check). Without them a key is derived from SECRET_KEY (development
# only: changing SECRET_KEY would then make every stored token unreadable); once values written under
# it are rotated onto FIELD_ENCRYPTION_KEYS, FIELD_ENCRYPTION_DERIVED_KEY=off retires it.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
FIELD_ENCRYPTION_DERIVED_KEY = env.bool("FIELD_ENCRYPTION_DERIVED_KEY", default=True)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from here, not from a CDN
    "django_q",
    "axes",
    "csp",
    "syncengine",
    "mapping",
    "dashboard",
    "blocklists",
    "emails",
    "onboarding",
    "devtools",
    "instant",
    "console",
    "notify",
    "api",
    "autoresolve",
    "signin",
    "audit",  # last: its admin re-registers other apps' models under the staff rules
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "audit.page_changes.PageActorMiddleware",  # who changes org settings on the pages (audited)
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so it turns a sign-in that axes refused into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "syncengine.urls"
WSGI_APPLICATION = "syncengine.wsgi.application"

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
                "console.context.console_link",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'syncengine.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Workers and the web server share one file: wait for locks instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 30, "transaction_mode": "IMMEDIATE"})
    # A file, not memory, so tests can hand the test database to a worker process they kill.
    # One file per test run, so parallel runs do not share it; the runner deletes it at the end.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "login"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.HashedTokenAuthentication",  # scripts (api/models.py: only hashes stored)
        "rest_framework.authentication.SessionAuthentication",  # the pages' own calls, CSRF-checked
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Mailbox <-> Salesforce sync API",
    "DESCRIPTION": "Mailboxes, sessions, issues, item trace, people and safe actions, scoped as the pages.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "PREPROCESSING_HOOKS": ["api.schema.only_the_api"],
}

# --- Security (production values unless DEBUG) --------------------------------------------------
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_PROXY", False) else None
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy on every response (django-csp; Django 5.2 has none built in). Scripts and
# styles only from our own static files, so an injected <script> or on*= handler never runs; no
# plugins, no framing, no <base> that would reroute relative URLs, forms post only back to us (the
# consent screens are reached by links, so form-action never meets a provider's host).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# --- Sign-in throttling: django-axes, in front of every authenticate() (our login and the admin's) ---
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out sign-in before any password check
    "django.contrib.auth.backends.ModelBackend",
]
# Two separate counts, each locking at the limit: per account (a brute force of one account from
# many addresses) and per address (password spraying: one address, a guess at each of many
# accounts). The combined ["username", "ip_address"] count would stop neither.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = env.int("SIGNIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("SIGNIN_COOLOFF_MINUTES", default=15))
# Attempts made while locked out are refused unchecked and not counted, so the end of the lockout
# does not move; and a success does not reset the counts, or one owned account would let a sprayer
# wipe their address's count between guesses.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "signin.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "signin.client_ip.client_ip"
# How many reverse proxies of ours append to X-Forwarded-For. 0: the header is ignored and the
# socket's address counts (a client can write any X-Forwarded-For it likes).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# --- Background work: django-q2 -------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
SYNC_SESSION_TIMEOUT = env.int("SYNC_SESSION_TIMEOUT", default=900)  # seconds a session may run
Q_CLUSTER: dict[str, object] = {
    # A test worker of pytest-xdist gets a queue of its own on a shared Redis.
    "name": "syncengine" + os.environ.get("PYTEST_XDIST_WORKER", ""),
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": SYNC_SESSION_TIMEOUT,
    "retry": SYNC_SESSION_TIMEOUT + 300,  # must exceed timeout, or a slow task runs twice
    "max_attempts": 3,
    "catch_up": False,  # a missed tick is not worth N ticks: the due-query catches up by itself
    "ack_failures": True,
    "save_limit": 1000,
    "label": "Background tasks",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"
Q_CLUSTER["sync"] = env.bool("Q_SYNC", default=False)  # run tasks inline (tests)

# --- Sync engine ----------------------------------------------------------------------------------
SYNC_INTERVAL_MINUTES = env.int("SYNC_INTERVAL_MINUTES", default=30)
SYNC_JITTER_SECONDS = env.int("SYNC_JITTER_SECONDS", default=300)
SYNC_SCHEDULER_TICK_MINUTES = env.int("SYNC_SCHEDULER_TICK_MINUTES", default=1)
SYNC_LEASE_SECONDS = SYNC_SESSION_TIMEOUT + 60
# Force sync queues at most one session per mailbox, and not again within this many seconds: a
# button pressed 300 times costs one session, not 300 sessions of the org's Salesforce API budget.
FORCE_SYNC_COOLDOWN_SECONDS = env.int("FORCE_SYNC_COOLDOWN_SECONDS", default=60)
# After failed sessions a mailbox waits its interval doubled per failure, never longer than this:
# transient causes (outages, limits) never suspend it, it keeps probing at least this often.
# Which addresses org admins may add as org-wide mailboxes (fnmatch patterns such as
# "*@sales.example.com", comma separated); empty: any mailbox of the consenting tenant.
ORG_MAILBOX_ALLOWED_ADDRESSES = env.list("ORG_MAILBOX_ALLOWED_ADDRESSES", default=[])
# Retention (a daily clean-up): sessions, resolved issues, decided held deletions and django-q task
# results older than RETENTION_DAYS go (each mailbox's latest RETENTION_KEEP_SESSIONS sessions stay);
# the audit log is kept AUDIT_RETENTION_DAYS.
RETENTION_DAYS = env.int("RETENTION_DAYS", default=90)
RETENTION_KEEP_SESSIONS = max(env.int("RETENTION_KEEP_SESSIONS", default=20), 1)
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=400)
SYNC_MAX_BACKOFF_MINUTES = env.int("SYNC_MAX_BACKOFF_MINUTES", default=120)
SYNC_WINDOW_DAYS_BACK = env.int("SYNC_WINDOW_DAYS_BACK", default=14)
SYNC_WINDOW_DAYS_AHEAD = env.int("SYNC_WINDOW_DAYS_AHEAD", default=60)
# Stop a stream instead of propagating when one session would delete more than this share of it.
SYNC_MAX_DELETE_SHARE = env.float("SYNC_MAX_DELETE_SHARE", default=0.5)
SYNC_MAX_DELETE_MIN_COUNT = env.int("SYNC_MAX_DELETE_MIN_COUNT", default=10)

# --- Providers ------------------------------------------------------------------------------------
# A CA bundle to trust for outbound https (the sandboxes' CA in the demo and tests). Empty: the
# system store.
OUTBOUND_CA_BUNDLE = env.str("OUTBOUND_CA_BUNDLE", default="")
HTTP_TIMEOUT_SECONDS = env.float("HTTP_TIMEOUT_SECONDS", default=30.0)
RETRY_MAX_ATTEMPTS = env.int("RETRY_MAX_ATTEMPTS", default=4)
RETRY_MAX_WAIT_SECONDS = env.float("RETRY_MAX_WAIT_SECONDS", default=60.0)

GRAPH_ENABLED = env.bool("GRAPH_ENABLED", default=True)
GRAPH_AUTHORITY_HOST = env.str("GRAPH_AUTHORITY_HOST", default="https://login.microsoftonline.com")
GRAPH_API_URL = env.str("GRAPH_API_URL", default="https://graph.microsoft.com/v1.0")
GRAPH_CLIENT_ID = env.str("GRAPH_CLIENT_ID", default="00000000-0000-0000-0000-000000000000")
GRAPH_CLIENT_SECRET = env.str("GRAPH_CLIENT_SECRET", default="")
GRAPH_SCOPES = env.list(
    "GRAPH_SCOPES",
    default=[
        "https://graph.microsoft.com/Calendars.ReadWrite",
        "https://graph.microsoft.com/Tasks.ReadWrite",
        "https://graph.microsoft.com/Contacts.ReadWrite",
        "https://graph.microsoft.com/Mail.ReadWrite",
        "https://graph.microsoft.com/MailboxSettings.ReadWrite",
    ],
)

SALESFORCE_ENABLED = env.bool("SALESFORCE_ENABLED", default=True)
SALESFORCE_LOGIN_URL = env.str("SALESFORCE_LOGIN_URL", default="https://login.salesforce.com")
SALESFORCE_CLIENT_ID = env.str("SALESFORCE_CLIENT_ID", default="syncengine-local")
SALESFORCE_CLIENT_SECRET = env.str("SALESFORCE_CLIENT_SECRET", default="")
SALESFORCE_API_VERSION = env.str("SALESFORCE_API_VERSION", default="62.0")
# The External ID field (Text 80, unique) that makes every create an idempotent upsert.
SALESFORCE_SYNC_KEY_FIELD = env.str("SALESFORCE_SYNC_KEY_FIELD", default="MailSync_Key__c")
# Access tokens go only to https hosts on Salesforce's own domains (connectors/salesforce/hosts.py)
# or the login URL's host; list more domains here (e.g. a company proxy in front of Salesforce).
SALESFORCE_INSTANCE_DOMAINS = env.list("SALESFORCE_INSTANCE_DOMAINS", default=[])

# --- Onboarding: users connect through each provider's consent screen (OAuth 2.0) -----------------
# The address users reach this server at; redirect URIs are built from it and must be registered
# with each provider app exactly: {PUBLIC_BASE_URL}/connect/<provider>/callback/ (see README).
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000")
# Which directories may sign in: "organizations" (any work account, multi-tenant app), or one
# tenant's id or domain (a single-tenant app).
GRAPH_AUTHORITY_TENANT = env.str("GRAPH_AUTHORITY_TENANT", default="organizations")
# Application permissions an org admin grants through admin consent (client-credentials tokens).
GRAPH_APP_SCOPES = env.list("GRAPH_APP_SCOPES", default=["https://graph.microsoft.com/.default"])
SALESFORCE_OAUTH_SCOPES = env.str("SALESFORCE_OAUTH_SCOPES", default="api refresh_token")
GOOGLE_CLIENT_ID = env.str("GOOGLE_CLIENT_ID", default="")
GOOGLE_CLIENT_SECRET = env.str("GOOGLE_CLIENT_SECRET", default="")
GOOGLE_AUTH_URL = env.str("GOOGLE_AUTH_URL", default="https://accounts.google.com/o/oauth2/v2/auth")
GOOGLE_TOKEN_URL = env.str("GOOGLE_TOKEN_URL", default="https://oauth2.googleapis.com/token")
GOOGLE_OAUTH_SCOPES = env.list(
    "GOOGLE_OAUTH_SCOPES",
    default=[
        "openid",
        "email",
        "https://www.googleapis.com/auth/calendar",
        "https://www.googleapis.com/auth/tasks",
        "https://www.googleapis.com/auth/contacts",
        "https://www.googleapis.com/auth/gmail.modify",
    ],
)

# Google APIs: "" = Google's own hosts; the demo and tests point it at the Google sandbox.
GOOGLE_API_URL = env.str("GOOGLE_API_URL", default="")
# Exchange on-premises: the default EWS endpoint (a mailbox may name its own, from autodiscover).
EWS_SERVICE_ENDPOINT = env.str("EWS_SERVICE_ENDPOINT", default="")
# Other Exchange servers (host or host:port; private addresses allowed: on-premises servers are) that
# mailboxes may name. A member's typed URL is refused unless its host is here or is the endpoint's.
EWS_ALLOWED_HOSTS = env.list("EWS_ALLOWED_HOSTS", default=[])

# Instant sync: providers call us when a mailbox changes (Graph subscriptions, Google Calendar
# channels) and a session is queued within seconds; the schedule above stays as the safety net.
# Off unless the providers can reach WEBHOOK_BASE_URL (a public https URL) at /hooks/.
INSTANT_SYNC_ENABLED = env.bool("INSTANT_SYNC_ENABLED", default=False)
WEBHOOK_BASE_URL = env.str("WEBHOOK_BASE_URL", default=PUBLIC_BASE_URL)
INSTANT_GRAPH_LIFETIME_MINUTES = env.int("INSTANT_GRAPH_LIFETIME_MINUTES", default=4230)  # To Do's maximum
INSTANT_GOOGLE_TTL_SECONDS = env.int("INSTANT_GOOGLE_TTL_SECONDS", default=7 * 24 * 3600)
INSTANT_RENEW_BEFORE_MINUTES = env.int("INSTANT_RENEW_BEFORE_MINUTES", default=12 * 60)
# Listeners (manage.py listen) hold streams open to the providers, so they need no inbound address:
# Salesforce change events over the Pub/Sub API (gRPC). Empty: Salesforce changes wait for the schedule.
SALESFORCE_PUBSUB_TARGET = env.str("SALESFORCE_PUBSUB_TARGET", default="api.pubsub.salesforce.com:7443")
# Exchange on-premises streaming notifications: how long one GetStreamingEvents answer stays open (1 to
# 30 minutes, Exchange's ConnectionTimeout) before the listener reads the subscriptions again.
EWS_STREAM_TIMEOUT_MINUTES = env.int("EWS_STREAM_TIMEOUT_MINUTES", default=30)
# How long a listener that cannot run (Change Data Capture not on for the org, nobody connected) waits
# before it looks again; the schedule syncs meanwhile.
LISTENER_UNAVAILABLE_RETRY_SECONDS = env.int("LISTENER_UNAVAILABLE_RETRY_SECONDS", default=900)
# A listener process renews its leases every LISTENER_PASS_SECONDS; one silent for LISTENER_LEASE_SECONDS
# is taken to be dead and another process takes its listeners over.
LISTENER_PASS_SECONDS = env.float("LISTENER_PASS_SECONDS", default=10.0)
LISTENER_LEASE_SECONDS = env.int("LISTENER_LEASE_SECONDS", default=30)
# Gmail instant sync needs no inbound address: Gmail's users.watch publishes each mailbox change to
# the operator's Cloud Pub/Sub topic (which must grant gmail-api-push@system.gserviceaccount.com the
# Pub/Sub Publisher role), and the engine pulls the subscription as the operator's service account
# (its JSON key file; the pubsub scope). Any of these empty: Gmail stays on the schedule. Pub/Sub is
# reached at GOOGLE_API_URL when that is set (the sandbox serves it), else at Google's own host.
GMAIL_PUBSUB_PROJECT = env.str("GMAIL_PUBSUB_PROJECT", default="")
GMAIL_PUBSUB_TOPIC = env.str("GMAIL_PUBSUB_TOPIC", default="")  # the topic's id in that project
GMAIL_PUBSUB_SUBSCRIPTION = env.str("GMAIL_PUBSUB_SUBSCRIPTION", default="")  # its pull subscription's id
GMAIL_PUBSUB_KEY_FILE = env.str("GMAIL_PUBSUB_KEY_FILE", default="")
# How often the Gmail listener looks its mailboxes' watches over (opens those of newly synced mailboxes,
# renews those ending within a day, stops those of suspended ones): database reads, and a Gmail call
# only for a mailbox that needs one. Gmail ends a watch after 7 days.
GMAIL_WATCH_CHECK_SECONDS = env.float("GMAIL_WATCH_CHECK_SECONDS", default=300.0)

# Notifications (notify/) go by Django's email backend: SMTP from the environment in production,
# files under var/mail in the demo (EMAIL_BACKEND=...filebased.EmailBackend), memory in tests.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "mail"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Mailbox sync <sync@localhost>")
# Failed sessions in a row after which the person and their org admins are told (the reference's 10).
NOTIFY_AFTER_FAILURES = env.int("NOTIFY_AFTER_FAILURES", default=10)
# Days before a sign-in ends by itself that its person and their org admins are told; a sign-in
# whose whole life is no longer than that (Google's 7-day "Testing" ones) is told about this close.
NOTIFY_EXPIRY_DAYS = env.int("NOTIFY_EXPIRY_DAYS", default=7)
NOTIFY_EXPIRY_SHORT_DAYS = env.int("NOTIFY_EXPIRY_SHORT_DAYS", default=1)
# The Salesforce connected app's refresh token policy, which no token answer tells (0: not set, as
# "valid until revoked", Salesforce's default): "Expire refresh token after N days" and "Expire
# refresh token if not used for N days".
SALESFORCE_REFRESH_EXPIRE_AFTER_DAYS = env.int("SALESFORCE_REFRESH_EXPIRE_AFTER_DAYS", default=0)
SALESFORCE_REFRESH_EXPIRE_UNUSED_DAYS = env.int("SALESFORCE_REFRESH_EXPIRE_UNUSED_DAYS", default=0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # axes: failures and lockouts (WARNING) only; each sign-in is in its AccessLog table already.
    "loggers": {"urllib3": {"level": "WARNING"}, "msal": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
