"""One visibility rule on every surface: a user who gets 404 for an article in the review API reads
nothing of it in the admin either (assignments, sign-offs, comments, the audit log: lists and detail
pages), while a user who may see it reads it everywhere (so each surface is shown to carry the text)."""

from __future__ import annotations

import pytest
from django.test import Client

from reviewboard.models import Assignment, AuditEntry, Comment, SignOff
from reviewboard.review import services
from tests.factories import ArticleFactory, the_author, the_chair, the_reviewers
from tests.module_world import module_world
from tests.reviewboard.api.clients import client_for
from tests.reviewboard.conftest import make_author, put_under_review, sign

pytestmark = pytest.mark.django_db

QUESTION = "Is the confidential dosing question answered?"
REMARK = "Confidential sign-off remark about the dose"
COMMENT = "Confidential comment on the second section"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Under review with reviewer1 and reviewer2; reviewer2 signed off with a remark, reviewer1 commented; a
    third reviewer and an author of other articles outside it. Built once for the module (tests/module_world.py)."""
    with module_world(django_db_blocker):
        author, chair, reviewers = the_author(), the_chair(), the_reviewers()
        article = put_under_review(ArticleFactory(authors=[author], question=QUESTION), author, chair, reviewers)
        services.comment_create(article=article, user=reviewers[0], body=COMMENT, blocking=False)
        sign(article, reviewers[1], comment=REMARK)
        yield {"article": article, "reviewers": reviewers, "another author": make_author("another-author")}


@pytest.fixture
def secret(world, db):
    return world["article"]


@pytest.fixture
def reviewers(world, db):
    return world["reviewers"]


def _admin_pages(article) -> dict[str, str]:
    assignment = Assignment.objects.filter(article=article).first()
    signoff = SignOff.objects.filter(article=article).first()
    comment = Comment.objects.filter(article=article).first()
    entry = AuditEntry.objects.filter(article=article, action="sign_off").first()
    return {
        "assignment list": "/admin/reviewboard/assignment/",
        "assignment detail": f"/admin/reviewboard/assignment/{assignment.pk}/change/",
        "sign-off list": "/admin/reviewboard/signoff/",
        "sign-off detail": f"/admin/reviewboard/signoff/{signoff.pk}/change/",
        "comment list": "/admin/reviewboard/comment/",
        "comment detail": f"/admin/reviewboard/comment/{comment.pk}/change/",
        "audit log list": "/admin/reviewboard/auditentry/",
        "audit log detail": f"/admin/reviewboard/auditentry/{entry.pk}/change/",
        "audit log export": "/admin/reviewboard/auditentry/export/",
    }


SURFACES = [
    "api detail",
    "assignment list",
    "assignment detail",
    "sign-off list",
    "sign-off detail",
    "comment list",
    "comment detail",
    "audit log list",
    "audit log detail",
]


def _read(surface: str, user, article) -> tuple[int, str]:
    if surface == "api detail":
        response = client_for(user).get(f"/api/v1/review/articles/{article.slug}/")
    else:
        client = Client()
        client.force_login(user)
        response = client.get(_admin_pages(article)[surface], follow=True)
    return response.status_code, response.content.decode()


def _outsiders(world):
    """A board reviewer not assigned to the article, and an author of other articles."""
    return {"unassigned reviewer": world["reviewers"][2], "another author": world["another author"]}


@pytest.mark.parametrize("who", ["unassigned reviewer", "another author"])
@pytest.mark.parametrize("surface", SURFACES)
def test_who_cannot_see_an_article_reads_nothing_of_it_anywhere(world, secret, surface, who):
    user = _outsiders(world)[who]
    assert client_for(user).get(f"/api/v1/review/articles/{secret.slug}/").status_code == 404

    status, page = _read(surface, user, secret)

    assert QUESTION not in page, (surface, who)
    assert REMARK not in page, (surface, who)
    assert COMMENT not in page, (surface, who)
    if surface == "api detail":
        assert status == 404


@pytest.mark.parametrize("surface", SURFACES)
def test_who_sees_the_article_reads_it_on_every_surface(secret, reviewers, surface):
    status, page = _read(surface, reviewers[0], secret)

    assert status == 200, surface
    assert QUESTION in page or QUESTION.replace("?", "") in page, surface


def test_the_audit_log_filters_do_not_name_articles_the_user_cannot_see(secret, reviewers):
    client = Client()
    client.force_login(reviewers[2])

    page = client.get("/admin/reviewboard/auditentry/").content.decode()

    assert QUESTION not in page
