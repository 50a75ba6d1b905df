"""The review workflow's service layer: every action that changes review state, and nothing else does.

Each function takes the acting user and keyword-only arguments, runs in one transaction, locks the
article row first, raises ``config.exceptions`` errors with a stable code (NotAllowed 403, Conflict
409, InvalidInput 400, NotFound 404), writes one audit entry per action, and sends email only after
commit. The admin, the API, commands and tasks all call these.
"""

from reviewboard.actions import TRANSITIONS
from reviewboard.services.assignments import (
    assignment_accept,
    assignment_create,
    assignment_decline,
    assignment_remove,
)
from reviewboard.services.audit import (
    AuditProblem,
    AuditVerification,
    audit_append,
    audit_verify,
    audit_verify_chain,
)
from reviewboard.services.checkpoints import (
    audit_checkpoint_create,
    audit_checkpoints_resign,
    audit_checkpoints_verify,
)
from reviewboard.services.comments import comment_create, comment_mark_addressed, comment_reply, comment_resolve
from reviewboard.services.credentials import credential_verify
from reviewboard.services.declarations import declaration_sign
from reviewboard.services.reports import report_create, report_dismiss, report_open_rereview
from reviewboard.services.signoffs import assignment_sign_off
from reviewboard.services.transitions import (
    article_approve,
    article_archive,
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
    "AuditProblem",
    "AuditVerification",
    "article_approve",
    "article_archive",
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
    "assignment_sign_off",
    "audit_append",
    "audit_checkpoint_create",
    "audit_checkpoints_resign",
    "audit_checkpoints_verify",
    "audit_verify",
    "audit_verify_chain",
    "available_transitions",
    "comment_create",
    "comment_mark_addressed",
    "comment_reply",
    "comment_resolve",
    "credential_verify",
    "declaration_sign",
    "report_create",
    "report_dismiss",
    "report_open_rereview",
    "review_start",
    "transition_refusal",
    "version_assess_significance",
]
