"""Production: every secret comes from the environment and has no default (fail fast)."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
REDIS_URL = env("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_ALWAYS_EAGER = False
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# SMTP from one URL, e.g. EMAIL_URL=smtp+tls://user:password@mail.example.org:587
vars().update(env.email_url("EMAIL_URL"))
# Board members confirm a TOTP code at every login (admin and API token); see docs/operations.md.
ACCOUNTS_REQUIRE_2FA = env.bool("ACCOUNTS_REQUIRE_2FA", default=True)
# Signs the audit chain checkpoints (HMAC-SHA256); rotate with AUDIT_CHECKPOINT_KEY_FALLBACKS.
AUDIT_CHECKPOINT_KEY = env("AUDIT_CHECKPOINT_KEY")
# Webhook endpoints must be https: a delivery carries what readers must (not) be shown.
WEBHOOK_REQUIRE_HTTPS = env.bool("WEBHOOK_REQUIRE_HTTPS", default=True)
