"""The review screens in the admin: the queue, the list columns, the article's review page, and
every review action posted to its own URL, refused (with a message, changing nothing) when the
user may not."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from articles.models import PublishedVersion, ReviewState, Section
from reviewboard.models import Assignment, AuditEntry, Comment, SignOff
from reviewboard.review import selectors, services
from reviewboard.review.actions import ACTIONS
from tests.logins import logged_in
from tests.reviewboard.admin.screens import (
    QUEUE_URL,
    action_url,
    buttons,
    change_url,
    errors,
    fresh,
    message_list,
    page,
    reach,
    successes,
    transition_url,
)
from tests.reviewboard.conftest import sign, start_review, submit

# Not about who ends a review: "the quorum approves" (issue 18's board setting; default: the chair).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quorum_approves")]


# --- My review queue --------------------------------------------------------------------------


def test_queue_lists_my_unsigned_assignments_only(cast, article, make_article):
    # given: reviewer1 on A (unsigned, overdue) and C (already signed); not on B
    a = start_review(article, cast["author"], cast["chair"], [cast["reviewer1"], cast["reviewer2"]])
    Assignment.objects.filter(article=a, reviewer=cast["reviewer1"]).update(due_at=timezone.now() - timedelta(days=2))
    b = start_review(
        make_article(cast["author"], question="How is gout treated?"),
        cast["author"],
        cast["chair"],
        [cast["reviewer2"], cast["reviewer3"]],
    )
    c = start_review(
        make_article(cast["author"], question="How is migraine treated?"),
        cast["author"],
        cast["chair"],
        [cast["reviewer1"], cast["reviewer3"]],
    )
    sign(c, cast["reviewer1"])

    # when
    response = logged_in(cast["reviewer1"]).get(QUEUE_URL)

    # then
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row["article"].pk for row in rows] == [a.pk]
    html = response.content.decode()
    assert "What are the treatment options for back pain?" in html
    assert "How is gout treated?" not in html
    assert "How is migraine treated?" not in html
    assert rows[0]["progress"] == "0 of 2"
    assert rows[0]["overdue"] is True
    assert 'class="review-overdue">overdue<' in html
    assert change_url(a) in html
    # reviewer2 has A and B, reviewer3 has B only (C waits for reviewer3 too)
    assert {r["article"].pk for r in logged_in(cast["reviewer2"]).get(QUEUE_URL).context["rows"]} == {a.pk, b.pk}
    assert {r["article"].pk for r in logged_in(cast["reviewer3"]).get(QUEUE_URL).context["rows"]} == {b.pk, c.pk}
    c_row = next(r for r in logged_in(cast["reviewer3"]).get(QUEUE_URL).context["rows"] if r["article"].pk == c.pk)
    assert c_row["progress"] == "1 of 2"


def test_queue_is_empty_for_an_author_and_says_so(cast, article):
    start_review(article, cast["author"], cast["chair"], [cast["reviewer1"], cast["reviewer2"]])

    response = logged_in(cast["author"]).get(QUEUE_URL)

    assert response.status_code == 200
    assert response.context["rows"] == []
    assert "Nothing waits for your sign-off." in response.content.decode()


def test_admin_index_shows_the_queue_first_to_reviewers_only(cast):
    reviewer_page = logged_in(cast["reviewer1"]).get("/admin/").content.decode()
    author_page = logged_in(cast["author"]).get("/admin/").content.decode()

    assert 'id="panel-reviews_due"' in reviewer_page  # the home's task panels (name moved from review-queue-module)
    assert reviewer_page.index('id="panel-invitations"') < reviewer_page.index('id="board-places"')
    assert 'id="panel-reviews_due"' not in author_page


def test_queue_queries_are_bounded(cast, make_article, django_assert_max_num_queries):
    for n in range(12):
        article = make_article(cast["author"], question=f"Question {n} about back pain?")
        start_review(article, cast["author"], cast["chair"], [cast["reviewer1"], cast["reviewer2"]])
    client = logged_in(cast["reviewer1"])

    with django_assert_max_num_queries(8):
        response = client.get(QUEUE_URL)

    assert len(response.context["rows"]) == 12
    assert {row["progress"] for row in response.context["rows"]} == {"0 of 2"}


# --- the article list -------------------------------------------------------------------------


def test_changelist_shows_state_signoffs_due_and_overdue(cast, article, make_article):
    late = start_review(article, cast["author"], cast["chair"], [cast["reviewer1"], cast["reviewer2"]])
    sign(late, cast["reviewer1"])
    due = timezone.now() - timedelta(days=1)
    Assignment.objects.filter(article=late, reviewer=cast["reviewer2"]).update(due_at=due)
    draft = make_article(cast["author"], question="How is gout treated?")

    response = logged_in(cast["chair"]).get(reverse("admin:articles_article_changelist"))

    rows = {a.pk: a for a in response.context["cl"].result_list}
    assert rows[late.pk]._signed == 1
    assert rows[late.pk]._quorum == 2
    assert rows[late.pk]._next_due == due  # reviewer2's, the one not signed
    html = response.content.decode()
    assert "1 of 2" in html
    assert 'class="review-overdue">overdue<' in html
    assert rows[draft.pk]._signed == 0
    assert rows[draft.pk]._next_due is None


def test_changelist_queries_are_bounded_with_reviews_running(cast, make_article, django_assert_max_num_queries):
    for n in range(10):
        article = make_article(cast["author"], question=f"Question {n} about back pain?")
        if n % 2:
            article = start_review(article, cast["author"], cast["chair"], [cast["reviewer1"], cast["reviewer2"]])
            sign(article, cast["reviewer1"])
    for n in range(10):
        make_article(cast["author"], question=f"Draft {n} about back pain?")
    client = logged_in(cast["chair"])

    with django_assert_max_num_queries(10):
        response = client.get(reverse("admin:articles_article_changelist"))

    assert len(response.context["cl"].result_list) == 20
    assert response.content.decode().count("1 of 2") == 5


# --- buttons: only what the user may do now -----------------------------------------------------

EXPECTED_BUTTONS = {
    ("author", ReviewState.DRAFT): ["submit"],
    ("chair", ReviewState.DRAFT): ["submit", "archive"],
    ("author", ReviewState.SUBMITTED): ["withdraw"],
    ("chair", ReviewState.SUBMITTED): ["withdraw", "start_review", "archive"],
    ("reviewer1", ReviewState.SUBMITTED): [],
    ("author", ReviewState.UNDER_REVIEW): ["withdraw"],
    # issue 18: the chair may reject (a form: the note to the authors); issue 20: archive set apart, last
    ("chair", ReviewState.UNDER_REVIEW): ["withdraw", "request_changes", "reject", "archive"],
    ("reviewer1", ReviewState.UNDER_REVIEW): ["request_changes"],
    ("author", ReviewState.CHANGES_REQUESTED): ["submit"],
    ("reviewer1", ReviewState.CHANGES_REQUESTED): [],
    ("author", ReviewState.APPROVED): ["revise"],
    ("chair", ReviewState.APPROVED): ["revise", "retract"],
    ("reviewer1", ReviewState.APPROVED): [],
}


@pytest.mark.parametrize(("role", "state"), list(EXPECTED_BUTTONS))
def test_buttons_are_the_transitions_the_user_may_use_now(cast, article, role, state):
    article = reach(state, article, cast)
    user = cast[role]

    html = page(logged_in(user), article)

    drawn = buttons(html)
    assert sorted(drawn) == sorted(services.available_transitions(article=fresh(article), user=user))
    assert drawn == EXPECTED_BUTTONS[(role, state)]
    # buttons that need a comment or a reason open a form (a link), the others post at once
    for name in drawn:
        if name in ("withdraw", "request_changes", "retract", "archive", "revise", "reject"):
            assert f'href="{transition_url(article, name)}"' in html
        else:
            assert f'action="{transition_url(article, name)}"' in html


@pytest.mark.parametrize(("role", "state"), [("reviewer1", ReviewState.DRAFT), ("reviewer3", ReviewState.UNDER_REVIEW)])
def test_a_reviewer_never_assigned_to_the_article_does_not_see_its_review_page(cast, article, role, state):
    # one visibility rule (selectors.visible_articles): reviewers see the articles they were ever assigned to
    article = reach(state, article, cast)

    response = logged_in(cast[role]).get(change_url(article))

    assert response.status_code == 302
    assert "Sign off on content" not in response.content.decode()
    assert article not in selectors.visible_articles(cast[role])


def test_a_transition_held_back_by_a_condition_says_why(cast, article):
    # the chair, one reviewer assigned where the quorum is two
    article = submit(article, cast["author"])
    services.assignment_create(article=article, reviewer=cast["reviewer1"], user=cast["chair"])

    html = page(logged_in(cast["chair"]), article)

    assert "start_review" not in buttons(html)
    refusal = services.transition_refusal(article=fresh(article), user=cast["chair"], name="start_review")
    assert refusal.code == "not-enough-reviewers"
    reason = escape(refusal.message)
    label = ACTIONS["start_review"].label
    assert f'<li data-blocked="start_review"><strong>{label}</strong> is not possible yet: {reason}' in html
    # a refusal for want of permission is not advertised
    assert "data-blocked" not in page(logged_in(cast["reviewer1"]), article)


def test_an_author_sees_why_submit_is_held_back_by_integrity_errors(cast, article):
    Section.objects.filter(article=article, position=1).update(body="Stay active for back pain [3].")

    html = page(logged_in(cast["author"]), article)

    assert buttons(html) == []
    assert 'data-blocked="submit"' in html
    assert "citation problem(s) to fix before submitting. Marker 3 has no reference" in html
    assert "unresolved-citation" not in html  # the problem in words, never its code


def test_chair_may_approve_when_the_quorum_signed_but_a_blocking_comment_was_resolved_late(cast, article, unchanged):
    # the chair's approve button appears exactly when the conditions hold
    article = reach(ReviewState.UNDER_REVIEW, article, cast)
    comment = services.comment_create(article=article, user=cast["chair"], body="Check the dose.", blocking=True)
    sign(article, cast["reviewer1"])
    sign(fresh(article), cast["reviewer2"])
    chair = logged_in(cast["chair"])
    assert fresh(article).state == ReviewState.UNDER_REVIEW
    assert "approve" not in buttons(page(chair, article))  # the blocking comment holds it back
    html = page(chair, article)
    assert f'id="resolve-note-{comment.pk}" rows="2">' in html  # their own comment: the note is optional

    response = chair.post(action_url("comment_resolve", article, comment.pk), {"note": "Dose checked: 400 mg."})

    # resolving never approves, even the last blocking comment with the quorum signed: the chair approves
    assert response.status_code == 302
    assert successes(response) == ["Comment resolved."]
    assert fresh(article).state == ReviewState.UNDER_REVIEW
    assert Comment.objects.get(pk=comment.pk).resolved_by == cast["chair"]
    assert "approve" in buttons(page(chair, article))


def test_the_sign_off_button_posts_the_hash_under_review_and_asks_first(cast, article):
    article = reach(ReviewState.UNDER_REVIEW, article, cast)
    review_hash = article.review_hash

    html = page(logged_in(cast["reviewer1"]), article)

    # plain words on the button (no content hash for people to read); the hash travels in the form
    assert ">Sign off on this content</button>" in html
    assert 'data-confirm="Sign off on the content shown here?' in html
    assert f'<input type="hidden" name="content_hash" value="{review_hash}">' in html
    assert f'action="{action_url("sign_off", article)}"' in html
    # nobody else gets it: not the unassigned reviewer, the author or the chair
    for role in ("author", "chair"):
        assert "Sign off on this content" not in page(logged_in(cast[role]), article), role


def test_sign_off_through_the_admin_counts_and_the_last_one_approves(cast, article, django_capture_on_commit_callbacks):
    article = reach(ReviewState.UNDER_REVIEW, article, cast)
    reviewer1, reviewer2 = logged_in(cast["reviewer1"]), logged_in(cast["reviewer2"])

    first = reviewer1.post(action_url("sign_off", article), {"content_hash": article.review_hash, "comment": "Fine."})

    assert first.status_code == 302
    assert first.url == change_url(article)
    assert successes(first) == [
        f"You signed off on content {article.review_hash[:4]}…{article.review_hash[-4:]}. Sign-offs: 1 of 2."
    ]
    assert SignOff.objects.get(reviewer=cast["reviewer1"]).content_hash == article.review_hash
    assert "Sign off on content" not in page(reviewer1, article)  # signed: the button is gone
    assert "1 of 2" in page(reviewer1, article)

    with django_capture_on_commit_callbacks(execute=True):
        second = reviewer2.post(action_url("sign_off", article), {"content_hash": article.review_hash})

    assert "That completed the quorum: the article is approved." in successes(second)[0]
    approved = fresh(article)
    assert approved.state == ReviewState.APPROVED
    assert PublishedVersion.objects.filter(article=article, content_hash=article.review_hash).exists()
    assert approved.live_version is not None


def test_a_sign_off_on_a_stale_hash_is_refused_and_changes_nothing(cast, article, unchanged):
    article = reach(ReviewState.UNDER_REVIEW, article, cast)
    client = logged_in(cast["reviewer1"])

    with unchanged(article):
        response = client.post(action_url("sign_off", article), {"content_hash": "0" * 64})

    assert response.status_code == 302
    assert response.url == change_url(article)
    assert any(text.startswith("Sign-off refused:") and "does not count" in text for text in errors(response))
    assert not SignOff.objects.exists()


def test_a_sign_off_by_someone_not_assigned_is_refused(cast, article, unchanged):
    article = reach(ReviewState.UNDER_REVIEW, article, cast)

    for role in ("author", "chair"):
        with unchanged(article):
            response = logged_in(cast[role]).post(
                action_url("sign_off", article), {"content_hash": article.review_hash}
            )
        assert response.status_code == 302
        assert errors(response), role
    assert not SignOff.objects.exists()


# --- forged POSTs: refused with a message, nothing changed ------------------------------------


@pytest.mark.parametrize(
    ("role", "state", "name", "data"),
    [
        ("reviewer1", ReviewState.UNDER_REVIEW, "approve", {}),
        ("reviewer3", ReviewState.UNDER_REVIEW, "request_changes", {"comment": "I am not assigned."}),
        ("reviewer1", ReviewState.APPROVED, "retract", {"reason": "Wrong."}),
        ("author", ReviewState.SUBMITTED, "start_review", {}),
        ("author", ReviewState.UNDER_REVIEW, "approve", {}),
        ("author", ReviewState.APPROVED, "retract", {"reason": "Mine."}),
        ("reviewer1", ReviewState.DRAFT, "submit", {}),
        ("chair", ReviewState.UNDER_REVIEW, "approve", {}),  # allowed role, but the quorum has not signed
        ("author", ReviewState.DRAFT, "start_review", {}),  # wrong state as well
        ("chair", ReviewState.DRAFT, "no_such_transition", {}),
    ],
)
def test_a_forged_transition_post_is_refused_and_changes_nothing(cast, article, unchanged, role, state, name, data):
    article = reach(state, article, cast)
    client = logged_in(cast[role])

    with unchanged(article):
        response = client.post(transition_url(article, name), data)

    assert response.status_code == 302
    assert errors(response), message_list(response)
    assert not successes(response)


def test_another_author_cannot_submit_an_article_that_is_not_theirs(cast, article, unchanged):
    client = logged_in(cast["other_author"])

    with unchanged(article):
        response = client.post(transition_url(article, "submit"))

    assert response.status_code == 302
    assert response.url == reverse("admin:articles_article_changelist")
    assert errors(response) == [f"There is no article with ID “{article.pk}” that you may see."]


def test_a_post_to_a_transition_that_does_not_exist_is_refused(cast, article, unchanged):
    with unchanged(article):
        response = logged_in(cast["author"]).post(transition_url(article, "publish_now"))

    assert response.status_code == 302
    assert response.url == change_url(article)
    assert errors(response) == ["There is no transition “publish_now”."]


def test_a_post_without_the_csrf_token_is_rejected(cast, article, unchanged):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast["author"])

    with unchanged(article):
        response = client.post(transition_url(article, "submit"))

    assert response.status_code == 403


def test_get_on_an_action_url_changes_nothing(cast, article, unchanged):
    client = logged_in(cast["author"])

    with unchanged(article):
        response = client.get(transition_url(article, "submit"))
        signoff = client.get(action_url("sign_off", article))
        comment = client.get(action_url("comment", article), {"body": "via GET"})

    for result in (response, signoff, comment):
        assert result.status_code == 302
        assert result.url == change_url(article)


def test_allowed_transition_posts_go_through_the_services(cast, article):
    client = logged_in(cast["author"])

    response = client.post(transition_url(article, "submit"))

    assert response.status_code == 302
    assert successes(response) == ["Submitted for review. The chair assigns reviewers and starts the review."]
    article = fresh(article)
    assert article.state == ReviewState.SUBMITTED
    entry = AuditEntry.objects.get(article=article, action="submit")
    assert entry.actor == cast["author"]
    assert entry.content_hash == article.review_hash
    # and the audit history shows it on the page
    html = page(client, article)
    assert 'data-action="submit"' in html
    assert "Draft → Submitted" in html


def test_chair_starts_the_review_from_the_page(cast, article):
    article = reach(ReviewState.SUBMITTED, article, cast)

    response = logged_in(cast["chair"]).post(transition_url(article, "start_review"))

    assert successes(response) == ["Review started. The reviewers can read, comment and sign off now."]
    assert fresh(article).state == ReviewState.UNDER_REVIEW
    assert Assignment.objects.filter(article=article, due_at__isnull=False, closed_at__isnull=True).count() == 2


# --- transitions that need a comment or a reason --------------------------------------------


@pytest.mark.parametrize(
    ("role", "state", "name", "field"),
    [
        ("author", ReviewState.SUBMITTED, "withdraw", "comment"),
        ("reviewer1", ReviewState.UNDER_REVIEW, "request_changes", "comment"),
        ("chair", ReviewState.APPROVED, "retract", "reason"),
    ],
)
def test_the_button_opens_a_form_and_a_blank_post_is_refused(cast, article, unchanged, role, state, name, field):
    article = reach(state, article, cast)
    client = logged_in(cast[role])

    form = client.get(transition_url(article, name))

    assert form.status_code == 200
    html = form.content.decode()
    assert f'<textarea name="{field}"' in html
    assert f'action="{transition_url(article, name)}"' in html
    assert "csrfmiddlewaretoken" in html

    with unchanged(article):
        blank = client.post(transition_url(article, name), {field: "   "})

    assert blank.status_code == 302
    assert blank.url == transition_url(article, name)  # back to the form
    assert any("is required" in text for text in errors(blank))


def test_withdraw_with_a_comment(cast, article):
    article = reach(ReviewState.UNDER_REVIEW, article, cast)

    response = logged_in(cast["author"]).post(transition_url(article, "withdraw"), {"comment": "Dose is wrong."})

    assert successes(response) == [f"{ACTIONS['withdraw'].audit_label}. The authors can edit the article again."]
    assert fresh(article).state == ReviewState.DRAFT
    assert AuditEntry.objects.get(article=article, action="withdraw").comment == "Dose is wrong."
    assert not Assignment.objects.filter(article=article, closed_at__isnull=True).exists()


def test_request_changes_with_a_comment(cast, article):
    article = reach(ReviewState.UNDER_REVIEW, article, cast)

    response = logged_in(cast["reviewer1"]).post(
        transition_url(article, "request_changes"), {"comment": "Cite the guideline for NSAIDs."}
    )

    assert successes(response) == ["Changes requested. The authors revise the article and submit it again."]
    assert fresh(article).state == ReviewState.CHANGES_REQUESTED
    assert SignOff.objects.get(article=article).decision == SignOff.Decision.REQUEST_CHANGES


def test_retract_with_a_reason(cast, article):
    article = reach(ReviewState.APPROVED, article, cast)

    response = logged_in(cast["chair"]).post(transition_url(article, "retract"), {"reason": "Guideline withdrawn."})

    said = f"{ACTIONS['retract'].audit_label}. Readers now get the reason instead of the article."
    assert successes(response) == [said]
    retracted = fresh(article)
    assert retracted.state == ReviewState.RETRACTED
    assert retracted.retraction_reason == "Guideline withdrawn."


def test_the_form_page_is_not_shown_to_someone_who_may_not_use_it(cast, article, unchanged):
    article = reach(ReviewState.APPROVED, article, cast)

    with unchanged(article):
        response = logged_in(cast["reviewer1"]).get(transition_url(article, "retract"))

    assert response.status_code == 302
    assert response.url == change_url(article)
    assert any(text.startswith(f"{ACTIONS['retract'].label} is not possible now:") for text in errors(response))
