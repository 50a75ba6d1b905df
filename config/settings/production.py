"""Production: every secret comes from the environment and has no default (fail fast)."""

from .base import *  # noqa: F403
from .base import databases_from_env, env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
DATABASES = databases_from_env(env.str("DATABASE_URL"), conn_max_age=60)
REDIS_URL = env("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_ALWAYS_EAGER = False

# --- HTTPS (see docs/operations.md) -------------------------------------------------------
# The service runs behind a TLS-terminating proxy that sets X-Forwarded-Proto on every request
# (and strips any such header a client sends): that is how Django knows a request came over https.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# The proxy's and the orchestrator's health probes speak plain http to the service.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# SMTP from one URL, e.g. EMAIL_URL=smtp+tls://user:password@mail.example.org:587
vars().update(env.email_url("EMAIL_URL"))
# Board members confirm a TOTP code at every login (admin and API token); see docs/operations.md.
ACCOUNTS_REQUIRE_2FA = env.bool("ACCOUNTS_REQUIRE_2FA", default=True)
# Signs the audit chain checkpoints (HMAC-SHA256); rotate with AUDIT_CHECKPOINT_KEY_FALLBACKS.
AUDIT_CHECKPOINT_KEY = env("AUDIT_CHECKPOINT_KEY")
# Webhook endpoints must be https: a delivery carries what readers must (not) be shown.
WEBHOOK_REQUIRE_HTTPS = env.bool("WEBHOOK_REQUIRE_HTTPS", default=True)
