"""The one write path for article content: create, edit, renumber, review settings. Every write is audited.

The admin's article forms, the review API, the importer and the commands call these. Creating, editing
and the review settings are declared actions (``create``, ``edit_content``, ``review_settings`` in
``reviewboard.review.actions.content``, each with its typed entry point), so a forged admin POST, an API
call and the importer meet the same refusal, and each write's audit entry carries the content hash before
and after (or the settings before and after). Renumbering is an edit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from articles.content import content_from_article
from references.renumber import renumber_content
from reviewboard.review.actions.content import article_review_settings_update, content_create, content_update
from reviewboard.review.lock_objects import lock_article

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from articles.models import Article

__all__ = ["article_review_settings_update", "content_create", "content_renumber", "content_update"]


@transaction.atomic
def content_renumber(*, article: Article, user: AbstractBaseUser | None) -> dict[int, int]:
    """Renumber the working copy's markers to 1..n in order of first use (through ``content_update``);
    returns the old -> new mapping so the caller can tell the author what moved."""
    locked = lock_article(article.pk)
    renumbered, mapping = renumber_content(content_from_article(locked))
    content_update(article=locked, user=user, content=renumbered)
    return mapping
