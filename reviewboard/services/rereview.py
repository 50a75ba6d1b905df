"""Flagging a published article for re-review now, for a reason (a corrected or retracted reference,
a reader's report): the same fields the overdue sweep sets, an audit entry, and the chair told once
through the outbox."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from articles.models import PublishedVersion
from articles.publishing import enqueue_render
from reviewboard import outbox
from reviewboard.lock_objects import lock_article
from reviewboard.services.audit import audit_append

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


@transaction.atomic
def article_flag_for_rereview(*, article_id: int, reason: str, user: AbstractBaseUser | None = None) -> bool:
    """Mark the article's published content due for re-review now (``review_overdue`` for readers) and
    tell the chair why. Returns False when it has no published version (nothing for readers to flag)."""
    article = lock_article(article_id)
    if article.live_version_id is None:
        return False
    now = timezone.now()
    article.next_review_due = min(article.next_review_due or now, now)
    article.review_overdue = True
    article.review_overdue_notified_at = now  # told here; the daily sweep does not tell again
    article.save(update_fields=["next_review_due", "review_overdue", "review_overdue_notified_at", "updated_at"])
    audit_append(
        action="flag_rereview",
        actor=user,
        article=article,
        from_state=article.state,
        to_state=article.state,
        content_hash=article.live_version.content_hash,
        comment=reason,
    )
    outbox.emit("article.review_due", article=article, actor=user, now=now, reason=reason)
    # Readers see ``review_overdue`` once the worker has re-rendered the payloads (never in this request).
    versions = PublishedVersion.objects.filter(article=article, rendered_at__isnull=False)
    version_ids = list(versions.values_list("pk", flat=True))
    versions.update(render_requested_at=now)
    for version_id in version_ids:
        transaction.on_commit(lambda version_id=version_id: enqueue_render(version_id))
    return True
