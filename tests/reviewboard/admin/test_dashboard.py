"""The admin home per role: counts of what needs each person, linking to the article list filtered the same way."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from reviewboard.models import Assignment
from reviewboard.review import services
from tests.reviewboard.conftest import start_review, submit

# Not about who ends a review: "the quorum approves" (issue 18's board setting; default: the chair).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quorum_approves")]


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def home(client: Client) -> str:
    return client.get("/admin/").content.decode()


def listed(client: Client, url: str) -> set[int]:
    return {a.pk for a in client.get(url).context["cl"].result_list}


def test_the_chair_sees_what_waits_is_late_blocked_or_due_again(make_article, author, chair, reviewers):
    waiting = submit(make_article(author, question="How is gout treated?"), author)
    late = start_review(make_article(author, question="How is migraine treated?"), author, chair, reviewers[:2])
    Assignment.objects.filter(article=late).update(due_at=timezone.now() - timedelta(days=2))
    blocked = start_review(make_article(author, question="How is asthma treated?"), author, chair, reviewers[:2])
    services.comment_create(article=blocked, user=reviewers[0], body="Dose?", blocking=True)
    client = logged_in(chair)

    html = home(client)

    assert 'href="/admin/articles/article/?needs=waiting_for_reviewers"><strong>1</strong> article submitted' in html
    assert 'href="/admin/articles/article/?needs=in_review"><strong>2</strong> articles in review' in html
    assert "<strong>1</strong> article in review with a reviewer past the due date" in html
    assert "<strong>1</strong> article held back by an unresolved blocking comment" in html
    assert "<strong>0</strong> articles published and due for re-review" in html
    # each count opens the list it counted
    assert listed(client, "/admin/articles/article/?needs=waiting_for_reviewers") == {waiting.pk}
    assert listed(client, "/admin/articles/article/?needs=overdue") == {late.pk}
    assert listed(client, "/admin/articles/article/?needs=blocked") == {blocked.pk}


def test_an_author_sees_their_own_work_and_a_reviewer_their_queue(make_article, author, other_author, chair, reviewers):
    mine = make_article(author, question="How is gout treated?")
    make_article(other_author, question="How is migraine treated?")
    in_review = start_review(make_article(author, question="How is asthma treated?"), author, chair, reviewers[:2])
    services.comment_create(article=in_review, user=reviewers[0], body="Dose?", blocking=True)

    author_home = home(logged_in(author))
    reviewer_home = home(logged_in(reviewers[0]))

    assert "<strong>1</strong> article of mine to write or revise" in author_home
    assert "<strong>1</strong> article of mine with a blocking comment to answer" in author_home
    assert "held back by an unresolved blocking comment" not in author_home  # the chair's bucket
    assert listed(logged_in(author), "/admin/articles/article/?needs=to_fix") == {mine.pk}
    assert "<strong>1</strong> article waits for your sign-off" in reviewer_home
    assert 'id="dashboard"' not in reviewer_home
