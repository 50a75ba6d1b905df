"""Test settings: fast hashing, mail kept in memory. The database comes from DATABASE_URL."""

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Unit tests call services and run their after-commit tasks in-process; the real-worker tests
# (tests/reviewboard/jobs) switch this off and point the app at the real Redis themselves.
CELERY_TASK_ALWAYS_EAGER = True

# Emitting an event the catalog does not declare, or a payload that does not match, fails the test.
OUTBOX_STRICT_EVENTS = True

# Each test process keeps its own cache: throttle counts must not leak between test runs.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# No collectstatic before tests: serve from the app directories instead of STATIC_ROOT.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# The webhook tests' receivers listen on 127.0.0.1; the SSRF tests turn this off.
WEBHOOK_ALLOW_PRIVATE_TARGETS = True

# A test database is thrown away: a commit need not wait for its WAL to reach the disk (about 5 ms a
# commit here, paid by every transactional test's commits and its flush). Not with replicas (the cluster
# rig): they are sent only the WAL already on disk, which would put them further behind.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and len(DATABASES) == 1:  # noqa: F405
    DATABASES["default"]["OPTIONS"]["options"] = "-c synchronous_commit=off"  # noqa: F405
