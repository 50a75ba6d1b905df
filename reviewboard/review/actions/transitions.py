"""The 8 review transitions: their conditions, their bodies, closing a round, and their declarations.

Decisions recorded here:
- A round opens at submit with the content exactly as submitted; request_changes, withdraw,
  approve, retract and archive close it (with their outcome) together with its open assignments.
  A resubmission after changes keeps the previous round's reviewers (the chair can change them).
- Approval publishes the round's snapshot, never the live working copy: what readers get is what
  the quorum signed. It happens on the sign-off that completes the quorum (``automatic``) or by the
  chair; resolving a comment never approves anything.
- A reviewer cannot sign off while their own blocking comment is open; resolving someone else's
  blocking comment needs a note, and its author is told.
- Retraction works in any state while a live version exists and is not retracted; it marks the
  version retracted (readers get 410 with the reason) and any open round ends ("superseded").
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings

from articles.content import ArticleContent, content_from_article
from articles.models import Article, ReviewState
from articles.publishing import published_version_create, published_version_retract
from references.explain import explain
from references.integrity import check_content
from reviewboard.board import selectors as board_selectors
from reviewboard.models import (
    Assignment,
    DecisionLetter,
    Declaration,
    ReviewRound,
    SignOff,
)
from reviewboard.review import selectors
from reviewboard.review.acceptance import require_accepted_reviewer
from reviewboard.review.actions.registry import Action, ActionContext, Condition, Field, Unmet, entry_point

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

from reviewboard.review.actions.rules import (
    AUTHOR_OR_EDITOR,
    CHAIR,
    COMMENT,
    REASON,
    REVIEWER_OR_CHAIR,
    name_of,
    states,
    states_except,
)
from reviewboard.review.decisions import chair_letter

# --- rounds ------------------------------------------------------------------------------------


def close_round(ctx: ActionContext, outcome: str, *, close_reason: str = "") -> list[int]:
    """Close the open round (if any) with ``outcome``, and its open assignments (``close_reason``: the
    action that closed them, "archived", "retracted"...; the outcome by default). Returns their ids."""
    round_ = ctx.round
    if round_ is None:
        return []
    ids = list(round_.assignments.filter(closed_at__isnull=True).order_by("pk").values_list("pk", flat=True))
    Assignment.objects.filter(pk__in=ids).update(closed_at=ctx.now, close_reason=close_reason or outcome)
    round_.closed_at = ctx.now
    round_.outcome = outcome
    round_.save(update_fields=["closed_at", "outcome"])
    ctx.article.review_hash = ""
    ctx.emit("round.closed", round=round_.number, outcome=outcome, assignment_ids=ids)
    ctx.audit_data.setdefault("round", round_.number)
    ctx.audit_data["round_outcome"] = outcome
    ctx.audit_data["closed_assignments"] = ids
    return ids


# --- conditions ---------------------------------------------------------------------------------


def _content(ctx: ActionContext) -> ArticleContent:
    """The article's content as submitting reads it: checked, then frozen into the round, read once."""
    return ctx.read_once("content", lambda: content_from_article(ctx.article))


def _active_open_assignments(ctx: ActionContext) -> list[Assignment]:
    """What starting the review counts, checks and dates, read once."""
    return ctx.read_once("active_open_assignments", lambda: selectors.active_open_assignments(ctx.article))


def _no_integrity_errors(ctx: ActionContext) -> Unmet | None:
    report = check_content(_content(ctx))
    if not report.has_errors:
        return None
    # In the words people act on (references.explain); the codes stay in the detail for API clients.
    problems = " ".join(problem.sentence for problem in explain(report.errors))
    return Unmet(
        "integrity-errors",
        f"The article has {len(report.errors)} citation problem(s) to fix before submitting. {problems}",
        report.as_dict(),
    )


