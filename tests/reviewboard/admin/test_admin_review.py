"""The review screens in the admin: the queue, the list columns, the article's review page, and
every review action posted to its own URL, refused (with a message, changing nothing) when the
user may not."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib import messages
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from articles.models import Article, PublishedVersion, ReviewState, Section
from articles.publishing import published_version_render
from reviewboard.admin.review_words import person_name
from reviewboard.audit.chain import audit_verify
from reviewboard.models import Assignment, AuditEntry, Comment, SignOff, Specialty
from reviewboard.review import selectors, services
from reviewboard.review.actions import ACTIONS
from tests.reviewboard.conftest import assignment_of, make_author, make_reviewer, sign, start_review, submit

# Not about who ends a review: "the quorum approves" (issue 18's board setting; default: the chair).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quorum_approves")]


# --- helpers ----------------------------------------------------------------------------------


def change_url(article) -> str:
    """The article's review screen: where every review action is offered and returns to."""
    return reverse("admin:articles_article_review", args=[article.pk])


def action_url(view: str, article, *args) -> str:
    return reverse(f"admin:articles_article_{view}", args=[article.pk, *args])


def transition_url(article, name: str) -> str:
    return action_url("transition", article, name)


QUEUE_URL = "/admin/reviewboard/assignment/queue/"


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def message_list(response) -> list[tuple[int, str]]:
    return [(m.level, str(m)) for m in get_messages(response.wsgi_request)]


def errors(response) -> list[str]:
    return [text for level, text in message_list(response) if level == messages.ERROR]


def successes(response) -> list[str]:
    return [text for level, text in message_list(response) if level == messages.SUCCESS]


def page(client: Client, article) -> str:
    response = client.get(change_url(article))
    assert response.status_code == 200
    return response.content.decode()


def buttons(html: str) -> list[str]:
    """The transition buttons drawn on the review page, in order."""
    return re.findall(r'data-transition="([a-z_]+)"', html)


def fresh(article) -> Article:
    return Article.objects.get(pk=article.pk)


@pytest.fixture
def cast(author, chair, reviewers, other_author):
    return {
        "author": author,
        "chair": chair,
        "reviewer1": reviewers[0],
        "reviewer2": reviewers[1],
        "reviewer3": reviewers[2],
        "other_author": other_author,
    }


def reach(state: str, article, cast) -> Article:
    """``article`` brought to ``state`` through the services (reviewer1 and reviewer2 assigned)."""
    if state == ReviewState.DRAFT:
        return article
    if state == ReviewState.SUBMITTED:
        article = submit(article, cast["author"])
        for reviewer in (cast["reviewer1"], cast["reviewer2"]):
            services.assignment_create(article=article, reviewer=reviewer, user=cast["chair"])
        return fresh(article)
    article = start_review(article, cast["author"], cast["chair"], [cast["reviewer1"], cast["reviewer2"]])
    if state == ReviewState.CHANGES_REQUESTED:
        return services.article_request_changes(article=article, user=cast["reviewer1"], comment="Fix the dose.")
    if state == ReviewState.APPROVED:
        sign(article, cast["reviewer1"])
        sign(fresh(article), cast["reviewer2"])
        assert fresh(article).state == ReviewState.APPROVED
    return fresh(article)


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


# --- comments ---------------------------------------------------------------------------------


