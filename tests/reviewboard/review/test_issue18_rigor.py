"""Issue 18: a sign-off that attests something - accepted, every warning answered; the chair decides with a
decision letter; confidential comments never reach an author; nobody verifies their own credential.

Written against main first where they name a defect: on main a sign-off without acceptance counted (it
accepted silently), a warning needed no answer, the quorum's second sign-off published at once with the
significance unassessed, and the chair could verify their own credential.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core import mail

from articles.models import Article, PublishedVersion, ReviewState, Section
from articles.publishing import provenance
from config.exceptions import Conflict, InvalidInput, NotAllowed
from reviewboard.admin.dashboard import dashboard
from reviewboard.board.credentials import credential_verify
from reviewboard.models import AuditEntry, ChecklistItem, Credential, DecisionLetter, ReviewReport, SignOff
from reviewboard.review import selectors, services
from reviewboard.review.warnings import round_warnings
from tests.reviewboard.conftest import assignment_of, make_chair, start_review

SECRET = "CONFIDENTIAL-to-the-chair: the first author consults for the NSAID maker"
TO_AUTHOR = "Please cite the 2017 guideline for the exercise advice."


@pytest.fixture(autouse=True)
def checklist(db):
    """The board's checklist (migration 0013 starts one; a transactional test's flush may have removed it)."""
    if not ChecklistItem.objects.filter(active=True).exists():
        for position, text in enumerate(("Dosing checked against the label", "Evidence current"), start=1):
            ChecklistItem.objects.create(text=text, position=position)


def accept(article, reviewer):
    return services.assignment_accept(assignment=assignment_of(article, reviewer), user=reviewer, no_conflict=True)


def sign_plain(article, reviewer, **kwargs):
    return services.assignment_sign_off(
        assignment=assignment_of(article, reviewer), reviewer=reviewer, content_hash=article.review_hash, **kwargs
    )


def answers():
    return [{"item": item.pk, "answer": "yes"} for item in ChecklistItem.objects.filter(active=True)]


def report(article, reviewer, recommendation="approve", **kwargs):
    return services.assignment_report(
        assignment=assignment_of(article, reviewer),
        user=reviewer,
        recommendation=recommendation,
        checklist=answers(),
        **kwargs,
    )


@pytest.fixture
def warned(article, author, chair, reviewers):
    """Under review on content with one uncited claim (an integrity warning, not an error)."""
    Section.objects.create(
        article=article, position=3, heading="Outlook", level=2, body="75% of patients improve within 48 hours."
    )
    return start_review(article, author, chair, reviewers[:2], accept=False)


# --- 1. accept before judging --------------------------------------------------------------------


def test_a_sign_off_without_an_accepted_assignment_is_refused(under_review_unaccepted, reviewers, unchanged):
    with unchanged(under_review_unaccepted), pytest.raises(Conflict) as refused:
        sign_plain(under_review_unaccepted, reviewers[0])
    assert refused.value.code == "assignment-not-accepted"
    assert assignment_of(under_review_unaccepted, reviewers[0]).accepted_at is None


def test_accepting_in_the_sign_off_form_is_recorded_as_its_own_step(under_review_unaccepted, reviewers):
    sign_plain(under_review_unaccepted, reviewers[0], accept=True)
    actions = list(AuditEntry.objects.filter(article=under_review_unaccepted).values_list("action", flat=True))
    assert actions[-2:] == ["accept_assignment", "sign_off"]
    assert assignment_of(under_review_unaccepted, reviewers[0]).accepted_at is not None


def test_a_blocking_comment_or_a_report_needs_an_accepted_assignment(under_review_unaccepted, reviewers):
    with pytest.raises(Conflict) as refused:
        services.comment_create(article=under_review_unaccepted, user=reviewers[0], body="Wrong dose.", blocking=True)
    assert refused.value.code == "assignment-not-accepted"
    with pytest.raises(Conflict) as refused:
        report(under_review_unaccepted, reviewers[0])
    assert refused.value.code == "assignment-not-accepted"
    accept(under_review_unaccepted, reviewers[0])
    services.comment_create(article=under_review_unaccepted, user=reviewers[0], body="Wrong dose.", blocking=True)
    assert report(under_review_unaccepted, reviewers[0]).recommendation == "approve"


def test_a_carried_over_reviewer_keeps_acceptance_unless_the_declaration_changed(
    under_review_unaccepted, author, chair, reviewers
):
    from datetime import timedelta

    from django.utils import timezone

    from reviewboard.models import Declaration

    for reviewer in reviewers[:2]:
        accept(under_review_unaccepted, reviewer)
    now = timezone.now()
    Declaration.objects.create(
        member=reviewers[1], nothing_to_declare=True, signed_at=now, expires_at=now + timedelta(days=365)
    )
    article = services.article_request_changes(article=under_review_unaccepted, user=chair, comment="Fix the dose.")
    article = services.article_submit(article=article, user=author)
    assert assignment_of(article, reviewers[0]).accepted_at is not None
    assert assignment_of(article, reviewers[1]).accepted_at is None  # a new declaration: accept again


# --- 3. every warning answered -------------------------------------------------------------------


def test_a_sign_off_over_an_unanswered_warning_is_refused_then_counts_once_acknowledged(
    warned, reviewers, chair, settings
):
    settings.REVIEW_DECIDED_BY = "quorum"
    [warning] = round_warnings(selectors.open_round(warned))
    assert warning.code == "uncited-claim"
    accept(warned, reviewers[0])
    with pytest.raises(Conflict) as refused:
        sign_plain(warned, reviewers[0])
    assert refused.value.code == "unanswered-warnings"
    assert warning.key in refused.value.message
    assert [w["warning"] for w in refused.value.detail["warnings"]] == [warning.key]
    assert SignOff.objects.count() == 0

    with pytest.raises(InvalidInput) as bad:
        sign_plain(warned, reviewers[0], acknowledgements=[{"warning": warning.key, "reason": " "}])
    assert bad.value.detail["field"] == "acknowledgements[0].reason"

    reason = "The 48-hour figure is from the cited trial's abstract; kept."
    for reviewer in reviewers[:2]:
        sign_plain(warned, reviewer, accept=True, acknowledgements=[{"warning": warning.key, "reason": reason}])
    signoff = SignOff.objects.filter(reviewer=reviewers[0]).get()
    assert signoff.acknowledgements[0]["warning"] == warning.key
    assert signoff.acknowledgements[0]["reason"] == reason
    entry = AuditEntry.objects.filter(action="sign_off", actor=reviewers[0]).get()
    assert entry.data["acknowledged_warnings"] == [{"warning": warning.key, "reason": reason}]
    version = PublishedVersion.objects.get(article=warned)
    told = provenance(version)
    assert told["warnings_acknowledged"] == 2
    assert {a["reason"] for a in told["acknowledged_warnings"]} == {reason}


def test_an_acknowledgement_names_a_real_warning(under_review_unaccepted, reviewers):
    accept(under_review_unaccepted, reviewers[0])
    with pytest.raises(InvalidInput) as bad:
        sign_plain(
            under_review_unaccepted, reviewers[0], acknowledgements=[{"warning": "made-up:ref-9", "reason": "fine"}]
        )
    assert bad.value.code == "unknown-warning"


# --- 4. the chair decides ------------------------------------------------------------------------


def test_under_the_default_a_quorum_does_not_publish_and_the_chairs_approval_does(
    under_review_unaccepted, reviewers, chair, author, django_capture_on_commit_callbacks
):
    for reviewer in reviewers[:2]:
        sign_plain(under_review_unaccepted, reviewer, accept=True)
    article = Article.objects.get(pk=under_review_unaccepted.pk)
    assert article.state == ReviewState.UNDER_REVIEW
    assert not PublishedVersion.objects.filter(article=article).exists()
    assert selectors.awaiting_decision(article)
    assert selectors.open_round(article).awaiting_decision_since is not None
    lines = {line["key"]: line["count"] for line in dashboard(chair, list_url="/admin/articles/article/")}
    assert lines["awaiting_decision"] == 1

    with django_capture_on_commit_callbacks(execute=True):
        article = services.article_approve(
            article=article, user=chair, comment="Well reviewed.", clinically_significant=True
        )
    assert article.state == ReviewState.APPROVED
    lines = {line["key"]: line["count"] for line in dashboard(chair, list_url="/admin/articles/article/")}
    assert lines["awaiting_decision"] == 0
    version = PublishedVersion.objects.get(article=article)
    assert version.clinically_significant is True
    letter = DecisionLetter.objects.get(article=article)
    assert letter.decision == "approved"
    assert "Well reviewed." in letter.body
    assert any(author.email in m.to and "Decision on" in m.subject for m in mail.outbox)


def test_the_decision_letter_holds_comments_to_the_author_and_never_a_confidential_one(
    under_review_unaccepted, reviewers, chair, author, django_capture_on_commit_callbacks
):
    for reviewer in reviewers[:2]:
        accept(under_review_unaccepted, reviewer)
    report(
        under_review_unaccepted,
        reviewers[0],
        "major_revisions",
        comments_to_author=TO_AUTHOR,
        confidential_comments=SECRET,
    )
    report(under_review_unaccepted, reviewers[1], "minor_revisions", comments_to_author="Fine otherwise.")
    with django_capture_on_commit_callbacks(execute=True):
        services.article_request_changes(article=under_review_unaccepted, user=chair, comment="Please revise.")
    letter = DecisionLetter.objects.get(article=under_review_unaccepted)
    assert letter.decision == "changes_requested"
    assert TO_AUTHOR in letter.body
    assert "Fine otherwise." in letter.body
    assert "Please revise." in letter.body
    assert "Major revisions" in letter.body
    assert "Minor revisions" in letter.body
    assert SECRET not in letter.body
    sent = [m for m in mail.outbox if author.email in m.to]
    assert sent
    assert all(SECRET not in m.body for m in mail.outbox)
    assert all(SECRET not in str(e.data) + e.comment for e in AuditEntry.objects.all())


def test_the_chair_rejects_with_a_letter(under_review, chair, reviewers):
    article = services.article_reject(article=under_review, user=chair, comment="Out of scope.")
    assert article.state == ReviewState.DRAFT
    assert selectors.open_round(article) is None
    assert DecisionLetter.objects.get(article=article).decision == "rejected"


def test_only_the_chair_rejects(under_review, reviewers, unchanged):
    with unchanged(under_review), pytest.raises(NotAllowed):
        services.article_reject(article=under_review, user=reviewers[0], comment="No.")


# --- 2. the report, and no confidential comment on any author surface ---------------------------


def test_a_report_answers_the_whole_checklist(under_review_unaccepted, reviewers):
    accept(under_review_unaccepted, reviewers[0])
    with pytest.raises(InvalidInput) as bad:
        services.assignment_report(
            assignment=assignment_of(under_review_unaccepted, reviewers[0]), user=reviewers[0], recommendation="approve"
        )
    assert bad.value.code == "checklist-incomplete"
    with pytest.raises(InvalidInput) as bad:
        report(under_review_unaccepted, reviewers[0], "maybe")
    assert bad.value.detail["field"] == "recommendation"
    first = report(under_review_unaccepted, reviewers[0], "reject")
    again = report(under_review_unaccepted, reviewers[0], "minor_revisions")
    assert first.pk == again.pk
    assert ReviewReport.objects.get().recommendation == "minor_revisions"


@pytest.fixture
def confidential_round(under_review, reviewers, chair):
    report(under_review, reviewers[0], "major_revisions", comments_to_author=TO_AUTHOR, confidential_comments=SECRET)
    return under_review


def _author_client(client, author):
    author.is_staff = True
    author.save()
    client.force_login(author)
    return client


def test_an_author_sees_no_confidential_comment_on_any_surface(confidential_round, author, chair, client, settings):
    settings.ACCOUNTS_REQUIRE_2FA = False
    article = services.article_request_changes(article=confidential_round, user=chair, comment="Revise.")
    client = _author_client(client, author)
    surfaces = [
        f"/admin/articles/article/{article.pk}/review/",
        f"/admin/articles/article/{article.pk}/change/",
        f"/admin/articles/article/{article.pk}/compare/?old=round-1&new=working",
        f"/api/v1/review/articles/{article.slug}/",
        "/admin/reviewboard/auditentry/",
        "/admin/reviewboard/auditentry/export/",
    ]
    seen = {}
    for url in surfaces:
        response = client.get(url)
        seen[url] = response.status_code
        assert SECRET.encode() not in response.content, url
    assert seen[f"/admin/articles/article/{article.pk}/review/"] == 200
    review = client.get(f"/api/v1/review/articles/{article.slug}/").json()
    assert TO_AUTHOR in review["decision_letters"][0]["body"]
    assert all("confidential_comments" not in r for r in review["reports"])


def test_the_chair_sees_every_report_side_by_side(confidential_round, chair, client, settings):
    settings.ACCOUNTS_REQUIRE_2FA = False
    client.force_login(chair)
    page = client.get(f"/admin/articles/article/{confidential_round.pk}/review/").content.decode()
    assert SECRET in page
    assert TO_AUTHOR in page
    assert "Major revisions" in page
    review = client.get(f"/api/v1/review/articles/{confidential_round.slug}/").json()
    assert review["reports"][0]["confidential_comments"] == SECRET


# --- 6. nobody verifies their own credential -----------------------------------------------------


def test_nobody_verifies_their_own_credential(chair):
    from reviewboard.models import ReviewerProfile

    profile = ReviewerProfile.objects.create(user=chair, credentials="MD")
    own = Credential.objects.create(profile=profile, kind=Credential.Kind.DEGREE, name="MD", issuing_body="School")
    with pytest.raises(NotAllowed) as refused:
        credential_verify(credential=own, user=chair)
    assert refused.value.code == "own-credential"
    own.refresh_from_db()
    assert own.verified_at is None
    other = make_chair("second-chair")
    credential_verify(credential=own, user=other)
    own.refresh_from_db()
    assert own.verified_by == other


def test_csv_export_and_history_carry_no_confidential_comment(confidential_round, chair, client, settings):
    settings.ACCOUNTS_REQUIRE_2FA = False
    client.force_login(chair)
    response = client.get("/admin/reviewboard/auditentry/export/")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows
    assert all(SECRET not in ",".join(row) for row in rows)


# --- the other way out: the author fixes the content -------------------------------------------


def test_a_warning_the_author_fixed_needs_no_acknowledgement(warned, author, chair, reviewers, settings):
    """The uncited claim is answered by the author citing it: the next round's content has no warning."""
    from articles.content import content_from_article
    from reviewboard.review.services.content import content_update

    settings.REVIEW_DECIDED_BY = "quorum"
    article = services.article_request_changes(article=warned, user=chair, comment="Cite the 75% figure.")
    content = content_from_article(article)
    fixed = [
        s if "75%" not in s.body else type(s)(heading=s.heading, body=s.body.rstrip(".") + " [1].", level=s.level)
        for s in content.sections
    ]
    from dataclasses import replace

    content_update(article=article, user=author, content=replace(content, sections=tuple(fixed)))
    article = services.article_submit(article=Article.objects.get(pk=article.pk), user=author)
    article = services.review_start(article=article, user=chair)
    assert round_warnings(selectors.open_round(article)) == []
    for reviewer in reviewers[:2]:
        sign_plain(article, reviewer, accept=True)
    assert Article.objects.get(pk=article.pk).state == ReviewState.APPROVED


