"""The board: reviewers, assignments, sign-offs, comments, and the append-only audit log.

All writes go through ``reviewboard.review.services``.
"""

# The models by subject; every app imports them from here (``reviewboard.models``).

from reviewboard.models.audit import (
    AuditCheckpoint,
    AuditEntry,
    AuditEntryQuerySet,
    AuditLogIsAppendOnly,
)
from reviewboard.models.board import (
    Credential,
    Declaration,
    DeclaredRelationship,
    ReviewerProfile,
    Specialty,
)
from reviewboard.models.clients import (
    ReaderReport,
)
from reviewboard.models.delivery import (
    Event,
    EventDelivery,
    NotificationsSeen,
    UsedLink,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from reviewboard.models.review import (
    Assignment,
    ChecklistItem,
    Comment,
    DecisionLetter,
    ReviewReport,
    ReviewRound,
    SignOff,
)

__all__ = [
    "Assignment",
    "AuditCheckpoint",
    "AuditEntry",
    "AuditEntryQuerySet",
    "AuditLogIsAppendOnly",
    "ChecklistItem",
    "Comment",
    "Credential",
    "DecisionLetter",
    "Declaration",
    "DeclaredRelationship",
    "Event",
    "EventDelivery",
    "NotificationsSeen",
    "ReaderReport",
    "ReviewReport",
    "ReviewRound",
    "ReviewerProfile",
    "SignOff",
    "Specialty",
    "UsedLink",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
]
