"""Benchmark-only settings: production settings plus a URLconf with the in-memory ceiling view.

Used by ``bench/run.sh`` only; never by the service. The environment (set by run.sh) supplies
what production requires.
"""

from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
# The plain ceiling (bench/urls.py) runs through no middleware at all (config/handlers.py).
MIDDLEWARE_BY_NAMESPACE = {**MIDDLEWARE_BY_NAMESPACE, "bench-plain": []}  # noqa: F405
SECURE_PROXY_SSL_HEADER = None
SECURE_SSL_REDIRECT = False  # plain HTTP on loopback: no TLS terminator in front of the bench servers
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    # 404/401 warnings from django.request would only add noise to a load run.
    "loggers": {"django.request": {"level": "ERROR"}},
}
CELERY_TASK_ALWAYS_EAGER = True  # renders run in-process while preparing; no worker is part of the bench
