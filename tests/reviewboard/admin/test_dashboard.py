"""The admin home per role as task lists: titles, what each item needs, due dates, the action one click away;
each panel's list opens the article list filtered the same way; no technical models for board members."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from reviewboard.admin.dashboard import task_panels
from reviewboard.models import Assignment, Declaration
from reviewboard.review import services
from tests.logins import logged_in
from tests.reviewboard.conftest import assignment_of, start_review, submit

# Not about who ends a review: "the quorum approves" (issue 18's board setting; default: the chair).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quorum_approves")]


def home(client: Client) -> str:
    return client.get("/admin/").content.decode()


def panels(user) -> dict[str, dict]:
    """What the home page draws for ``user`` (the template tag's data), by panel key."""
    return {panel["key"]: panel for panel in task_panels(user)}


def listed(client: Client, url: str) -> set[int]:
    return {a.pk for a in client.get(url).context["cl"].result_list}


def test_the_chair_sees_titles_needs_due_dates_and_the_action(make_article, author, chair, reviewers):
    waiting = submit(make_article(author, question="How is gout treated?"), author)
    late = start_review(make_article(author, question="How is migraine treated?"), author, chair, reviewers[:2])
    due = timezone.now() - timedelta(days=2)
    Assignment.objects.filter(article=late).update(due_at=due)
    blocked = start_review(make_article(author, question="How is asthma treated?"), author, chair, reviewers[:2])
    services.comment_create(article=blocked, user=reviewers[0], body="Dose?", blocking=True)
    client = logged_in(chair)

    shown = panels(chair)
    html = home(client)

    assert list(shown)[:2] == ["decisions", "waiting_for_reviewers"]
    assert shown["decisions"]["count"] == 0
    assert "Nothing awaits your decision." in html
    [task] = shown["waiting_for_reviewers"]["tasks"]
    assert (task.title, task.action) == ("How is gout treated?", "Assign reviewers")
    assert task.needs == "0 of 2 reviewers assigned: assign the rest, then start the review"
    assert task.url == f"/admin/articles/article/{waiting.pk}/review/"
    [overdue] = shown["overdue"]["tasks"]
    assert (overdue.title, overdue.overdue, overdue.due) == ("How is migraine treated?", True, due)
    assert [t.title for t in shown["blocked"]["tasks"]] == ["How is asthma treated?"]
    assert f'href="/admin/articles/article/{waiting.pk}/review/">Assign reviewers</a>' in html
    # each panel's list holds what the panel counted
    assert listed(client, shown["waiting_for_reviewers"]["list_url"]) == {waiting.pk}
    assert listed(client, shown["overdue"]["list_url"]) == {late.pk}
    assert listed(client, shown["blocked"]["list_url"]) == {blocked.pk}


def test_an_unanswered_assignment_is_an_invitation_not_a_review_waiting_for_sign_off(
    make_article, author, chair, reviewers
):
    article = start_review(
        make_article(author, question="How is asthma treated?"), author, chair, reviewers[:2], accept=False
    )
    client = logged_in(reviewers[0])

    before = panels(reviewers[0])
    html = home(client)
    services.assignment_accept(assignment=assignment_of(article, reviewers[0]), user=reviewers[0], no_conflict=True)
    after = panels(reviewers[0])

    assert [t.title for t in before["invitations"]["tasks"]] == ["How is asthma treated?"]
    assert before["invitations"]["tasks"][0].action == "Answer the invitation"
    assert before["reviews_due"]["count"] == 0
    assert "waits for your sign-off" not in html
    assert after["invitations"]["count"] == 0
    [review] = after["reviews_due"]["tasks"]
    assert review.due == assignment_of(article, reviewers[0]).due_at
    assert "declaration" not in before  # a current declaration far from expiring: no panel


def test_a_reviewer_is_told_their_declaration_expires(reviewers):
    Declaration.objects.filter(member=reviewers[0]).update(expires_at=timezone.now() + timedelta(days=5))

    [task] = panels(reviewers[0])["declaration"]["tasks"]

    assert task.needs == "Your declaration of interests expires soon: renew it"


def test_an_author_sees_what_needs_their_changes(make_article, author, other_author, chair, reviewers):
    mine = make_article(author, question="How is gout treated?")
    make_article(other_author, question="How is migraine treated?")
    in_review = start_review(make_article(author, question="How is asthma treated?"), author, chair, reviewers[:2])
    services.comment_create(article=in_review, user=reviewers[0], body="Dose?", blocking=True)
    client = logged_in(author)

    shown = panels(author)
    html = home(client)

    needs = {t.title: t.needs for t in shown["to_fix"]["tasks"]}
    assert needs == {
        "How is gout treated?": "Draft: finish it and submit it for review",
        "How is asthma treated?": "A blocking comment waits for your answer",
    }
    assert "How is migraine treated?" not in html
    assert "blocked" not in shown  # the chair's panel
    assert "invitations" not in shown  # the reviewers' panel
    assert listed(client, "/admin/articles/article/?needs=to_fix") == {mine.pk}


@pytest.mark.parametrize("who", ["chair", "reviewer", "author"])
def test_board_members_get_no_technical_models_superusers_keep_them(who, author, chair, reviewers):
    member = {"chair": chair, "reviewer": reviewers[0], "author": author}[who]
    root = get_user_model().objects.create_superuser("root", "root@example.org", "pw")

    member_home = home(logged_in(member))
    root_home = home(logged_in(root))

    for technical in ("Crontabs", "Intervals", "Webhook deliveries", "Periodic tasks"):
        assert technical not in member_home
        assert technical in root_home
    assert 'class="app-' not in member_home


def test_the_home_page_queries_are_bounded(make_article, author, chair, reviewers, django_assert_max_num_queries):
    for n in range(6):
        submit(make_article(author, question=f"Question {n} about back pain?"), author)
    client = logged_in(chair)

    with django_assert_max_num_queries(40):
        client.get("/admin/")
