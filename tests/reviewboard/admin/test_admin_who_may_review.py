"""The admin for who may review: answers, overrides and credentials on the review screen and the queue,
accepting / declining there, verifying credentials, the declaration history, and both audiences side by side."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from articles.content import PATIENT
from articles.models import Section
from config.exceptions import NotAllowed
from reviewboard.board.credentials import credential_verify
from reviewboard.board.declarations import declaration_sign
from reviewboard.models import Assignment, AuditEntry, Credential, Declaration, Event
from reviewboard.review import services
from tests.logins import logged_in
from tests.reviewboard.admin.screens import (
    QUEUE_URL,
    action_url,
    change_url,
    errors,
    page,
    successes,
)
from tests.reviewboard.conftest import make_reviewer, start_review, submit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("review_world")]


@pytest.fixture
def submitted(article, author, chair, reviewers):
    article = submit(article, author)
    services.assignment_create(article=article, reviewer=reviewers[0], user=chair)
    return article


def open_assignment(article, reviewer) -> Assignment:
    return Assignment.objects.get(article=article, reviewer=reviewer, closed_at__isnull=True)


def test_the_reviewer_accepts_from_the_review_screen_through_the_runner(submitted, reviewers):
    reviewer = reviewers[0]
    client = logged_in(reviewer)
    html = page(client, submitted)
    assert 'id="accept-form"' in html
    assert 'id="decline-form"' in html
    assert "No answer yet" in html
    assignment = open_assignment(submitted, reviewer)

    refused = client.post(action_url("assignment_accept", submitted, assignment.pk), {}, follow=True)
    assert any("tick the confirmation" in e for e in errors(refused))
    assert open_assignment(submitted, reviewer).accepted_at is None

    accept_url = action_url("assignment_accept", submitted, assignment.pk)
    response = client.post(accept_url, {"no_conflict": "on"}, follow=True)
    assert any("You accepted the assignment" in s for s in successes(response))
    assert open_assignment(submitted, reviewer).accepted_at is not None
    assert AuditEntry.objects.filter(action="accept_assignment", article=submitted).count() == 1
    html = page(client, submitted)
    assert "Accepted " in html
    assert 'id="accept-form"' not in html


def test_the_reviewer_declines_with_a_reason_and_the_screen_shows_it(submitted, reviewers, chair):
    reviewer = reviewers[0]
    assignment = open_assignment(submitted, reviewer)
    client = logged_in(reviewer)

    refused = client.post(action_url("assignment_decline", submitted, assignment.pk), {"reason": " "}, follow=True)
    assert any("reason for declining is required" in e for e in errors(refused))

    client.post(action_url("assignment_decline", submitted, assignment.pk), {"reason": "Away in March"}, follow=True)
    assert Assignment.objects.get(pk=assignment.pk).close_reason == "declined"
    assert Event.objects.filter(type="assignment.declined").count() == 1
    assert "Declined: Away in March" in page(logged_in(chair), submitted)


def test_another_user_cannot_answer_someone_elses_assignment(submitted, reviewers):
    assignment = open_assignment(submitted, reviewers[0])
    response = logged_in(reviewers[1]).post(
        action_url("assignment_accept", submitted, assignment.pk), {"no_conflict": "on"}, follow=True
    )
    assert errors(response)
    assert open_assignment(submitted, reviewers[0]).accepted_at is None


def test_the_screen_shows_credentials_verified_or_not_and_the_chairs_override(article, author, chair, reviewers):
    article = submit(article, author)
    expired = make_reviewer("expired-declaration")
    Declaration.objects.filter(member=expired).update(expires_at=timezone.now() - timedelta(days=1))
    profile = expired.reviewer_profile
    Credential.objects.create(profile=profile, kind=Credential.Kind.LICENCE, name="State licence 123")
    response = logged_in(chair).post(
        action_url("assign", article),
        {"reviewer": expired.pk, "override_reason": "Only hand surgeon available"},
        follow=True,
    )
    assert successes(response), errors(response)

    html = page(logged_in(chair), article)
    assert "Assigned over a conflict of interest" in html
    assert "Only hand surgeon available" in html
    assert "State licence 123 <em>(not verified)</em>" in html
    assert "<em>(verified)</em>" in html  # the factory's verified degree


def test_a_standing_conflict_is_named_instead_of_the_accept_button(article, author, chair):
    article = submit(article, author)
    reviewer = make_reviewer("lapsing")
    services.assignment_create(article=article, reviewer=reviewer, user=chair)
    Declaration.objects.filter(member=reviewer).update(expires_at=timezone.now() - timedelta(days=1))

    html = page(logged_in(reviewer), article)
    assert 'id="answer-conflict"' in html
    assert "declaration of interests expired" in html
    assert 'id="accept-form"' not in html
    assert 'id="decline-form"' in html


def test_the_queue_shows_each_assignments_answer(article, author, chair, reviewers):
    under_review = start_review(article, author, chair, reviewers[:2], accept=False)
    services.assignment_accept(
        assignment=open_assignment(under_review, reviewers[0]), user=reviewers[0], no_conflict=True
    )

    accepted = logged_in(reviewers[0]).get(QUEUE_URL).content.decode()
    waiting = logged_in(reviewers[1]).get(QUEUE_URL).content.decode()
    assert "queue-answer-accepted" in accepted
    assert "queue-answer-awaiting" in waiting
    assert "No answer yet" in waiting


def test_the_chair_verifies_credentials_in_admin_audited(chair, reviewers):
    profile = reviewers[0].reviewer_profile
    licence = Credential.objects.create(profile=profile, kind=Credential.Kind.LICENCE, name="Licence 9", number="9")
    expired = Credential.objects.create(
        profile=profile, kind=Credential.Kind.BOARD_CERTIFICATION, name="Old cert", expires_on="2001-01-01"
    )
    client = logged_in(chair)

    response = client.post(
        "/admin/reviewboard/credential/",
        {"action": "verify_selected", "_selected_action": [licence.pk, expired.pk]},
        follow=True,
    )

    assert "1 credential(s) verified." in successes(response)
    assert any("Old cert" in e and "expired" in e for e in errors(response))
    licence.refresh_from_db()
    assert (licence.verified_by, licence.verified_at is not None) == (chair, True)
    entry = AuditEntry.objects.filter(action="verify_credential").get()
    assert entry.data["credential_id"] == licence.pk
    assert entry.article_id is None
    assert Credential.objects.get(pk=expired.pk).verified_at is None


def test_a_reviewer_cannot_verify_credentials(reviewers):
    credential = Credential.objects.create(profile=reviewers[0].reviewer_profile, kind="licence", name="L")
    with pytest.raises(NotAllowed) as exc:
        credential_verify(credential=credential, user=reviewers[0])
    assert exc.value.code == "permission-denied"
    reviewers[0].user_permissions.add(Permission.objects.get(codename="view_credential"))
    response = logged_in(reviewers[0]).post(
        "/admin/reviewboard/credential/", {"action": "verify_selected", "_selected_action": [credential.pk]}
    )
    assert response.status_code in (200, 302)
    assert Credential.objects.get(pk=credential.pk).verified_at is None


def test_the_profile_lists_credentials_and_the_declaration_history(chair, reviewers):
    reviewer = reviewers[0]
    declaration_sign(
        user=reviewer, relationships=[{"organisation": "Acme Spine", "kind": "consultancy", "topics": ["spine"]}]
    )
    html = logged_in(chair).get(f"/admin/reviewboard/reviewerprofile/{reviewer.reviewer_profile.pk}/change/")
    html = html.content.decode()
    assert "Consultancy, Acme Spine" in html
    assert "Nothing to declare" in html  # the older declaration, still listed
    assert "credential_records-0-name" in html


def test_editing_a_verified_credential_withdraws_its_verification(chair, reviewers):
    profile = reviewers[0].reviewer_profile
    credential = profile.credential_records.get()
    assert credential.verified_at is not None
    url = f"/admin/reviewboard/reviewerprofile/{profile.pk}/change/"
    form = {
        "user": reviewers[0].pk,
        "credentials": profile.credentials,
        "active": "on",
        "credential_records-TOTAL_FORMS": "1",
        "credential_records-INITIAL_FORMS": "1",
        "credential_records-MIN_NUM_FORMS": "0",
        "credential_records-MAX_NUM_FORMS": "1000",
        "credential_records-0-id": credential.pk,
        "credential_records-0-profile": profile.pk,
        "credential_records-0-kind": credential.kind,
        "credential_records-0-name": "MD, PhD",
        "credential_records-0-number": "",
        "credential_records-0-issuing_body": credential.issuing_body,
        "credential_records-0-expires_on": "",
    }
    response = logged_in(chair).post(url, form, follow=True)
    assert response.status_code == 200
    credential.refresh_from_db()
    assert (credential.name, credential.verified_at, credential.verified_by) == ("MD, PhD", None, None)


def test_the_review_screen_shows_clinician_and_patient_versions_side_by_side(article, chair):
    Section.objects.create(
        article=article, position=10, heading="What you can do", level=2, body="Keep moving gently.", audience=PATIENT
    )
    html = page(logged_in(chair), article)
    assert 'id="preview-audiences"' in html
    assert 'data-audience="clinician"' in html
    assert 'data-audience="patient"' in html
    clinician, patient = html.index('data-audience="clinician"'), html.index('data-audience="patient"')
    assert clinician < patient
    assert "What you can do" in html[patient:]
    assert "What you can do" not in html[clinician:patient]


def test_an_article_without_a_patient_version_has_one_column(article, chair):
    assert 'id="preview-audiences"' not in page(logged_in(chair), article)


def test_review_page_links_section_anchor_numbers_across_both_audiences(article, chair):
    Section.objects.create(article=article, position=10, heading="For you", level=2, body="Walk.", audience=PATIENT)
    count = article.sections.count()
    assert f'id="preview-section-{count}"' in page(logged_in(chair), article)
    assert change_url(article)
