"""Reads of published content: what readers may see, in as few queries as the read API needs.

Readable means: the article has a live (rendered) published version and is neither retracted nor
archived. An approved article that was revised (its working copy back in draft or in review)
stays readable: readers keep getting its live version. Everything here reads published versions
only, never the working copy (``Article.question``/``topic``/sections may hold unapproved edits).

The one exception, and the only place it is allowed: ``pending_content_offered`` below. When the
publisher opts in (``API_PENDING_CONTENT``), ``GET /api/v1/pending/{slug}/`` serves the frozen
content of the article's open review round (``PendingContent``, written from the round's snapshot:
never the working copy), marked ``"reviewed": false`` with the caution text, under its own
Cache-Control and surrogate key, and only while no integrity error stands against it. Nothing
approved-only (the list, the detail, ``expand=full``, the versions, the feeds) ever reads it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from django.conf import settings
from django.db import connection, connections
from django.db.models import BigIntegerField, Case, CharField, F, Func, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import NullIf
from django.db.models.sql import Query

from articles.models import READABLE, Article, PublishedVersion, ReviewState, reader_visible
from config.replicas import read_alias
from references.models import Citation


def pending_content_offered() -> bool:
    """The read API's one exception to "approved content only" (see the module docstring): whether
    the publisher opted in to serving the open round's frozen content, marked unreviewed."""
    return bool(getattr(settings, "API_PENDING_CONTENT", False))


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
        rendered = self.version_id is not None and self.rendered_at is not None
        return reader_visible(state=self.state, retracted=self.retracted, rendered=rendered)


@dataclass(frozen=True)
class ListingRow:
    """One item of a list page: its position in the order (for the next cursor) and its bytes."""

    rendered_at: datetime
    article_id: int
    json: str  # the live version's stored summary, or its full payload


def _article_column(name: str) -> str:
    """A quoted article column under the alias ``a`` of the hand-built statements."""
    return "a." + connection.ops.quote_name(Article._meta.get_field(name).column)


def _version_column(name: str) -> str:
    """A quoted version column under the alias ``v`` of the hand-built statements."""
    return "v." + connection.ops.quote_name(PublishedVersion._meta.get_field(name).column)


@cache
def _readable_sql() -> str:
    """``READABLE`` (the one definition of what readers see) compiled for the article alias ``a``, its values
    written in as literals, exactly as Django writes the condition of the listing's partial indexes: generated,
    never repeated by hand, so the statement and the indexes cannot drift apart."""
    query = Query(Article, alias_cols=True)
    table = query.get_initial_alias()
    where = query.build_where(READABLE).relabeled_clone({table: "a"})
    sql, params = where.as_sql(query.get_compiler(connection=connection), connection)
    quote = connection.schema_editor().quote_value
    return sql % tuple(quote(value) for value in params)


@cache
def _listing_sql(*, full: bool, after: bool, topic: bool, since: bool, q: bool, limit: int) -> str:
    """The list page's statement for one combination of options, built once per process.

    Readable articles (a rendered live version, neither retracted nor archived) are read from the
    article table alone, newest change first, through ``article_listing_idx``: the WHERE clause
    is the index's condition as Django writes it (``_readable_sql``), so PostgreSQL can prove the partial index
    applies (``article_listing_topic_idx`` when a topic is asked for); the cursor is a row
    comparison, so the scan starts at the cursor instead of skipping the pages before it. Only the
    page's rows are joined to their version (by primary key), and only the column served: the
    summary, or the payload with ``full``. No count. Plain SQL that SQLite runs too (development).

    The limit is written into the statement, not bound: PostgreSQL plans a ``LIMIT $1`` as if it
    kept a tenth of the table, so the prepared statement's generic plan looked dearer than a fresh
    plan and every execution was planned again (about 0.4 ms of server time at 20,000 articles,
    four times the query's own). With the number in the text, the generic plan is the custom plan
    and is reused: one prepared statement per page size asked for (a validated int, 2 to 101).
    """
    a, v, qn = _article_column, _version_column, connection.ops.quote_name
    where = [_readable_sql()]
    if after:
        where.append(f"({a('live_rendered_at')}, {a('id')}) < (%(after_at)s, %(after_id)s)")
    if since:
        where.append(f"{a('live_rendered_at')} >= %(since)s")
    if topic:
        where.append(f"UPPER({a('live_topic')}) = UPPER(%(topic)s)")
    if q:
        where.append(f"UPPER({v('question')}) LIKE UPPER(%(q)s) ESCAPE '\\'")  # portable ILIKE
    column = v("payload_json") if full else v("summary_json")
    # Only quoted names from the models and the compiled ``READABLE`` are interpolated; values are parameters.
    return (
        f"SELECT {a('live_rendered_at')}, {a('id')}, {column} "  # noqa: S608
        f"FROM {qn(Article._meta.db_table)} a JOIN {qn(PublishedVersion._meta.db_table)} v "
        f"ON {v('id')} = {a('live_version')} "
        f"WHERE {' AND '.join(where)} "
        f"ORDER BY {a('live_rendered_at')} DESC, {a('id')} DESC LIMIT {int(limit)}"
    )


