"""The integrity warnings on a round's frozen content, each with a key a reviewer answers it by.

A warning (``references.integrity`` findings of severity warning: a reference that may not fit the
topic, an uncited claim, an expression of concern, a missing identifier, an ambiguous marker) is
answered either by the author, who fixes the content (the next round's content no longer has it), or
by each signing reviewer, who acknowledges it by its key with a reason. ``unanswered`` is the one rule
the sign-off applies (``reviewboard.review.actions.signoffs``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from articles.content import ArticleContent
from config.exceptions import InvalidInput
from references.integrity import check_content
from reviewboard.models import ReviewRound


@dataclass(frozen=True)
class RoundWarning:
    """One warning on the frozen content: ``key`` names it ("reference-off-topic:ref-1")."""

    key: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"warning": self.key, "code": self.code, "message": self.message}


def round_warnings(round_: ReviewRound | None) -> list[RoundWarning]:
    """The warnings of ``round_``'s snapshot, in the checker's order, each with a stable, unique key."""
    if round_ is None:
        return []
    report = check_content(ArticleContent.from_source(round_.snapshot))
    found: list[RoundWarning] = []
    seen: dict[str, int] = {}
    for finding in report.warnings:
        where = f"ref-{finding.number}" if finding.number else f"section-{finding.section or 0}"
        key = f"{finding.code}:{where}"
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            key = f"{key}-{seen[key]}"
        found.append(RoundWarning(key=key, code=finding.code, message=finding.message))
    return found


def clean_acknowledgements(rows: Any, warnings: list[RoundWarning]) -> list[dict[str, str]]:
    """The reviewer's acknowledgements, checked: a list of ``{"warning": key, "reason": text}``, each key one
    of ``warnings`` and each reason written; 400 naming the bad field otherwise."""
    if rows in (None, ""):
        return []
    if not isinstance(rows, list | tuple):
        raise InvalidInput(
            "acknowledgements must be a list.", code="invalid-acknowledgements", detail={"field": "acknowledgements"}
        )
    by_key = {w.key: w for w in warnings}
    cleaned: dict[str, dict[str, str]] = {}
    for index, row in enumerate(rows):
        where = f"acknowledgements[{index}]"
        if not isinstance(row, dict):
            raise InvalidInput(f"{where} must be an object.", code="invalid-acknowledgements", detail={"field": where})
        key = str(row.get("warning") or "").strip()
        if key not in by_key:
            raise InvalidInput(
                f"{where}.warning: {key!r} is not a warning on the content under review"
                + (f" (expected one of: {', '.join(by_key)})." if by_key else " (it has none)."),
                code="unknown-warning",
                detail={"field": f"{where}.warning", "allowed": list(by_key)},
            )
        reason = str(row.get("reason") or "").strip()
        if not reason:
            raise InvalidInput(
                f"{where}.reason: say why the warning can stand ({key}).",
                code="acknowledgement-reason-required",
                detail={"field": f"{where}.reason"},
            )
        cleaned[key] = {**by_key[key].as_dict(), "reason": reason[:2000]}
    return list(cleaned.values())


def unanswered(warnings: list[RoundWarning], acknowledgements: list[dict[str, str]]) -> list[RoundWarning]:
    """The warnings no acknowledgement answers."""
    answered = {a["warning"] for a in acknowledgements}
    return [w for w in warnings if w.key not in answered]
