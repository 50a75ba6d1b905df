"""Signing off the frozen content of a round.

A sign-off counts only from a reviewer who accepted this round's assignment (``accept`` in the same form
performs ``accept_assignment`` first, recorded and audited as what it is) and who answered every integrity
warning on the frozen content (``acknowledgements``: each warning's key and a reason, stored with the
sign-off and audited). When it completes the quorum: under "the quorum approves" the article is approved
at once; under "the chair decides" (the default) the round awaits the chair's decision.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction

from articles.models import Article, ReviewState
from config.exceptions import Conflict
from reviewboard.board import selectors as board_selectors
from reviewboard.models import (
    Assignment,
    ReviewRound,
    SignOff,
)
from reviewboard.review import selectors
from reviewboard.review.acceptance import on_record_of, require_accepted
from reviewboard.review.actions.registry import Action, ActionContext, Condition, Field, Unmet, entry_point
from reviewboard.review.actions.rules import ASSIGNMENT_REVIEWER, short_hash, states
from reviewboard.review.decisions import chair_decides
from reviewboard.review.warnings import clean_acknowledgements, round_warnings, unanswered

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


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
    require_accepted(assignment, doing="sign off")
    if not board_selectors.reviewer_is_active(user):
        raise Conflict(
            "Your reviewer profile is inactive.", code="reviewer-inactive", detail={"reviewer": user.get_username()}
        )
    conflict = board_selectors.conflict_stands(ctx.article, assignment, record=on_record_of(ctx, assignment.reviewer))
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
    warnings = round_warnings(round_)
    ctx.inputs["acknowledgements"] = clean_acknowledgements(ctx.inputs.get("acknowledgements"), warnings)
    open_warnings = unanswered(warnings, ctx.inputs["acknowledgements"])
    if open_warnings:
        raise Conflict(
            f"{len(open_warnings)} integrity warning(s) on the content under review are not answered: "
            + "; ".join(f"{w.key} ({w.message})" for w in open_warnings)
            + ". Acknowledge each with a reason, or ask the author to fix the content.",
            code="unanswered-warnings",
            detail={"warnings": [w.as_dict() for w in open_warnings]},
        )
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
                declaration=on_record_of(ctx, ctx.user).declaration,  # the one the conflict check read
                acknowledgements=ctx.inputs["acknowledgements"],
            )
    except IntegrityError as exc:
        raise _already_signed(assignment, content_hash) from exc
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
            "acknowledged_warnings": [
                {"warning": a["warning"], "reason": a["reason"]} for a in signoff.acknowledgements
            ],
        }
    )
    if not chair_decides():
        ctx.followed.append("approve")  # the runner approves now if every approval condition holds
    elif progress.quorum_met and ctx.round.awaiting_decision_since is None:
        ctx.round.awaiting_decision_since = ctx.now
        ctx.round.save(update_fields=["awaiting_decision_since"])
        ctx.audit_data["awaiting_decision"] = True
    return signoff


def _signed_message(signoff: SignOff, user: Any) -> str:
    text = f"You signed off on content {short_hash(signoff.content_hash)}."
    if signoff.article.state == ReviewState.APPROVED:
        return f"{text} That completed the quorum: the article is approved."
    if selectors.awaiting_decision(signoff.article):
        return f"{text} That completed the quorum: the chair decides now."
    return f"{text} Sign-offs: {selectors.signoff_progress(signoff.article)}."


def _sign_off_history(entry: Any, people: dict[int, Any]) -> str:
    data = entry.data or {}
    if "signed" not in data:
        return "signed off"
    acknowledged = len(data.get("acknowledged_warnings") or [])
    warned = f", acknowledging {acknowledged} warning{'s' if acknowledged != 1 else ''}" if acknowledged else ""
    awaiting = "; the chair decides now" if data.get("awaiting_decision") else ""
    return f"signed off ({data['signed']} of {data.get('required', '?')}{warned}){awaiting}"


def _accept_first(ctx: ActionContext) -> tuple[str, dict] | None:
    """One form may accept and sign: the acceptance is performed first, as its own action."""
    if ctx.inputs.get("accept") and ctx.target is not None and ctx.target.accepted_at is None:
        return ("accept_assignment", {"no_conflict": True})
    return None


DECLARED: tuple[Action, ...] = (
    Action(
        name="sign_off",
        label="Sign off",
        verb="sign off on",
        audit_label="Signed off",
        who=ASSIGNMENT_REVIEWER,
        sources=states(ReviewState.UNDER_REVIEW),
        perform=_sign_off,
        validate=_validate_sign_off,
        first=_accept_first,
        on="assignment",
        mine=selectors.own_assignment,
        panel="sign_off",
        refused="Sign-off refused",
        message=_signed_message,
        history=_sign_off_history,
        fields=(
            Field(
                "content_hash",
                "Content you approve",
                kind="hash",
                required=True,
                what="content_hash: the hash of the content you approve",
            ),
            Field("comment", "Comment"),
            Field(
                "accept",
                "I accept this assignment and have no conflict of interest with this article",
                kind="bool",
                help="Records the acceptance first, as its own step, when you have not accepted yet.",
            ),
            Field(
                "acknowledgements",
                "Warnings you acknowledge",
                kind="relationships",
                help='Each integrity warning on the content under review: {"warning": its key, "reason": why it '
                "can stand}. Readers' provenance counts them.",
            ),
        ),
    ),
)


# --- withdrawing one's own sign-off -------------------------------------------------------------


def _signoff_to_withdraw(ctx: ActionContext) -> SignOff | None:
    if ctx.target is None or ctx.round is None or ctx.target.closed_at is not None:
        return None
    return SignOff.objects.filter(selectors.approval_of(ctx.round.content_hash), assignment=ctx.target).first()


def _has_signed(ctx: ActionContext) -> Unmet | None:
    if _signoff_to_withdraw(ctx) is not None:
        return None
    return Unmet("not-signed", "You have no sign-off on the content under review to withdraw.")


def _withdraw_sign_off(ctx: ActionContext) -> SignOff:
    """The reviewer takes their approval back while the round is open: the sign-off row goes (so it no
    longer counts toward the quorum, and they may sign again); the audit entry keeps what it was."""
    signoff = _signoff_to_withdraw(ctx)
    ctx.audit_hash = signoff.content_hash
    ctx.audit_data.update(
        {
            "round": ctx.round.number,
            "signoff_id": signoff.pk,
            "assignment_id": ctx.target.pk,
            "signed_at": signoff.created_at,
            "signed_comment": signoff.comment,
        }
    )
    signoff.delete()
    progress = selectors.signoff_progress(ctx.article)
    ctx.audit_data.update({"signed": progress.signed, "required": progress.required})
    return signoff


WITHDRAW_SIGN_OFF = Action(
    name="withdraw_sign_off",
    label="Withdraw my sign-off",
    verb="withdraw a sign-off on",
    audit_label="Sign-off withdrawn",
    who=ASSIGNMENT_REVIEWER,
    sources=states(ReviewState.UNDER_REVIEW),
    perform=_withdraw_sign_off,
    conditions=(Condition("has_signed", _has_signed),),
    on="assignment",
    mine=selectors.own_assignment,
    fields=(Field("comment", "Why you withdraw it", required=True, what="reason for withdrawing your sign-off"),),
    message=lambda signoff, user: (
        f"Your sign-off on {short_hash(signoff.content_hash)} is withdrawn: it no longer counts. "
        f"Sign-offs: {selectors.signoff_progress(signoff.article)}."
    ),
    history=lambda entry, people: f"withdrew a sign-off ({entry.data.get('signed')} of {entry.data.get('required')})",
)
DECLARED = (*DECLARED, WITHDRAW_SIGN_OFF)


# --- the typed entry points ----------------------------------------------------------------------


def _with_fresh_article(signoff: SignOff) -> SignOff:
    signoff.article = Article.objects.get(pk=signoff.article_id)
    return signoff


@entry_point("sign_off", user="reviewer", after=_with_fresh_article)
def assignment_sign_off(
    *,
    assignment: Assignment,
    reviewer: AbstractBaseUser,
    content_hash: str,
    comment: str = "",
    accept: bool = False,
    acknowledgements: list[dict[str, str]] | None = None,
) -> SignOff:
    """Record ``reviewer``'s approval of ``content_hash`` (``signoff.article.state`` is "approved" when it
    completed the approval under "the quorum approves"). A sign-off on another hash is refused
    ("stale-content-hash", naming the round it belongs to) and NOT recorded; so is one from a reviewer who
    has not accepted the assignment ("assignment-not-accepted"; ``accept=True`` accepts first, as its own
    audited step) and one that leaves an integrity warning unanswered ("unanswered-warnings")."""
    ...


@entry_point("withdraw_sign_off")
def signoff_withdraw(*, article: Article, user: AbstractBaseUser, comment: str) -> SignOff:
    """``user`` withdraws their sign-off on the content under review (round open, not yet approved)."""
    ...
