"""Every board action, declared once.

Read one declaration to know an action: who may, from which states, what must hold, what it
takes, what it changes, what the audit log calls it and which events it sends. The services
(``reviewboard.review.services``), the admin buttons and forms, the API's enum of transitions and the
audit views all read these declarations; ``reviewboard.review.actions.runner.perform`` runs any of them.

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

from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from articles.content import ArticleContent, content_from_article
from articles.models import CLOSED_STATES, EDITABLE_STATES, FROZEN_STATES, Article, ReviewState, Section
from articles.publishing import published_version_create, published_version_retract
from config.exceptions import Conflict, InvalidInput, NotAllowed
from references.integrity import check_content
from reviewboard.board import permissions
from reviewboard.models import (
    Assignment,
    Comment,
    Credential,
    Declaration,
    DeclaredRelationship,
    ReaderReport,
    ReviewRound,
    SignOff,
    Specialty,
)
from reviewboard.review import selectors
from reviewboard.review.actions.registry import Action, ActionContext, Condition, Field, Rule, Unmet

ALL_STATES = tuple(ReviewState.values)


def _states(*states: str) -> tuple[str, ...]:
    return tuple(s for s in ALL_STATES if s in states)


def _except(*states: str) -> tuple[str, ...]:
    return tuple(s for s in ALL_STATES if s not in states)


def _on_article(predicate: Any) -> Rule:
    """A rule from an (article, user) predicate of ``reviewboard.board.permissions``, with its words."""
    return Rule(permissions.requirement(predicate), lambda ctx: predicate(ctx.article, ctx.user))


AUTHOR_OR_EDITOR = _on_article(permissions.can_edit_as_author)
CHAIR = _on_article(permissions.can_chair)
REVIEWER_OR_CHAIR = _on_article(permissions.can_request_changes)
COMMENTER = _on_article(permissions.can_comment)
ASSIGNMENT_REVIEWER = Rule(
    "the reviewer of this assignment (a board reviewer assigned to this article)",
    lambda ctx: (
        ctx.target is not None and ctx.target.reviewer_id == ctx.user.pk and permissions.is_board_reviewer(ctx.user)
    ),
)
BOARD_MEMBER = Rule(
    "a board member (reviewer or chair), for their own declaration",
    lambda ctx: permissions.is_board_reviewer(ctx.user) or permissions.is_chair(ctx.user),
)
CHAIR_OF_THE_BOARD = Rule("the board chair", lambda ctx: permissions.is_chair(ctx.user))
COMMENT_RESOLVER = Rule(
    permissions.requirement(permissions.can_resolve_comment),
    lambda ctx: ctx.target is not None and permissions.can_resolve_comment(ctx.target, ctx.user),
)

COMMENT = Field("comment", "Comment", help="Shown in the article's history.")
REASON = Field(
    "reason", "Reason", required=True, what="reason for the retraction", help="Readers get this with the 410 answer."
)


def _name(user: Any) -> str:
    return permissions.display_name(user)


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


def _no_integrity_errors(ctx: ActionContext) -> Unmet | None:
    report = check_content(content_from_article(ctx.article))
    if not report.has_errors:
        return None
    codes = sorted({f.code for f in report.errors})
    return Unmet(
        "integrity-errors",
        f"The article has {len(report.errors)} citation-integrity error(s) ({', '.join(codes)}); "
        "fix them before submitting.",
        report.as_dict(),
    )


def _enough_active_reviewers(ctx: ActionContext) -> Unmet | None:
    quorum = selectors.article_quorum(ctx.article)
    active = selectors.active_open_assignments(ctx.article)
    if len(active) >= quorum:
        return None
    return Unmet(
        "not-enough-reviewers",
        f"At least {quorum} active reviewers must be assigned before the review starts; {len(active)} are.",
        {"required": quorum, "assigned_active": len(active), "reviewers": [a.reviewer.get_username() for a in active]},
    )


def _no_conflicted_reviewer(ctx: ActionContext) -> Unmet | None:
    conflicted = [
        (a.reviewer, conflict)
        for a in selectors.open_assignments(ctx.article)
        if (conflict := selectors.conflict_stands(ctx.article, a)) is not None
    ]
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
    for assignment in selectors.active_open_assignments(ctx.article):
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
    by = sorted({_name(c.author) for c in comments})
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
    content = content_from_article(article)
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
    carried: list[str] = []
    if previous is not None and previous.outcome == ReviewRound.Outcome.CHANGES_REQUESTED:
        # The reviewers still assigned when the round ended (not those the chair removed), once each.
        ended_with = previous.assignments.filter(close_reason=ReviewRound.Outcome.CHANGES_REQUESTED)
        for assignment in ended_with.select_related("reviewer", "reviewer__reviewer_profile").order_by("pk"):
            reviewer = assignment.reviewer
            if reviewer.get_username() in carried:
                continue
            if selectors.reviewer_is_active(reviewer) and selectors.conflict_of_interest(article, reviewer) is None:
                Assignment.objects.create(article=article, round=round_, reviewer=reviewer, assigned_by=ctx.user)
                carried.append(reviewer.get_username())
    ctx.audit_hash = round_.content_hash
    ctx.audit_data.update({"round": round_.number, "reviewers_carried_over": carried})
    ctx.emit("article.submitted", round=round_.number)


def _withdraw(ctx: ActionContext) -> None:
    ctx.audit_hash = ctx.article.review_hash
    close_round(ctx, ReviewRound.Outcome.WITHDRAWN)


def _start_review(ctx: ActionContext) -> None:
    due_at = ctx.now + settings.REVIEW_DEFAULT_DUE
    assignments = selectors.active_open_assignments(ctx.article)
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
    ctx.emit("changes.requested", comment=ctx.inputs["comment"], by=_name(ctx.user))
    close_round(ctx, ReviewRound.Outcome.CHANGES_REQUESTED)


def _reviewer_entry(signoff: SignOff, *, article: Article, now: datetime) -> dict[str, Any]:
    """What readers are told about one reviewer of a version, baked in at approval: name, verified and
    unexpired credentials only, the disclosure from the declaration they signed under, the chair's override."""
    user, assignment = signoff.reviewer, signoff.assignment
    credentials = selectors.verified_credentials(selectors.credentials_on_record(user), today=now.date())
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
        "disclosure": selectors.disclosure(signoff.declaration, article, now=now),
        "override": override,
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


