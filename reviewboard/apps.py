from django.apps import AppConfig
from django.db.models.signals import post_migrate

from reviewboard.groups import ensure_board_groups_after_migrate


class ReviewboardConfig(AppConfig):
    name = "reviewboard"
    verbose_name = "Medical Advisory Board"

    def ready(self) -> None:
        # The board groups come back after a flush (they are data, created by migration 0002).
        post_migrate.connect(ensure_board_groups_after_migrate, sender=self, dispatch_uid="reviewboard.board_groups")