# --- 5. declarations the member keeps up ---------------------------------------------------------


def test_a_member_renews_their_declaration_in_the_admin_and_is_warned_before_it_expires(reviewers, client, settings):
    from datetime import timedelta

    from django.utils import timezone

    from reviewboard.models import Declaration

    settings.ACCOUNTS_REQUIRE_2FA = False
    member = reviewers[0]
    member.is_staff = True
    member.save()
    Declaration.objects.filter(member=member).update(expires_at=timezone.now() + timedelta(days=20))
    client.force_login(member)
    home = client.get("/admin/").content.decode()
    assert 'id="declaration-warning"' in home
    assert "expires on" in home

    form = client.get("/admin/reviewboard/declaration/mine/")
    assert form.status_code == 200
    refused = client.post(
        "/admin/reviewboard/declaration/mine/",
        {"rel-TOTAL_FORMS": "4", "rel-INITIAL_FORMS": "0", "statement": ""},
        follow=True,
    )
    assert "Declaration not signed" in refused.content.decode()
    signed = client.post(
        "/admin/reviewboard/declaration/mine/",
        {
            "rel-TOTAL_FORMS": "4",
            "rel-INITIAL_FORMS": "0",
            "rel-0-organisation": "Acme Pharma",
            "rel-0-kind": "consultancy",
            "rel-0-topics": "back pain, sciatica",
        },
        follow=True,
    )
    assert "Declaration signed" in signed.content.decode()
    newest = Declaration.objects.filter(member=member).order_by("-signed_at").first()
    assert [r.organisation for r in newest.relationships.all()] == ["Acme Pharma"]
    assert newest.relationships.get().topics == ["back pain", "sciatica"]
    assert AuditEntry.objects.filter(action="declare_interests", actor=member).exists()
    assert 'id="declaration-warning"' not in client.get("/admin/").content.decode()