# --- board actions that keep the state ---------------------------------------------------------


def _check_due(due_at: Any) -> datetime | None:
    if due_at in (None, ""):
        return None
    if not isinstance(due_at, datetime) or timezone.is_naive(due_at):
        raise InvalidInput(
            "The due date needs a date and a time with its time zone.",
            code="invalid-due-date",
            detail={"field": "due_at"},
        )
    if due_at <= timezone.now():
        raise InvalidInput("The due date must be in the future.", code="invalid-due-date", detail={"field": "due_at"})
    return due_at


def _validate_assign(ctx: ActionContext) -> None:
    reviewer = ctx.inputs["reviewer"]
    ctx.inputs["due_at"] = _check_due(ctx.inputs.get("due_at"))
    if not selectors.reviewer_is_active(reviewer):
        raise Conflict(
            f"{_name(reviewer)} is not an active board reviewer "
            "(needs the Board reviewers group, an active account and an active reviewer profile).",
            code="reviewer-inactive",
            detail={"reviewer": reviewer.get_username()},
        )
    conflict = selectors.reviewer_conflict(ctx.article, reviewer)
    override = ctx.inputs.get("override_reason", "")
    ctx.inputs["override_conflict"] = ""
    if conflict is not None:
        detail = {"reviewer": reviewer.get_username(), "reason": conflict.code, "overridable": conflict.overridable}
        if not override or not conflict.overridable:
            hint = " The chair may assign them anyway with a written override reason." if conflict.overridable else ""
            raise Conflict(conflict.message + hint, code="conflict-of-interest", detail=detail)
        ctx.inputs["override_conflict"] = conflict.message
    elif override:
        raise InvalidInput(
            f"{_name(reviewer)} has no conflict of interest with this article: there is nothing to override.",
            code="override-not-needed",
            detail={"field": "override_reason"},
        )
    if ctx.round.assignments.filter(reviewer=reviewer, closed_at__isnull=True).exists():
        raise _already_assigned(reviewer)


def _already_assigned(reviewer: Any) -> Conflict:
    return Conflict(
        f"{_name(reviewer)} is already assigned to this article.",
        code="already-assigned",
        detail={"reviewer": reviewer.get_username()},
    )


def _assign(ctx: ActionContext) -> Assignment:
    reviewer, due_at = ctx.inputs["reviewer"], ctx.inputs["due_at"]
    if due_at is None and ctx.article.state == ReviewState.UNDER_REVIEW:
        due_at = ctx.now + settings.REVIEW_DEFAULT_DUE
    try:
        with transaction.atomic():
            assignment = Assignment.objects.create(
                article=ctx.article,
                round=ctx.round,
                reviewer=reviewer,
                assigned_by=ctx.user,
                due_at=due_at,
                due_explicit=ctx.inputs["due_at"] is not None,
                override_reason=ctx.inputs.get("override_reason", ""),
                override_conflict=ctx.inputs["override_conflict"],
            )
    except IntegrityError as exc:  # the one-open-assignment-per-reviewer constraint: a race lost
        raise _already_assigned(reviewer) from exc
    ctx.audit_data.update(
        {
            "round": ctx.round.number,
            "assignment_id": assignment.pk,
            "reviewer": reviewer.get_username(),
            "reviewer_id": reviewer.pk,
            "due_at": due_at,
        }
    )
    if assignment.override_reason:
        ctx.audit_comment = assignment.override_reason
        ctx.audit_data.update(
            {"conflict_overridden": assignment.override_conflict, "override_reason": assignment.override_reason}
        )
    if ctx.article.state == ReviewState.UNDER_REVIEW:
        ctx.emit("review.started", assignment_ids=[assignment.pk])
    return assignment


def _open_assignment_of_round(ctx: ActionContext) -> Assignment:
    assignment, round_ = ctx.target, ctx.round
    if assignment.closed_at is not None or assignment.round_id != (round_.pk if round_ else None):
        raise Conflict(
            f"This assignment is closed ({assignment.close_reason or 'closed'}).",
            code="assignment-closed",
            detail={"assignment_id": assignment.pk, "close_reason": assignment.close_reason},
        )
    if assignment.accepted_at is not None:
        raise Conflict(
            f"You accepted this assignment on {assignment.accepted_at:%Y-%m-%d}.",
            code="already-answered",
            detail={"assignment_id": assignment.pk, "accepted_at": assignment.accepted_at.isoformat()},
        )
    return assignment