def _enough_active_reviewers(ctx: ActionContext) -> Unmet | None:
    quorum = selectors.article_quorum(ctx.article)
    active = _active_open_assignments(ctx)
    if len(active) >= quorum:
        return None
    return Unmet(
        "not-enough-reviewers",
        f"At least {quorum} active reviewers must be assigned before the review starts; {len(active)} are.",
        {"required": quorum, "assigned_active": len(active), "reviewers": [a.reviewer.get_username() for a in active]},
    )


def _no_conflicted_reviewer(ctx: ActionContext) -> Unmet | None:
    assignments = list(selectors.open_assignments(ctx.article))
    standing = board_selectors.standing_conflicts(ctx.article, assignments)
    conflicted = [(a.reviewer, standing[a.pk]) for a in assignments if standing[a.pk] is not None]
    if not conflicted:
        return None
    names = [user.get_username() for user, _ in conflicted]
    return Unmet(
        "conflict-of-interest",
        f"{'; '.join(c.message for _, c in conflicted)} (remove the assignment, or reassign with a written override).",
        {"reviewers": names, "reasons": [c.code for _, c in conflicted]},
    )


def _required_specialty_covered(ctx: ActionContext) -> Unmet | None:
    specialty = ctx.article.required_specialty
    if specialty is None:
        return None
    for assignment in _active_open_assignments(ctx):
        if assignment.reviewer.reviewer_profile.specialties.filter(pk=specialty.pk).exists():
            return None
    return Unmet(
        "specialty-missing",
        f'The article requires a reviewer in "{specialty.name}"; none of the assigned active reviewers holds it.',
        {"specialty": specialty.code},
    )


def _quorum_signed(ctx: ActionContext) -> Unmet | None:
    progress = selectors.signoff_progress(ctx.article)
    if progress.quorum_met:
        return None
    return Unmet(
        "quorum-not-met",
        f"{progress.signed} of {progress.required} required reviewers signed off on the content under review "
        f"({progress.content_hash[:12]}).",
        {"signed": progress.signed, "required": progress.required, "content_hash": progress.content_hash},
    )


def _no_blocking_comments(ctx: ActionContext) -> Unmet | None:
    comments = list(selectors.unresolved_blocking_comments(ctx.article).select_related("author"))
    if not comments:
        return None
    by = sorted({name_of(c.author) for c in comments})
    return Unmet(
        "blocking-comments",
        f"{len(comments)} blocking comment(s) are unresolved (from {', '.join(by)}).",
        {"comments": [c.pk for c in comments]},
    )


def _has_live_version(ctx: ActionContext) -> Unmet | None:
    if not ctx.article.versions.exists():
        return Unmet("no-live-version", "There is no published version for readers to retract.", {})
    if ctx.article.is_retracted:
        return Unmet("already-retracted", "The live version is already retracted.", {})
    return None


NO_INTEGRITY_ERRORS = Condition("no_integrity_errors", _no_integrity_errors)
ENOUGH_ACTIVE_REVIEWERS = Condition("enough_active_reviewers", _enough_active_reviewers)
NO_CONFLICTED_REVIEWER = Condition("no_conflicted_reviewer", _no_conflicted_reviewer)
REQUIRED_SPECIALTY_COVERED = Condition("required_specialty_covered", _required_specialty_covered)
QUORUM_SIGNED = Condition("quorum_signed", _quorum_signed)
NO_BLOCKING_COMMENTS = Condition("no_blocking_comments", _no_blocking_comments)
HAS_LIVE_VERSION = Condition("has_live_version", _has_live_version)


# --- transitions --------------------------------------------------------------------------------


def _submit(ctx: ActionContext) -> None:
    article = ctx.article
    content = _content(ctx)
    previous = ReviewRound.objects.filter(article=article).order_by("-number").first()
    round_ = ReviewRound.objects.create(
        article=article,
        number=(previous.number if previous else 0) + 1,
        content_hash=content.content_hash,
        snapshot=content.as_source(),
        opened_at=ctx.now,
        opened_by=ctx.user,
    )
    ctx.round = round_
    article.review_hash = round_.content_hash
    carried = _carry_over(ctx, previous, round_) if previous is not None else []
    ctx.audit_hash = round_.content_hash
    ctx.audit_data.update({"round": round_.number, "reviewers_carried_over": carried})
    ctx.emit("article.submitted", round=round_.number)