def test_the_assign_list_flags_conflicted_members_before_they_are_picked(submitted, chair, reviewers, client, settings):
    from datetime import timedelta

    from django.utils import timezone

    from reviewboard.models import Declaration

    settings.ACCOUNTS_REQUIRE_2FA = False
    Declaration.objects.filter(member=reviewers[2]).update(expires_at=timezone.now() - timedelta(days=1))
    chair.is_staff = True
    chair.save()
    client.force_login(chair)
    page = client.get(f"/admin/articles/article/{submitted.pk}/review/").content.decode()
    flagged = re.findall(r'<option value="(\d+)" data-conflict="1">', page)
    assert flagged == [str(reviewers[2].pk)]
    assert "declaration of interests expired" in page


def test_the_demo_has_a_round_awaiting_the_chairs_decision_with_two_reports(db):
    from io import StringIO

    from django.core.management import call_command

    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo_published", stdout=StringIO())
    ankle = Article.objects.get(slug="ankle-sprain-treatment")
    assert ankle.state == ReviewState.UNDER_REVIEW
    assert selectors.awaiting_decision(ankle)
    assert ReviewReport.objects.filter(article=ankle).count() == 2
    knee = Article.objects.get(slug__startswith="knee")
    assert knee.state == ReviewState.APPROVED
    assert knee.versions.get().clinically_significant is False


