"""How a review ends, and the decision letter the chair's decision sends the authors.

``chair_decides()`` reads the board setting ``REVIEW_DECIDED_BY``: "chair" (the default) - a met quorum
leaves the article under review, awaiting the chair's decision (``awaiting_decision``), and only the
chair approves (with clinical significance), requests changes or rejects; "quorum" - the sign-off that
completes the quorum approves at once (the behaviour before issue 18).

``letter_write`` composes and stores the ``DecisionLetter`` of a round from the reviewers' reports:
their recommendations and comments to the author, and the chair's note. It never reads a confidential
comment: those are for the chair only (see ``reports_for``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings

from reviewboard.board import permissions
from reviewboard.models import DecisionLetter, ReviewReport, ReviewRound

if TYPE_CHECKING:
    from articles.models import Article
    from reviewboard.review.actions.registry import ActionContext

CHAIR = "chair"
QUORUM = "quorum"
DECIDED_BY = (CHAIR, QUORUM)


def chair_decides() -> bool:
    """The board setting: does the chair decide after the quorum (default), or does the quorum approve?"""
    value = getattr(settings, "REVIEW_DECIDED_BY", CHAIR)
    if value not in DECIDED_BY:
        raise ValueError(f"REVIEW_DECIDED_BY must be one of {DECIDED_BY}, not {value!r}.")
    return value == CHAIR


def reports_of(round_: ReviewRound | None) -> list[ReviewReport]:
    """The round's reports, oldest first, with their reviewers (for the chair's side-by-side view)."""
    if round_ is None:
        return []
    return list(round_.reports.select_related("reviewer", "reviewer__reviewer_profile").order_by("submitted_at", "id"))


def report_for_author(report: ReviewReport, *, number: int) -> dict[str, Any]:
    """What the authors may read of a report: an anonymous reviewer number, the recommendation and the
    comments to the author. Never the confidential comments, never the checklist's notes."""
    return {
        "reviewer": f"Reviewer {number}",
        "recommendation": report.recommendation,
        "recommendation_label": report.get_recommendation_display(),
        "comments_to_author": report.comments_to_author,
    }


def compose_letter(*, article: Article, round_: ReviewRound, decision: str, note: str) -> str:
    label = dict(DecisionLetter.Decision.choices)[decision]
    lines = [
        f"Decision on “{article.question}” (review round {round_.number}): {label}.",
        "",
    ]
    if note:
        lines += ["From the chair:", note, ""]
    reports = reports_of(round_)
    if reports:
        lines.append("The reviewers' reports:")
        for number, report in enumerate(reports, start=1):
            shown = report_for_author(report, number=number)
            lines += ["", f"{shown['reviewer']} recommends: {shown['recommendation_label']}."]
            if shown["comments_to_author"]:
                lines.append(shown["comments_to_author"])
    else:
        lines.append("No reviewer filed a written report in this round.")
    return "\n".join(lines).strip() + "\n"


def letter_write(ctx: ActionContext, decision: str, note: str) -> DecisionLetter:
    """The chair's decision letter for the open round (in the action's transaction), sent to the authors
    through the outbox (``decision.sent``) and kept on the article."""
    round_ = ctx.round
    letter = DecisionLetter.objects.create(
        article=ctx.article,
        round=round_,
        decision=decision,
        decided_by=ctx.user,
        note=note,
        body=compose_letter(article=ctx.article, round_=round_, decision=decision, note=note),
        created_at=ctx.now,
    )
    ctx.audit_data["decision_letter_id"] = letter.pk
    ctx.emit("decision.sent", letter_id=letter.pk, decision=decision, by=permissions.display_name(ctx.user))
    return letter


def chair_letter(ctx: ActionContext, decision: str) -> DecisionLetter | None:
    """The decision letter of the chair's approve or request_changes under "the chair decides" (none for an
    automatic approval, a reviewer's own request for changes, or under "the quorum approves")."""
    if ctx.automatic or not chair_decides() or ctx.round is None or not permissions.is_chair(ctx.user):
        return None
    return letter_write(ctx, decision, ctx.inputs.get("comment", ""))


def report_as_seen(report: ReviewReport, *, confidential: bool) -> dict[str, Any]:
    """A report for the board's screens: everything, with the confidential comments only when ``confidential``."""
    shown = {
        "id": report.pk,
        "round": report.round.number,
        "reviewer": permissions.display_name(report.reviewer),
        "recommendation": report.recommendation,
        "recommendation_label": report.get_recommendation_display(),
        "checklist": report.checklist,
        "comments_to_author": report.comments_to_author,
        "submitted_at": report.submitted_at,
        "updated_at": report.updated_at,
    }
    if confidential:
        shown["confidential_comments"] = report.confidential_comments
    return shown


def reports_visible_to(article: Article, user: Any) -> list[dict[str, Any]]:
    """The one rule for who reads which report (admin and review API): the chair reads every report of
    the article with its confidential comments; a reviewer reads their own; anyone else (an author) reads
    none here - the authors get the comments to the author through the decision letter."""
    reports = ReviewReport.objects.filter(article=article).select_related("reviewer", "round")
    if permissions.is_chair(user):
        rows = reports
    elif user.is_authenticated:
        rows = reports.filter(reviewer=user)
    else:
        return []
    return [report_as_seen(r, confidential=True) for r in rows.order_by("round__number", "submitted_at", "id")]


def letters_of(article: Article) -> list[DecisionLetter]:
    """The article's decision letters, newest first: readable by whoever may see the article."""
    return list(article.decision_letters.select_related("round", "decided_by").order_by("-created_at", "-id"))