def _carry_over(ctx: ActionContext, previous: ReviewRound, round_: ReviewRound) -> list[str]:
    """After changes were requested, the reviewers still assigned when that round ended (not those the
    chair removed) are assigned to the new one, once each, while they are active and no conflict stands.
    The one rule, as at the start of review: a conflict the chair overrode does not stand, and the override
    (its reason and the conflict it covered) comes along with the reviewer. Read once for all of them."""
    if previous.outcome != ReviewRound.Outcome.CHANGES_REQUESTED:
        return []
    ended_with = previous.assignments.filter(close_reason=ReviewRound.Outcome.CHANGES_REQUESTED)
    candidates = list(ended_with.select_related("reviewer", "reviewer__reviewer_profile").order_by("pk"))
    reviewers = list({assignment.reviewer_id: assignment.reviewer for assignment in candidates}.values())
    active = set(
        board_selectors.active_reviewers().filter(pk__in=[r.pk for r in reviewers]).values_list("pk", flat=True)
    )
    # One read of what is on record: the conflicts are judged on the declarations the acceptances are kept by.
    records = board_selectors.on_record(ctx.article, reviewers)
    standing = board_selectors.standing_conflicts(ctx.article, candidates, records=records)
    carried: dict[int, Assignment] = {}  # by reviewer: the first of their assignments that may be carried over
    for assignment in candidates:
        if assignment.reviewer_id in active and standing[assignment.pk] is None:
            carried.setdefault(assignment.reviewer_id, assignment)
    Assignment.objects.bulk_create(
        Assignment(
            article=ctx.article,
            round=round_,
            reviewer=assignment.reviewer,
            assigned_by=ctx.user,
            override_reason=assignment.override_reason,
            override_conflict=assignment.override_conflict,
            **_kept_acceptance(assignment, records[assignment.reviewer_id].declaration, ctx.now),
        )
        for assignment in carried.values()
    )
    return [assignment.reviewer.get_username() for assignment in carried.values()]


def _kept_acceptance(previous: Assignment, declaration: Declaration | None, now: datetime) -> dict[str, Any]:
    """A reviewer carried over keeps their acceptance while the declaration they accepted under (``previous``)
    is still their current one (``declaration``) and valid now; a new or expired declaration means accepting
    again."""
    if (
        previous.accepted_at is None
        or declaration is None
        or declaration.pk != previous.accepted_declaration_id
        or declaration.is_expired(now)
    ):
        return {}
    return {"accepted_at": previous.accepted_at, "accepted_declaration": declaration}


def _withdraw(ctx: ActionContext) -> None:
    ctx.audit_hash = ctx.article.review_hash
    close_round(ctx, ReviewRound.Outcome.WITHDRAWN)


def _start_review(ctx: ActionContext) -> None:
    due_at = ctx.now + settings.REVIEW_DEFAULT_DUE
    assignments = _active_open_assignments(ctx)
    Assignment.objects.filter(pk__in=[a.pk for a in assignments], due_at__isnull=True).update(due_at=due_at)
    ids = [a.pk for a in assignments]
    ctx.audit_data.update(
        {
            "round": ctx.round.number if ctx.round else None,
            "assignments": ids,
            "reviewers": [a.reviewer.get_username() for a in assignments],
            "quorum": selectors.article_quorum(ctx.article),
        }
    )
    ctx.emit("review.started", assignment_ids=ids)


def _validate_request_changes(ctx: ActionContext) -> None:
    """A reviewer's request for changes is a judgement: it counts only once they accepted (the chair needs none)."""
    require_accepted_reviewer(ctx.article, ctx.user, doing="request changes")


