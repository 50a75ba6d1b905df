from importlib import import_module

from django.apps import AppConfig
from django.db.models.signals import post_migrate

from reviewboard.board.groups import ensure_board_groups_after_migrate

# The modules whose ``@consumer`` functions plug into the outbox, imported at start-up as Django imports
# ``admin`` modules; the order is the order each event's deliveries are made in (the webhook fan-out
# only writes rows; each consumer is tracked on its own, so the order never holds one back).
CONSUMER_MODULES = (
    "reviewboard.delivery.webhooks",
    "reviewboard.delivery.notifications",
    "reviewboard.jobs.reminders",
    "reviewboard.jobs.rereview",
    "reviewboard.jobs.retractions",
    "reviewboard.jobs.reconcile",
)


class ReviewboardConfig(AppConfig):
    name = "reviewboard"
    verbose_name = "Medical Advisory Board"

    def ready(self) -> None:
        # The board groups come back after a flush (they are data, created by migration 0002); first, so that the
        # periodic jobs created next grant the chair's group its schedule permissions (after a flush, the other
        # order left the group without them).
        post_migrate.connect(ensure_board_groups_after_migrate, sender=self, dispatch_uid="reviewboard.board_groups")
        post_migrate.connect(_ensure_periodic_tasks, sender=self, dispatch_uid="reviewboard.ensure_periodic_tasks")
        discover_outbox_consumers()


def discover_outbox_consumers() -> None:
    """Import the consumer modules (they register themselves; the outbox imports none of them), then
    refuse to start if an event type of the catalog has no consumer. Imported here, not at the top:
    they import models, which are not loaded when Django imports this module."""
    from reviewboard.delivery import events

    for module in CONSUMER_MODULES:
        import_module(module)
    events.check_every_type_consumed()


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
