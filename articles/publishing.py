"""Published versions: created in the approval transaction, rendered after it commits.

A published version stores the approved ``source`` once and never changes it. Its payload (the
bytes the read API serves) is rendered from that source, the *current* records of the references
it cites (through ``PublishedCitation``), and a few article-level fields that move over time
(``next_review_due``, ``review_overdue``, and whether this version is the live one). Rendering is
a pure function of that state, serialised canonically, so rendering twice gives identical bytes,
and a render that produces the same bytes changes nothing (``rendered_at`` and the ETag stay).

Time-varying fields are baked into the stored bytes, not spliced per request: whatever changes
them calls ``article_payload_refresh(article_id)`` (the re-review job after flagging an article;
the render itself when a newer version goes live and the older ones become ``superseded``).
The detail endpoint therefore always serves stored bytes as they are.

``rendered_at`` is when the served bytes last changed: the read API sends it as
``Last-Modified`` and filters ``updated_since`` on it. ``render_requested_at`` is set while a
render is pending (a new version, a corrected reference) and cleared by the render, so a sweep
can find work a lost task left undone (``articles.selectors.versions_needing_render``).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from articles.content import CLINICIAN, PATIENT, ArticleContent, canonical_json, reference_data, safe_link
from articles.diff import content_diff
from articles.models import Article, PublishedCitation, PublishedVersion
from articles.rendering import render_section
from config.exceptions import InvalidInput, NotFound
from config.queue import enqueue_after_commit, enqueue_now
from references.models import Citation, Reference
from references.services import reference_find

logger = logging.getLogger(__name__)

STATUS_APPROVED = "approved"
STATUS_SUPERSEDED = "superseded"
STATUS_RETRACTED = "retracted"
# The fields of a payload that the list endpoints serve (the summary); the rest is detail only.
SUMMARY_FIELDS = (
    "slug",
    "question",
    "topic",
    "version",
    "status",
    "content_hash",
    "approved_at",
    "last_updated",
    "next_review_due",
    "review_overdue",
)
FIRST_VERSION_SUMMARY = "First published version."
# The render task, by its path: ``articles.tasks`` imports this module, so it is imported when sent.
RENDER_TASK = "articles.tasks.render_published_version"
REFERENCE_FIELDS = ("kind", "title", "publisher", "year", "doi", "pmid", "url")


# --- creation (inside the approval transaction) --------------------------------------------


@transaction.atomic
def published_version_create(
    *,
    article: Article,
    content: ArticleContent,
    reviewers: list[dict],
    approved_at: datetime,
    change_summary: str = "",
    clinically_significant: bool | None = None,
) -> PublishedVersion:
    """Write the next numbered version of ``article`` from the approved ``content``, with what it
    changed for readers: ``change_summary``, the sections changed since the previous version (from
    ``articles.diff``) and ``clinically_significant`` (the chair's mark; None when not assessed).

    The caller (the approval service) holds the article's row lock, so "the last number + 1" is safe; the
    unique constraint on (article, number) turns any slip into an error rather than a duplicate.
    The render is enqueued after the transaction commits; ``rendered_at`` stays null until then.
    """
    if not content.sections:
        raise InvalidInput("Approved content has no sections.", code="empty-article")
    previous = PublishedVersion.objects.filter(article=article).order_by("-number").only("number", "source").first()
    number = (previous.number if previous else 0) + 1
    now = timezone.now()
    version = PublishedVersion.objects.create(
        article=article,
        number=number,
        content_hash=content.content_hash,
        source=content.as_source(),
        question=content.question,
        topic=content.topic or article.topic,
        approved_at=approved_at,
        reviewers=[_stored_reviewer(r) for r in reviewers],
        render_requested_at=now,
        change_summary=change_summary or ("" if previous else FIRST_VERSION_SUMMARY),
        sections_changed=sections_changed(previous.source if previous else None, content),
        clinically_significant=clinically_significant,
        significance_assessed_at=None if clinically_significant is None else approved_at,
        # The review cycle it came from (the tracker's dates while it is live): the round being approved.
        review_round=article.review_round or None,
        submitted_at=article.review_submitted_at,
        review_started_at=article.review_started_at,
    )
    PublishedCitation.objects.bulk_create(
        PublishedCitation(version=version, number=number, reference_id=reference_id)
        for number, reference_id in cited_reference_ids(article=article, content=content).items()
    )
    enqueue_after_commit(RENDER_TASK, version.pk)
    return version


def sections_changed(previous_source: dict | None, content: ArticleContent) -> list[str]:
    """Headings of the sections added, removed or changed between the previous approved source and
    ``content`` (every heading for a first version)."""
    if previous_source is None:
        return [section.heading for section in content.sections]
    diff = content_diff(old=ArticleContent.from_source(previous_source), new=content)
    return [change.heading or change.old_heading for change in diff.changed_sections]


def _reviewer(reviewer: dict) -> dict[str, str]:
    """How readers see a reviewer: name and the verified, unexpired credentials baked in at approval."""
    return {"name": str(reviewer.get("name", "")), "credentials": str(reviewer.get("credentials") or "")}


def _stored_reviewer(reviewer: dict) -> dict[str, Any]:
    """A reviewer entry as stored on the version (``reviewboard`` bakes it in at approval): name, verified
    credentials, disclosure, the chair's override (None when there was none)."""
    disclosure = reviewer.get("disclosure") or {}
    return {
        **_reviewer(reviewer),
        "verified_credentials": [
            {key: str(c.get(key) or "") for key in ("kind", "name", "issuing_body", "verified_on")}
            for c in reviewer.get("verified_credentials") or []
        ],
        "disclosure": {
            "summary": str(disclosure.get("summary") or ""),
            "relationships": [str(r) for r in disclosure.get("relationships") or []],
            "signed_at": disclosure.get("signed_at"),
        },
        "override": reviewer.get("override") or None,
        "acknowledged_warnings": [
            {key: str(a.get(key) or "") for key in ("warning", "message", "reason")}
            for a in reviewer.get("acknowledged_warnings") or []
        ],
    }


def provenance(version: PublishedVersion) -> dict[str, Any]:
    """Who reviewed this version, for a disclosure line under the article: each reviewer with verified
    credentials and their declaration's summary, the chair's overrides of conflicts of interest, and the
    integrity warnings reviewers acknowledged (counted, each with its reason)."""
    reviewers = [_stored_reviewer(r) for r in version.reviewers]
    return {
        "reviewers": [
            {
                "name": r["name"],
                "credentials": r["verified_credentials"],
                "disclosure": r["disclosure"]["summary"],
                "relationships": r["disclosure"]["relationships"],
                "declaration_signed_on": r["disclosure"]["signed_at"],
            }
            for r in reviewers
        ],
        "chair_overrides": [
            {
                "reviewer": r["name"],
                "conflict": r["override"].get("conflict", ""),
                "reason": r["override"].get("reason", ""),
            }
            for r in reviewers
            if r["override"]
        ],
        # The checker's warnings on the approved content that reviewers answered instead of the author
        # fixing them: each reviewer's acknowledgement with its reason, and how many there are.
        "warnings_acknowledged": sum(len(r["acknowledged_warnings"]) for r in reviewers),
        "acknowledged_warnings": [{"reviewer": r["name"], **a} for r in reviewers for a in r["acknowledged_warnings"]],
    }


def cited_reference_ids(*, article: Article, content: ArticleContent) -> dict[int, int | None]:
    """Citation number -> id of the reference record the approved content cites.

    The article's own citation rows answer when their record is exactly the approved one (the
    usual case: the working copy was frozen under review); otherwise the record is found the way
    the library deduplicates: DOI, then PMID, then title and year.
    """
    current = {c.number: c.reference for c in Citation.objects.filter(article=article).select_related("reference")}
    ids: dict[int, int | None] = {}
    for citation in content.citations:
        reference = current.get(citation.number)
        if reference is not None and reference_data(reference) == citation.reference:
            ids[citation.number] = reference.pk
        else:
            ids[citation.number] = _find_reference_id(citation.reference)
    return ids


def _find_reference_id(data: Any) -> int | None:
    reference = reference_find(data=data)
    return reference.pk if reference is not None else None


@transaction.atomic
def published_version_retract(*, article: Article, reason: str, retracted_at: datetime) -> PublishedVersion:
    """Retract the live version of a locked ``article``: readers get 410 with ``reason`` at once (the
    article row says so, whatever state its working copy is in), and the version's stored payload says
    "retracted" after the re-render. The approved source and content hash stay as they were."""
    # The newest version: the live one, or the one whose render is about to make it live.
    version = PublishedVersion.objects.select_for_update().filter(article=article).order_by("-number").first()
    version.retracted_at = retracted_at
    version.retraction_reason = reason
    version.render_requested_at = timezone.now()
    version.save(update_fields=["retracted_at", "retraction_reason", "render_requested_at"])
    article.retracted_at = retracted_at
    article.retraction_reason = reason
    enqueue_after_commit(RENDER_TASK, version.pk)
    return version


def enqueue_render(version_id: int) -> bool:
    """Send the render task now (code that runs after a commit; inside a transaction use
    ``config.queue.enqueue_after_commit(RENDER_TASK, version_id)``, as the services here do). A broker
    that is down is logged, not raised: the version stays marked (``render_requested_at``) for the
    reconciliation sweep."""
    return enqueue_now(RENDER_TASK, version_id)


# --- rendering --------------------------------------------------------------------------------


@transaction.atomic
def published_version_render(*, version_id: int) -> PublishedVersion:
    """Render (or re-render) one version's payload; move the article's live version forward to it.

    Idempotent: the same state renders the same bytes, and unchanged bytes are not written again.
    Locks the article row, then the version rows (always in that order).
    """
    article_id = PublishedVersion.objects.filter(pk=version_id).values_list("article_id", flat=True).first()
    if article_id is None:
        raise NotFound(f"Published version {version_id} does not exist.", code="version-not-found")
    article = Article.objects.select_for_update().get(pk=article_id)
    version = PublishedVersion.objects.select_for_update().get(pk=version_id)
    live_number = (
        PublishedVersion.objects.filter(pk=article.live_version_id).values_list("number", flat=True).first()
        if article.live_version_id
        else None
    )
    went_live = live_number is None or version.number > live_number
    if went_live:
        Article.objects.filter(pk=article.pk).update(live_version=version)
        article.live_version_id = version.pk
        # Every other rendered version is now superseded: their stored bytes say so.
        for older in _lock_rendered_versions(article, exclude=version.pk):
            _render(older, article=article)
    _render(version, article=article)
    if went_live:
        for hook in _live_hooks():
            hook(article=article, version=version)
    return version


def _live_hooks() -> list[Callable[..., Any]]:
    """``PUBLISHING_ON_LIVE``: dotted paths of ``hook(*, article, version)`` called in the render's
    transaction when a version becomes the one readers get (the board's outbox writes its
    ``version.published`` event there; this app does not know who listens)."""
    return [import_string(path) for path in getattr(settings, "PUBLISHING_ON_LIVE", ())]


def article_payload_refresh(article_id: int) -> int:
    """Re-render every rendered version of an article after an article-level field changed
    (``review_overdue``, ``next_review_due``). Returns how many payloads changed."""
    with transaction.atomic():
        article = Article.objects.select_for_update().filter(pk=article_id).first()
        if article is None:
            return 0
        return sum(_render(version, article=article) for version in _lock_rendered_versions(article))


def _lock_rendered_versions(article: Article, *, exclude: int | None = None) -> list[PublishedVersion]:
    queryset = PublishedVersion.objects.select_for_update().filter(article=article, rendered_at__isnull=False)
    if exclude is not None:
        queryset = queryset.exclude(pk=exclude)
    return list(queryset.order_by("pk"))


def _render(version: PublishedVersion, *, article: Article) -> bool:
    """Build and store ``version``'s payload. Returns whether the stored bytes changed."""
    references = _current_references(version)
    payload = build_payload(version, article=article, references=references)
    payload_json = canonical_json(payload)
    summary_json = canonical_json({key: payload[key] for key in SUMMARY_FIELDS})
    patient_json = ""
    if PATIENT in payload["available_audiences"]:
        patient_json = canonical_json(build_payload(version, article=article, references=references, audience=PATIENT))
    changed = (
        payload_json != version.payload_json
        or summary_json != version.summary_json
        or patient_json != version.patient_payload_json
    )
    if changed:
        version.payload_json = payload_json
        version.summary_json = summary_json
        version.etag = payload_etag(payload_json)
        version.patient_payload_json = patient_json
        version.patient_etag = payload_etag(patient_json) if patient_json else ""
        version.rendered_at = timezone.now()
    elif version.rendered_at is None:
        version.rendered_at = timezone.now()
    version.render_requested_at = None
    version.save(
        update_fields=[
            "payload_json",
            "summary_json",
            "etag",
            "patient_payload_json",
            "patient_etag",
            "rendered_at",
            "render_requested_at",
        ]
    )
    live = {"live_rendered_at": version.rendered_at, "live_topic": version.topic}
    if article.live_version_id == version.pk and any(getattr(article, k) != v for k, v in live.items()):
        # The list's order key and topic: kept equal to the live version's, in this transaction.
        Article.objects.filter(pk=article.pk).update(**live)
        for name, value in live.items():
            setattr(article, name, value)
    return changed


def _current_references(version: PublishedVersion) -> dict[int, Reference]:
    """The library records the approved citations point to now: only for the notices beside them."""
    return {
        pc.number: pc.reference
        for pc in PublishedCitation.objects.filter(version=version, reference__isnull=False).select_related("reference")
    }


def build_payload(
    version: PublishedVersion, *, article: Article, references: dict[int, Reference], audience: str = CLINICIAN
) -> dict[str, Any]:
    """Everything the detail endpoint returns for one audience (``?audience=``), from the approved source and
    the current records. Both audiences share the approved citations, reviewers and provenance."""
    source = version.source
    available = [CLINICIAN, *([PATIENT] if source.get("patient_sections") else [])]
    section_key = "patient_sections" if audience == PATIENT else "sections"
    is_live = article.live_version_id == version.pk
    cited = [ref for ref in references.values() if ref is not None]
    last_updated = max([version.approved_at, *(ref.updated_at for ref in cited)])
    status = STATUS_RETRACTED if version.retracted_at else (STATUS_APPROVED if is_live else STATUS_SUPERSEDED)
    return {
        "slug": article.slug,
        "question": source["question"],
        "topic": version.topic,
        "version": version.number,
        "status": status,
        "content_hash": version.content_hash,
        "approved_at": iso_datetime(version.approved_at),
        "last_updated": iso_datetime(last_updated),
        "next_review_due": iso_datetime(article.next_review_due) if is_live else None,
        "review_overdue": bool(article.review_overdue) if is_live else False,
        "audience": audience,
        "available_audiences": available,
        "reviewers": [_reviewer(r) for r in version.reviewers],
        "provenance": provenance(version),
        "sections": [render_section(s["heading"], s["level"], s["body"]) for s in source.get(section_key, [])],
        "references": [
            reference_entry(citation["number"], references.get(citation["number"]), citation["reference"])
            for citation in sorted(source["citations"], key=lambda c: c["number"])
        ],
        "disclaimer": settings.ARTICLE_DISCLAIMER,
    }


def reference_entry(number: int, record: Reference | None, approved: dict[str, Any]) -> dict[str, Any]:
    """The citation exactly as approved, with a notice when its library record changed since."""
    return {
        "number": number,
        **{key: approved.get(key) for key in REFERENCE_FIELDS},
        # Client apps render ``url`` as a link: only an http(s) address ever reaches them.
        "url": safe_link(approved.get("url")),
        "notice": reference_notice(record, approved),
    }


def reference_notice(record: Reference | None, approved: dict[str, Any]) -> dict[str, str] | None:
    """What readers should know about an approved citation whose record changed since the approval:
    withdrawn or superseded (status), or corrected (its bibliographic data differs). None: unchanged."""
    if record is None:
        return None
    if record.status != approved.get("status", Reference.Status.CURRENT) and record.status != Reference.Status.CURRENT:
        label = dict(Reference.Status.choices)[record.status].lower()
        return {
            "kind": record.status,
            "text": f"This reference has been {label} since the board approved this "
            "version; the article is due for re-review.",
        }
    current = reference_data(record).canonical()
    if any(current.get(key) != approved.get(key) for key in REFERENCE_FIELDS):
        return {
            "kind": "corrected",
            "text": "The record of this reference was corrected after the board approved "
            "this version; the article is due for re-review.",
        }
    return None


def iso_datetime(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def payload_etag(payload_json: str) -> str:
    return '"' + hashlib.sha256(payload_json.encode("utf-8")).hexdigest()[:32] + '"'


# --- regeneration -----------------------------------------------------------------------------


def regenerate_for_reference(reference_id: int) -> int:
    """A reference record was corrected: mark and enqueue the render of every published version
    that cites it (their source stays as approved). Returns how many were enqueued.

    Each version is marked by its own short UPDATE, never several row locks held at once, so this
    cannot deadlock with a render (which locks the article, then its versions). The renders are
    enqueued once the caller's transaction, if any, commits.
    """
    version_ids = list(
        PublishedVersion.objects.filter(published_citations__reference_id=reference_id)
        .values_list("pk", flat=True)
        .distinct()
        .order_by("pk")
    )
    for version_id in version_ids:
        PublishedVersion.objects.filter(pk=version_id).update(render_requested_at=timezone.now())
        enqueue_after_commit(RENDER_TASK, version_id)
    return len(version_ids)


@dataclass
class RegenerationSummary:
    articles: int = 0
    versions: int = 0
    changed: int = 0
    unchanged: int = 0
    slugs: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"regenerated {self.versions} versions of {self.articles} articles; "
            f"{self.changed} changed, {self.unchanged} unchanged"
        )


def regenerate_published(
    *, slugs: Iterable[str] | None = None, all: bool = False, progress: Callable[[int], Any] | None = None
) -> RegenerationSummary:
    """Re-render, in-process, every rendered version of the named articles (or of all articles).

    ``progress`` is called with the number of versions done after each one (a tqdm ``update``).
    Unknown slugs raise ``NotFound`` naming them before anything is rendered.
    """
    slugs = list(dict.fromkeys(slugs or ()))
    if all == bool(slugs):
        raise InvalidInput("Name the articles to regenerate, or ask for all of them (not both).", code="no-selection")
    versions = PublishedVersion.objects.filter(rendered_at__isnull=False)
    if not all:
        known = set(Article.objects.filter(slug__in=slugs).values_list("slug", flat=True))
        unknown = [slug for slug in slugs if slug not in known]
        if unknown:
            raise NotFound(f"Unknown article slug(s): {', '.join(unknown)}.", code="unknown-slug", detail=unknown)
        versions = versions.filter(article__slug__in=slugs)
    summary = RegenerationSummary()
    rows = list(versions.order_by("article_id", "number").values_list("pk", "article_id", "article__slug"))
    seen: set[int] = set()
    for version_id, article_id, slug in rows:
        if article_id not in seen:
            seen.add(article_id)
            summary.slugs.append(slug)
        changed = _rerender(version_id)
        summary.versions += 1
        summary.changed += changed
        summary.unchanged += not changed
        if progress is not None:
            progress(1)
    summary.articles = len(seen)
    return summary


@transaction.atomic
def _rerender(version_id: int) -> bool:
    article_id = PublishedVersion.objects.filter(pk=version_id).values_list("article_id", flat=True).first()
    article = Article.objects.select_for_update().get(pk=article_id)
    version = PublishedVersion.objects.select_for_update().get(pk=version_id)
    return _render(version, article=article)


def estimate_versions(*, slugs: Iterable[str] | None = None, all: bool = False) -> int:
    """How many versions ``regenerate_published`` would render (for a progress bar's total)."""
    versions = PublishedVersion.objects.filter(rendered_at__isnull=False)
    if not all:
        versions = versions.filter(article__slug__in=list(slugs or ()))
    return versions.count()
