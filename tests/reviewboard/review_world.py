"""The cast of a review and an article under review, built once for a test module.

Most tests of the review workflow start from the same place: an author, the chair, three reviewers and an
article under review with reviewer1 and reviewer2 assigned and accepted (``under_review``). Reaching it
through the services is six actions (about 50 ms); a module that says

    pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("review_world")]

builds it once (``tests/module_world.py``: in a transaction opened for the module and rolled back at its
end; each test's own transaction undoes what the test changed), and its tests' ``author``, ``chair``,
``reviewers`` and ``under_review`` are fresh instances of the module's rows. Every test of such a module
sees the world, so none may be transactional (tests/reviewboard/conftest.py fails one that is).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model

from articles.models import Article
from tests.factories import ArticleFactory, the_author, the_chair, the_reviewers


@dataclass(frozen=True)
class ReviewWorld:
    author_pk: int
    chair_pk: int
    reviewer_pks: tuple[int, ...]
    under_review_pk: int

    def author(self):
        return get_user_model().objects.get(pk=self.author_pk)

    def chair(self):
        return get_user_model().objects.get(pk=self.chair_pk)

    def reviewers(self):
        by_pk = get_user_model().objects.in_bulk(self.reviewer_pks)
        return [by_pk[pk] for pk in self.reviewer_pks]

    def under_review(self):
        return Article.objects.get(pk=self.under_review_pk)


def review_world_of(request) -> ReviewWorld | None:
    """The module's world when its module uses ``review_world``, else None (the fixtures make their own)."""
    return request.getfixturevalue("review_world") if "review_world" in request.fixturenames else None


def build_review_world() -> ReviewWorld:
    from tests.reviewboard.conftest import put_under_review

    author, chair, reviewers = the_author(), the_chair(), the_reviewers()
    article = put_under_review(ArticleFactory(authors=[author]), author, chair, reviewers)
    return ReviewWorld(author.pk, chair.pk, tuple(r.pk for r in reviewers), article.pk)
