"""What happened to my articles and reviews since I last looked: the admin's notification bell.

Read from the audit log (every review action writes one entry), limited to the articles the user may see
(``selectors.visible_articles``, the one visibility rule) and to what other people did. The time the user
last opened their notifications is ``NotificationsSeen``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from reviewboard.models import AuditEntry, NotificationsSeen
from reviewboard.review import selectors

SHOWN = 30


def activity(user: Any) -> QuerySet[AuditEntry]:
    """Audit entries on the articles ``user`` sees, done by someone else (or the system), newest first."""
    visible = selectors.visible_articles(user).values("pk")
    return (
        AuditEntry.objects.filter(article__in=visible)
        .exclude(actor=user)
        .select_related("actor__reviewer_profile", "article")
        .order_by("-seq")
    )


def last_seen(user: Any) -> datetime | None:
    return NotificationsSeen.objects.filter(user=user).values_list("seen_at", flat=True).first()


def unseen_count(user: Any) -> int:
    """How many entries of ``activity`` are newer than the user's last look (all of them before the first)."""
    seen = last_seen(user)
    entries = activity(user)
    return (entries.filter(created_at__gt=seen) if seen else entries).count()


def mark_seen(user: Any, *, at: datetime) -> None:
    NotificationsSeen.objects.update_or_create(user=user, defaults={"seen_at": at})
