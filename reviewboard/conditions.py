"""The ``conditions`` of the review transitions on ``Article``, each able to say why it is unmet.

django-fsm calls a condition as ``condition(article) -> bool`` (so ``can_proceed`` and the
available-transition helpers see them). The service layer calls ``condition.unmet(article)``
instead and turns the answer into ``Conflict(code, message, detail)``: a refusal names the
condition, the way django-fsm-2's ``TransitionConditionsUnmet`` does.

Conditions are reads (see ``reviewboard.selectors``); they never write.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import update_wrapper
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from articles.models import Article


@dataclass(frozen=True)
class Unmet:
    code: str
    message: str
    detail: dict[str, Any] = field(default_factory=dict)


class Condition:
    """A transition condition: truthy for django-fsm, with the reason for the services."""

    def __init__(self, check: Callable[[Article], Unmet | None]) -> None:
        self.check = check
        update_wrapper(self, check)

    def __call__(self, article: Article) -> bool:
        return self.unmet(article) is None

    def unmet(self, article: Article) -> Unmet | None:
        return self.check(article)

    def __repr__(self) -> str:
        return f"<Condition {self.check.__name__}>"


def condition(check: Callable[[Article], Unmet | None]) -> Condition:
    return Condition(check)


# --- submit -------------------------------------------------------------------------------


@condition
def no_integrity_errors(article: Article) -> Unmet | None:
    from articles.content import content_from_article
    from references.integrity import check_content

    report = check_content(content_from_article(article))
    if not report.has_errors:
        return None
    codes = sorted({f.code for f in report.errors})
    return Unmet(
        "integrity-errors",
        f"The article has {len(report.errors)} citation-integrity error(s) ({', '.join(codes)}); "
        "fix them before submitting.",
        report.as_dict(),
    )


# --- start_review -------------------------------------------------------------------------


@condition
def enough_active_reviewers(article: Article) -> Unmet | None:
    from reviewboard import selectors

    quorum = selectors.article_quorum(article)
    active = selectors.active_open_assignments(article)
    if len(active) >= quorum:
        return None
    return Unmet(
        "not-enough-reviewers",
        f"At least {quorum} active reviewers must be assigned before the review starts; {len(active)} are.",
        {"required": quorum, "assigned_active": len(active), "reviewers": [a.reviewer.get_username() for a in active]},
    )


@condition
def no_reviewer_is_author(article: Article) -> Unmet | None:
    from reviewboard import selectors

    author_ids = set(article.authors.values_list("pk", flat=True))
    conflicted = [a.reviewer for a in selectors.open_assignments(article) if a.reviewer_id in author_ids]
    if not conflicted:
        return None
    names = [u.get_username() for u in conflicted]
    return Unmet(
        "conflict-of-interest",
        f"An author of the article cannot review it: {', '.join(names)} (remove the assignment).",
        {"reviewers": names},
    )


@condition
def required_specialty_covered(article: Article) -> Unmet | None:
    from reviewboard import selectors

    specialty = article.required_specialty
    if specialty is None:
        return None
    for assignment in selectors.active_open_assignments(article):
        if assignment.reviewer.reviewer_profile.specialties.filter(pk=specialty.pk).exists():
            return None
    return Unmet(
        "specialty-missing",
        f'The article requires a reviewer in "{specialty.name}"; none of the assigned active reviewers holds it.',
        {"specialty": specialty.code},
    )


# --- approve ------------------------------------------------------------------------------


@condition
def content_unchanged_since_submit(article: Article) -> Unmet | None:
    from reviewboard import selectors

    current = selectors.article_content_hash(article)
    if article.review_hash and current == article.review_hash:
        return None
    return Unmet(
        "content-changed",
        f"The content changed since it was submitted (submitted {article.review_hash[:12] or 'nothing'}, "
        f"now {current[:12]}): request changes and resubmit.",
        {"review_hash": article.review_hash, "current_hash": current},
    )


@condition
def quorum_signed_current_hash(article: Article) -> Unmet | None:
    from reviewboard import selectors

    progress = selectors.signoff_progress(article)
    if progress.quorum_met:
        return None
    return Unmet(
        "quorum-not-met",
        f"{progress.signed} of {progress.required} required reviewers signed off on the content under review "
        f"({progress.content_hash[:12]}).",
        {"signed": progress.signed, "required": progress.required, "content_hash": progress.content_hash},
    )


@condition
def no_unresolved_blocking_comments(article: Article) -> Unmet | None:
    from reviewboard import selectors

    ids = list(selectors.unresolved_blocking_comments(article).values_list("pk", flat=True))
    if not ids:
        return None
    return Unmet(
        "blocking-comments",
        f"{len(ids)} blocking comment(s) are unresolved.",
        {"comments": ids},
    )