def test_a_reviewers_request_for_changes_needs_an_accepted_assignment(under_review_unaccepted, reviewers, unchanged):
    with unchanged(under_review_unaccepted), pytest.raises(Conflict) as refused:
        services.article_request_changes(article=under_review_unaccepted, user=reviewers[0], comment="Fix it.")
    assert refused.value.code == "assignment-not-accepted"


# --- the review API shows all of it --------------------------------------------------------------


def test_the_review_api_path_accept_acknowledge_report_and_the_chairs_decision(warned, author, chair, reviewers):
    from tests.reviewboard.api.clients import client_for

    base = f"/api/v1/review/articles/{warned.slug}/"
    r1, chair_api, author_api = client_for(reviewers[0]), client_for(chair), client_for(author)
    review = r1.get(base).json()
    [warning] = review["warnings"]
    assert review["checklist"]
    assert review["awaiting_decision"] is False

    refused = r1.post(f"{base}signoffs/", {"content_hash": review["review_hash"]}, format="json")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "assignment-not-accepted"
    refused = r1.post(f"{base}signoffs/", {"content_hash": review["review_hash"], "accept": True}, format="json")
    assert refused.status_code == 409  # the acceptance rolled back with the refused sign-off
    assert refused.json()["error"]["code"] == "unanswered-warnings"
    assert refused.json()["error"]["detail"]["warnings"][0]["warning"] == warning["warning"]
    ack = [{"warning": warning["warning"], "reason": "The trial reports it; kept."}]
    for reviewer in reviewers[:2]:
        api = client_for(reviewer)
        body = {"content_hash": review["review_hash"], "accept": True, "acknowledgements": ack}
        assert api.post(f"{base}signoffs/", body, format="json").status_code == 201
        report_body = {
            "recommendation": "minor_revisions",
            "checklist": [{"item": i["id"], "answer": "yes"} for i in review["checklist"]],
            "comments_to_author": TO_AUTHOR,
            "confidential_comments": SECRET,
        }
        filed = api.post(f"{base}reports/", report_body, format="json")
        assert filed.status_code == 201, filed.content
        assert filed.json()["reports"][0]["confidential_comments"] == SECRET  # their own report
    seen = chair_api.get(base).json()
    assert seen["awaiting_decision"] is True
    assert len(seen["reports"]) == 2
    assert seen["signoffs"][0]["acknowledgements"][0]["reason"] == "The trial reports it; kept."
    decided = chair_api.post(f"{base}transitions/reject/", {"comment": "Not for us."}, format="json")
    assert decided.status_code == 200, decided.content
    as_author = author_api.get(base)
    assert SECRET.encode() not in as_author.content
    letter = as_author.json()["decision_letters"][0]
    assert letter["decision"] == "rejected"
    assert TO_AUTHOR in letter["body"]
    assert "Not for us." in letter["body"]
    assert as_author.json()["reports"] == []