def test_reviewer_adds_a_blocking_comment_on_a_section(cast, article):
    article = reach(ReviewState.UNDER_REVIEW, article, cast)
    section = Section.objects.get(article=article, position=2)
    client = logged_in(cast["reviewer1"])
    form = page(client, article)
    assert 'class="new-comment"' in form
    assert 'aria-label="Comments on Medication"' in form  # that section's column ("Comment on this section")
    assert f'name="section" value="{section.pk}"' in form
    assert 'name="blocking"' in form

    response = client.post(
        action_url("comment", article), {"section": section.pk, "body": "Give the <b>dose</b> range.", "blocking": "on"}
    )

    assert successes(response) == ["Blocking comment added: it holds back approval until it is resolved."]
    comment = Comment.objects.get(article=article)
    assert comment.section == section
    assert comment.blocking
    assert comment.author == cast["reviewer1"]
    html = page(client, article)
    assert escape("Give the <b>dose</b> range.") in html
    assert "<b>dose</b>" not in html
    # the thread sits beside its section, and the bar says what approval waits on
    medication = html.split('id="preview-section-2"')[1].split('id="preview-section-3"')[0]
    assert f'class="thread thread-blocking" id="comment-{comment.pk}"' in medication
    assert f'data-resolve="{comment.pk}"' in medication  # whoever raised it may resolve it
    assert "1 blocking comment from" in html.split('id="review-progress-words"')[1].split("</span>")[0]


def test_comment_refusals_change_nothing(cast, article, unchanged):
    article = reach(ReviewState.UNDER_REVIEW, article, cast)
    author = logged_in(cast["author"])

    # the author's form has no blocking box, and a forged blocking comment is refused
    assert 'name="blocking"' not in page(author, article)
    with unchanged(article):
        forged = author.post(action_url("comment", article), {"body": "Approve it!", "blocking": "on"})
        blank = logged_in(cast["reviewer1"]).post(action_url("comment", article), {"body": "  "})
        stranger = logged_in(cast["reviewer3"]).post(action_url("comment", article), {"body": "Not mine."})
        bad_section = logged_in(cast["reviewer1"]).post(
            action_url("comment", article), {"body": "Where?", "section": "999999"}
        )

    assert any(text.startswith("Comment not added: Only") for text in errors(forged))
    assert any("comment text is required" in text for text in errors(blank))
    assert errors(stranger)
    assert any("is not a section of this article" in text for text in errors(bad_section))


def test_resolving_a_comment(cast, article, unchanged):
    article = reach(ReviewState.UNDER_REVIEW, article, cast)
    comment = services.comment_create(article=article, user=cast["reviewer1"], body="Dose?", blocking=True)
    author = logged_in(cast["author"])

    # the author sees no resolve button on a blocking comment, and a forged resolve is refused
    assert f'data-resolve="{comment.pk}"' not in page(author, article)
    with unchanged(article):
        refused = author.post(action_url("comment_resolve", article, comment.pk))
    assert errors(refused)

    chair = logged_in(cast["chair"])
    with unchanged(article):
        no_note = chair.post(action_url("comment_resolve", article, comment.pk))
    assert errors(no_note)[0].startswith("Comment not resolved:")
    assert f'id="resolve-note-{comment.pk}" rows="2" required' in page(chair, article)
    response = chair.post(action_url("comment_resolve", article, comment.pk), {"note": "Dose added to section 2."})

    assert successes(response) == [f"Comment resolved. {person_name(cast['reviewer1'])} is told how it was handled."]
    comment.refresh_from_db()
    assert comment.resolved_by == cast["chair"]
    html = page(author, article)
    assert "Resolved by" in html
    assert 'class="thread thread-resolved"' in html


def test_resolving_a_comment_of_another_article_is_refused(cast, article, make_article, unchanged):
    article = reach(ReviewState.UNDER_REVIEW, article, cast)
    other = start_review(
        make_article(cast["author"], question="How is gout treated?"),
        cast["author"],
        cast["chair"],
        [cast["reviewer1"], cast["reviewer3"]],
    )
    comment = services.comment_create(article=other, user=cast["reviewer1"], body="Dose?", blocking=True)

    with unchanged(other):
        response = logged_in(cast["reviewer1"]).post(action_url("comment_resolve", article, comment.pk))

    assert errors(response) == [f"Comment {comment.pk} is not a comment on this article."]


# --- assignments ------------------------------------------------------------------------------


