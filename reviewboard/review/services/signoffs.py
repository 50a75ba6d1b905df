"""Sign-offs: a reviewer approves exactly the content hash of the open round.

A sign-off on another hash is refused ("stale-content-hash", naming the round it belongs to) and
NOT recorded; so is one from a reviewer who has not accepted the assignment ("assignment-not-accepted";
``accept=True`` accepts first, as its own audited step) and one that leaves an integrity warning of the
frozen content unanswered ("unanswered-warnings"). When a sign-off completes the quorum and no blocking
comment is open, the article is approved in the same transaction under "the quorum approves", and awaits
the chair's decision under "the chair decides" (see the ``sign_off`` and ``approve`` declarations).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from articles.models import Article
from reviewboard.models import Assignment, SignOff
from reviewboard.review import actions

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


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
    completed the approval)."""
    signoff = actions.perform(
        "sign_off",
        article=assignment.article,
        user=reviewer,
        target=assignment,
        content_hash=content_hash,
        comment=comment,
        accept=accept,
        acknowledgements=acknowledgements or [],
    )
    signoff.article = Article.objects.get(pk=signoff.article_id)
    return signoff
