"""Who may review: declarations of interest, credentials, chair overrides, accepting or declining."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from articles.models import PublishedVersion
from config.exceptions import Conflict, InvalidInput
from reviewboard.board.declarations import declaration_sign
from reviewboard.models import Assignment, AuditEntry, Credential, Declaration, Event, SignOff
from reviewboard.review import services
from tests.factories import ReviewerProfileFactory
from tests.reviewboard.conftest import assignment_of, make_reviewer, sign, snapshot, start_review, submit

# About who may review, not who ends a review: "the quorum approves" (issue 18's board setting; default: the chair).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("review_world", "quorum_approves")]


def expire_declaration(user, *, days_ago: int = 1) -> None:
    past = timezone.now() - timedelta(days=days_ago)
    Declaration.objects.filter(member=user).update(signed_at=past - timedelta(days=365), expires_at=past)


def test_assignment_refused_for_an_expired_declaration(submitted, chair, reviewers):
    expire_declaration(reviewers[0])
    before = snapshot(submitted)
    with pytest.raises(Conflict) as exc:
        services.assignment_create(article=submitted, reviewer=reviewers[0], user=chair)
    assert exc.value.code == "conflict-of-interest"
    assert exc.value.detail["reason"] == "declaration-expired"
    assert "declaration of interests expired" in exc.value.message
    assert snapshot(submitted) == before


def test_assignment_refused_for_a_declared_relationship_on_the_topic(submitted, chair):
    reviewer = make_reviewer("consultant")
    declaration_sign(
        user=reviewer,
        relationships=[{"organisation": "Acme Spine Devices", "kind": "consultancy", "topics": ["Back pain"]}],
    )
    with pytest.raises(Conflict) as exc:
        services.assignment_create(article=submitted, reviewer=reviewer, user=chair)
    assert exc.value.detail["reason"] == "declared-interest"
    assert "Consultancy, Acme Spine Devices" in exc.value.message


def test_a_relationship_on_another_topic_does_not_conflict(submitted, chair):
    reviewer = make_reviewer("cardiology-consultant")
    declaration_sign(
        user=reviewer, relationships=[{"organisation": "HeartCo", "kind": "grant", "topics": ["heart failure"]}]
    )
    assert services.assignment_create(article=submitted, reviewer=reviewer, user=chair).override_reason == ""


def test_chair_override_assigns_over_a_conflict_audited_and_shown_to_readers(article, author, chair, reviewers):
    submitted = submit(article, author)
    expire_declaration(reviewers[0])
    assignment = services.assignment_create(
        article=submitted, reviewer=reviewers[0], user=chair, override_reason="Only spine surgeon available; renewing."
    )
    assert assignment.override_reason == "Only spine surgeon available; renewing."
    entry = AuditEntry.objects.filter(action="assign").latest("seq")
    assert entry.data["override_reason"] == assignment.override_reason
    assert "expired" in entry.data["conflict_overridden"]
    assert entry.comment == assignment.override_reason

    services.assignment_create(article=submitted, reviewer=reviewers[1], user=chair)
    under_review = services.review_start(article=submitted, user=chair)  # the overridden conflict does not block
    sign(under_review, reviewers[0])
    sign(under_review, reviewers[1])
    version = PublishedVersion.objects.get(article=article)
    overrides = [r["override"] for r in version.reviewers if r["override"]]
    assert overrides == [{"conflict": assignment.override_conflict, "reason": assignment.override_reason}]


def test_an_override_without_a_conflict_and_an_override_of_authorship_are_refused(submitted, chair, reviewers, author):
    with pytest.raises(InvalidInput) as exc:
        services.assignment_create(article=submitted, reviewer=reviewers[0], user=chair, override_reason="why not")
    assert exc.value.code == "override-not-needed"
    # the article's author, now also a reviewer
    author.groups.add(Group.objects.get(name="Board reviewers"))
    ReviewerProfileFactory(user=author)
    author_reviewer = type(author).objects.get(pk=author.pk)
    with pytest.raises(Conflict) as exc:
        services.assignment_create(article=submitted, reviewer=author_reviewer, user=chair, override_reason="trust me")
    assert exc.value.detail == {"reviewer": "author", "reason": "author-of-article", "overridable": False}


def test_start_review_refuses_a_reviewer_whose_declaration_expired_after_assignment(submitted, chair, reviewers):
    for reviewer in reviewers[:2]:
        services.assignment_create(article=submitted, reviewer=reviewer, user=chair)
    expire_declaration(reviewers[1])
    with pytest.raises(Conflict) as exc:
        services.review_start(article=submitted, user=chair)
    assert exc.value.code == "conflict-of-interest"
    assert exc.value.detail["reasons"] == ["declaration-expired"]


def test_expired_or_missing_verified_credential_blocks_assignment(submitted, chair, reviewers):
    Credential.objects.filter(profile__user=reviewers[0]).update(expires_on=timezone.localdate() - timedelta(days=1))
    with pytest.raises(Conflict) as exc:
        services.assignment_create(article=submitted, reviewer=reviewers[0], user=chair)
    assert exc.value.detail["reason"] == "credential-expired"
    Credential.objects.filter(profile__user=reviewers[1]).update(verified_at=None, verified_by=None)
    with pytest.raises(Conflict) as exc:
        services.assignment_create(article=submitted, reviewer=reviewers[1], user=chair)
    assert exc.value.detail["reason"] == "credential-unverified"


def test_sign_off_is_stored_with_the_declaration_it_was_made_under(under_review, reviewers):
    declaration = Declaration.objects.get(member=reviewers[0])
    signoff = sign(under_review, reviewers[0])
    assert SignOff.objects.get(pk=signoff.pk).declaration == declaration
    assert AuditEntry.objects.filter(action="sign_off").latest("seq").data["declaration_id"] == declaration.pk


def test_a_new_declaration_replaces_the_last_and_bad_input_names_the_field(reviewers):
    with pytest.raises(InvalidInput) as exc:
        declaration_sign(user=reviewers[0], relationships=[{"organisation": "X", "kind": "bribes"}])
    assert exc.value.detail == {"field": "relationships[0].kind"}
    with pytest.raises(InvalidInput) as exc:
        declaration_sign(user=reviewers[0])
    assert exc.value.code == "declaration-empty"
    declaration = declaration_sign(user=reviewers[0], nothing_to_declare=True)
    assert Declaration.objects.filter(member=reviewers[0]).order_by("-signed_at").first() == declaration
    assert AuditEntry.objects.filter(action="declare_interests").latest("seq").data["declaration_id"] == declaration.pk


def test_unverified_credential_never_reaches_readers(article, author, chair, reviewers):
    profile = reviewers[0].reviewer_profile
    Credential.objects.create(profile=profile, kind="board_certification", name="Board certified, Fake Medicine")
    under_review = start_review(article, author, chair, reviewers[:2])
    sign(under_review, reviewers[0])
    sign(under_review, reviewers[1])
    version = PublishedVersion.objects.get(article=article)
    assert "Fake Medicine" not in version.payload_json
    assert "Fake Medicine" not in str(version.reviewers)
    payload_reviewer = next(r for r in version.reviewers if r["name"] == reviewers[0].get_full_name())
    assert [c["name"] for c in payload_reviewer["verified_credentials"]] == ["MD, FACP"]
    assert payload_reviewer["disclosure"]["summary"] == "No relevant interests declared."


# --- accepting and declining ------------------------------------------------------------------


def test_accept_confirms_no_conflict_and_the_due_date_runs_from_acceptance(under_review_unaccepted, reviewers):
    assignment = assignment_of(under_review_unaccepted, reviewers[0])
    Assignment.objects.filter(pk=assignment.pk).update(due_at=timezone.now() + timedelta(days=1))
    with pytest.raises(InvalidInput) as exc:
        services.assignment_accept(assignment=assignment, user=reviewers[0], no_conflict=False)
    assert exc.value.code == "no-conflict-required"
    before = timezone.now()
    accepted = services.assignment_accept(assignment=assignment, user=reviewers[0], no_conflict=True)
    assert accepted.accepted_at >= before
    assert accepted.due_at >= before + timedelta(days=7) - timedelta(seconds=5)
    with pytest.raises(Conflict) as exc:
        services.assignment_accept(assignment=assignment, user=reviewers[0], no_conflict=True)
    assert exc.value.code == "already-answered"


def test_decline_needs_a_reason_closes_the_assignment_and_tells_the_chair(under_review_unaccepted, reviewers):
    assignment = assignment_of(under_review_unaccepted, reviewers[1])
    with pytest.raises(InvalidInput) as exc:
        services.assignment_decline(assignment=assignment, user=reviewers[1], reason="  ")
    assert exc.value.detail == {"field": "reason"}
    declined = services.assignment_decline(assignment=assignment, user=reviewers[1], reason="On leave until June.")
    assert (declined.close_reason, declined.decline_reason) == ("declined", "On leave until June.")
    event = Event.objects.get(type="assignment.declined")
    assert event.payload == {"assignment_id": assignment.pk, "reason": "On leave until June."}


def test_only_the_assigned_reviewer_answers(under_review, reviewers, chair):
    from config.exceptions import NotAllowed

    with pytest.raises(NotAllowed):
        services.assignment_accept(assignment=assignment_of(under_review, reviewers[0]), user=chair, no_conflict=True)


def test_the_chair_gets_an_email_when_a_reviewer_declines(
    under_review_unaccepted, reviewers, chair, mailoutbox, settings
):
    from reviewboard.delivery import outbox

    chair.email = "chair@example.org"
    chair.save(update_fields=["email"])
    services.assignment_decline(
        assignment=assignment_of(under_review_unaccepted, reviewers[1]),
        user=reviewers[1],
        reason="On leave until June.",
    )
    event = Event.objects.get(type="assignment.declined")
    outbox.deliver(event.pk)
    declined = [m for m in mailoutbox if m.subject.startswith("Assignment declined")]
    assert [m.to for m in declined] == [["chair@example.org"]]
    assert "On leave until June." in declined[0].body


def test_the_conflicts_of_many_reviewers_are_the_rule_of_each_read_in_a_few_queries(
    submitted, author, django_assert_max_num_queries
):
    """``reviewer_conflicts`` (the chair's assign form, the start of review) gives, for every kind of conflict,
    what ``reviewer_conflict`` gives one reviewer at a time, in queries that do not grow with the reviewers."""
    from reviewboard.board import selectors as board_selectors

    clear = make_reviewer("clear")
    expired = make_reviewer("expired-declaration")
    expire_declaration(expired)
    interested = make_reviewer("interested")
    declaration_sign(
        user=interested,
        relationships=[{"organisation": "Acme Spine Devices", "kind": "consultancy", "topics": ["Back pain"]}],
    )
    old_interest = make_reviewer("old-interest")  # the newest declaration counts: this one has nothing to declare
    declaration_sign(
        user=old_interest,
        relationships=[{"organisation": "Acme Spine Devices", "kind": "consultancy", "topics": ["Back pain"]}],
    )
    declaration_sign(user=old_interest, nothing_to_declare=True)
    lapsed = make_reviewer("lapsed-credential")
    Credential.objects.filter(profile__user=lapsed).update(expires_on=timezone.localdate() - timedelta(days=1))
    unverified = make_reviewer("unverified")
    Credential.objects.filter(profile__user=unverified).update(verified_at=None, verified_by=None)
    undeclared = make_reviewer("undeclared")
    Declaration.objects.filter(member=undeclared).delete()
    reviewers = [clear, expired, interested, old_interest, lapsed, unverified, undeclared, author]

    one_by_one = {u.pk: board_selectors.reviewer_conflict(submitted, u) for u in reviewers}
    with django_assert_max_num_queries(5):
        together = board_selectors.reviewer_conflicts(submitted, reviewers)

    assert together == one_by_one
    assert {u.username: (c.code if c else None) for u, c in zip(reviewers, together.values(), strict=True)} == {
        "clear": None,
        "expired-declaration": "declaration-expired",
        "interested": "declared-interest",
        "old-interest": None,
        "lapsed-credential": "credential-expired",
        "unverified": "credential-unverified",
        "undeclared": "declaration-missing",
        "author": "author-of-article",
    }


def test_declarations_with_nothing_to_declare_are_read_in_one_query_and_relationships_only_where_declared(
    submitted, django_assert_num_queries
):
    from reviewboard.board import selectors as board_selectors

    clear = [make_reviewer(f"clear-{i}") for i in range(3)]
    interested = make_reviewer("interested")
    declaration_sign(
        user=interested,
        relationships=[{"organisation": "Acme Spine Devices", "kind": "consultancy", "topics": ["Back pain"]}],
    )

    with django_assert_num_queries(1):
        nothing = board_selectors.newest_declarations([u.pk for u in clear])
        assert [board_selectors.relevant_relationships(d, submitted) for d in nothing] == [[], [], []]
    with django_assert_num_queries(3):  # the declarations, their relationships, the relationships' specialties
        (declared,) = board_selectors.newest_declarations([interested.pk])
    with django_assert_num_queries(0):
        assert [r.organisation for r in board_selectors.relevant_relationships(declared, submitted)] == [
            "Acme Spine Devices"
        ]


def test_the_chairs_assign_form_reads_the_candidates_conflicts_in_queries_that_do_not_grow(submitted, chair):
    """The review screen flags each candidate's conflict before the chair picks: read for all at once."""
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    from tests.logins import logged_in
    from tests.reviewboard.admin.screens import page

    client = logged_in(chair)
    page(client, submitted)  # warm: sessions, permissions, templates

    def queries(candidates: list) -> int:
        with CaptureQueriesContext(connections["default"]) as captured:
            html = page(client, submitted)
        assert all(f'value="{c.pk}"' in html for c in candidates)  # each one offered in the form
        return len(captured.captured_queries)

    few = queries([make_reviewer(f"candidate-{i}", last_name=f"Candidate {i}") for i in range(2)])
    many = queries([make_reviewer(f"candidate-{i}", last_name=f"Candidate {i}") for i in range(2, 10)])

    assert many == few