def _validate_accept(ctx: ActionContext) -> None:
    assignment = _open_assignment_of_round(ctx)
    if not ctx.inputs.get("no_conflict"):
        raise InvalidInput(
            "Accepting confirms that you have no conflict of interest with this article: tick the confirmation.",
            code="no-conflict-required",
            detail={"field": "no_conflict"},
        )
    conflict = selectors.conflict_stands(ctx.article, assignment)
    if conflict is not None:
        raise Conflict(conflict.message, code="conflict-of-interest", detail={"reason": conflict.code})


def _accept_assignment(ctx: ActionContext) -> Assignment:
    """The due date runs from acceptance (unless the chair set one) once the review has started."""
    assignment = ctx.target
    assignment.accepted_at = ctx.now
    fields = ["accepted_at"]
    if ctx.article.state == ReviewState.UNDER_REVIEW and not assignment.due_explicit:
        assignment.due_at = ctx.now + settings.REVIEW_DEFAULT_DUE
        fields.append("due_at")
    assignment.save(update_fields=fields)
    declaration = selectors.current_declaration(ctx.user)
    ctx.audit_data.update(
        {
            "assignment_id": assignment.pk,
            "due_at": assignment.due_at,
            "declaration_id": declaration.pk if declaration else None,
            "no_conflict_confirmed": True,
        }
    )
    return assignment


def _validate_decline(ctx: ActionContext) -> None:
    _open_assignment_of_round(ctx)


def _decline_assignment(ctx: ActionContext) -> Assignment:
    assignment = ctx.target
    assignment.declined_at = assignment.closed_at = ctx.now
    assignment.decline_reason = ctx.inputs["reason"]
    assignment.close_reason = "declined"
    assignment.save(update_fields=["declined_at", "closed_at", "decline_reason", "close_reason"])
    ctx.audit_comment = assignment.decline_reason
    ctx.audit_data.update({"assignment_id": assignment.pk, "reviewer": ctx.user.get_username()})
    ctx.emit("assignment.declined", assignment_id=assignment.pk, reason=assignment.decline_reason)
    return assignment


def _validate_unassign(ctx: ActionContext) -> None:
    assignment = ctx.target
    if assignment.closed_at is not None:
        raise Conflict(
            f"This assignment is already closed ({assignment.close_reason or 'closed'}).",
            code="assignment-closed",
            detail={"assignment_id": assignment.pk, "close_reason": assignment.close_reason},
        )


def _unassign(ctx: ActionContext) -> Assignment:
    assignment = ctx.target
    assignment.closed_at = ctx.now
    assignment.close_reason = "removed"
    assignment.save(update_fields=["closed_at", "close_reason"])
    ctx.audit_data.update(
        {
            "assignment_id": assignment.pk,
            "reviewer": assignment.reviewer.get_username(),
            "reviewer_id": assignment.reviewer_id,
        }
    )
    return assignment


def _validate_sign_off(ctx: ActionContext) -> None:
    assignment, user, round_ = ctx.target, ctx.user, ctx.round
    if assignment.round_id != (round_.pk if round_ else None) or assignment.closed_at is not None:
        closed_round = assignment.round
        raise Conflict(
            f"Your assignment belongs to {closed_round.describe()}; "
            + (f"the article is now in {round_.describe()}." if round_ else "no review round is open now."),
            code="assignment-closed",
            detail={
                "assignment_id": assignment.pk,
                "close_reason": assignment.close_reason,
                "round": closed_round.number,
                "round_outcome": closed_round.outcome,
            },
        )
    if not selectors.reviewer_is_active(user):
        raise Conflict(
            "Your reviewer profile is inactive.", code="reviewer-inactive", detail={"reviewer": user.get_username()}
        )
    conflict = selectors.conflict_stands(ctx.article, assignment)
    if conflict is not None:
        raise Conflict(conflict.message, code="conflict-of-interest", detail={"reason": conflict.code})
    signed = ctx.inputs["content_hash"].strip().lower()
    ctx.inputs["content_hash"] = signed
    if signed != round_.content_hash:
        earlier = ReviewRound.objects.filter(article=ctx.article, content_hash=signed).exclude(pk=round_.pk)
        earlier = earlier.order_by("-number").first()
        if earlier is not None:
            message = (
                f"You signed {signed[:12]}, the content of {earlier.describe()}; "
                f"{round_.describe()} is reviewing {round_.content_hash[:12]}. Read what changed and sign again."
            )
        else:
            message = (
                f"You signed {signed[:12]}, the article under review is {round_.content_hash[:12]}; "
                "this sign-off does not count. Reload the article and review the current content."
            )
        raise Conflict(
            message,
            code="stale-content-hash",
            detail={"signed": signed, "under_review": round_.content_hash, "round": round_.number},
        )
    if SignOff.objects.filter(selectors.approval_of(signed), assignment=assignment).exists():
        raise _already_signed(assignment, signed)
    own_blocking = list(
        selectors.unresolved_blocking_comments(ctx.article).filter(author=user).values_list("pk", flat=True)
    )
    if own_blocking:
        raise Conflict(
            f"You have {len(own_blocking)} open blocking comment(s) on this article: resolve them "
            "(or ask the chair to) before you sign off.",
            code="own-blocking-comment",
            detail={"comments": own_blocking},
        )


def _already_signed(assignment: Assignment, content_hash: str) -> Conflict:
    return Conflict(
        f"You already signed off on {content_hash[:12]}.",
        code="already-signed",
        detail={"assignment_id": assignment.pk, "content_hash": content_hash},
    )


