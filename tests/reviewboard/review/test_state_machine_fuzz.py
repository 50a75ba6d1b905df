"""Property-based: random sequences of review actions by random users keep the workflow's promises.

A hypothesis ``RuleBasedStateMachine`` drives one article through random transitions,
assignments, sign-offs (on the right or a stale hash), comments, resolutions and content edits,
each by a random member of the cast. After every step it checks:

- no approval without the quorum of assigned reviewers on the content hash that was approved, or
  while a blocking comment was unresolved; an approved article's newest published version is the
  content of the round that approved it;
- at most one open review round per article, open exactly while submitted or under review, and
  the article's frozen hash is that round's;
- a recorded sign-off always names a hash that was under review (stale ones are refused), and
  every sign-off (the counting ones included) names its own round's content hash;
- no content edit while frozen: ``content_update`` is refused ("content-frozen") while submitted or
  under review, and the content hash stays the round's;
- the audit chain verifies, with exactly one entry per action that succeeded (plus one for an
  automatic approval; content edits included) and none for a refused one.

Each example runs inside a savepoint that is rolled back afterwards.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from articles import status
from articles.content import SectionData, content_from_article
from articles.models import EDITABLE_STATES, FROZEN_STATES, Article, PendingContent, PublishedVersion, ReviewState
from config.exceptions import ServiceError
from reviewboard.audit.chain import audit_verify
from reviewboard.models import Assignment, AuditEntry, Comment, ReviewRound, SignOff
from reviewboard.review import selectors, services
from reviewboard.review.actions import TRANSITIONS
from reviewboard.review.services.content import content_update
from tests.factories import ArticleFactory
from tests.reviewboard.conftest import make_author, make_chair, make_reviewer

CAST = ("author", "other_author", "chair", "reviewer0", "reviewer1", "reviewer2", "anonymous")
REVIEWERS = ("reviewer0", "reviewer1", "reviewer2")
# Half of the time the action is taken by someone who may take it ("proper"), so that random walks
# get past submit and start_review often enough to reach sign-offs and approvals.
users = st.one_of(st.just("proper"), st.sampled_from(CAST))
reviewer_names = st.sampled_from(REVIEWERS)
comments = st.sampled_from(["", "Because."])
notes = st.sampled_from(["", "Handled in section 2."])


class ReviewMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.cast = {
            "author": make_author("h-author"),
            "other_author": make_author("h-other"),
            "chair": make_chair("h-chair"),
            "anonymous": AnonymousUser(),
            **{name: make_reviewer(f"h-{name}") for name in REVIEWERS},
        }
        self.article = ArticleFactory(authors=[self.cast["author"]], quorum=2)
        self.expected_entries = 0

    def teardown(self) -> None:
        import os

        if os.environ.get("HYP_DEBUG"):
            print("STATES", list(AuditEntry.objects.filter(article=self.article).values_list("action", flat=True)))
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- helpers --------------------------------------------------------------------------

    def user(self, who: str, proper: str):
        return self.cast[proper if who == "proper" else who]

    def open_reviewer(self) -> str:
        assignment = Assignment.objects.filter(article=self.article, closed_at__isnull=True).first()
        if assignment is None:
            return "chair"
        return next(name for name in REVIEWERS if self.cast[name].pk == assignment.reviewer_id)

    def fresh(self) -> Article:
        return Article.objects.get(pk=self.article.pk)

    def attempt(self, service, /, **kwargs) -> bool:
        """Run ``service(**kwargs)``; a refusal must be a domain error. Counts the audit entries it should add."""
        before = self.fresh().state
        try:
            service(**kwargs)
        except ServiceError:
            return False
        self.expected_entries += 1
        after = self.fresh().state
        if after == ReviewState.APPROVED and before != ReviewState.APPROVED and not self._last_was_chair_approve():
            self.expected_entries += 1  # the automatic approval is an entry of its own
        return True

    def _last_was_chair_approve(self) -> bool:
        last = AuditEntry.objects.order_by("-seq").first()
        return bool(last and last.action == "approve" and not last.data.get("automatic"))

    # --- rules ----------------------------------------------------------------------------

    @rule(steps=st.integers(min_value=1, max_value=3), stale=st.integers(min_value=0, max_value=3))
    def advance(self, steps: int, stale: int) -> None:
        """The next natural step(s) of a review, by the person who would take it, between random ones.

        A quarter of the sign-offs made here name a stale hash (they must be refused, unrecorded).
        """
        for _ in range(steps):
            article = self.fresh()
            state = article.state
            if state in (ReviewState.DRAFT, ReviewState.CHANGES_REQUESTED):
                self.attempt(services.article_submit, article=article, user=self.cast["author"])
            elif state == ReviewState.SUBMITTED:
                assigned = set(
                    Assignment.objects.filter(article=article, closed_at__isnull=True).values_list(
                        "reviewer_id", flat=True
                    )
                )
                free = [name for name in REVIEWERS if self.cast[name].pk not in assigned]
                if len(assigned) < 2 and free:
                    self.attempt(
                        services.assignment_create,
                        article=article,
                        reviewer=self.cast[free[0]],
                        user=self.cast["chair"],
                    )
                else:
                    self.attempt(services.review_start, article=article, user=self.cast["chair"])
            elif state == ReviewState.UNDER_REVIEW and stale == 1:
                # A round sent back: the next submit opens a round with the same reviewers.
                self.attempt(
                    services.article_request_changes,
                    article=article,
                    user=self.cast[self.open_reviewer()] if self.open_reviewer() != "chair" else self.cast["chair"],
                    comment="Cite the trial.",
                )
            elif state == ReviewState.APPROVED and stale in (2, 3):
                if stale == 2:
                    self.attempt(
                        services.article_revise,
                        article=article,
                        user=self.cast["author"],
                        change_summary="Dosing updated.",
                    )
                else:
                    self.attempt(services.article_retract, article=article, user=self.cast["chair"], reason="Unsafe.")
            elif state == ReviewState.UNDER_REVIEW:
                signed = SignOff.objects.filter(article=article, content_hash=article.review_hash).values_list(
                    "assignment_id", flat=True
                )
                pending = Assignment.objects.filter(article=article, closed_at__isnull=True).exclude(pk__in=signed)
                assignment = pending.select_related("reviewer").first()
                if assignment is None:
                    return
                self.attempt(
                    services.assignment_sign_off,
                    assignment=assignment,
                    reviewer=assignment.reviewer,
                    content_hash="e" * 64 if stale == 0 else article.review_hash,
                )
            else:
                return

    @rule(name=st.sampled_from(TRANSITIONS), who=users, comment=comments)
    def transition(self, name: str, who: str, comment: str) -> None:
        if name in ("submit", "withdraw", "revise"):
            proper = "author"
        elif name == "request_changes":
            proper = self.open_reviewer()
        else:
            proper = "chair"
        user = self.user(who, proper)
        self.attempt(
            services.article_transition,
            article=self.fresh(),
            user=user,
            name=name,
            comment=comment,
            reason=comment,
            change_summary=comment,
        )

    @rule(reviewer=reviewer_names, who=users)
    def assign(self, reviewer: str, who: str) -> None:
        self.attempt(
            services.assignment_create, article=self.fresh(), reviewer=self.cast[reviewer], user=self.user(who, "chair")
        )

    @rule(reviewer=reviewer_names, who=users)
    def unassign(self, reviewer: str, who: str) -> None:
        assignment = Assignment.objects.filter(article=self.article, reviewer=self.cast[reviewer]).last()
        if assignment is not None:
            self.attempt(services.assignment_remove, assignment=assignment, user=self.user(who, "chair"))

    @rule(pick=st.integers(min_value=0, max_value=5), signer=users, stale=st.booleans())
    def sign_off(self, pick: int, signer: str, stale: bool) -> None:
        """Mostly an open assignment (pick 0-2), sometimes a closed one; the right hash or a stale one."""
        open_ = list(Assignment.objects.filter(article=self.article, closed_at__isnull=True).order_by("pk"))
        every = list(Assignment.objects.filter(article=self.article).order_by("pk"))
        pool = open_ if pick < 3 and open_ else every
        if not pool:
            return
        assignment = pool[pick % len(pool)]
        reviewer = next(name for name in REVIEWERS if self.cast[name].pk == assignment.reviewer_id)
        article = self.fresh()
        content_hash = "f" * 64 if stale or not article.review_hash else article.review_hash
        self.attempt(
            services.assignment_sign_off,
            assignment=assignment,
            reviewer=self.user(signer, reviewer),
            content_hash=content_hash,
        )

    @rule(who=users, blocking=st.booleans(), anchored=st.booleans())
    def comment(self, who: str, blocking: bool, anchored: bool) -> None:
        section = self.article.sections.first() if anchored else None
        self.attempt(
            services.comment_create,
            article=self.fresh(),
            user=self.user(who, self.open_reviewer()),
            body="Please check.",
            section=section,
            blocking=blocking,
        )

    @rule(who=users, note=notes)
    def resolve(self, who: str, note: str) -> None:
        comment = Comment.objects.filter(article=self.article, resolved_at__isnull=True).first()
        if comment is not None:
            proper = next((name for name in CAST[:-1] if self.cast[name].pk == comment.author_id), "chair")
            self.attempt(services.comment_resolve, comment=comment, user=self.user(who, proper), note=note)

    @rule(who=users, breaks_integrity=st.booleans())
    def edit_content(self, who: str, breaks_integrity: bool) -> None:
        article = self.fresh()
        content = content_from_article(article)
        marker = "[3]" if breaks_integrity else "[1]"  # [3] points nowhere: submit must refuse it
        first = content.sections[0]
        edited = replace(
            content,
            sections=(
                SectionData(heading=first.heading, body=f"{first.body} Keep moving {marker}.", level=first.level),
                *content.sections[1:],
            ),
        )
        before = content.content_hash
        try:
            content_update(article=article, user=self.user(who, "author"), content=edited)
        except ServiceError as error:
            refused = error.code
        else:
            refused = None
        if refused is not None:
            assert content_from_article(self.fresh()).content_hash == before, "a refused edit changed the content"
            if article.state in FROZEN_STATES:
                assert refused in ("content-frozen", "permission-denied")
            return
        assert article.state in EDITABLE_STATES, f"the content was edited while the article was {article.state}"
        self.expected_entries += 1  # an edit is audited ("edit_content")

    # --- invariants -----------------------------------------------------------------------

    @invariant()
    def frozen_content_is_what_was_submitted(self) -> None:
        article = self.fresh()
        live = content_from_article(article).content_hash
        if article.state in FROZEN_STATES:
            assert live == article.review_hash == selectors.open_round(article).content_hash
        if article.state == ReviewState.APPROVED:
            # Locked since it was submitted: the working copy is still what was approved.
            assert live == PublishedVersion.objects.filter(article=article).latest("number").content_hash

    @invariant()
    def at_most_one_open_round_open_exactly_while_frozen(self) -> None:
        article = self.fresh()
        open_rounds = list(ReviewRound.objects.filter(article=article, closed_at__isnull=True))
        assert len(open_rounds) <= 1
        assert bool(open_rounds) == (article.state in FROZEN_STATES)
        assert article.review_hash == (open_rounds[0].content_hash if open_rounds else "")
        open_assignments = Assignment.objects.filter(article=article, closed_at__isnull=True)
        assert set(open_assignments.values_list("round_id", flat=True)) <= {r.pk for r in open_rounds}

    @invariant()
    def no_approval_without_the_quorum_on_the_approved_hash(self) -> None:
        article = self.fresh()
        quorum = article.quorum
        approvals = AuditEntry.objects.filter(article=article, action="approve").order_by("seq")
        versions = list(PublishedVersion.objects.filter(article=article).order_by("number"))
        assert len(versions) == approvals.count()
        for entry, version in zip(approvals, versions, strict=True):
            assert version.content_hash == entry.content_hash
            signers = set(
                SignOff.objects.filter(
                    article=article,
                    decision=SignOff.Decision.APPROVE,
                    content_hash=entry.content_hash,
                    created_at__lte=entry.created_at,
                    assignment__close_reason="approved",
                ).values_list("reviewer__username", flat=True)
            )
            assert len(signers) >= quorum
            assert set(entry.data["signers"]) <= signers
            assert article.authors.filter(username__in=signers).count() == 0
            blocking_then = Comment.objects.filter(
                article=article, blocking=True, created_at__lt=entry.created_at
            ).exclude(resolved_at__lt=entry.created_at)
            assert not blocking_then.exists(), "approved while a blocking comment was unresolved"
        if article.state == ReviewState.APPROVED:
            assert versions
            approving = ReviewRound.objects.filter(article=article, outcome=ReviewRound.Outcome.APPROVED)
            approving = approving.order_by("-number").first()
            assert approving is not None
            assert approving.closed_at == article.approved_at
            assert versions[-1].content_hash == approving.content_hash

    @invariant()
    def sign_offs_name_a_hash_that_was_under_review(self) -> None:
        frozen = set(
            AuditEntry.objects.filter(article=self.article, action="start_review").values_list(
                "content_hash", flat=True
            )
        )
        approvals = SignOff.objects.filter(article=self.article, decision=SignOff.Decision.APPROVE)
        assert set(approvals.values_list("content_hash", flat=True)) <= frozen

    @invariant()
    def every_sign_off_names_its_rounds_hash(self) -> None:
        signoffs = SignOff.objects.filter(article=self.article).select_related("round", "assignment")
        for signoff in signoffs:
            assert signoff.assignment.round_id == signoff.round_id
            assert signoff.content_hash == signoff.round.content_hash
        article = self.fresh()
        if article.review_hash:
            for signoff in selectors.counting_signoffs(article, article.review_hash).select_related("round"):
                assert signoff.content_hash == signoff.round.content_hash == article.review_hash
                assert signoff.round.closed_at is None

    @invariant()
    def the_readers_tracker_follows_the_latest_round(self) -> None:
        """What status/ answers (``articles.status``) follows the board's latest round; its pending copy
        exists exactly while a round is open, and holds that round's snapshot."""
        article = self.fresh()
        latest = ReviewRound.objects.filter(article=article).order_by("-number").first()
        assert article.review_round == (latest.number if latest else 0)
        if latest is not None:
            assert (article.review_submitted_at, article.review_closed_at, article.review_outcome) == (
                latest.opened_at,
                latest.closed_at,
                latest.outcome,
            )
        pending = PendingContent.objects.filter(article=article).first()
        assert (pending is not None) == (latest is not None and latest.closed_at is None)
        if pending is not None:
            assert (pending.round, pending.content_hash, pending.source) == (
                latest.number,
                latest.content_hash,
                latest.snapshot,
            )
        steps = {
            ReviewState.SUBMITTED: "submitted",
            ReviewState.UNDER_REVIEW: "under_review",
            ReviewState.CHANGES_REQUESTED: "under_review",
            ReviewState.APPROVED: "approved",
        }
        if article.state in steps and article.retracted_at is None:
            assert status.event_data(article)["current_step"] == steps[article.state]

    @invariant()
    def audit_chain_verifies_with_one_entry_per_action(self) -> None:
        assert audit_verify() is None
        assert AuditEntry.objects.filter(article=self.article).count() == self.expected_entries


@pytest.mark.fuzz
def test_random_review_sequences_keep_the_invariants(db):
    run_state_machine_as_test(
        ReviewMachine,
        settings=settings(
            max_examples=30,
            stateful_step_count=40,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
