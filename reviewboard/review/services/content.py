"""The one write path for article content: create, edit, renumber. Every write is audited.

The admin's article forms, the review API, the importer and the commands call these. Editing is
the ``edit_content`` action of the registry (who may, and only while the content is editable:
frozen under review, locked once approved), so a forged admin POST, an API call and the importer
meet the same refusal. Each write's audit entry carries the content hash before and after.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from articles.content import ArticleContent, content_from_article
from articles.models import Article
from articles.services import article_create
from config.exceptions import NotAllowed
from references.renumber import renumber_content
from reviewboard.audit.chain import audit_append
from reviewboard.board import permissions
from reviewboard.review import actions
from reviewboard.review.lock_objects import lock_article

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


@transaction.atomic
def content_create(*, content: ArticleContent, author: AbstractBaseUser | None = None) -> Article:
    """A new draft from ``content`` (``articles.services.article_create``), audited as "create". Only the
    chair sets the specialty the review requires (``permissions.can_set_review_settings``), on every path; an
    ``author`` must be allowed to create articles (``permissions.can_create_article``)."""
    if author is not None and not permissions.can_create_article(author):
        raise NotAllowed(
            f"Creating articles needs the '{permissions.AUTHOR_PERM}' permission (group Authors).",
            detail={"permission": permissions.AUTHOR_PERM},
        )
    if content.required_specialty and author is not None and not permissions.can_set_review_settings(author):
        raise NotAllowed(
            "Only the board chair sets the specialty an article's review requires "
            f"({permissions.requirement(permissions.can_set_review_settings)}); leave 'specialty' out.",
            code="permission-denied",
            detail={"field": "specialty", "permission": permissions.CHAIR_PERM},
        )
    article = article_create(content=content, author=author)
    audit_append(
        action="create",
        actor=author,
        article=article,
        from_state="",
        to_state=article.state,
        content_hash=content_from_article(article).content_hash,
        data={"slug": article.slug},
    )
    return article


def content_update(*, article: Article, user: AbstractBaseUser | None, content: ArticleContent) -> Article:
    """Replace the working copy's content (the ``edit_content`` action: 403, 409 "content-frozen" or
    "content-locked", 400 naming the field)."""
    return actions.perform("edit_content", article=article, user=user, content=content)


@transaction.atomic
def content_renumber(*, article: Article, user: AbstractBaseUser | None) -> dict[int, int]:
    """Renumber the working copy's markers to 1..n in order of first use (through ``content_update``);
    returns the old -> new mapping so the caller can tell the author what moved."""
    locked = lock_article(article.pk)
    renumbered, mapping = renumber_content(content_from_article(locked))
    content_update(article=locked, user=user, content=renumbered)
    return mapping


@transaction.atomic
def article_review_settings_update(
    *, article: Article, user: AbstractBaseUser | None, quorum: int | None, required_specialty: object | None
) -> Article:
    """Set how an article is reviewed: its quorum and required specialty (the chair only; audited)."""
    locked = lock_article(article.pk)
    if user is None or not permissions.can_set_review_settings(user):
        raise NotAllowed(
            f"Only {permissions.requirement(permissions.can_chair)} may set the quorum or the required specialty.",
            code="permission-denied",
        )
    before = {"quorum": locked.quorum, "required_specialty": locked.required_specialty_id}
    locked.quorum = quorum or None
    locked.required_specialty = required_specialty or None
    after = {"quorum": locked.quorum, "required_specialty": locked.required_specialty_id}
    if after != before:
        locked.save(update_fields=["quorum", "required_specialty", "updated_at"])
        audit_append(
            action="review_settings",
            actor=user,
            article=locked,
            from_state=locked.state,
            to_state=locked.state,
            content_hash=locked.review_hash,
            data={"before": before, "after": after},
        )
    return locked