def _request_changes(ctx: ActionContext) -> None:
    own = selectors.open_assignments(ctx.article).filter(reviewer=ctx.user).first()
    signoff = None
    if own is not None:
        signoff = SignOff.objects.create(
            article=ctx.article,
            round=ctx.round,
            assignment=own,
            reviewer=ctx.user,
            content_hash=ctx.article.review_hash,
            decision=SignOff.Decision.REQUEST_CHANGES,
            comment=ctx.inputs["comment"],
        )
    ctx.audit_hash = ctx.article.review_hash
    ctx.audit_data["signoff_id"] = signoff.pk if signoff else None
    # The chair's decision sends the decision letter (which carries the note); otherwise the authors get
    # the reviewer's request as before.
    if chair_letter(ctx, DecisionLetter.Decision.CHANGES_REQUESTED) is None:
        ctx.emit("changes.requested", comment=ctx.inputs["comment"], by=name_of(ctx.user))
    close_round(ctx, ReviewRound.Outcome.CHANGES_REQUESTED)


def _reviewer_entry(signoff: SignOff, *, article: Article, now: datetime) -> dict[str, Any]:
    """What readers are told about one reviewer of a version, baked in at approval: name, verified and
    unexpired credentials only, the disclosure from the declaration they signed under, the chair's override."""
    user, assignment = signoff.reviewer, signoff.assignment
    credentials = board_selectors.verified_credentials(board_selectors.credentials_on_record(user), today=now.date())
    override = None
    if assignment.override_reason:
        override = {"conflict": assignment.override_conflict, "reason": assignment.override_reason}
    return {
        "name": user.get_full_name() or user.get_username(),
        "credentials": ", ".join(c.name for c in credentials),
        "verified_credentials": [
            {
                "kind": c.kind,
                "name": c.name,
                "issuing_body": c.issuing_body,
                "verified_on": c.verified_at.date().isoformat(),
            }
            for c in credentials
        ],
        "disclosure": board_selectors.disclosure(signoff.declaration, article, now=now),
        "override": override,
        # The integrity warnings this reviewer acknowledged, with their reasons (readers see each one).
        "acknowledged_warnings": [
            {"warning": a["warning"], "message": a.get("message", ""), "reason": a["reason"]}
            for a in signoff.acknowledgements
        ],
    }


def _approve(ctx: ActionContext) -> None:
    article, round_ = ctx.article, ctx.round
    content = ArticleContent.from_source(round_.snapshot)
    signed_by = selectors.signers(article, round_.content_hash)
    first_signoffs: dict[int, SignOff] = {}
    for signoff in selectors.counting_signoffs(article, round_.content_hash).select_related(
        "assignment", "declaration"
    ):
        first_signoffs.setdefault(signoff.reviewer_id, signoff)
    article.approved_at = ctx.now
    article.next_review_due = ctx.now + settings.REVIEW_RECURRENCE
    article.review_overdue = False
    article.review_overdue_notified_at = None
    article.retraction_reason = ""
    article.retracted_at = None
    # The chair marks clinical significance; an approval completed by a sign-off leaves it unassessed.
    significant = None if ctx.automatic else bool(ctx.inputs.get("clinically_significant"))
    version = published_version_create(
        article=article,
        content=content,
        reviewers=[_reviewer_entry(s, article=article, now=ctx.now) for s in first_signoffs.values()],
        approved_at=ctx.now,
        change_summary=article.change_summary,
        clinically_significant=significant,
    )
    article.change_summary = ""
    ctx.audit_hash = round_.content_hash
    ctx.audit_data.update(
        {
            "automatic": ctx.automatic,
            "trigger": ctx.trigger or ("chair" if not ctx.automatic else ""),
            "signers": [u.get_username() for u in signed_by],
            "version": version.number,
            "version_id": version.pk,
            "clinically_significant": significant,
            "sections_changed": version.sections_changed,
        }
    )
    chair_letter(ctx, DecisionLetter.Decision.APPROVED)
    ctx.emit("version.approved", version_id=version.pk, version=version.number)
    close_round(ctx, ReviewRound.Outcome.APPROVED)


