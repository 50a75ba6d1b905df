"""A reviewer's structured report on a round: a recommendation, the board's checklist answered, comments
to the author and confidential comments to the chair.

Filed (and, while the round is open, updated) by the reviewer of an accepted assignment. The confidential
comments never leave the report for the chair: not in the audit entry (which records the recommendation
and the checklist only), not in the decision letter, not in anything an author can read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from articles.models import ReviewState
from config.exceptions import Conflict, InvalidInput
from reviewboard.models import Assignment, ChecklistItem, ReviewReport
from reviewboard.review import selectors
from reviewboard.review.acceptance import require_accepted
from reviewboard.review.actions.registry import Action, ActionContext, Field, entry_point
from reviewboard.review.actions.rules import ASSIGNMENT_REVIEWER, states

ANSWERS = ("yes", "no", "n/a")
RECOMMENDATIONS = tuple(ReviewReport.Recommendation.values)


def _clean_checklist(rows: Any) -> list[dict[str, Any]]:
    """Every active checklist item answered once: ``[{"item": id, "answer": "yes"|"no"|"n/a", "note": ""}]``;
    400 naming the item otherwise."""
    items = list(ChecklistItem.objects.filter(active=True).order_by("position", "id"))
    if rows in (None, ""):
        rows = []
    if not isinstance(rows, list | tuple):
        raise InvalidInput("checklist must be a list.", code="invalid-checklist", detail={"field": "checklist"})
    given: dict[int, dict[str, Any]] = {}
    for index, row in enumerate(rows):
        where = f"checklist[{index}]"
        if not isinstance(row, dict):
            raise InvalidInput(f"{where} must be an object.", code="invalid-checklist", detail={"field": where})
        try:
            item_id = int(row.get("item"))
        except (TypeError, ValueError):
            item_id = None
        if item_id not in {i.pk for i in items}:
            raise InvalidInput(
                f"{where}.item: {row.get('item')!r} is not an item of the board's checklist.",
                code="unknown-checklist-item",
                detail={"field": f"{where}.item", "allowed": [i.pk for i in items]},
            )
        answer = str(row.get("answer") or "").strip().lower()
        if answer not in ANSWERS:
            raise InvalidInput(
                f"{where}.answer must be one of: {', '.join(ANSWERS)}.",
                code="invalid-checklist-answer",
                detail={"field": f"{where}.answer"},
            )
        given[item_id] = {"answer": answer, "note": str(row.get("note") or "").strip()[:2000]}
    missing = [i for i in items if i.pk not in given]
    if missing:
        raise InvalidInput(
            "Answer every item of the board's checklist: " + "; ".join(f"“{i.text}”" for i in missing) + ".",
            code="checklist-incomplete",
            detail={"field": "checklist", "missing": [i.pk for i in missing]},
        )
    return [{"item": i.pk, "text": i.text, **given[i.pk]} for i in items]


def _validate_report(ctx: ActionContext) -> None:
    assignment, round_ = ctx.target, ctx.round
    if assignment.closed_at is not None or round_ is None or assignment.round_id != round_.pk:
        raise Conflict(
            f"This assignment is closed ({assignment.close_reason or 'closed'}): its round has ended.",
            code="assignment-closed",
            detail={"assignment_id": assignment.pk, "close_reason": assignment.close_reason},
        )
    require_accepted(assignment, doing="give a recommendation")
    recommendation = ctx.inputs["recommendation"].lower().replace(" ", "_")
    if recommendation not in RECOMMENDATIONS:
        raise InvalidInput(
            f"recommendation must be one of: {', '.join(RECOMMENDATIONS)}.",
            code="invalid-recommendation",
            detail={"field": "recommendation", "allowed": list(RECOMMENDATIONS)},
        )
    ctx.inputs["recommendation"] = recommendation
    ctx.inputs["checklist"] = _clean_checklist(ctx.inputs.get("checklist"))


def _submit_report(ctx: ActionContext) -> ReviewReport:
    assignment = ctx.target
    answers = {
        "article": ctx.article,
        "round": ctx.round,
        "reviewer": ctx.user,
        "recommendation": ctx.inputs["recommendation"],
        "checklist": ctx.inputs["checklist"],
        "comments_to_author": ctx.inputs.get("comments_to_author", ""),
        "confidential_comments": ctx.inputs.get("confidential_comments", ""),
        "updated_at": ctx.now,
    }
    report, created = ReviewReport.objects.update_or_create(
        assignment=assignment, defaults=answers, create_defaults={**answers, "submitted_at": ctx.now}
    )
    ctx.audit_hash = ctx.round.content_hash
    ctx.audit_comment = ""  # never the confidential comments
    ctx.audit_data.update(
        {
            "round": ctx.round.number,
            "assignment_id": assignment.pk,
            "report_id": report.pk,
            "updated": not created,
            "recommendation": report.recommendation,
            "checklist": [{"item": row["item"], "answer": row["answer"]} for row in report.checklist],
        }
    )
    return report


def _report_history(entry: Any, people: dict[int, Any]) -> str:
    """The recommendation only: a report's confidential comments are never in the audit log."""
    recommendation = (entry.data or {}).get("recommendation")
    if not recommendation:
        return "review report filed"
    return f"review report filed: recommends {recommendation.replace('_', ' ')}"


DECLARED: tuple[Action, ...] = (
    Action(
        name="submit_report",
        label="File your review report",
        verb="file a review report on",
        audit_label="Review report filed",
        who=ASSIGNMENT_REVIEWER,
        sources=states(ReviewState.UNDER_REVIEW),
        perform=_submit_report,
        validate=_validate_report,
        history=_report_history,
        on="assignment",
        mine=selectors.own_assignment,
        panel="report",
        refused="Report not filed",
        message=lambda report, user: f"Your report is filed: {report.get_recommendation_display().lower()}.",
        fields=(
            Field(
                "recommendation",
                "Recommendation",
                kind="line",
                required=True,
                what="recommendation (approve, minor_revisions, major_revisions or reject)",
                help="approve, minor_revisions, major_revisions or reject.",
            ),
            Field(
                "checklist",
                "The board's checklist",
                kind="relationships",
                help='Every active item answered: {"item": id, "answer": "yes" | "no" | "n/a", "note": ""}.',
            ),
            Field("comments_to_author", "Comments to the author", help="Gathered into the decision letter."),
            Field(
                "confidential_comments",
                "Confidential comments to the chair",
                help="For the chair only: never shown to the authors.",
            ),
        ),
    ),
)


if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


@entry_point("submit_report")
def assignment_report(
    *,
    assignment: Assignment,
    user: AbstractBaseUser,
    recommendation: str,
    checklist: list[dict[str, Any]] | None = None,
    comments_to_author: str = "",
    confidential_comments: str = "",
) -> ReviewReport:
    """File (or update, while the round is open) the report of an accepted assignment."""
    ...