def _sign_off(ctx: ActionContext) -> SignOff:
    assignment, content_hash = ctx.target, ctx.inputs["content_hash"]
    try:
        with transaction.atomic():
            signoff = SignOff.objects.create(
                article=ctx.article,
                round=ctx.round,
                assignment=assignment,
                reviewer=ctx.user,
                content_hash=content_hash,
                decision=SignOff.Decision.APPROVE,
                comment=ctx.inputs.get("comment", ""),
                declaration=selectors.current_declaration(ctx.user),
            )
    except IntegrityError as exc:
        raise _already_signed(assignment, content_hash) from exc
    if assignment.accepted_at is None:  # signing off is the strongest acceptance there is
        assignment.accepted_at = ctx.now
        assignment.save(update_fields=["accepted_at"])
        ctx.audit_data["accepted_with_sign_off"] = True
    progress = selectors.signoff_progress(ctx.article)
    ctx.audit_hash = content_hash
    ctx.audit_comment = signoff.comment
    ctx.audit_data.update(
        {
            "round": ctx.round.number,
            "signoff_id": signoff.pk,
            "assignment_id": assignment.pk,
            "declaration_id": signoff.declaration_id,
            "signed": progress.signed,
            "required": progress.required,
        }
    )
    ctx.followed.append("approve")  # the runner approves now if every approval condition holds
    return signoff


def _section(article: Article, section: Any) -> Section | None:
    if section in (None, ""):
        return None
    section_id = section.pk if isinstance(section, Section) else section
    try:
        found = Section.objects.filter(article=article, pk=int(section_id)).first()
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise InvalidInput(
            f"Section {section_id} is not a section of this article.",
            code="invalid-section",
            detail={"field": "section"},
        )
    return found


def _validate_comment(ctx: ActionContext) -> None:
    if ctx.inputs.get("blocking") and not permissions.can_block(ctx.article, ctx.user):
        raise NotAllowed(
            f"Only {permissions.requirement(permissions.can_block)} may make a blocking comment.",
            code="permission-denied",
            detail={"required": permissions.requirement(permissions.can_block), "action": "comment"},
        )
    ctx.inputs["section"] = _section(ctx.article, ctx.inputs.get("section"))


def _comment(ctx: ActionContext) -> Comment:
    anchor = ctx.inputs["section"]
    content_hash = ctx.article.review_hash or selectors.article_content_hash(ctx.article)
    comment = Comment.objects.create(
        article=ctx.article,
        round=ctx.round,
        author=ctx.user,
        section=anchor,
        section_heading=anchor.heading if anchor else "",
        body=ctx.inputs["body"],
        blocking=bool(ctx.inputs.get("blocking")),
        content_hash=content_hash,
    )
    ctx.audit_hash = content_hash
    ctx.audit_comment = comment.body
    ctx.audit_data.update(
        {
            "round": ctx.round.number if ctx.round else None,
            "comment_id": comment.pk,
            "section_id": anchor.pk if anchor else None,
            "section_heading": comment.section_heading,
            "blocking": comment.blocking,
        }
    )
    if comment.blocking:
        ctx.emit("comment.blocking", comment_id=comment.pk)
    return comment


def _validate_resolve(ctx: ActionContext) -> None:
    comment = ctx.target
    if comment.resolved_at is not None:
        raise Conflict("This comment is already resolved.", code="already-resolved", detail={"comment_id": comment.pk})
    if comment.author_id != ctx.user.pk and comment.blocking and not ctx.inputs.get("note"):
        raise InvalidInput(
            f"A note is required to resolve {_name(comment.author)}'s blocking comment: say how it was handled.",
            code="note-required",
            detail={"field": "note"},
        )


def _resolve_comment(ctx: ActionContext) -> Comment:
    comment = ctx.target
    comment.resolved_at = ctx.now
    comment.resolved_by = ctx.user
    comment.resolution_note = ctx.inputs.get("note", "")
    comment.save(update_fields=["resolved_at", "resolved_by", "resolution_note"])
    ctx.audit_hash = comment.content_hash
    ctx.audit_comment = comment.resolution_note
    ctx.audit_data.update({"comment_id": comment.pk, "blocking": comment.blocking})
    if comment.author_id != ctx.user.pk:
        ctx.emit("comment.resolved", comment_id=comment.pk, by=_name(ctx.user))
    return comment


def _thread_start(ctx: ActionContext) -> Comment:
    """The comment that opened the thread ``ctx.target`` belongs to (a reply answers its thread)."""
    comment = ctx.target
    return comment.parent if comment.parent_id else comment


def _validate_reply(ctx: ActionContext) -> None:
    start = _thread_start(ctx)
    if start.resolved_at is not None:
        raise Conflict(
            "This comment is resolved: start a new comment on the section instead of replying.",
            code="already-resolved",
            detail={"comment_id": start.pk},
        )


def _reply(ctx: ActionContext) -> Comment:
    start = _thread_start(ctx)
    content_hash = ctx.article.review_hash or selectors.article_content_hash(ctx.article)
    reply = Comment.objects.create(
        article=ctx.article,
        round=ctx.round,
        author=ctx.user,
        parent=start,
        section_id=start.section_id,
        section_heading=start.section_heading,
        body=ctx.inputs["body"],
        content_hash=content_hash,
    )
    ctx.audit_hash = content_hash
    ctx.audit_comment = reply.body
    ctx.audit_data.update({"comment_id": reply.pk, "thread": start.pk, "section_heading": start.section_heading})
    if start.author_id != ctx.user.pk:
        ctx.emit("comment.replied", comment_id=reply.pk, thread=start.pk, by=_name(ctx.user))
    return reply


