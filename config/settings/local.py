"""Developer default: DEBUG on, SQLite and in-process tasks unless the environment says otherwise."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# Webhook receivers on this machine (a local test receiver) are fine while developing.
WEBHOOK_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", default=True)
# An undeclared event, or a payload that does not match the catalog, is an error while developing.
OUTBOX_STRICT_EVENTS = env.bool("OUTBOX_STRICT_EVENTS", default=True)
