"""Settings shared by every environment.

Everything that differs between machines is read from the environment (django-environ).
With nothing set, the service runs on SQLite with Celery tasks executed in-process.
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-local-only-key")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    # Django's admin, with accounts.admin_site.BoardAdminSite (second factor, enrolment) as the default site.
    "accounts.apps.BoardAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_api_key",
    "knox",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",  # recovery codes
    "django_otp_webauthn",  # passkeys
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "django_htmx",  # request.htmx; serves htmx itself (static django_htmx/), no CDN
    "django_celery_beat",
    "accounts",
    "references",
    "articles",
    "reviewboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # An unreachable database or Redis raised by a view: 503 in the surface's own shape (config/outages.py).
    "config.outages.OutageMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "config.middleware.CSPMiddleware",  # django-csp's, with the header built once
    # Last: turns a login refused by django-axes into accounts.lockout.lockout_response (429).
    "axes.middleware.AxesMiddleware",
]

# The read API (URL namespace "articles-api", GET and HEAD) runs through only this (config/handlers.py):
# one middleware doing what SecurityMiddleware, OutageMiddleware, CommonMiddleware, XFrameOptionsMiddleware
# and CSPMiddleware do for it, from the same settings (config/middleware.py). It never uses sessions, CSRF,
# messages, the admin's authentication and second factor, django-axes or WhiteNoise.
READ_API_MIDDLEWARE = ["config.middleware.ReadAPIMiddleware"]
MIDDLEWARE_BY_NAMESPACE = {"articles-api": READ_API_MIDDLEWARE}

# django-axes first: it refuses a locked-out username before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.ModelBackendInOneQuery",
]

# Content-Security-Policy (django-csp) on every response: the admin and the API docs load scripts,
# styles and images from this origin only (Swagger UI is served from the project by
# drf-spectacular-sidecar), no inline script runs, nothing may frame the pages. Inline styles stay
# allowed: Django's admin and Swagger UI set style attributes.
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
    },
}

# The read API's own policy (its GET and HEAD answers, config.middleware.ReadAPIMiddleware): it serves JSON
# only, which loads nothing and must not be framed (OWASP REST Security Cheat Sheet: frame-ancestors 'none'
# on every API response, default-src 'none' in depth). Same shape as above; empty: no policy header.
READ_API_CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "frame-ancestors": ["'none'"],
    },
}

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
            ],
        },
    },
]


def database_from_env(url: str, *, conn_max_age: int) -> dict:
    """The default database from DATABASE_URL (``url``) and the DB_* connection settings.

    On PostgreSQL, psycopg 3 binds parameters on the server and prepares a statement once a
    connection has run it ``DB_PREPARE_THRESHOLD`` times (default 5; "off" never prepares), so the
    read API's repeated queries skip parsing and planning (see bench/RESULTS.md). Behind a
    connection pooler in transaction mode (PgBouncer < 1.21), set DB_PREPARE_THRESHOLD=off.
    """
    database = env.db_url_config(url)
    database["ATOMIC_REQUESTS"] = False
    database["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=conn_max_age)
    # A persistent connection is checked before its first use in a request (one round trip then, not
    # per query), so a database restart costs no failed request. The read API's views skip that round
    # trip: their own first query is the check, and they run again on a new connection when it finds
    # the connection dropped (config/replicas.read_view; bench/RESULTS.md).
    database["CONN_HEALTH_CHECKS"] = env.bool("DB_CONN_HEALTH_CHECKS", default=True)
    if database["ENGINE"] == "django.db.backends.postgresql":
        threshold = env.str("DB_PREPARE_THRESHOLD", default="5").strip().lower()
        database["OPTIONS"] = {
            **database.get("OPTIONS", {}),
            "server_side_binding": env.bool("DB_SERVER_SIDE_BINDING", default=True),
            "prepare_threshold": None if threshold in ("", "off", "none") else int(threshold),
            # A database host that does not answer fails the connection after this long, not the OS's minutes.
            "connect_timeout": env.int("DB_CONNECT_TIMEOUT", default=5),
        }
    # Parallel test runs on one PostgreSQL server (CI, several developers) each get their own test DB.
    database["TEST"] = {"NAME": env("TEST_DB_NAME", default=None)}
    return database


def databases_from_env(url: str, *, conn_max_age: int) -> dict:
    """The primary (``default``) and, from DATABASE_REPLICA_URLS (comma-separated), its read replicas
    ``replica0``, ``replica1`` ... (config/replicas.py): only the read API reads from them. A replica
    connection gives up after DB_REPLICA_CONNECT_TIMEOUT seconds (reads then fall back to the primary);
    tests read a replica alias from the test database itself (MIRROR)."""
    databases = {"default": database_from_env(url, conn_max_age=conn_max_age)}
    for number, replica_url in enumerate(env.list("DATABASE_REPLICA_URLS", default=[])):
        replica = database_from_env(replica_url, conn_max_age=conn_max_age)
        if replica["ENGINE"] == "django.db.backends.postgresql":
            replica["OPTIONS"]["connect_timeout"] = env.int("DB_REPLICA_CONNECT_TIMEOUT", default=2)
        replica["TEST"] = {"MIRROR": "default"}
        databases[f"replica{number}"] = replica
    return databases


SQLITE_URL = f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
DATABASES = databases_from_env(env.str("DATABASE_URL", default=SQLITE_URL), conn_max_age=0)
# Reads of the read API go to a usable replica (when DATABASE_REPLICA_URLS is set), all else to the primary.
DATABASE_ROUTERS = ["config.replicas.ReadReplicaRouter"]
# A replica more than this behind the primary is not read from; a purge waits at most this long for the
# replicas to replay the change, then fences the ones still behind (config/replicas.py, docs/operations.md).
REPLICA_MAX_LAG_SECONDS = env.float("REPLICA_MAX_LAG_SECONDS", default=5.0)
# Each server process checks the replicas (position, fence, lag) at most this often.
REPLICA_CHECK_SECONDS = env.float("REPLICA_CHECK_SECONDS", default=1.0)
# A replica that failed is not tried again for this long.
REPLICA_RETRY_SECONDS = env.float("REPLICA_RETRY_SECONDS", default=5.0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env.int("PASSWORD_MIN_LENGTH", default=10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Board accounts (accounts/) -----------------------------------------------------------
# Admin sessions last at most this long and end when the browser closes.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env.bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", default=True)
# Board members (chair, reviewers, editors) must confirm a TOTP code at admin login and at
# POST /api/v1/auth/token/ (field otp_token). Off for local runs and tests; on in production.
ACCOUNTS_REQUIRE_2FA = env.bool("ACCOUNTS_REQUIRE_2FA", default=False)
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Medical Advisory Board")
# The first second factor of an account is enrolled only with a one-time enrolment code that the
# chair or an administrator issues (accounts.enrolment); it expires after this many hours.
ACCOUNTS_ENROLMENT_CODE_HOURS = env.int("ACCOUNTS_ENROLMENT_CODE_HOURS", default=72)
# Passkeys (django-otp-webauthn) as a second factor beside TOTP; never as a password replacement.
# The relying party is the host of SITE_URL; over plain http (local runs) browsers allow passkeys on
# "localhost" only, so open http://localhost:8000/admin/ to try them.
_site = urlsplit(SITE_URL)
_local_origin = f"http://localhost{f':{_site.port}' if _site.port else ''}"
OTP_WEBAUTHN_RP_NAME = env("WEBAUTHN_RP_NAME", default="Medical Advisory Board")
OTP_WEBAUTHN_RP_ID = env("WEBAUTHN_RP_ID", default=_site.hostname if _site.scheme == "https" else "localhost")
OTP_WEBAUTHN_ALLOWED_ORIGINS = env.list(
    "WEBAUTHN_ALLOWED_ORIGINS",
    default=[f"https://{_site.netloc}"] if _site.scheme == "https" else [_local_origin],
)
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
# django-axes: after AXES_FAILURE_LIMIT wrong passwords for one username from one address, that
# pair is refused (HTTP 429) for AXES_COOLOFF_MINUTES, on the admin login and the token endpoint
# alike. Reset by hand: manage.py axes_reset_username USERNAME (see docs/operations.md).
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A lockout lasts AXES_COOLOFF_TIME from the failure that caused it; more tries do not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
# Behind a proxy, axes must read the client address from X-Forwarded-For (production sets these).
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if AXES_IPWARE_PROXY_COUNT else ("REMOTE_ADDR",)
)
# django-rest-knox: API tokens are stored hashed, expire, and are one per login (device).
KNOX_TOKEN_MODEL = "accounts.ApiToken"  # noqa: S105 - a model name, not a secret
# knox's own migrations would create its (swapped-out) knox_authtoken table; it has no table here.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=env.int("API_TOKEN_TTL_HOURS", default=24)),
    "AUTH_HEADER_PREFIX": "Token",
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Request bodies above this (2.5 MB, Django's default, stated here) are refused: 413 in the API's JSON
# error shape (config.views.bad_request).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]  # the board's own assets (favicon); no CDN
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Medical Advisory Board <board@example.org>")

# --- Celery (config/celery.py reads these with the CELERY_ namespace) -------------------
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
# No broker configured: run tasks in-process so the zero-setup default still publishes.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_connect_timeout": 3}
CELERY_TIMEZONE = TIME_ZONE
# django-celery-beat's DatabaseScheduler with a leader lock in Redis (config/beat.py): several beats may
# run (one per host, for availability); only the one holding the lock sends, so nothing is sent twice.
CELERY_BEAT_SCHEDULER = "config.beat:SingleBeatScheduler"
BEAT_LOCK_SECONDS = env.int("BEAT_LOCK_SECONDS", default=30)
# The periodic schedule lives in the database, editable by the chair in admin (Periodic tasks);
# reviewboard.schedules creates the missing rows after migrate. Deliberately no
# CELERY_BEAT_SCHEDULE: DatabaseScheduler would write it over the chair's edits at every start.
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_EXPIRES = None  # no result backend, so no nightly "celery.backend_cleanup" in the schedule
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# With late acks a lost broker connection redelivers the running tasks anyway; stop them.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# A broker that is down fails a publish within about a second instead of holding the request;
# the task was enqueued after commit, so the work stays marked and the reconciliation repairs it.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
# Retries with backoff are per task, for transient errors only (config.queue.TRANSIENT_ERRORS).
# A render pending longer than this is taken to be lost (broker down, worker killed) and redone.
JOBS_RECONCILE_GRACE = timedelta(seconds=env.int("JOBS_RECONCILE_GRACE_SECONDS", default=120))
# An outbox event younger than this is left to the task its commit enqueued; the sweep takes older ones.
OUTBOX_GRACE = timedelta(seconds=env.int("OUTBOX_GRACE_SECONDS", default=30))
# An event the catalog (reviewboard.delivery.events) does not declare, or whose payload does not match:
# raised at the emit where strict (tests, development: fail loudly), else logged and recorded as failed.
OUTBOX_STRICT_EVENTS = env.bool("OUTBOX_STRICT_EVENTS", default=DEBUG)

# --- Review policy ----------------------------------------------------------------------
REVIEW_DEFAULT_QUORUM = env.int("REVIEW_DEFAULT_QUORUM", default=2)
REVIEW_DEFAULT_DUE = timedelta(days=env.int("REVIEW_DEFAULT_DUE_DAYS", default=7))
REVIEW_RECURRENCE = timedelta(days=env.int("REVIEW_RECURRENCE_DAYS", default=365))
REVIEW_REMINDER_INTERVAL = timedelta(hours=24)
REVIEW_REMINDERS_BEFORE_CHAIR = 3
# How a review ends (a board setting): "chair" - the chair decides after the quorum signed (approve with
# clinical significance, request changes or reject, with a decision letter to the authors); "quorum" -
# the sign-off that completes the quorum approves at once (the board's behaviour before issue 18).
REVIEW_DECIDED_BY = env.str("REVIEW_DECIDED_BY", default="chair")
# An article may cite at most this many references (every write path: API, import, admin).
ARTICLE_MAX_REFERENCES = env.int("ARTICLE_MAX_REFERENCES", default=1000)
# Who may review: a declaration of interests is valid this long after it was signed; its member is
# reminded these many days before it expires; an assignment not answered (accepted or declined)
# within ASSIGNMENT_ANSWER_WITHIN is reported to the chair.
DECLARATION_VALID_FOR = timedelta(days=env.int("DECLARATION_VALID_DAYS", default=365))
DECLARATION_REMINDER_DAYS = (30, 7)
ASSIGNMENT_ANSWER_WITHIN = timedelta(days=env.int("ASSIGNMENT_ANSWER_DAYS", default=3))
ARTICLE_DISCLAIMER = env(
    "ARTICLE_DISCLAIMER",
    default=(
        "This information is for educational purposes and supports, but does not replace, "
        "professional clinical judgement. Verify against current guidelines before use."
    ),
)

# --- Audit log checkpoints (reviewboard/audit/checkpoints.py) -----------------------------
# HMAC-SHA256 key that signs each checkpoint of the audit chain head. Required in production;
# after a rotation the previous keys stay in the fallbacks until `checkpoint_audit_log --resign`.
AUDIT_CHECKPOINT_KEY = env("AUDIT_CHECKPOINT_KEY", default="insecure-local-audit-checkpoint-key")
AUDIT_CHECKPOINT_KEY_FALLBACKS = env.list("AUDIT_CHECKPOINT_KEY_FALLBACKS", default=[])

# --- REST framework ----------------------------------------------------------------------
API_PUBLIC_READ = env.bool("API_PUBLIC_READ", default=False)
# A verified API key is remembered per process this long (revocation takes effect within it).
API_KEY_CACHE_SECONDS = env.int("API_KEY_CACHE_SECONDS", default=60)
# A readable detail answer is served from process memory this long before the database is asked
# again (0: ask on every request). See articles/api/payloads.py.
API_DETAIL_CACHE_SECONDS = env.float("API_DETAIL_CACHE_SECONDS", default=1.0)
# HTTP caching for a CDN (articles/api/caching.py): every readable answer is "public, max-age=...,
# stale-while-revalidate=..." with a Surrogate-Key per article; errors (410 above all) are no-store.
API_CACHE_MAX_AGE = env.int("API_CACHE_MAX_AGE", default=60)
API_CACHE_STALE_WHILE_REVALIDATE = env.int("API_CACHE_STALE_WHILE_REVALIDATE", default=30)
# The purge hook, called through the outbox on publish, retraction and archive: one request per
# surrogate key to PURGE_URL (empty: no CDN, nothing to purge), e.g. Varnish: PURGE http://varnish/ ;
# Fastly: POST https://api.fastly.com/service/<id>/purge with PURGE_HEADERS="Fastly-Key=<token>".
PURGE_URL = env("PURGE_URL", default="")
PURGE_METHOD = env("PURGE_METHOD", default="PURGE")
PURGE_HEADERS = env.dict("PURGE_HEADERS", default={})
PURGE_TIMEOUT_SECONDS = env.float("PURGE_TIMEOUT_SECONDS", default=5.0)
# The review tracker (GET /api/v1/articles/{slug}/status/, docs/client-apps.md): the link readers get
# to the publisher's editorial policy ("View editorial policy"); empty: null in the answer.
EDITORIAL_POLICY_URL = env("EDITORIAL_POLICY_URL", default="")
# Pending content (GET /api/v1/pending/{slug}/): the open round's frozen content, marked unreviewed.
# Off unless the publisher opts in; its own short Cache-Control; the caution text sent with it.
API_PENDING_CONTENT = env.bool("API_PENDING_CONTENT", default=False)
API_PENDING_MAX_AGE = env.int("API_PENDING_MAX_AGE", default=15)
API_PENDING_CAUTION = env(
    "API_PENDING_CAUTION",
    default="Educational purpose only \u2022 Exercise caution as content is pending human review",
)
# The purge waits API_DETAIL_CACHE_SECONDS plus this after the commit (every server's micro-cache has
# let go of the old answer by then), and is sent again PURGE_REPEAT_SECONDS later (articles.api.caching).
# Retry-After of the 503 answered while the database or Redis cannot be reached (config/outages.py).
OUTAGE_RETRY_AFTER_SECONDS = env.int("OUTAGE_RETRY_AFTER_SECONDS", default=30)
PURGE_SETTLE_MARGIN_SECONDS = env.float("PURGE_SETTLE_MARGIN_SECONDS", default=1.0)
PURGE_REPEAT_SECONDS = env.float("PURGE_REPEAT_SECONDS", default=10.0)
# Called in the render's transaction when a version goes live (articles cannot import the board).
PUBLISHING_ON_LIVE = ["reviewboard.delivery.webhooks.version_went_live"]

# --- Webhooks (reviewboard/delivery/webhooks.py, docs/webhooks.md) -------------------------------------
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
# Failed attempts wait 30 s, 1, 2, 4 ... minutes, at most this; an endpoint failing for
# WEBHOOK_DISABLE_AFTER is disabled and the chair told (its deliveries wait until it is re-enabled).
WEBHOOK_MAX_RETRY_DELAY = timedelta(minutes=env.int("WEBHOOK_MAX_RETRY_DELAY_MINUTES", default=60))
WEBHOOK_DISABLE_AFTER = timedelta(hours=env.int("WEBHOOK_DISABLE_AFTER_HOURS", default=24))
# After a secret rotation the previous secret keeps signing (a second signature) this long.
WEBHOOK_SECRET_OVERLAP = timedelta(hours=env.int("WEBHOOK_SECRET_OVERLAP_HOURS", default=24))
WEBHOOK_REQUIRE_HTTPS = env.bool("WEBHOOK_REQUIRE_HTTPS", default=False)
# Client apps choose webhook URLs: by default none may reach a private, loopback, link-local or
# otherwise non-public address (this host, the database, a cloud metadata service), checked when the
# URL is registered and again on every delivery, on the address actually connected to
# (requests-hardened). Local development and the tests allow them (local receivers).
WEBHOOK_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", default=False)
WEBHOOK_USER_AGENT = "reviewboard-webhooks/1.0"

# --- Reader reports (reviewboard/clients/reports.py) ------------------------------------------
READER_REPORT_MAX_TEXT = 4000
# The client API's bodies (reports, webhook endpoints) above this are answered 413 (body-too-large).
READER_REPORT_MAX_BODY_BYTES = 16 * 1024

# The default cache holds API throttle counts and the jobs' "told the chair today" marks: shared
# between processes on Redis when REDIS_URL is set (CACHE_URL overrides), else per process.
CACHES = {"default": env.cache("CACHE_URL", default=REDIS_URL or "locmemcache://")}

# Reference lookup (references.lookup): off by default; never blocks an import or a check.
REFERENCE_LOOKUP_ENABLED = env.bool("REFERENCE_LOOKUP_ENABLED", default=False)
REFERENCE_LOOKUP_CROSSREF_URL = env("REFERENCE_LOOKUP_CROSSREF_URL", default="https://api.crossref.org")
REFERENCE_LOOKUP_PUBMED_URL = env(
    "REFERENCE_LOOKUP_PUBMED_URL", default="https://eutils.ncbi.nlm.nih.gov/entrez/eutils"
)
REFERENCE_LOOKUP_TIMEOUT_SECONDS = env.float("REFERENCE_LOOKUP_TIMEOUT_SECONDS", default=5.0)
REFERENCE_LOOKUP_CACHE_SECONDS = env.int("REFERENCE_LOOKUP_CACHE_SECONDS", default=7 * 24 * 3600)
# Crossref asks clients to name themselves (with a contact address) to use its "polite" pool.
REFERENCE_LOOKUP_USER_AGENT = env("REFERENCE_LOOKUP_USER_AGENT", default="reviewboard/0.1 (mailto:board@example.org)")
# An unreachable Redis fails a cache call within this many seconds (the throttle then counts per process).
if CACHES["default"]["BACKEND"].endswith("RedisCache"):
    _timeout = env.float("CACHE_TIMEOUT_SECONDS", default=1.0)
    CACHES["default"].setdefault("OPTIONS", {}).update(socket_connect_timeout=_timeout, socket_timeout=_timeout)
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "config.schema.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "accounts.authentication.BoardSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON in (nesting bounded), JSON out: the schema then declares one request content type, which
    # generated clients need (three would give each function a union of one type three times).
    "DEFAULT_PARSER_CLASSES": ["config.parsers.BoundedJSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "config.exceptions.api_exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "api_key": env("API_KEY_THROTTLE_RATE", default="600/min"),
        "anon": env("API_ANON_THROTTLE_RATE", default="60/min"),
        "reader_reports": env("READER_REPORT_THROTTLE_RATE", default="30/hour"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Medical Advisory Board review service",
    "DESCRIPTION": "Read API for approved clinical answer articles, and the review API used by authors and the board.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from the project's static files (drf-spectacular-sidecar), never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.schema.document_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ReaderReportKindEnum": "reviewboard.models.ReaderReport.Kind",
        "ReaderReportStatusEnum": "reviewboard.models.ReaderReport.Status",
        "TrackerStepEnum": "articles.api.serializers.STEPS",
    },
}
