"""Who is who on the board, and who may act on an article: each rule once.

The action declarations (``reviewboard.review.actions.catalog``) use these predicates as their rules;
the admin, both APIs, the selectors and the jobs import them rather than asking ``has_perm``
themselves. Model-level permissions come from the groups created by a data migration
(``Authors``, ``Board reviewers``, ``Board chair``); the object-level part (author of this
article, assigned to this article) is checked here.

Who the chair is: whoever holds ``articles.chair_review`` and is active. Superusers hold every
permission, so they are chairs too, for acting (``is_chair``) and for being told (``chairs``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from reviewboard.reading import kept

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from articles.models import Article
    from reviewboard.models import Comment

AUTHOR_PERM = "articles.author_article"
REFERENCE_CHANGE_PERM = "references.change_reference"
EDITOR_PERM = "articles.edit_any_article"
CHAIR_PERM = "articles.chair_review"
REVIEWER_PERM = "articles.review_article"
REVIEWER_PROFILE_VIEW_PERM = "reviewboard.view_reviewerprofile"


def requires(description: str) -> Callable:
    """Attach ``requirement``: who passes the predicate, in words, for "not allowed" messages."""

    def decorate(predicate: Callable) -> Callable:
        predicate.requirement = description
        return predicate

    return decorate


def requirement(predicate: Callable) -> str:
    return getattr(predicate, "requirement", predicate.__name__)


def _active(user: AbstractBaseUser | None) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


@kept
def is_author(article: Article, user: AbstractBaseUser) -> bool:
    if not _active(user) or article.pk is None:
        return False
    return article.authors.filter(pk=user.pk).exists()


def is_editor(user: AbstractBaseUser) -> bool:
    return _active(user) and user.has_perm(EDITOR_PERM)


def is_chair(user: AbstractBaseUser) -> bool:
    return _active(user) and user.has_perm(CHAIR_PERM)


def chairs() -> QuerySet:
    """The users ``is_chair`` accepts, as a queryset (who is told what the chair must know)."""
    # Permissions are held through the model backend (accounts.backends; django-axes' backend, listed first,
    # only refuses locked logins).
    users = get_user_model()._default_manager.with_perm(
        CHAIR_PERM, include_superusers=True, backend="accounts.backends.ModelBackendInOneQuery"
    )
    return users.filter(is_active=True)


def is_board_reviewer(user: AbstractBaseUser) -> bool:
    """Holds the review permission (the ``Board reviewers`` group)."""
    return _active(user) and user.has_perm(REVIEWER_PERM)


def display_name(user: AbstractBaseUser | None) -> str:
    """How people are named to other people: full name with credentials when known, else the username."""
    if user is None:
        return ""
    name = user.get_full_name() or user.get_username()
    profile = getattr(user, "reviewer_profile", None)
    credentials = getattr(profile, "credentials", "") if profile is not None else ""
    return f"{name}, {credentials}" if credentials else name


def is_author_member(user: AbstractBaseUser | None) -> bool:
    """Holds the author permission (the ``Authors`` group)."""
    return _active(user) and user.has_perm(AUTHOR_PERM)


def sees_every_article(user: AbstractBaseUser | None) -> bool:
    """The chair and editors see (and manage the authors of) every article; others only their own or assigned."""
    return is_chair(user) or is_editor(user)


@requires("a member of the Authors group or an editor")
def can_create_article(user: AbstractBaseUser | None) -> bool:
    return is_author_member(user) or is_editor(user)


def may_change_references(user: AbstractBaseUser | None) -> bool:
    """Holds the model permission to change reference records (which records: ``reviewboard.review.services
    .library`` asks ``is_editor`` and ``can_edit_as_author`` of the citing articles)."""
    return _active(user) and user.has_perm(REFERENCE_CHANGE_PERM)


def may_view_reviewer_profiles(user: AbstractBaseUser | None) -> bool:
    """Holds the model permission to open reviewer profiles in the admin (the dashboard links there only then)."""
    return _active(user) and user.has_perm(REVIEWER_PROFILE_VIEW_PERM)


def is_board_member(user: AbstractBaseUser | None) -> bool:
    """The chair, reviewers and editors (and superusers): the accounts that must use a second factor."""
    return _active(user) and any(user.has_perm(perm) for perm in (CHAIR_PERM, REVIEWER_PERM, EDITOR_PERM))


@kept
def is_assigned_reviewer(article: Article, user: AbstractBaseUser) -> bool:
    if not _active(user) or not user.has_perm(REVIEWER_PERM) or article.pk is None:
        return False
    return article.assignments.filter(reviewer=user, closed_at__isnull=True).exists()


@requires("an author of this article or an editor")
def can_edit_as_author(article: Article, user: AbstractBaseUser) -> bool:
    """Authors of this article (with the author permission) and editors."""
    return is_editor(user) or (_active(user) and user.has_perm(AUTHOR_PERM) and is_author(article, user))


@requires("the board chair")
def can_chair(article: Article, user: AbstractBaseUser) -> bool:
    return is_chair(user)


# Fields of an article that decide how it is reviewed. Only the chair sets them: the admin shows them
# read-only to everyone else, and the services refuse them from anyone else (API, importer --author).
REVIEW_SETTINGS_FIELDS = ("required_specialty", "quorum")


@requires("the board chair")
def can_set_review_settings(user: AbstractBaseUser) -> bool:
    return is_chair(user)


@requires("a reviewer assigned to this article or the board chair")
def can_request_changes(article: Article, user: AbstractBaseUser) -> bool:
    return is_chair(user) or is_assigned_reviewer(article, user)


@requires("an author of this article, a reviewer assigned to it, an editor or the board chair")
def can_comment(article: Article, user: AbstractBaseUser) -> bool:
    return can_edit_as_author(article, user) or is_chair(user) or is_assigned_reviewer(article, user)


@requires("a reviewer assigned to this article or the board chair")
def can_block(article: Article, user: AbstractBaseUser) -> bool:
    """Who may mark a comment blocking (it holds back approval until resolved)."""
    return is_chair(user) or is_assigned_reviewer(article, user)


@requires("the comment's author or the board chair; an author of the article or an editor for a non-blocking comment")
def can_resolve_comment(comment: Comment, user: AbstractBaseUser) -> bool:
    """A blocking comment is resolved by whoever raised it (the reviewer agrees) or by the chair.

    Authors and editors may resolve non-blocking comments on their article, to say they were handled.
    """
    if not _active(user):
        return False
    if comment.author_id == user.pk or is_chair(user):
        return True
    return not comment.blocking and can_edit_as_author(comment.article, user)
