"""The bell (what happened to my articles and reviews since I last looked) and the e-mails' signed,
single-use, expiring links (accept / decline an invitation, open the exact thread)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail, signing

from reviewboard.delivery import links
from reviewboard.delivery.notifications import email_reviewers_review_started
from reviewboard.models import Assignment, Event, UsedLink
from reviewboard.review import activity, services
from tests.logins import logged_in
from tests.reviewboard.conftest import assignment_of, start_review

pytestmark = pytest.mark.django_db


def test_the_bell_counts_what_others_did_on_my_articles_until_i_look(article, author, other_author, chair, reviewers):
    start_review(article, author, chair, reviewers[:2])
    services.comment_create(article=article, user=reviewers[0], body="Dose?", blocking=True)
    client = logged_in(author)

    home = client.get("/admin/").content.decode()
    count = client.get("/admin/notifications/count/").content.decode()
    page = client.get("/admin/notifications/").content.decode()
    again = client.get("/admin/notifications/count/").content.decode()

    assert activity.unseen_count(author) == 0  # looked
    assert 'id="notifications-bell"' in home
    assert 'hx-get="/admin/notifications/count/"' in home  # the count loads after the page
    # assigned twice, review started, both reviewers accepted, a blocking comment (their own submit is not news)
    assert "(6 new)" in count
    assert "added a blocking comment" in page
    assert again == '<span id="bell-count"></span>'
    assert activity.unseen_count(other_author) == 0  # nothing of theirs happened (visibility rule)


def test_an_invitation_link_answers_it_once(article, author, chair, reviewers):
    start_review(article, author, chair, reviewers[:2], accept=False)
    assignment = assignment_of(article, reviewers[0])
    token = links.make_token("accept", user_id=reviewers[0].pk, object_id=assignment.pk)
    client = logged_in(reviewers[0])

    page = client.get(f"/admin/links/{token}/")
    accepted = client.post(f"/admin/links/{token}/", {"no_conflict": "on"})
    replayed = client.post(f"/admin/links/{token}/", {"no_conflict": "on"}, follow=True)

    assert page.status_code == 200
    assert accepted.status_code == 302
    assert accepted["Location"] == f"/admin/articles/article/{article.pk}/review/"
    assert Assignment.objects.get(pk=assignment.pk).accepted_at is not None
    assert "This link was already used" in replayed.content.decode()
    assert UsedLink.objects.count() == 1


def test_the_review_started_email_has_the_answer_links(article, author, chair, reviewers, mailoutbox):
    start_review(article, author, chair, reviewers[:2], accept=False)
    event = Event.objects.filter(type="review.started", article=article).latest("pk")

    email_reviewers_review_started(event)

    body = next(m.body for m in mail.outbox if reviewers[0].email in m.to)
    accept = re.search(r"accept \(you confirm you have no conflict of interest\): \S+/admin/links/(\S+)/", body)
    assert accept is not None, body
    link = links.read(accept.group(1), user=reviewers[0])
    assert (link.kind, link.object_id) == ("accept", assignment_of(article, reviewers[0]).pk)


def test_a_link_refuses_another_user_an_expired_or_a_changed_token(article, author, chair, reviewers, monkeypatch):
    start_review(article, author, chair, reviewers[:2], accept=False)
    assignment = assignment_of(article, reviewers[0])
    token = links.make_token("decline", user_id=reviewers[0].pk, object_id=assignment.pk)

    not_mine = logged_in(reviewers[1]).get(f"/admin/links/{token}/", follow=True).content.decode()
    changed = logged_in(reviewers[0]).get(f"/admin/links/{token}x/", follow=True).content.decode()
    monkeypatch.setattr(links, "LINK_MAX_AGE", timedelta(seconds=-1))
    expired = logged_in(reviewers[0]).get(f"/admin/links/{token}/", follow=True).content.decode()

    assert "This link was sent to someone else" in not_mine
    assert "This link is not valid" in changed
    assert "This link has expired" in expired
    assert Assignment.objects.get(pk=assignment.pk).declined_at is None
    assert not UsedLink.objects.exists()


def test_a_thread_link_opens_the_exact_thread_once(article, author, chair, reviewers):
    start_review(article, author, chair, reviewers[:2])
    comment = services.comment_create(article=article, user=reviewers[0], body="Dose?", blocking=True)
    token = links.make_token("thread", user_id=author.pk, object_id=comment.pk)
    client = logged_in(author)

    first = client.get(f"/admin/links/{token}/")
    second = client.get(f"/admin/links/{token}/")

    assert first["Location"] == f"/admin/articles/article/{article.pk}/review/#comment-{comment.pk}"
    assert second["Location"] == "/admin/"


def test_tokens_are_signed_with_their_own_salt():
    token = links.make_token("thread", user_id=1, object_id=2)

    with pytest.raises(signing.BadSignature):
        signing.loads(token)  # not readable as any other signed value of the project
