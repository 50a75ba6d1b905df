"""Who may perform each review transition on an article.

These predicates are the ``permission`` of the django-fsm transitions on ``Article``.
django-fsm never checks them when a transition is called; the service layer does, through
``django_fsm.has_transition_perm``. Model-level permissions come from the groups created by
a data migration (``Authors``, ``Board reviewers``, ``Board chair``); the object-level part
(author of this article, assigned to this article) is checked here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from articles.models import Article

AUTHOR_PERM = "articles.author_article"
EDITOR_PERM = "articles.edit_any_article"
CHAIR_PERM = "articles.chair_review"
REVIEWER_PERM = "articles.review_article"


def _active(user: AbstractBaseUser | None) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_author(article: Article, user: AbstractBaseUser) -> bool:
    if not _active(user) or article.pk is None:
        return False
    return article.authors.filter(pk=user.pk).exists()


def is_editor(user: AbstractBaseUser) -> bool:
    return _active(user) and user.has_perm(EDITOR_PERM)


def is_chair(user: AbstractBaseUser) -> bool:
    return _active(user) and user.has_perm(CHAIR_PERM)


def is_assigned_reviewer(article: Article, user: AbstractBaseUser) -> bool:
    if not _active(user) or not user.has_perm(REVIEWER_PERM) or article.pk is None:
        return False
    return article.assignments.filter(reviewer=user, closed_at__isnull=True).exists()


def can_edit_as_author(article: Article, user: AbstractBaseUser) -> bool:
    """Authors of this article (with the author permission) and editors."""
    return is_editor(user) or (_active(user) and user.has_perm(AUTHOR_PERM) and is_author(article, user))


def can_chair(article: Article, user: AbstractBaseUser) -> bool:
    return is_chair(user)


def can_request_changes(article: Article, user: AbstractBaseUser) -> bool:
    return is_chair(user) or is_assigned_reviewer(article, user)