def _revise(ctx: ActionContext) -> None:
    live = ctx.article.live_version
    ctx.article.change_summary = ctx.inputs["change_summary"]
    ctx.audit_hash = live.content_hash if live else ""
    ctx.audit_data["change_summary"] = ctx.inputs["change_summary"]


def _retract(ctx: ActionContext) -> None:
    article = ctx.article
    version = published_version_retract(article=article, reason=ctx.inputs["reason"], retracted_at=ctx.now)
    ctx.audit_hash = version.content_hash
    ctx.audit_comment = ctx.inputs["reason"]
    ctx.audit_data.update({"version": version.number, "version_id": version.pk})
    ctx.emit("version.retracted", version_id=version.pk, version=version.number, reason=ctx.inputs["reason"])
    close_round(ctx, ReviewRound.Outcome.SUPERSEDED, close_reason="retracted")


def _archive(ctx: ActionContext) -> None:
    ctx.audit_hash = ctx.article.review_hash
    ctx.emit("article.archived")
    close_round(ctx, ReviewRound.Outcome.SUPERSEDED, close_reason="archived")


def _approve_history(entry: Any, people: dict[int, Any]) -> str:
    data = entry.data or {}
    how = " automatically, when the quorum was met" if data.get("automatic") else ""
    version = f"; version {data['version']} published" if data.get("version") else ""
    return f"approved and published{how}{version}"


DECLARED: tuple[Action, ...] = (
    Action(
        name="submit",
        events=("article.submitted",),
        label="Submit for review",
        verb="submit",
        audit_label="Submitted for review",
        who=AUTHOR_OR_EDITOR,
        sources=states(ReviewState.DRAFT, ReviewState.CHANGES_REQUESTED),
        target=ReviewState.SUBMITTED,
        conditions=(NO_INTEGRITY_ERRORS,),
        fields=(COMMENT,),
        perform=_submit,
    ),
    Action(
        name="withdraw",
        events=("round.closed",),
        label="Withdraw from review",
        verb="withdraw",
        audit_label="Withdrawn from review",
        who=AUTHOR_OR_EDITOR,
        sources=states(ReviewState.SUBMITTED, ReviewState.UNDER_REVIEW),
        target=ReviewState.DRAFT,
        perform=_withdraw,
        confirm="This ends the review round.",
        fields=(Field("comment", "Why", required=True, what="comment saying why the article is withdrawn"),),
    ),
    Action(
        name="start_review",
        events=("review.started",),
        label="Start the review",
        verb="start the review of",
        audit_label="Review started",
        who=CHAIR,
        sources=states(ReviewState.SUBMITTED),
        target=ReviewState.UNDER_REVIEW,
        conditions=(ENOUGH_ACTIVE_REVIEWERS, NO_CONFLICTED_REVIEWER, REQUIRED_SPECIALTY_COVERED),
        fields=(COMMENT,),
        perform=_start_review,
    ),
    Action(
        name="request_changes",
        events=("changes.requested", "decision.sent", "round.closed"),
        label="Request changes",
        verb="request changes on",
        audit_label="Changes requested",
        who=REVIEWER_OR_CHAIR,
        sources=states(ReviewState.UNDER_REVIEW),
        target=ReviewState.CHANGES_REQUESTED,
        perform=_request_changes,
        validate=_validate_request_changes,
        confirm="This ends the review round.",
        fields=(
            Field(
                "comment",
                "What must change",
                required=True,
                what="comment saying what must change",
                help="The authors read it (in the decision letter, when the chair sends it back).",
            ),
        ),
    ),
    Action(
        name="approve",
        events=("version.approved", "decision.sent", "round.closed"),
        label="Approve and publish",
        verb="approve",
        audit_label="Approved and published",
        who=CHAIR,
        sources=states(ReviewState.UNDER_REVIEW),
        target=ReviewState.APPROVED,
        conditions=(QUORUM_SIGNED, NO_BLOCKING_COMMENTS),
        fields=(
            # Under "the chair decides" (the default) this is the chair's note in the letter the authors get.
            Field(
                "comment",
                "Comment",
                help="Shown in the article's history. When the chair decides (the board's default), it is also "
                "the chair's note to the authors in the decision letter.",
            ),
            Field(
                "clinically_significant",
                "Clinically significant change",
                kind="bool",
                help="Readers' \"What's new\" feed lists the versions marked so.",
            ),
        ),
        perform=_approve,
        confirm="This publishes the content under review to readers.",
        history=_approve_history,
    ),
    Action(
        name="revise",
        label="Start a revision",
        verb="revise",
        audit_label="Revision started",
        who=AUTHOR_OR_EDITOR,
        sources=states(ReviewState.APPROVED, ReviewState.RETRACTED),
        target=ReviewState.DRAFT,
        fields=(
            Field(
                "change_summary",
                "What this revision changes",
                required=True,
                what="change summary saying what this revision changes",
                help="Readers get it with the next published version.",
            ),
            COMMENT,
        ),
        perform=_revise,
    ),
    Action(
        name="retract",
        events=("version.retracted", "round.closed"),
        label="Retract the live version",
        verb="retract",
        audit_label="Live version retracted",
        who=CHAIR,
        sources=states_except(ReviewState.RETRACTED, ReviewState.ARCHIVED),
        target=ReviewState.RETRACTED,
        conditions=(HAS_LIVE_VERSION,),
        fields=(REASON,),
        perform=_retract,
        confirm="Readers lose this article at once and get the reason instead.",
    ),
    Action(
        name="archive",
        events=("article.archived", "round.closed"),
        label="Archive",
        verb="archive",
        audit_label="Archived",
        who=CHAIR,
        sources=states_except(ReviewState.APPROVED, ReviewState.ARCHIVED),
        target=ReviewState.ARCHIVED,
        fields=(COMMENT,),
        perform=_archive,
        confirm="This ends any review and closes the article.",
    ),
)