def _validate_addressed(ctx: ActionContext) -> None:
    comment = ctx.target
    if comment.parent_id is not None:
        raise InvalidInput(
            "Mark the comment that opened the thread as addressed, not a reply.",
            code="not-a-thread",
            detail={"comment_id": comment.pk},
        )
    if comment.resolved_at is not None:
        raise Conflict("This comment is already resolved.", code="already-resolved", detail={"comment_id": comment.pk})
    if comment.addressed_at is not None:
        raise Conflict(
            f"This comment was already marked addressed by {_name(comment.addressed_by)}.",
            code="already-addressed",
            detail={"comment_id": comment.pk},
        )


def _mark_addressed(ctx: ActionContext) -> Comment:
    comment = ctx.target
    comment.addressed_at = ctx.now
    comment.addressed_by = ctx.user
    comment.save(update_fields=["addressed_at", "addressed_by"])
    note = ctx.inputs.get("note", "")
    if note:  # what was done, kept in the thread where the reviewer reads it
        Comment.objects.create(
            article=ctx.article,
            round=ctx.round,
            author=ctx.user,
            parent=comment,
            section_id=comment.section_id,
            section_heading=comment.section_heading,
            body=note,
            content_hash=comment.content_hash,
        )
    ctx.audit_hash = comment.content_hash
    ctx.audit_comment = note
    ctx.audit_data.update({"comment_id": comment.pk, "blocking": comment.blocking})
    ctx.emit("comment.addressed", comment_id=comment.pk, by=_name(ctx.user))
    return comment


def _content_state_refusal(article: Article) -> Unmet | None:
    state = ReviewState(article.state)
    if state in FROZEN_STATES:
        return Unmet(
            "content-frozen",
            f"The content is frozen while the article is {state.label.lower()}: withdraw it or request changes first.",
            {"state": state.value},
        )
    return Unmet(
        "content-locked",
        f"The content of a {state.label.lower()} article is locked: revise it first to start a new working copy.",
        {"state": state.value},
    )


def _edit_content(ctx: ActionContext) -> Article:
    from articles.services import article_update_content

    before = selectors.article_content_hash(ctx.article)
    article = article_update_content(article=ctx.article, content=ctx.inputs["content"])
    after = selectors.article_content_hash(article)
    ctx.audit_hash = after
    ctx.audit_data.update({"hash_before": before, "hash_after": after, "changed": before != after})
    return article


# --- who may review: declarations of interest ---------------------------------------------------


