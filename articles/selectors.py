"""Reads of published content: what readers may see, in as few queries as the read API needs.

Readable means: the article has a live (rendered) published version and is neither retracted nor
archived. An approved article that was revised (its working copy back in draft or in review)
stays readable: readers keep getting its live version. Everything here reads published versions
only, never the working copy (``Article.question``/``topic``/sections may hold unapproved edits).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from articles.models import Article, PublishedVersion, ReviewState

HIDDEN_STATES = (ReviewState.RETRACTED, ReviewState.ARCHIVED)


@dataclass(frozen=True)
class ReaderView:
    """What the read API needs to answer for one article: its state and one version's metadata."""

    state: str
    retraction_reason: str
    retracted_at: datetime | None
    version_id: int | None
    etag: str
    rendered_at: datetime | None
    payload_json: str | None = None  # None when it was not fetched

    @property
    def retracted(self) -> bool:
        return self.state == ReviewState.RETRACTED

    @property
    def visible(self) -> bool:
        return self.version_id is not None and self.rendered_at is not None and self.state not in HIDDEN_STATES


def published_articles() -> QuerySet[Article]:
    """Articles readers may list: a rendered live version, not retracted or archived."""
    return Article.objects.filter(live_version__isnull=False, live_version__rendered_at__isnull=False).exclude(
        state__in=HIDDEN_STATES
    )


def published_summaries(*, queryset: QuerySet[Article] | None = None) -> QuerySet:
    """The list endpoint's rows: each live version's stored summary bytes, newest change first."""
    queryset = published_articles() if queryset is None else queryset
    return queryset.order_by("-live_version__rendered_at", "-pk").values_list("live_version__summary_json", flat=True)


_META = ("state", "retraction_reason", "retracted_at")


def article_live_view(*, slug: str, with_payload: bool) -> ReaderView | None:
    """The live version of the article ``slug`` for readers, in one query (None: no such article)."""
    fields = [*_META, "live_version_id", "live_version__etag", "live_version__rendered_at"]
    if with_payload:
        fields.append("live_version__payload_json")
    row = Article.objects.filter(slug=slug).values_list(*fields).first()
    return None if row is None else ReaderView(*row)


def article_version_view(*, slug: str, number: int, with_payload: bool) -> ReaderView | None:
    """Rendered version ``number`` of the article ``slug``, in one query; when that version does not
    exist (or is not rendered) the article alone, in a second one (None: no such article)."""
    fields = ["article__" + f for f in _META] + ["pk", "etag", "rendered_at"]
    if with_payload:
        fields.append("payload_json")
    row = (
        PublishedVersion.objects.filter(article__slug=slug, number=number, rendered_at__isnull=False)
        .values_list(*fields)
        .first()
    )
    if row is not None:
        return ReaderView(*row)
    meta = Article.objects.filter(slug=slug).values_list(*_META).first()
    return None if meta is None else ReaderView(*meta, version_id=None, etag="", rendered_at=None)


def version_payload(*, version_id: int) -> str | None:
    return PublishedVersion.objects.filter(pk=version_id).values_list("payload_json", flat=True).first()


def version_summaries(*, slug: str) -> list[str]:
    """Stored summaries of every rendered version of ``slug``, newest first."""
    return list(
        PublishedVersion.objects.filter(article__slug=slug, rendered_at__isnull=False)
        .order_by("-number")
        .values_list("summary_json", flat=True)
    )


def versions_needing_render() -> QuerySet[PublishedVersion]:
    """Versions whose render is pending: never rendered, or a re-render was asked for and has not
    run (a lost task). For the reconciliation sweep: enqueue ``render_published_version`` for each."""
    return PublishedVersion.objects.filter(Q(rendered_at__isnull=True) | Q(render_requested_at__isnull=False))