# --- the typed entry points (each returns the article after the action: a fresh, locked instance) ---


@entry_point("submit")
def article_submit(*, article: Article, user: AbstractBaseUser, comment: str = "") -> Article:
    """draft/changes_requested -> submitted: opens a review round on the content as it is now."""
    ...


@entry_point("withdraw")
def article_withdraw(*, article: Article, user: AbstractBaseUser, comment: str) -> Article:
    """submitted/under_review -> draft (comment required); the round ends "withdrawn"."""
    ...


@entry_point("start_review")
def review_start(*, article: Article, user: AbstractBaseUser, comment: str = "") -> Article:
    """submitted -> under_review (chair): quorum of active reviewers, no conflict, specialty covered."""
    ...


@entry_point("request_changes")
def article_request_changes(*, article: Article, user: AbstractBaseUser, comment: str) -> Article:
    """under_review -> changes_requested (an assigned reviewer or the chair; comment required)."""
    ...


@entry_point("approve")
def article_approve(
    *, article: Article, user: AbstractBaseUser, comment: str = "", clinically_significant: bool = False
) -> Article:
    """under_review -> approved by the chair: the quorum signed the round's content, no blocking comment.
    ``clinically_significant`` marks the new version for readers' "What's new" feed."""
    ...


@entry_point("revise")
def article_revise(*, article: Article, user: AbstractBaseUser, change_summary: str, comment: str = "") -> Article:
    """approved/retracted -> draft: a new working copy; the live version stays what readers get.
    ``change_summary`` (required) says what the revision changes; the next published version carries it."""
    ...


@entry_point("retract")
def article_retract(*, article: Article, user: AbstractBaseUser, reason: str) -> Article:
    """Retract the live version (chair; reason required), in any state while one is live: readers get 410."""
    ...


@entry_point("archive")
def article_archive(*, article: Article, user: AbstractBaseUser, comment: str = "") -> Article:
    """Any state but approved -> archived (chair); a retracted article keeps its 410 and reason."""
    ...
