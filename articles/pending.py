"""Pending content: the frozen content of an article's open review round, for publishers who opt in.

The read API's one exception to "approved content only" (``articles.selectors.pending_content_offered``,
``API_PENDING_CONTENT``, off by default). The board writes it when a round opens, from the round's
snapshot (what the reviewers read and sign off on, never the working copy), and deletes it when the
round closes, whatever the outcome: approved (the detail serves it from then on), changes requested,
withdrawn, retracted or archived. So it exists exactly while a round is open.

What a client gets is marked so that it cannot be mistaken for approved content: ``"reviewed":
false``, the round, the status (submitted or under review) and the caution text
(``API_PENDING_CAUTION``). Before anything is served, the citation-integrity check runs again on the
snapshot with the cited records' current status: a reference withdrawn since the submit is an
error, and content with an integrity error is never served.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from typing import Any

from django.conf import settings

from articles.content import CLINICIAN, PATIENT, ArticleContent, canonical_json
from articles.models import Article, PendingContent, ReviewState
from articles.publishing import cited_reference_ids, iso_datetime, reference_entry
from articles.rendering import render_section
from articles.selectors import PendingRow
from references.integrity import check_content
from references.models import Reference

REVIEWED = False


def pending_content_store(
    *, article: Article, round_number: int, source: dict[str, Any], submitted_at: datetime
) -> PendingContent:
    """Render the open round's ``source`` (its snapshot) for the pending endpoint; replaces any earlier
    round's. Called in the submit's transaction."""
    content = ArticleContent.from_source(source)
    payload = {
        "question": source["question"],
        "topic": source.get("topic") or article.topic,
        "available_audiences": list(content.audiences),
        "sections": {
            audience: [render_section(s["heading"], s["level"], s["body"]) for s in source.get(key, [])]
            for audience, key in ((CLINICIAN, "sections"), (PATIENT, "patient_sections"))
        },
        "references": [
            reference_entry(citation["number"], None, citation["reference"])
            for citation in sorted(source["citations"], key=lambda c: c["number"])
        ],
    }
    ids = {str(number): ref_id for number, ref_id in cited_reference_ids(article=article, content=content).items()}
    # One INSERT ... ON CONFLICT UPDATE: update_or_create took two savepoints, a locking read and the insert.
    fields = {
        "round": round_number,
        "content_hash": content.content_hash,
        "submitted_at": submitted_at,
        "source": source,
        "reference_ids": ids,
        "payload_json": canonical_json(payload),
    }
    (pending,) = PendingContent.objects.bulk_create(
        [PendingContent(article=article, **fields)],
        update_conflicts=True,
        unique_fields=["article"],
        update_fields=list(fields),
    )
    return pending


def pending_content_clear(*, article: Article) -> int:
    """The round closed: nothing is pending any more. Returns how many rows went (0 or 1)."""
    deleted, _ = PendingContent.objects.filter(article=article).delete()
    return deleted


def has_integrity_errors(source: dict[str, Any], reference_ids: dict[str, int | None]) -> bool:
    """The integrity check of the frozen ``source`` with each cited record's status as it is now
    (one query): the content cannot change, but a reference it cites can be withdrawn since."""
    content = ArticleContent.from_source(source)
    ids = [ref_id for ref_id in reference_ids.values() if ref_id is not None]
    statuses = dict(Reference.objects.filter(pk__in=ids).values_list("pk", "status")) if ids else {}
    citations = tuple(
        dataclasses.replace(
            c,
            reference=dataclasses.replace(
                c.reference, status=statuses.get(reference_ids.get(str(c.number)), c.reference.status)
            ),
        )
        for c in content.citations
    )
    return check_content(dataclasses.replace(content, citations=citations)).has_errors


def pending_answer(row: PendingRow, *, slug: str, audience: str) -> dict[str, Any] | None:
    """The pending answer for ``audience``, or None when there is nothing that may be served: no open
    round's content, an unknown audience for it, or an integrity error."""
    if row.payload_json is None or row.state not in (ReviewState.SUBMITTED, ReviewState.UNDER_REVIEW):
        return None
    if has_integrity_errors(row.source, row.reference_ids or {}):
        return None
    payload = json.loads(row.payload_json)
    if audience not in payload["available_audiences"]:
        return None
    return {
        "slug": slug,
        "reviewed": REVIEWED,
        "status": ReviewState.UNDER_REVIEW.value if row.review_started_at else ReviewState.SUBMITTED.value,
        "round": row.round,
        "submitted_at": iso_datetime(row.submitted_at),
        "review_started_at": iso_datetime(row.review_started_at),
        "content_hash": row.content_hash,
        "caution": settings.API_PENDING_CAUTION,
        "question": payload["question"],
        "topic": payload["topic"],
        "audience": audience,
        "available_audiences": payload["available_audiences"],
        "sections": payload["sections"][audience],
        "references": payload["references"],
        "disclaimer": settings.ARTICLE_DISCLAIMER,
        "status_url": f"/api/v1/articles/{slug}/status/",
    }