def _like_contains(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def published_page(
    *,
    limit: int,
    after: tuple[datetime, int] | None = None,
    topic: str = "",
    updated_since: datetime | None = None,
    q: str = "",
    full: bool = False,
) -> list[ListingRow]:
    """Up to ``limit`` readable articles, newest change first (``live_rendered_at``, then id), after
    the position ``after``; each with its live version's summary (or full payload). One query.

    Filters read the live version, never the working copy: ``topic`` exact and case-insensitive,
    ``q`` words in the question, ``updated_since`` the payload changed at or after it."""
    since = updated_since is not None
    sql = _listing_sql(full=full, after=after is not None, topic=bool(topic), since=since, q=bool(q), limit=limit)
    params: dict[str, object] = {"topic": topic, "since": updated_since, "q": _like_contains(q)}
    if after is not None:
        params["after_at"], params["after_id"] = after
    with connections[read_alias()].cursor() as cursor:  # a replica in the read API (config.replicas)
        cursor.execute(sql, params)
        return [ListingRow(*row) for row in cursor.fetchall()]


_META = ("reader_state", "retraction_reason", "retracted_at")


def article_live_view(*, slug: str) -> ReaderView | None:
    """The article ``slug`` and its live version's metadata, in one query (None: no such article)."""
    fields = [*_META, "live_version_id", "live_version__etag", "live_version__rendered_at"]
    row = Article.objects.filter(slug=slug).annotate(reader_state=reader_state()).values_list(*fields).first()
    return None if row is None else ReaderView(*row)


# SQLite stores a date-time as text; strftime would round its microseconds to milliseconds (.999999 to
# the next second), so the whole seconds are cut first. strftime's %s is escaped twice: for this
# template, then for the parameter style of the statement it ends up in.
SQLITE_EPOCH_SECONDS = "CAST(strftime('%%%%s', substr(%(expressions)s, 1, 19)) AS INTEGER)"


class EpochSeconds(Func):
    """The whole seconds since the epoch of a date-time (what ``Last-Modified`` carries), computed by the
    database: a bigint, not a timestamptz that psycopg and Django parse and convert on every read."""

    output_field = BigIntegerField()
    template = "FLOOR(EXTRACT(EPOCH FROM %(expressions)s))::bigint"

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template=SQLITE_EPOCH_SECONDS, **extra_context)


@dataclass(frozen=True)
class VersionRow:
    """One version as the detail endpoints need it; ``payload_json`` is None when the caller
    already holds the bytes of ``etag`` (it named that ETag)."""

    state: str
    version_id: int | None
    etag: str | None
    last_modified: int | None  # when it was rendered, in seconds since the epoch (EpochSeconds)
    payload_json: str | None

    @property
    def visible(self) -> bool:
        """Whether readers may have this version's article (``reader_visible``; the row's state is the reader state,
        its version fields are set only for a rendered version)."""
        retracted = self.state == ReviewState.RETRACTED
        return reader_visible(state=self.state, retracted=retracted, rendered=self.version_id is not None)


# The stored bytes and validator of each audience's payload (``PublishedVersion``).
AUDIENCE_COLUMNS = {"clinician": ("etag", "payload_json"), "patient": ("patient_etag", "patient_payload_json")}