def test_the_assign_form_offers_active_reviewers_who_may_review_it(cast, article):
    article = reach(ReviewState.SUBMITTED, article, cast)  # reviewer1 and reviewer2 already assigned
    inactive = make_reviewer("inactive-reviewer", active=False)
    also_author = make_reviewer("reviewing-author")
    article.authors.add(also_author)

    html = page(logged_in(cast["chair"]), article)

    assert 'id="assign-form"' in html
    options = re.findall(r'<option value="(\d+)">', html.split('id="assign-reviewer"')[1].split("</select>")[0])
    assert options == [str(cast["reviewer3"].pk)]
    assert inactive.pk not in options
    # nobody but the chair gets the form
    for role in ("author", "reviewer1"):
        assert 'id="assign-form"' not in page(logged_in(cast[role]), article)


def test_chair_assigns_a_reviewer_with_a_due_date(cast, article):
    article = reach(ReviewState.SUBMITTED, article, cast)
    due = (timezone.localdate() + timedelta(days=10)).isoformat()

    response = logged_in(cast["chair"]).post(
        action_url("assign", article), {"reviewer": cast["reviewer3"].pk, "due": due}
    )

    assert successes(response) == [f"{cast['reviewer3'].get_full_name()} assigned, due {due}."]
    assignment = assignment_of(article, cast["reviewer3"])
    assert assignment.assigned_by == cast["chair"]
    assert timezone.localtime(assignment.due_at).date().isoformat() == due
    assert AuditEntry.objects.filter(article=article, action="assign", data__reviewer_id=cast["reviewer3"].pk).exists()


def test_assignment_refusals_change_nothing(cast, article, unchanged):
    article = reach(ReviewState.SUBMITTED, article, cast)
    inactive = make_reviewer("inactive-reviewer", active=False)
    chair = logged_in(cast["chair"])

    with unchanged(article):
        by_reviewer = logged_in(cast["reviewer1"]).post(
            action_url("assign", article), {"reviewer": cast["reviewer3"].pk}
        )
        by_author = logged_in(cast["author"]).post(action_url("assign", article), {"reviewer": cast["reviewer3"].pk})
        of_inactive = chair.post(action_url("assign", article), {"reviewer": inactive.pk})
        of_the_author = chair.post(action_url("assign", article), {"reviewer": cast["author"].pk})
        twice = chair.post(action_url("assign", article), {"reviewer": cast["reviewer1"].pk})
        past_due = chair.post(action_url("assign", article), {"reviewer": cast["reviewer3"].pk, "due": "2000-01-01"})
        bad_date = chair.post(action_url("assign", article), {"reviewer": cast["reviewer3"].pk, "due": "soon"})
        nobody = chair.post(action_url("assign", article), {})

    assert any(text.startswith("Reviewer not assigned: Only") for text in errors(by_reviewer))
    assert errors(by_author)
    assert any("not an active board reviewer" in text for text in errors(of_inactive))
    assert errors(of_the_author)
    assert any("already assigned" in text for text in errors(twice))
    assert any("must be in the future" in text for text in errors(past_due))
    assert any("YYYY-MM-DD" in text for text in errors(bad_date))
    assert any("Choose a reviewer." in text for text in errors(nobody))


def test_chair_removes_an_assignment(cast, article, unchanged):
    article = reach(ReviewState.SUBMITTED, article, cast)
    assignment = assignment_of(article, cast["reviewer2"])
    with unchanged(article):
        refused = logged_in(cast["author"]).post(action_url("unassign", article, assignment.pk))
    assert errors(refused)

    response = logged_in(cast["chair"]).post(action_url("unassign", article, assignment.pk))

    assignment.refresh_from_db()
    assert assignment.close_reason == "removed"
    assert successes(response) == [f"{cast['reviewer2'].get_full_name()} removed from the review."]


def test_removing_an_assignment_of_another_article_is_refused(cast, article, make_article, unchanged):
    article = reach(ReviewState.SUBMITTED, article, cast)
    other = reach(ReviewState.SUBMITTED, make_article(cast["author"], question="How is gout treated?"), cast)
    assignment = assignment_of(other, cast["reviewer2"])

    with unchanged(other):
        response = logged_in(cast["chair"]).post(action_url("unassign", article, assignment.pk))

    assert response.status_code == 302
    assert response.url == change_url(article)
    assert errors(response) == [f"Assignment {assignment.pk} is not an assignment of this article."]