def _parse_day(value: Any, field: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise InvalidInput(
            f"{field}: {value!r} is not a date (YYYY-MM-DD).", code="invalid-date", detail={"field": field}
        ) from exc


def _clean_relationships(rows: Any) -> list[dict[str, Any]]:
    """The declared relationships, checked: each needs an organisation and a known kind; names the bad field."""
    if rows in (None, ""):
        return []
    if not isinstance(rows, list | tuple):
        raise InvalidInput(
            "relationships must be a list.", code="invalid-relationships", detail={"field": "relationships"}
        )
    kinds = dict(DeclaredRelationship.Kind.choices)
    codes = {s.code: s for s in Specialty.objects.all()}
    cleaned = []
    for index, row in enumerate(rows):
        where = f"relationships[{index}]"
        if not isinstance(row, dict):
            raise InvalidInput(f"{where} must be an object.", code="invalid-relationships", detail={"field": where})
        organisation = str(row.get("organisation") or "").strip()
        if not organisation:
            raise InvalidInput(
                f"{where}.organisation is required.",
                code="organisation-required",
                detail={"field": f"{where}.organisation"},
            )
        kind = str(row.get("kind") or "").strip()
        if kind not in kinds:
            raise InvalidInput(
                f"{where}.kind must be one of: {', '.join(kinds)}.",
                code="invalid-kind",
                detail={"field": f"{where}.kind"},
            )
        topics = row.get("topics") or []
        if isinstance(topics, str):
            topics = [t for t in (part.strip() for part in topics.split(",")) if t]
        specialties = []
        for code in row.get("specialties") or []:
            code = getattr(code, "code", code)
            if code not in codes:
                raise InvalidInput(
                    f"{where}.specialties: unknown specialty {code!r}.",
                    code="invalid-specialty",
                    detail={"field": f"{where}.specialties"},
                )
            specialties.append(codes[code])
        started, ended = (
            _parse_day(row.get("started_on"), f"{where}.started_on"),
            _parse_day(row.get("ended_on"), f"{where}.ended_on"),
        )
        if started and ended and ended < started:
            raise InvalidInput(
                f"{where}: it ends before it starts.", code="invalid-date", detail={"field": f"{where}.ended_on"}
            )
        cleaned.append(
            {
                "organisation": organisation[:200],
                "kind": kind,
                "topics": [str(t).strip()[:120] for t in topics if str(t).strip()],
                "specialties": specialties,
                "started_on": started,
                "ended_on": ended,
            }
        )
    return cleaned


def _validate_declare(ctx: ActionContext) -> None:
    relationships = _clean_relationships(ctx.inputs.get("relationships"))
    nothing = bool(ctx.inputs.get("nothing_to_declare"))
    if nothing and relationships:
        raise InvalidInput(
            'A declaration is either "nothing to declare" or a list of relationships, not both.',
            code="declaration-contradictory",
            detail={"field": "nothing_to_declare"},
        )
    if not nothing and not relationships:
        raise InvalidInput(
            "Declare at least one relationship, or state explicitly that you have nothing to declare.",
            code="declaration-empty",
            detail={"field": "relationships"},
        )
    ctx.inputs["relationships"] = relationships


def _declare_interests(ctx: ActionContext) -> Declaration:
    declaration = Declaration.objects.create(
        member=ctx.user,
        nothing_to_declare=bool(ctx.inputs.get("nothing_to_declare")),
        signed_at=ctx.now,
        expires_at=ctx.now + settings.DECLARATION_VALID_FOR,
        statement=ctx.inputs.get("statement", ""),
    )
    for row in ctx.inputs["relationships"]:
        specialties = row.pop("specialties")
        relationship = DeclaredRelationship.objects.create(declaration=declaration, **row)
        relationship.specialties.set(specialties)
    ctx.audit_hash = ""
    ctx.audit_comment = declaration.statement
    ctx.audit_data.update(
        {
            "declaration_id": declaration.pk,
            "nothing_to_declare": declaration.nothing_to_declare,
            "relationships": [r.describe() for r in declaration.relationships.all()],
            "expires_at": declaration.expires_at,
        }
    )
    return declaration


# --- credentials on record ----------------------------------------------------------------------


def _validate_verify_credential(ctx: ActionContext) -> None:
    credential = ctx.target
    if credential.is_verified:
        raise Conflict(
            f"{credential.name} was already verified on {timezone.localtime(credential.verified_at):%Y-%m-%d}.",
            code="credential-already-verified",
            detail={"credential_id": credential.pk},
        )
    if credential.is_expired(timezone.localdate()):
        raise Conflict(
            f"{credential.name} expired on {credential.expires_on}: record the renewed one instead.",
            code="credential-expired",
            detail={"credential_id": credential.pk, "field": "expires_on"},
        )


def _verify_credential(ctx: ActionContext) -> Credential:
    """The chair checked the credential at its source: from now on readers may see it (while unexpired)."""
    credential = ctx.target
    credential.verified_by, credential.verified_at = ctx.user, ctx.now
    credential.save(update_fields=["verified_by", "verified_at"])
    ctx.audit_hash = ""
    ctx.audit_data.update(
        {
            "credential_id": credential.pk,
            "reviewer": credential.profile.user.get_username(),
            "credential": credential.name,
            "kind": credential.kind,
            "number": credential.number,
            "issuing_body": credential.issuing_body,
            "expires_on": credential.expires_on,
        }
    )
    return credential


# --- reader reports ------------------------------------------------------------------------------


def _validate_triage(ctx: ActionContext) -> None:
    report = ctx.target
    if report.status != ReaderReport.Status.RECEIVED:
        raise Conflict(
            f"This report was already triaged ({report.get_status_display().lower()}).",
            code="report-already-triaged",
            detail={"report": str(report.public_id), "status": report.status},
        )


def _triaged(ctx: ActionContext, status: str, note: str) -> ReaderReport:
    report = ctx.target
    report.status = status
    report.triaged_at = ctx.now
    report.triaged_by = ctx.user
    report.triage_note = note
    report.save(update_fields=["status", "triaged_at", "triaged_by", "triage_note"])
    ctx.audit_hash = ""
    ctx.audit_comment = note
    ctx.audit_data.update({"report": str(report.public_id), "kind": report.kind, "status": status})
    return report


def _dismiss_report(ctx: ActionContext) -> ReaderReport:
    return _triaged(ctx, ReaderReport.Status.DISMISSED, ctx.inputs["reason"])


def _open_rereview_from_report(ctx: ActionContext) -> ReaderReport:
    from reviewboard.review.rereview import article_flag_for_rereview

    report = ctx.target
    note = ctx.inputs.get("note", "")
    where = f' in "{report.section}"' if report.section else ""
    reason = f"A reader reported {report.get_kind_display().lower()}{where}" + (f": {note}" if note else ".")
    if not article_flag_for_rereview(article_id=ctx.article.pk, reason=reason, user=ctx.user):
        raise Conflict(
            "The article has no published version to re-review.",
            code="no-live-version",
            detail={"report": str(report.public_id)},
        )
    return _triaged(ctx, ReaderReport.Status.REREVIEW, note)


# --- what changed for readers ----------------------------------------------------------------------


def _validate_assess(ctx: ActionContext) -> None:
    version = ctx.target
    if version.clinically_significant is not None:
        marked = "clinically significant" if version.clinically_significant else "not clinically significant"
        raise Conflict(
            f"Version {version.number} was already assessed: {marked}.",
            code="significance-already-assessed",
            detail={"version": version.number, "clinically_significant": version.clinically_significant},
        )
    if version.retracted_at is not None:
        raise Conflict(
            f"Version {version.number} was retracted: readers get no change from it to assess.",
            code="version-retracted",
            detail={"version": version.number},
        )


def _assess_significance(ctx: ActionContext) -> Any:
    """The chair's mark on a version approved without one (the sign-off that completed the quorum
    approved it). A significant version enters the What's new feed now, in the order of assessment."""
    version = ctx.target
    version.clinically_significant = bool(ctx.inputs.get("clinically_significant"))
    version.significance_assessed_at = ctx.now
    version.save(update_fields=["clinically_significant", "significance_assessed_at"])
    ctx.audit_hash = version.content_hash
    ctx.audit_data.update({"version": version.number, "clinically_significant": version.clinically_significant})
    ctx.emit("version.significance_assessed", version_id=version.pk, version=version.number)
    return version


# --- the registry -------------------------------------------------------------------------------

ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        Action(
            name="submit",
            label="Submit for review",
            verb="submit",
            audit_label="Submitted for review",
            who=AUTHOR_OR_EDITOR,
            sources=_states(ReviewState.DRAFT, ReviewState.CHANGES_REQUESTED),
            target=ReviewState.SUBMITTED,
            conditions=(NO_INTEGRITY_ERRORS,),
            fields=(COMMENT,),
            perform=_submit,
        ),
        Action(
            name="withdraw",
            label="Withdraw from review",
            verb="withdraw",
            audit_label="Withdrawn from review",
            who=AUTHOR_OR_EDITOR,
            sources=_states(ReviewState.SUBMITTED, ReviewState.UNDER_REVIEW),
            target=ReviewState.DRAFT,
            perform=_withdraw,
            confirm="This ends the review round.",
            fields=(Field("comment", "Why", required=True, what="comment saying why the article is withdrawn"),),
        ),
        Action(
            name="start_review",
            label="Start the review",
            verb="start the review of",
            audit_label="Review started",
            who=CHAIR,
            sources=_states(ReviewState.SUBMITTED),
            target=ReviewState.UNDER_REVIEW,
            conditions=(ENOUGH_ACTIVE_REVIEWERS, NO_CONFLICTED_REVIEWER, REQUIRED_SPECIALTY_COVERED),
            fields=(COMMENT,),
            perform=_start_review,
        ),
        Action(
            name="request_changes",
            label="Request changes",
            verb="request changes on",
            audit_label="Changes requested",
            who=REVIEWER_OR_CHAIR,
            sources=_states(ReviewState.UNDER_REVIEW),
            target=ReviewState.CHANGES_REQUESTED,
            perform=_request_changes,
            confirm="This ends the review round.",
            fields=(Field("comment", "What must change", required=True, what="comment saying what must change"),),
        ),
        Action(
            name="approve",
            label="Approve and publish",
            verb="approve",
            audit_label="Approved and published",
            who=CHAIR,
            sources=_states(ReviewState.UNDER_REVIEW),
            target=ReviewState.APPROVED,
            conditions=(QUORUM_SIGNED, NO_BLOCKING_COMMENTS),
            fields=(
                COMMENT,
                Field(
                    "clinically_significant",
                    "Clinically significant change",
                    kind="bool",
                    help="Readers' \"What's new\" feed lists the versions marked so.",
                ),
            ),
            perform=_approve,
            confirm="This publishes the content under review to readers.",
        ),
        Action(
            name="revise",
            label="Start a revision",
            verb="revise",
            audit_label="Revision started",
            who=AUTHOR_OR_EDITOR,
            sources=_states(ReviewState.APPROVED, ReviewState.RETRACTED),
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
            label="Retract the live version",
            verb="retract",
            audit_label="Live version retracted",
            who=CHAIR,
            sources=_except(ReviewState.RETRACTED, ReviewState.ARCHIVED),
            target=ReviewState.RETRACTED,
            conditions=(HAS_LIVE_VERSION,),
            fields=(REASON,),
            perform=_retract,
            confirm="Readers lose this article at once and get the reason instead.",
        ),
        Action(
            name="archive",
            label="Archive",
            verb="archive",
            audit_label="Archived",
            who=CHAIR,
            sources=_except(ReviewState.APPROVED, ReviewState.ARCHIVED),
            target=ReviewState.ARCHIVED,
            fields=(COMMENT,),
            perform=_archive,
            confirm="This ends any review and closes the article.",
        ),
        Action(
            name="assign",
            label="Assign a reviewer",
            verb="assign reviewers to",
            audit_label="Reviewer assigned",
            who=CHAIR,
            sources=tuple(s for s in ALL_STATES if s in FROZEN_STATES),
            perform=_assign,
            validate=_validate_assign,
            fields=(
                Field("reviewer", "Reviewer", kind="user", required=True, what="reviewer"),
                Field("due_at", "Due", kind="datetime", help="Empty: the board's default from acceptance."),
                Field(
                    "override_reason",
                    "Override a conflict of interest: why",
                    help="Only to assign a reviewer over a declared or expired-record conflict; audited and shown "
                    "to readers.",
                ),
            ),
        ),
        Action(
            name="accept_assignment",
            label="Accept the assignment",
            verb="accept assignments on",
            audit_label="Assignment accepted",
            who=ASSIGNMENT_REVIEWER,
            sources=tuple(s for s in ALL_STATES if s in FROZEN_STATES),
            perform=_accept_assignment,
            validate=_validate_accept,
            on="assignment",
            fields=(Field("no_conflict", "I have no conflict of interest with this article", kind="bool"),),
        ),
        Action(
            name="decline_assignment",
            label="Decline the assignment",
            verb="decline assignments on",
            audit_label="Assignment declined",
            who=ASSIGNMENT_REVIEWER,
            sources=tuple(s for s in ALL_STATES if s in FROZEN_STATES),
            perform=_decline_assignment,
            validate=_validate_decline,
            on="assignment",
            confirm="The chair is told and will assign someone else.",
            fields=(Field("reason", "Why you decline", required=True, what="reason for declining"),),
        ),
        Action(
            name="declare_interests",
            label="Sign a declaration of interests",
            verb="declare interests as",
            audit_label="Interests declared",
            who=BOARD_MEMBER,
            sources=ALL_STATES,
            perform=_declare_interests,
            validate=_validate_declare,
            on="member",
            fields=(
                Field("nothing_to_declare", "I have nothing to declare", kind="bool"),
                Field("relationships", "Relationships", kind="relationships"),
                Field("statement", "Statement"),
            ),
        ),
        Action(
            name="verify_credential",
            label="Verify the credential",
            verb="verify credentials as",
            audit_label="Credential verified",
            who=CHAIR_OF_THE_BOARD,
            sources=ALL_STATES,
            perform=_verify_credential,
            validate=_validate_verify_credential,
            on="credential",
            fields=(COMMENT,),
        ),
        Action(
            name="unassign",
            label="Remove the reviewer",
            verb="remove reviewers from",
            audit_label="Reviewer removed",
            who=CHAIR,
            sources=ALL_STATES,
            perform=_unassign,
            validate=_validate_unassign,
            fields=(COMMENT,),
            on="assignment",
        ),
        Action(
            name="sign_off",
            label="Sign off",
            verb="sign off on",
            audit_label="Signed off",
            who=ASSIGNMENT_REVIEWER,
            sources=_states(ReviewState.UNDER_REVIEW),
            perform=_sign_off,
            validate=_validate_sign_off,
            on="assignment",
            fields=(
                Field(
                    "content_hash",
                    "Content you approve",
                    kind="hash",
                    required=True,
                    what="content_hash: the hash of the content you approve",
                ),
                Field("comment", "Comment"),
            ),
        ),
        Action(
            name="comment",
            label="Comment",
            verb="comment on",
            audit_label="Commented",
            who=COMMENTER,
            sources=_except(*CLOSED_STATES),
            perform=_comment,
            validate=_validate_comment,
            fields=(
                Field("body", "Comment", required=True, what="comment text"),
                Field("section", "Section", kind="section"),
                Field("blocking", "Blocking: holds back approval until resolved", kind="bool"),
            ),
        ),
        Action(
            name="resolve_comment",
            label="Resolve",
            verb="resolve comments on",
            audit_label="Comment resolved",
            who=COMMENT_RESOLVER,
            sources=_except(*CLOSED_STATES),
            perform=_resolve_comment,
            validate=_validate_resolve,
            on="comment",
            fields=(
                Field("note", "How it was handled", help="Required when you resolve someone else's blocking comment."),
            ),
        ),
        Action(
            name="reply",
            label="Reply",
            verb="reply to comments on",
            audit_label="Replied to a comment",
            who=COMMENTER,
            sources=_except(*CLOSED_STATES),
            perform=_reply,
            validate=_validate_reply,
            on="comment",
            fields=(Field("body", "Reply", required=True, what="reply text"),),
        ),
        Action(
            name="mark_addressed",
            label="Mark as addressed",
            verb="mark comments addressed on",
            audit_label="Comment marked addressed",
            who=AUTHOR_OR_EDITOR,
            sources=_except(*CLOSED_STATES),
            perform=_mark_addressed,
            validate=_validate_addressed,
            on="comment",
            fields=(Field("note", "What you changed", help="Kept in the thread for the reviewer."),),
        ),
        Action(
            name="edit_content",
            label="Save content",
            verb="change the content of",
            audit_label="Content edited",
            who=AUTHOR_OR_EDITOR,
            sources=tuple(s for s in ALL_STATES if s in EDITABLE_STATES),
            perform=_edit_content,
            state_refusal=_content_state_refusal,
            fields=(Field("content", "Content", kind="content", required=True, what="content"),),
        ),
        Action(
            name="assess_significance",
            label="Assess clinical significance",
            verb="assess the clinical significance of a published version of",
            audit_label="Clinical significance assessed",
            who=CHAIR,
            sources=ALL_STATES,
            perform=_assess_significance,
            validate=_validate_assess,
            on="version",
            fields=(
                Field(
                    "clinically_significant",
                    "Clinically significant",
                    kind="bool",
                    help="Readers' apps list clinically significant changes under What's new.",
                ),
            ),
        ),
        Action(
            name="dismiss_report",
            label="Dismiss the report",
            verb="triage reader reports on",
            audit_label="Reader report dismissed",
            who=CHAIR,
            sources=ALL_STATES,
            perform=_dismiss_report,
            validate=_validate_triage,
            on="report",
            fields=(
                Field(
                    "reason",
                    "Why",
                    required=True,
                    what="reason for dismissing the report",
                    help="The client that filed the report can read it.",
                ),
            ),
        ),
        Action(
            name="open_rereview",
            label="Open a re-review",
            verb="triage reader reports on",
            audit_label="Re-review opened from a reader report",
            who=CHAIR,
            sources=ALL_STATES,
            perform=_open_rereview_from_report,
            validate=_validate_triage,
            on="report",
            fields=(Field("note", "What the board should look at"),),
            confirm="This flags the published article for re-review, as the overdue sweep does.",
        ),
    )
}

# The review transitions, in the order their buttons are drawn (the API's enum of transition names).
TRANSITIONS: tuple[str, ...] = tuple(name for name, action in ACTIONS.items() if action.is_transition)

# Audit entries written outside the registry's actions, and what the history calls them.
OTHER_AUDIT_LABELS = {
    "create": "Article created",
    "review_settings": "Review settings changed",
    "reference_correct": "Reference corrected in the library",
    "reference_status": "Reference status changed in the library",
    "flag_rereview": "Flagged for re-review",
}


def audit_label(name: str) -> str:
    """How the history names audit action ``name``: the declaration's audit label, else the entry's own."""
    action = ACTIONS.get(name)
    if action is not None:
        return action.audit_label
    return OTHER_AUDIT_LABELS.get(name, name.replace("_", " ").capitalize())
