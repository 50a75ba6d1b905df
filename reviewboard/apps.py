from django.apps import AppConfig
from django.db.models.signals import post_migrate

from reviewboard.board.groups import ensure_board_groups_after_migrate


class ReviewboardConfig(AppConfig):
    name = "reviewboard"
    verbose_name = "Medical Advisory Board"

    def ready(self) -> None:
        post_migrate.connect(_ensure_periodic_tasks, sender=self, dispatch_uid="reviewboard.ensure_periodic_tasks")
        # The board groups come back after a flush (they are data, created by migration 0002).
        post_migrate.connect(ensure_board_groups_after_migrate, sender=self, dispatch_uid="reviewboard.board_groups")
        _register_outbox_consumers()


def _register_outbox_consumers() -> None:
    """Plug the consumers into the outbox (it imports none of them). Imported here, not at the top:
    they import models, which are not loaded when Django imports this module."""
    from reviewboard.delivery import notifications, outbox, webhooks

    # In this order: the webhook fan-out only writes rows (it cannot fail for a network), and a CDN that
    # is down (a retried purge) must not hold back the e-mails.
    outbox.register("webhook", webhooks.WEBHOOK_CONSUMERS)
    outbox.register("email", notifications.EMAIL_CONSUMERS)
    outbox.register("purge", notifications.CACHE_PURGE_CONSUMERS)


def _ensure_periodic_tasks(sender, *, using: str = "default", plan=None, verbosity: int = 1, **kwargs) -> None:
    """After migrate: create the default periodic jobs that are missing (never touching existing ones)."""
    from django.db import connections

    from reviewboard.schedules import ensure_periodic_tasks

    # A partial migrate (or a migrate backwards) may leave django-celery-beat's tables out.
    if "django_celery_beat_periodictask" not in connections[using].introspection.table_names():
        return
    created = ensure_periodic_tasks(using=using)
    if created and verbosity >= 1:
        print(f"  Created periodic tasks: {', '.join(created)}")