def test_assignments_and_signoffs_show_which_hash_and_whether_they_count(cast, article):
    article = reach(ReviewState.UNDER_REVIEW, article, cast)
    sign(article, cast["reviewer1"])
    Assignment.objects.filter(article=article, reviewer=cast["reviewer2"]).update(
        due_at=timezone.now() - timedelta(hours=1)
    )

    html = page(logged_in(cast["chair"]), article)

    panel = html.split('id="assignments-panel"')[1].split('id="audit-panel"')[0]
    assert cast["reviewer1"].get_full_name() in panel
    assert 'class="signoff-counts">yes<' in panel
    assert 'class="review-overdue">overdue<' in panel  # reviewer2, late and not signed
    assert f'<code title="{article.review_hash}">{article.review_hash[:4]}…{article.review_hash[-4:]}</code>' in panel
    assert 'class="signoff-counting"' in panel
    assert "<td>counts</td>" in panel


# --- the diff against the live version -------------------------------------------------------


def test_the_diff_against_the_live_version_is_shown_escaped_section_by_section(
    cast, article, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        article = reach(ReviewState.APPROVED, article, cast)
    assert fresh(article).live_version is not None
    article = services.article_revise(article=article, user=cast["author"], change_summary="New trial data.")
    Section.objects.filter(article=article, position=2).update(
        body="- NSAIDs are the first pharmacological option for back pain [2]\n- Never exceed <script>x</script> [1, 2]"
    )
    Section.objects.create(article=article, position=3, heading="Red flags", level=2, body="Fever with back pain [1].")

    html = page(logged_in(cast["reviewer1"]), article)

    panel = html.split('id="diff-panel"')[1].split('id="assignments-panel"')[0]
    assert "Changes since the live version (v1)" in html
    assert "Medication" in panel
    assert "Red flags" in panel
    assert "(added)" in panel
    assert "First-line treatment" not in panel  # unchanged sections are counted, not repeated
    assert "1 unchanged" in panel
    assert '<div class="diff-line diff-removed"><span class="diff-sign" aria-hidden="true">-</span>- ' in panel
    assert "&lt;script&gt;" in panel
    assert "<script>x" not in html
    # changed words are marked inside the changed line
    assert "- <del>Use the lowest dose</del> [1, 2]" in panel
    assert "- <ins>Never exceed &lt;script&gt;x&lt;/script&gt;</ins> [1, 2]" in panel


def test_no_diff_panel_without_a_live_version_and_none_needed_when_unchanged(
    cast, article, django_capture_on_commit_callbacks
):
    assert 'id="diff-panel"' not in page(logged_in(cast["author"]), article)
    with django_capture_on_commit_callbacks(execute=True):
        article = reach(ReviewState.APPROVED, article, cast)

    html = page(logged_in(cast["author"]), article)

    assert 'id="diff-panel"' in html
    assert "No changes: the working copy is the content of v1" in html


# --- the board's read-only admin pages ----------------------------------------------------------


def test_the_audit_log_cannot_be_added_changed_or_deleted_even_by_a_superuser(cast, article):
    submit(article, cast["author"])
    entry = AuditEntry.objects.get(article=article)
    superuser = make_author("root", is_superuser=True)
    client = logged_in(superuser)
    before = list(AuditEntry.objects.values_list("seq", "entry_hash", "comment"))

    listing = client.get(reverse("admin:reviewboard_auditentry_changelist"))
    add = client.post(reverse("admin:reviewboard_auditentry_add"), {"action": "forged"})
    change = client.post(reverse("admin:reviewboard_auditentry_change", args=[entry.pk]), {"comment": "edited"})
    delete = client.post(reverse("admin:reviewboard_auditentry_delete", args=[entry.pk]), {"post": "yes"})
    bulk = client.post(
        reverse("admin:reviewboard_auditentry_changelist"),
        {"action": "delete_selected", "_selected_action": [entry.pk]},
    )

    assert listing.status_code == 200
    assert entry.actor_name in listing.content.decode()
    assert add.status_code == 403
    assert change.status_code == 403
    assert delete.status_code == 403
    assert bulk.status_code == 200  # no such action here: the list again
    assert list(AuditEntry.objects.values_list("seq", "entry_hash", "comment")) == before
    assert audit_verify() is None


def test_reviewers_read_the_audit_log_and_assignments_but_edit_nothing(cast, article):
    article = reach(ReviewState.UNDER_REVIEW, article, cast)
    client = logged_in(cast["reviewer1"])

    for name in ("auditentry", "assignment", "signoff", "comment"):
        assert client.get(reverse(f"admin:reviewboard_{name}_changelist")).status_code == 200, name
        assert client.get(reverse(f"admin:reviewboard_{name}_add")).status_code == 403, name
    assignment = assignment_of(article, cast["reviewer2"])
    response = client.post(
        reverse("admin:reviewboard_assignment_change", args=[assignment.pk]), {"due_at": "2030-01-01"}
    )
    assert response.status_code == 403
    assert Assignment.objects.get(pk=assignment.pk).due_at == assignment.due_at


def test_the_chair_resolves_comments_from_the_comment_list(cast, article):
    article = reach(ReviewState.UNDER_REVIEW, article, cast)
    comment = services.comment_create(article=article, user=cast["reviewer1"], body="Dose?", blocking=True)

    chair = logged_in(cast["chair"])
    without_note = chair.post(
        reverse("admin:reviewboard_comment_changelist"),
        {"action": "resolve_selected", "_selected_action": [comment.pk]},
    )
    assert errors(without_note)[0].startswith(f"Not resolved: #{comment.pk}:")  # someone else's blocking comment
    assert Comment.objects.get(pk=comment.pk).resolved_at is None

    response = chair.post(
        reverse("admin:reviewboard_comment_changelist"),
        {"action": "resolve_selected", "_selected_action": [comment.pk], "note": "Dose added."},
    )

    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.resolved_by == cast["chair"]


def test_the_article_audit_link_lists_that_articles_entries_only(cast, article, make_article):
    submit(article, cast["author"])
    other = submit(make_article(cast["author"], question="How is gout treated?"), cast["author"])
    html = page(logged_in(cast["chair"]), article)
    link = re.search(r'<a href="([^"]+)">The whole audit log of this article</a>', html).group(1).replace("&amp;", "&")

    response = logged_in(cast["chair"]).get(link)

    assert response.status_code == 200
    assert [e.article_id for e in response.context["cl"].result_list] == [article.pk]
    assert AuditEntry.objects.filter(article=other).exists()


def test_chair_manages_reviewer_profiles_and_specialties(cast, django_assert_max_num_queries):
    client = logged_in(cast["chair"])
    response = client.post(reverse("admin:reviewboard_specialty_add"), {"name": "Rheumatology", "code": "rheumatology"})
    assert response.status_code == 302
    profile = cast["reviewer3"].reviewer_profile
    data = {
        "user": cast["reviewer3"].pk,
        "credentials": "MD, PhD",
        "active": "on",
        "specialties": [Specialty.objects.get(code="rheumatology").pk],
        # the credentials inline, left as it is
        "credential_records-TOTAL_FORMS": "0",
        "credential_records-INITIAL_FORMS": "0",
    }

    response = client.post(reverse("admin:reviewboard_reviewerprofile_change", args=[profile.pk]), data)

    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.credentials == "MD, PhD"
    assert [s.name for s in profile.specialties.all()] == ["Rheumatology"]
    with django_assert_max_num_queries(10):
        listing = client.get(reverse("admin:reviewboard_reviewerprofile_changelist"))
    assert "Rheumatology" in listing.content.decode()
    # reviewers read the board's profiles but do not edit them
    reviewer = logged_in(cast["reviewer1"])
    assert reviewer.get(reverse("admin:reviewboard_reviewerprofile_changelist")).status_code == 200
    assert (
        reviewer.post(
            reverse("admin:reviewboard_reviewerprofile_change", args=[profile.pk]), {**data, "credentials": "Quack"}
        ).status_code
        == 403
    )


# --- review rounds and versions ------------------------------------------------------------------


def test_the_rounds_panel_lists_each_round_and_shows_an_earlier_reviewer_what_changed(cast, article):
    article = reach(ReviewState.CHANGES_REQUESTED, article, cast)  # round 1 ends: changes requested
    section = Section.objects.get(article=article, position=2)
    Section.objects.filter(pk=section.pk).update(body=section.body + "\n\nTake 400 mg three times a day.")
    article = submit(fresh(article), cast["author"])  # round 2, reviewer1 and reviewer2 carried over

    html = page(logged_in(cast["reviewer1"]), article)

    assert 'id="rounds-panel"' in html
    rounds = re.findall(r'<tr data-round="(\d)">.*?class="round-outcome">([^<]+)<', html, re.S)
    assert rounds == [("1", "changes requested"), ("2", "open")]
    assert person_name(cast["reviewer2"]) in html
    assert "What changed since your round (round 1 → round 2)" in html
    assert "Take 400 mg three times a day." in html.split('id="since-my-round"')[1].split('id="assignments-panel"')[0]
    # an author who reviewed no round gets the rounds, not the diff
    author_html = page(logged_in(cast["author"]), article)
    assert 'id="rounds-panel"' in author_html
    assert "What changed since your round" not in author_html


def test_a_retracted_version_is_shown_as_retracted_not_live(cast, article):
    article = reach(ReviewState.APPROVED, article, cast)
    version = published_version_render(version_id=PublishedVersion.objects.get(article=article).pk)  # the worker's job
    html = page(logged_in(cast["chair"]), article)
    assert "<strong>live for readers</strong>" in html.split('id="versions-panel"')[1].split("</ul>")[0]

    services.article_transition(article=fresh(article), user=cast["chair"], name="retract", reason="Dose error.")

    html = page(logged_in(cast["chair"]), article)
    panel = html.split('id="versions-panel"')[1].split("</ul>")[0]
    assert f"Version {version.number}" in panel
    assert '<strong class="version-retracted">retracted</strong>' in panel
    assert "live for readers" not in panel
    assert "Dose error." in panel
    assert "<strong>live</strong>" not in panel


def test_revise_in_the_admin_asks_for_the_change_summary(cast, article):
    article = reach(ReviewState.APPROVED, article, cast)
    author = logged_in(cast["author"])

    form = author.get(transition_url(article, "revise"))
    assert 'name="change_summary"' in form.content.decode()
    refused = author.post(transition_url(article, "revise"), {"change_summary": " "}, follow=True)
    assert fresh(article).state == ReviewState.APPROVED
    assert any("change summary" in text for text in message_list(refused) for text in [text[1]])

    author.post(transition_url(article, "revise"), {"change_summary": "Newer dosing table."})
    assert (fresh(article).state, fresh(article).change_summary) == (ReviewState.DRAFT, "Newer dosing table.")


def test_the_chair_marks_a_change_clinically_significant_when_approving_in_the_admin(cast, article):
    article = reach(ReviewState.UNDER_REVIEW, article, cast)
    services.comment_create(article=article, user=cast["chair"], body="I approve this one myself.", blocking=True)
    for reviewer in (cast["reviewer1"], cast["reviewer2"]):
        services.assignment_sign_off(
            assignment=article.assignments.get(reviewer=reviewer, closed_at__isnull=True),
            reviewer=reviewer,
            content_hash=fresh(article).review_hash,
        )
    services.comment_resolve(comment=article.review_comments.get(), user=cast["chair"])
    chair = logged_in(cast["chair"])
    assert 'name="clinically_significant"' in chair.get(transition_url(article, "approve")).content.decode()

    chair.post(transition_url(article, "approve"), {"comment": "", "clinically_significant": "on"})

    version = fresh(article).versions.get()
    assert version.clinically_significant is True
