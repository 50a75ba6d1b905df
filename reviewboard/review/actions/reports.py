"""Triage of reader reports by the chair: dismiss, or open a re-review."""

from __future__ import annotations

from typing import TYPE_CHECKING

from config.exceptions import Conflict
from reviewboard.models import (
    ReaderReport,
)
from reviewboard.review.actions.registry import Action, ActionContext, Field, entry_point
from reviewboard.review.actions.rereview import article_flag_for_rereview
from reviewboard.review.actions.rules import ALL_STATES, CHAIR

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

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


DECLARED: tuple[Action, ...] = (
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


@entry_point("dismiss_report")
def report_dismiss(*, report: ReaderReport, user: AbstractBaseUser, reason: str) -> ReaderReport:
    """The chair dismisses a report with a reason (the filing client reads it)."""
    ...


@entry_point("open_rereview")
def report_open_rereview(*, report: ReaderReport, user: AbstractBaseUser, note: str = "") -> ReaderReport:
    """The chair opens a re-review from a report: the article is flagged, as by the overdue sweep."""
    ...