def test_the_history_words_a_report_and_an_acknowledging_sign_off(warned, reviewers, chair):
    from reviewboard.admin.review_words import audit_details

    [warning] = round_warnings(selectors.open_round(warned))
    accept(warned, reviewers[0])
    report(warned, reviewers[0], "major_revisions", confidential_comments=SECRET)
    sign_plain(warned, reviewers[0], acknowledgements=[{"warning": warning.key, "reason": "Kept."}])
    words = [audit_details(e) for e in AuditEntry.objects.filter(article=warned).order_by("seq")]
    assert "review report filed: recommends major revisions" in words
    assert any("acknowledging 1 warning" in w for w in words)
    assert all(SECRET not in w for w in words)


def test_the_reader_tracker_keeps_answering_sensibly(under_review, reviewers, chair):
    """Awaiting the chair's decision is still "under review" for readers; a rejected first submission, never
    published, reads as withdrawn from review (readers of a revision keep the live version's answer)."""
    from articles import status

    for reviewer in reviewers[:2]:
        sign_plain(under_review, reviewer)
    awaiting = Article.objects.get(pk=under_review.pk)
    assert selectors.awaiting_decision(awaiting)
    assert status.event_data(awaiting)["status"] == "under_review"
    rejected = services.article_reject(article=awaiting, user=chair, comment="Out of scope.")
    assert rejected.review_outcome == "rejected"
    assert status.event_data(rejected)["status"] == "withdrawn"
