"""The review workflow's service layer: every action that changes review state, and nothing else does.

Each function takes the acting user and keyword-only arguments, runs in one transaction, locks the
article row first, raises ``config.exceptions`` errors with a stable code (NotAllowed 403, Conflict
409, InvalidInput 400, NotFound 404), writes one audit entry per action, and sends email only after
commit. The admin, the API, commands and tasks all call these. The audit chain
(``reviewboard.audit``), the board's declarations and credentials (``reviewboard.board``) and the
reader reports (``reviewboard.clients.reports``) have their entry points in their own packages.
"""

from reviewboard.review.actions import TRANSITIONS
from reviewboard.review.services.assignments import (
    assignment_accept,
    assignment_create,
    assignment_decline,
    assignment_remove,
)
from reviewboard.review.services.comments import comment_create, comment_mark_addressed, comment_reply, comment_resolve
from reviewboard.review.services.reports import assignment_report
from reviewboard.review.services.signoffs import assignment_sign_off
from reviewboard.review.services.transitions import (
    article_approve,
    article_archive,
    article_reject,
    article_request_changes,
    article_retract,
    article_revise,
    article_submit,
    article_transition,
    article_withdraw,
    available_transitions,
    review_start,
    transition_refusal,
    version_assess_significance,
)

__all__ = [
    "TRANSITIONS",
    "article_approve",
    "article_archive",
    "article_reject",
    "article_request_changes",
    "article_retract",
    "article_revise",
    "article_submit",
    "article_transition",
    "article_withdraw",
    "assignment_accept",
    "assignment_create",
    "assignment_decline",
    "assignment_remove",
    "assignment_report",
    "assignment_sign_off",
    "available_transitions",
    "comment_create",
    "comment_mark_addressed",
    "comment_reply",
    "comment_resolve",
    "review_start",
    "transition_refusal",
    "version_assess_significance",
]