def _epoch_seconds(column: str) -> str:
    """``EpochSeconds`` of a column, for the hand-built statements (executed with parameters)."""
    template = SQLITE_EPOCH_SECONDS if connection.vendor == "sqlite" else EpochSeconds.template
    return template % {"expressions": column}


@cache
def _live_sql(audience: str = "clinician") -> str:
    etag, payload = AUDIENCE_COLUMNS[audience]
    a, v, q = _article_column, _version_column, connection.ops.quote_name

    # Only quoted table and column names from the models are interpolated; values are parameters.
    return (
        f"SELECT CASE WHEN {a('retracted_at')} IS NOT NULL THEN %s ELSE {a('state')} END, "  # noqa: S608
        f"{v('id')}, NULLIF({v(etag)}, ''), {_epoch_seconds(v('rendered_at'))}, "
        f"CASE WHEN {v(etag)} = %s THEN NULL ELSE {v(payload)} END "
        f"FROM {q(Article._meta.db_table)} a LEFT JOIN {q(PublishedVersion._meta.db_table)} v "
        f"ON {v('id')} = {a('live_version')} AND {v('rendered_at')} IS NOT NULL "
        f"WHERE {a('slug')} = %s"
    )


def live_version_row(*, slug: str, known_etag: str, audience: str = "clinician") -> VersionRow | None:
    """The article ``slug`` and its live version, in one query (None: no such article).

    The detail endpoint's hot query: plain columns, the SQL built once per process (the ORM would
    compile the same statement on every request), and the payload only when its ETag is not
    ``known_etag`` (the one this process holds). Version fields are None while nothing is live."""
    with connections[read_alias()].cursor() as cursor:  # a replica in the read API (config.replicas)
        cursor.execute(_live_sql(audience), [ReviewState.RETRACTED.value, known_etag, slug])
        row = cursor.fetchone()
    return None if row is None else VersionRow(*row)


def version_row(*, slug: str, number: int, known_etag: str, audience: str = "clinician") -> VersionRow | None:
    """Rendered version ``number`` of ``slug``, in one query, with its payload unless its ETag is
    ``known_etag`` (None: no such rendered version; etag None: no payload for ``audience``)."""
    etag, payload_json = AUDIENCE_COLUMNS[audience]
    payload = Case(When(**{etag: known_etag}, then=Value(None)), default=F(payload_json))
    row = (
        PublishedVersion.objects.filter(article__slug=slug, number=number, rendered_at__isnull=False)
        .annotate(
            payload_or_null=payload,
            reader_state=reader_state("article__"),
            the_etag=NullIf(etag, Value("")),
            rendered_epoch=EpochSeconds("rendered_at"),
        )
        .values_list("reader_state", "pk", "the_etag", "rendered_epoch", "payload_or_null")
        .first()
    )
    return None if row is None else VersionRow(*row)


