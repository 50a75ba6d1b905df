"""The review screen's threads and people in the admin: comments and their resolution, assignments,
the diff against the live version, the board's read-only pages, rounds and versions; each action
posted to its own URL, refused (with a message, changing nothing) when the user may not."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from articles.models import PublishedVersion, ReviewState, Section
from articles.publishing import published_version_render
from reviewboard.admin.review_words import person_name
from reviewboard.audit.chain import audit_verify
from reviewboard.models import Assignment, AuditEntry, Comment, Specialty
from reviewboard.review import services
from tests.logins import logged_in
from tests.reviewboard.admin.screens import (
    action_url,
    change_url,
    errors,
    fresh,
    message_list,
    page,
    reach,
    successes,
    transition_url,
)
from tests.reviewboard.conftest import assignment_of, make_author, make_reviewer, sign, start_review, submit

# Not about who ends a review: "the quorum approves" (issue 18's board setting; default: the chair).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("review_world", "quorum_approves")]


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
    assert '<td data-label="Counts?">counts</td>' in panel


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
