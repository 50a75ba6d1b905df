"""Reads of published content: what readers may see, in as few queries as the read API needs.

Readable means: the article has a live (rendered) published version and is neither retracted nor
archived. An approved article that was revised (its working copy back in draft or in review)
stays readable: readers keep getting its live version. Everything here reads published versions
only, never the working copy (``Article.question``/``topic``/sections may hold unapproved edits).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from django.db import connection
from django.db.models import Case, CharField, F, Q, QuerySet, Value, When

from articles.models import Article, PublishedVersion, ReviewState

HIDDEN_STATES = (ReviewState.RETRACTED, ReviewState.ARCHIVED)


def reader_state(prefix: str = "") -> Case:
    """The state readers are answered by: "retracted" while the live version is retracted (410, in any
    working-copy state, archived included), else the article's state. ``prefix`` reaches the article
    from another model (``"article__"``). ``_live_sql`` states the same rule for the hot query."""
    return Case(
        When(**{f"{prefix}retracted_at__isnull": False}, then=Value(ReviewState.RETRACTED.value)),
        default=F(f"{prefix}state"),
        output_field=CharField(),
    )


@dataclass(frozen=True)
class ReaderView:
    """What the read API needs to answer for one article: its state and one version's metadata."""

    state: str
    retraction_reason: str
    retracted_at: datetime | None
    version_id: int | None
    etag: str | None
    rendered_at: datetime | None

    @property
    def retracted(self) -> bool:
        return self.state == ReviewState.RETRACTED  # the reader state (``reader_state``)

    @property
    def visible(self) -> bool:
        return self.version_id is not None and self.rendered_at is not None and self.state not in HIDDEN_STATES


def published_articles() -> QuerySet[Article]:
    """Articles readers may list: a rendered live version, not retracted or archived."""
    return Article.objects.filter(
        live_version__isnull=False, live_version__rendered_at__isnull=False, retracted_at__isnull=True
    ).exclude(state__in=HIDDEN_STATES)


def published_summaries(*, queryset: QuerySet[Article] | None = None) -> QuerySet:
    """The list endpoint's rows: each live version's stored summary bytes, newest change first."""
    queryset = published_articles() if queryset is None else queryset
    return queryset.order_by("-live_version__rendered_at", "-pk").values_list("live_version__summary_json", flat=True)


_META = ("reader_state", "retraction_reason", "retracted_at")


def article_live_view(*, slug: str) -> ReaderView | None:
    """The article ``slug`` and its live version's metadata, in one query (None: no such article)."""
    fields = [*_META, "live_version_id", "live_version__etag", "live_version__rendered_at"]
    row = Article.objects.filter(slug=slug).annotate(reader_state=reader_state()).values_list(*fields).first()
    return None if row is None else ReaderView(*row)


@dataclass(frozen=True)
class VersionRow:
    """One version as the detail endpoints need it; ``payload_json`` is None when the caller
    already holds the bytes of ``etag`` (it named that ETag)."""

    state: str
    version_id: int | None
    etag: str | None
    rendered_at: datetime | None
    payload_json: str | None


@cache
def _live_sql() -> str:
    article, version = Article._meta, PublishedVersion._meta
    q = connection.ops.quote_name

    def a(name: str) -> str:
        return "a." + q(article.get_field(name).column)

    def v(name: str) -> str:
        return "v." + q(version.get_field(name).column)

    # Only quoted table and column names from the models are interpolated; values are parameters.
    return (
        f"SELECT CASE WHEN {a('retracted_at')} IS NOT NULL THEN %s ELSE {a('state')} END, "  # noqa: S608
        f"{v('id')}, {v('etag')}, {v('rendered_at')}, "
        f"CASE WHEN {v('etag')} IN (%s, %s) THEN NULL ELSE {v('payload_json')} END "
        f"FROM {q(article.db_table)} a LEFT JOIN {q(version.db_table)} v "
        f"ON {v('id')} = {a('live_version')} AND {v('rendered_at')} IS NOT NULL "
        f"WHERE {a('slug')} = %s"
    )


def live_version_row(*, slug: str, known_etags: tuple[str, str]) -> VersionRow | None:
    """The article ``slug`` and its live version, in one query (None: no such article).

    The detail endpoint's hot query: plain columns, the SQL built once per process (the ORM would
    compile the same statement on every request), and the payload only when its ETag is not one
    of ``known_etags``. Version fields are None while nothing is live."""
    with connection.cursor() as cursor:
        cursor.execute(_live_sql(), [ReviewState.RETRACTED.value, *known_etags, slug])
        row = cursor.fetchone()
    return None if row is None else VersionRow(*row)


def version_row(*, slug: str, number: int, known_etags: tuple[str, str]) -> VersionRow | None:
    """Rendered version ``number`` of ``slug``, in one query, with its payload unless its ETag is
    one of ``known_etags`` (None: no such rendered version)."""
    payload = Case(When(etag__in=known_etags, then=Value(None)), default=F("payload_json"))
    row = (
        PublishedVersion.objects.filter(article__slug=slug, number=number, rendered_at__isnull=False)
        .annotate(payload_or_null=payload, reader_state=reader_state("article__"))
        .values_list("reader_state", "pk", "etag", "rendered_at", "payload_or_null")
        .first()
    )
    return None if row is None else VersionRow(*row)


def version_row_by_id(*, version_id: int) -> VersionRow | None:
    """A rendered version with its payload, by id."""
    row = (
        PublishedVersion.objects.filter(pk=version_id, rendered_at__isnull=False)
        .annotate(reader_state=reader_state("article__"))
        .values_list("reader_state", "pk", "etag", "rendered_at", "payload_json")
        .first()
    )
    return None if row is None else VersionRow(*row)


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


CHANGE_FIELDS = ("number", "approved_at", "change_summary", "sections_changed", "clinically_significant")


def version_changes(*, slug: str) -> list[dict]:
    """What each rendered version of ``slug`` changed, newest first (one query)."""
    rows = (
        PublishedVersion.objects.filter(article__slug=slug, rendered_at__isnull=False)
        .order_by("-number")
        .values(*CHANGE_FIELDS)
    )
    return list(rows)


def significant_changes(*, since: datetime, limit: int) -> list[dict]:
    """Clinically significant versions approved after ``since``, oldest first, of articles readers
    may read now (one query); the version itself may since have been superseded."""
    rows = (
        PublishedVersion.objects.filter(
            clinically_significant=True,
            approved_at__gt=since,
            rendered_at__isnull=False,
            retracted_at__isnull=True,
            article__in=published_articles(),
        )
        .order_by("approved_at", "pk")
        .values("article__slug", "question", *CHANGE_FIELDS)[:limit]
    )
    return list(rows)