def version_row_by_id(*, version_id: int, audience: str = "clinician") -> VersionRow | None:
    """A rendered version with its payload for ``audience``, by id."""
    etag, payload_json = AUDIENCE_COLUMNS[audience]
    row = (
        PublishedVersion.objects.filter(pk=version_id, rendered_at__isnull=False)
        .annotate(reader_state=reader_state("article__"), rendered_epoch=EpochSeconds("rendered_at"))
        .values_list("reader_state", "pk", etag, "rendered_epoch", payload_json)
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


CHANGE_FIELDS = (
    "number",
    "approved_at",
    "change_summary",
    "sections_changed",
    "clinically_significant",
    "significance_assessed_at",
)


def version_changes(*, slug: str) -> list[dict]:
    """What each rendered version of ``slug`` changed, newest first (one query)."""
    rows = (
        PublishedVersion.objects.filter(article__slug=slug, rendered_at__isnull=False)
        .order_by("-number")
        .values(*CHANGE_FIELDS)
    )
    return list(rows)


def published_articles() -> QuerySet[Article]:
    """Articles readers may read now, as a queryset: the rule of the listing indexes (``READABLE``)."""
    return Article.objects.filter(READABLE)


def significant_changes(*, since: datetime, limit: int) -> list[dict]:
    """Versions assessed clinically significant after ``since``, in the order they were assessed
    (at approval, or later by the chair for an approval completed by sign-offs: a client that asked
    in between still gets it), of articles readers may read now (one query); the version itself may
    since have been superseded."""
    rows = (
        PublishedVersion.objects.filter(
            clinically_significant=True,
            significance_assessed_at__gt=since,
            rendered_at__isnull=False,
            retracted_at__isnull=True,
            article__in=published_articles(),
        )
        .order_by("significance_assessed_at", "pk")
        .values("article__slug", "question", *CHANGE_FIELDS)[:limit]
    )
    return list(rows)


# --- the review tracker and pending content ------------------------------------------------------


@dataclass(frozen=True)
class StatusRow:
    """What ``status/`` needs about one article, read in one query (``articles.status``)."""

    state: str
    retraction_reason: str
    retracted_at: datetime | None
    review_round: int
    review_submitted_at: datetime | None
    review_started_at: datetime | None
    review_closed_at: datetime | None
    review_outcome: str
    review_overdue: bool
    next_review_due: datetime | None
    updated_at: datetime
    live_rendered_at: datetime | None
    live_number: int | None
    live_round: int | None
    live_submitted_at: datetime | None
    live_started_at: datetime | None
    live_approved_at: datetime | None
    live_summary_json: str | None
    pending_round: int | None


STATUS_FIELDS = (
    "state",
    "retraction_reason",
    "retracted_at",
    "review_round",
    "review_submitted_at",
    "review_started_at",
    "review_closed_at",
    "review_outcome",
    "review_overdue",
    "next_review_due",
    "updated_at",
    "live_rendered_at",
    "live_version__number",
    "live_version__review_round",
    "live_version__submitted_at",
    "live_version__review_started_at",
    "live_version__approved_at",
    "live_version__summary_json",
    "pending_content__round",
)


def status_row(*, slug: str) -> StatusRow | None:
    """The article ``slug``'s tracker fields, its live version's cycle and summary, and whether it has
    pending content, in one query (None: no such article). The live version is set only once rendered."""
    row = Article.objects.filter(slug=slug).values_list(*STATUS_FIELDS).first()
    return None if row is None else StatusRow(*row)


@dataclass(frozen=True)
class PendingRow:
    """The article ``slug`` and its open round's pending content (``PendingContent``; None fields: none)."""

    state: str
    retraction_reason: str
    retracted_at: datetime | None
    review_started_at: datetime | None
    round: int | None
    content_hash: str | None
    submitted_at: datetime | None
    source: dict | None
    reference_ids: dict | None
    payload_json: str | None


PENDING_FIELDS = (
    "state",
    "retraction_reason",
    "retracted_at",
    "review_started_at",
    "pending_content__round",
    "pending_content__content_hash",
    "pending_content__submitted_at",
    "pending_content__source",
    "pending_content__reference_ids",
    "pending_content__payload_json",
)


def pending_row(*, slug: str) -> PendingRow | None:
    """The article ``slug`` with its pending content, in one query (None: no such article)."""
    row = Article.objects.filter(slug=slug).values_list(*PENDING_FIELDS).first()
    return None if row is None else PendingRow(*row)


STATUS_CHANGE_FIELDS = (
    "slug",
    "state",
    "retracted_at",
    "status_changed_at",
    "review_round",
    "review_submitted_at",
    "review_started_at",
    "review_closed_at",
    "review_outcome",
    "live_version__number",
    "live_version__review_round",
    "live_version__submitted_at",
    "live_version__review_started_at",
    "live_version__approved_at",
)


def status_changes(*, since: datetime, limit: int) -> list[dict]:
    """Articles whose review status moved after ``since``, in the order they moved (one query): each once,
    as it stands now (an article that moved twice is listed at its last move)."""
    rows = (
        Article.objects.filter(status_changed_at__gt=since)
        .order_by("status_changed_at", "pk")
        .values(*STATUS_CHANGE_FIELDS)[:limit]
    )
    return list(rows)


def articles_with_citations(*, slugs: Sequence[str] | None = None) -> QuerySet[Article]:
    """Articles (all, or those with ``slugs``) with everything ``content_from_article`` reads prefetched."""
    queryset = Article.objects.select_related("required_specialty").prefetch_related(
        "sections",
        Prefetch("citations", queryset=Citation.objects.select_related("reference__retraction")),
    )
    if slugs is not None:
        queryset = queryset.filter(slug__in=list(slugs))
    return queryset.order_by("slug")
