"""The read API: approved, published articles for client apps.

The detail endpoints serve the stored payload bytes of a published version as they are: no
serializer and no JSON encoding per request. Their hot path (a GET with a valid API key) is:

- the key: verified once, then remembered per process (``authentication``), so no query;
- the throttle: a fixed-window counter (``throttling``);
- the article: one hand-written query for its state and its version's ETag, which brings the
  payload text only when this process does not already hold those bytes
  (``selectors.live_version_row``, ``payloads``); a readable answer is then reused for
  ``API_DETAIL_CACHE_SECONDS`` (1 s) without asking again;
- the answer: 304 when the client's ETag / date is current, else the bytes.

So a detail request costs at most 2 queries (key + article) and usually 0 or 1. Those requests
bypass DRF's dispatch (``KeyedFastPathMixin``); everything else (no key, bad key, throttled,
public reads) goes through it, with the same checks and the same error shape. The list views
splice each row's stored summary bytes into the page (one keyset query, no count).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import http_date, parse_etags, parse_http_date_safe
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from articles import selectors
from articles.api import caching, listing, payloads
from articles.api import serializers as shapes
from articles.api.authentication import APIKeyAuthentication, key_from_request, verify_api_key
from articles.api.permissions import HasAPIKeyOrPublicRead
from articles.api.throttling import APIKeyRateThrottle, PublicReadRateThrottle
from articles.content import AUDIENCES, CLINICIAN, canonical_json
from articles.models import ReviewState
from articles.pending import pending_answer
from articles.publishing import iso_datetime, payload_etag
from articles.selectors import ReaderView, VersionRow
from articles.status import status_answer, status_change
from config.exceptions import InvalidInput, NotFound, ServiceError

JSON = "application/json"


class Gone(ServiceError):
    """The article was retracted (HTTP 410); ``detail`` carries the reason."""

    status_code = 410
    default_code = "retracted"


def _not_found() -> NotFound:
    # Unknown, never approved, archived: one answer, so that existence is not leaked.
    return NotFound("No published article has this slug.", code="not-found")


def _gone(view: ReaderView) -> Gone:
    return Gone(
        f"This article was retracted: {view.retraction_reason}",
        detail={
            "reason": view.retraction_reason,
            "retracted_at": view.retracted_at.isoformat() if view.retracted_at else None,
        },
    )


def _check_visible(view: ReaderView | None, *, not_found=_not_found) -> ReaderView:
    if view is None:
        raise not_found()
    if view.retracted:
        raise _gone(view)
    if not view.visible:
        raise not_found()
    return view


def _etag_matches(if_none_match: str, etag: str) -> bool:
    if if_none_match.strip() == "*":
        return True
    return any(tag.removeprefix("W/") == etag for tag in parse_etags(if_none_match))


def _headers(response: HttpResponse, *, etag: str, last_modified: int | str, slug: str) -> HttpResponse:
    response["ETag"] = etag
    response["Last-Modified"] = last_modified if isinstance(last_modified, str) else http_date(last_modified)
    return caching.cacheable(response, caching.article_key(slug))


def _is_current(request: HttpRequest, *, etag: str, last_modified: int) -> bool:
    """Whether the client's copy is current (If-None-Match wins over If-Modified-Since)."""
    meta = request.META
    if_none_match = meta.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:
        return _etag_matches(if_none_match, etag)
    if "HTTP_IF_MODIFIED_SINCE" in meta:
        since = parse_http_date_safe(meta["HTTP_IF_MODIFIED_SINCE"])
        return since is not None and last_modified <= since
    return False


def _ok(payload: payloads.Payload, slug: str) -> HttpResponse:
    response = HttpResponse(payload.content, content_type=JSON)
    return _headers(response, etag=payload.etag, last_modified=payload.last_modified_http, slug=slug)


def serve_cached(request: HttpRequest, payload: payloads.Payload, slug: str) -> HttpResponse:
    if _is_current(request, etag=payload.etag, last_modified=payload.last_modified):
        return _headers(
            HttpResponseNotModified(), etag=payload.etag, last_modified=payload.last_modified_http, slug=slug
        )
    return _ok(payload, slug)


def requested_audience(request: HttpRequest) -> str:
    """``?audience=clinician|patient`` (clinician when absent); anything else is refused (400)."""
    if not request.META.get("QUERY_STRING"):  # the usual request: no query string to parse
        return CLINICIAN
    audience = request.GET.get("audience", "") or CLINICIAN
    if audience not in AUDIENCES:
        raise InvalidInput(
            f"Unknown audience {audience!r}; expected one of: {', '.join(AUDIENCES)}.",
            code="invalid-audience",
            detail={"field": "audience", "allowed": list(AUDIENCES)},
        )
    return audience


def _no_audience(audience: str) -> NotFound:
    return NotFound(f"This article has no {audience} version.", code="audience-not-available")


def serve_version(
    request: HttpRequest, *, cache_key, row: VersionRow, audience: str = CLINICIAN, asked_at: float | None = None
) -> HttpResponse:
    """200 with the version's bytes, or 304 when the client's copy is current.

    ``row`` comes with the payload text unless this process already holds the bytes of its ETag
    (under ``cache_key``). It does not matter whether the client holds them: a worker answering
    only revalidations must still fill its micro-cache, or it asks the database on every one.
    ``asked_at`` (``payloads.clock()`` read before the query) is when the entry's age starts.
    """
    if row.payload_json is not None:
        payload = payloads.remember(
            cache_key, etag=row.etag, payload_json=row.payload_json, rendered_at=row.rendered_at, asked_at=asked_at
        )
    else:
        payload = payloads.confirmed(cache_key, row.etag, asked_at=asked_at)
    last_modified = payloads.epoch_seconds(row.rendered_at)
    slug = cache_key[1]
    if _is_current(request, etag=row.etag, last_modified=last_modified):
        return _headers(HttpResponseNotModified(), etag=row.etag, last_modified=last_modified, slug=slug)
    if payload is None:
        # The entry was evicted (or replaced by another thread) since the query: fetch the bytes.
        asked_at = payloads.clock()
        refetched = selectors.version_row_by_id(version_id=row.version_id, audience=audience)
        if refetched is None:
            raise _not_found()
        return serve_version(request, cache_key=cache_key, row=refetched, audience=audience, asked_at=asked_at)
    return _ok(payload, slug)


def serve_live(request: HttpRequest, slug: str) -> HttpResponse:
    """The live version of ``slug``: from the micro-cache, or one query (the payload only when it
    is not already held)."""
    audience = requested_audience(request)
    cache_key = ("live", slug, audience)
    payload = payloads.fresh(cache_key)
    if payload is not None:
        return serve_cached(request, payload, slug)
    asked_at = payloads.clock()
    row = selectors.live_version_row(slug=slug, known_etag=payloads.known_etag(cache_key), audience=audience)
    if row is None:
        raise _not_found()
    if row.state == ReviewState.RETRACTED:
        raise _gone(selectors.article_live_view(slug=slug))
    if not row.visible:
        raise _not_found()
    if row.etag is None:
        raise _no_audience(audience)
    return serve_version(request, cache_key=cache_key, row=row, audience=audience, asked_at=asked_at)


def _error_response(exc: ServiceError) -> HttpResponse:
    # Byte for byte what config.exceptions.api_exception_handler renders through DRF's JSONRenderer.
    body = json.dumps({"error": exc.as_dict()}, ensure_ascii=False, separators=(",", ":"))
    return caching.not_stored(HttpResponse(body.encode("utf-8"), status=exc.status_code, content_type=JSON))


class ReadAPIView(APIView):
    authentication_classes = [APIKeyAuthentication]
    permission_classes = [HasAPIKeyOrPublicRead]
    throttle_classes = [APIKeyRateThrottle, PublicReadRateThrottle]
    renderer_classes = [JSONRenderer]

    def finalize_response(self, request, response, *args, **kwargs):
        """No error answer is ever stored by a cache (410 above all: a retraction is never served stale)."""
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code >= 400 or "Cache-Control" not in response:
            caching.not_stored(response)
        return response


class KeyedFastPathMixin:
    """The hot path of the detail endpoints, without DRF's per-request machinery.

    A GET carrying a valid API key (verified through the per-process key cache) and within its
    throttle is answered here directly: the same checks as the DRF path, the same answers and error
    shape. Everything else (no key, an invalid key, a throttled key, public reads) goes through
    DRF's full dispatch, which produces the 401/429 responses with their headers.
    """

    def serve(self, request: HttpRequest, **kwargs) -> HttpResponse:
        raise NotImplementedError

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "GET":
            key = key_from_request(request)
            client = verify_api_key(key) if key else None
            if client is not None and APIKeyRateThrottle().allow_ident(client.prefix):
                try:
                    return self.serve(request, **kwargs)
                except ServiceError as exc:
                    return _error_response(exc)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: Request, **kwargs) -> HttpResponse:
        return self.serve(request, **kwargs)


ERRORS = {
    401: OpenApiResponse(shapes.ErrorSerializer, description="No API key, or one that is unknown, revoked or expired."),
    429: OpenApiResponse(shapes.ErrorSerializer, description="Too many requests for this key; see Retry-After."),
}
NOT_FOUND = OpenApiResponse(shapes.ErrorSerializer, description="Unknown, never approved or archived.")
GONE = OpenApiResponse(shapes.RetractedSerializer, description="Retracted; the reason is in error.detail.")
BAD_AUDIENCE = OpenApiResponse(shapes.ErrorSerializer, description="Unknown audience (invalid-audience).")
NOT_MODIFIED = OpenApiResponse(description="The client's copy (If-None-Match / If-Modified-Since) is current.")
INT32 = 2**31 - 1
SLUG = OpenApiParameter(
    "slug",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    required=True,
    pattern=r"^[-a-zA-Z0-9_]+$",
    description="The article's stable slug.",
)
NUMBER = OpenApiParameter(
    "number",
    {"type": "integer", "minimum": 1, "maximum": INT32},
    OpenApiParameter.PATH,
    required=True,
    description="Version number, from 1.",
)
VALIDATORS = [
    OpenApiParameter(
        "ETag",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=[200, 304],
        description="Validator of the served bytes, for If-None-Match.",
    ),
    OpenApiParameter(
        "Last-Modified",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=[200, 304],
        description="When the served bytes last changed, for If-Modified-Since.",
    ),
    OpenApiParameter(
        "Retry-After",
        OpenApiTypes.INT,
        OpenApiParameter.HEADER,
        response=[429],
        description="Seconds to wait before the key may ask again.",
    ),
]
AUDIENCE = OpenApiParameter(
    "audience",
    {"type": "string", "enum": ["clinician", "patient"]},
    description="Which version: clinician (default) or patient (plain language; 404 when the article has none).",
)
CONDITIONAL = [
    SLUG,
    AUDIENCE,
    OpenApiParameter("If-None-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, description="ETag of a copy held."),
    OpenApiParameter(
        "If-Modified-Since", OpenApiTypes.STR, OpenApiParameter.HEADER, description="HTTP date of a copy held."
    ),
    *VALIDATORS,
]
TAGS = ["articles"]


def serve_list(request: HttpRequest) -> HttpResponse:
    """A page of readable articles, newest change first: one query, no count, the stored bytes of
    each item spliced in; ``next`` carries an opaque cursor (null on the last page)."""
    query = listing.parse_listing_query(request.GET)
    rows = selectors.published_page(
        limit=query.page_size + 1,
        after=query.after,
        topic=query.topic,
        updated_since=query.updated_since,
        q=query.q,
        full=query.full,
    )
    next_link = "null"
    if len(rows) > query.page_size:
        rows = rows[: query.page_size]
        params = request.GET.copy()
        params["cursor"] = listing.encode_cursor(rows[-1].rendered_at, rows[-1].article_id)
        next_link = json.dumps(request.build_absolute_uri("?" + params.urlencode()))
    body = f'{{"next":{next_link},"results":[{",".join(row.json for row in rows)}]}}'
    return caching.cacheable(HttpResponse(body.encode("utf-8"), content_type=JSON), caching.LIST_KEY)


@extend_schema_view(
    get=extend_schema(
        operation_id="articles_list",
        tags=TAGS,
        summary="Approved, published articles, newest change first",
        description=(
            "Keyset-paginated: follow `next` (an opaque cursor) until it is null. There is no total "
            "count. To mirror the catalogue, ask with `expand=full` (each item is then the full article, "
            "as the detail endpoint serves it) and, on later runs, `updated_since` the start of the last run."
        ),
        parameters=[
            OpenApiParameter("topic", OpenApiTypes.STR, description="Exact topic (case-insensitive)."),
            OpenApiParameter(
                "updated_since",
                OpenApiTypes.DATETIME,
                description="ISO 8601 date-time: only articles whose published payload changed since.",
            ),
            OpenApiParameter("q", OpenApiTypes.STR, description="Words in the question."),
            OpenApiParameter("cursor", OpenApiTypes.STR, description="From the previous page's next link."),
            OpenApiParameter(
                "page_size",
                {"type": "integer", "minimum": 1, "maximum": listing.MAX_PAGE_SIZE},
                description=f"Default {listing.DEFAULT_PAGE_SIZE}; at most {listing.MAX_FULL_PAGE_SIZE} "
                "with expand=full.",
            ),
            OpenApiParameter(
                "expand",
                OpenApiTypes.STR,
                enum=[listing.EXPAND_FULL],
                description="full: each item is the full article (sections, references, reviewers).",
            ),
            VALIDATORS[2],
        ],
        responses={
            200: shapes.ArticlePageSerializer,
            400: OpenApiResponse(shapes.ErrorSerializer, description="A parameter is invalid (named in detail)."),
            **ERRORS,
        },
    )
)
class ArticleListView(KeyedFastPathMixin, ReadAPIView):
    """Readable articles, newest change first, one keyset page at a time."""

    def serve(self, request: HttpRequest) -> HttpResponse:
        return serve_list(request)


@extend_schema_view(
    get=extend_schema(
        operation_id="articles_retrieve",
        tags=TAGS,
        summary="The live published version of an article",
        parameters=CONDITIONAL,
        responses={
            200: shapes.ArticleDetailSerializer,
            304: NOT_MODIFIED,
            400: BAD_AUDIENCE,
            404: NOT_FOUND,
            410: GONE,
            **ERRORS,
        },
    )
)
class ArticleDetailView(KeyedFastPathMixin, ReadAPIView):
    """The live version's stored bytes, with ETag / Last-Modified; 304 when the client's copy is current."""

    def serve(self, request: HttpRequest, slug: str) -> HttpResponse:
        return serve_live(request, slug)


class ArticleVersionListView(ReadAPIView):
    @extend_schema(
        operation_id="articles_versions_list",
        tags=TAGS,
        summary="Every published version of an article, newest first",
        parameters=[SLUG, VALIDATORS[2]],
        responses={200: shapes.ArticleSummarySerializer(many=True), 404: NOT_FOUND, 410: GONE, **ERRORS},
    )
    def get(self, request: Request, slug: str) -> HttpResponse:
        _check_visible(selectors.article_live_view(slug=slug))
        body = "[" + ",".join(selectors.version_summaries(slug=slug)) + "]"
        return caching.cacheable(HttpResponse(body.encode("utf-8"), content_type=JSON), caching.article_key(slug))


@extend_schema_view(
    get=extend_schema(
        operation_id="articles_versions_retrieve",
        tags=TAGS,
        summary="One published version of an article",
        parameters=[*CONDITIONAL, NUMBER],
        responses={
            200: shapes.ArticleDetailSerializer,
            304: NOT_MODIFIED,
            400: BAD_AUDIENCE,
            404: OpenApiResponse(shapes.ErrorSerializer, description="Unknown article or version."),
            410: GONE,
            **ERRORS,
        },
    )
)
class ArticleVersionDetailView(KeyedFastPathMixin, ReadAPIView):
    """One published version's stored bytes, with ETag / Last-Modified; 304 when the client's copy is current."""

    def serve(self, request: HttpRequest, slug: str, number: int) -> HttpResponse:
        audience = requested_audience(request)
        cache_key = ("version", slug, number, audience)
        payload = payloads.fresh(cache_key)
        if payload is not None:
            return serve_cached(request, payload, slug)
        asked_at = payloads.clock()
        row = selectors.version_row(
            slug=slug, number=number, known_etag=payloads.known_etag(cache_key), audience=audience
        )
        if row is not None and row.visible:
            if row.etag is None:
                raise _no_audience(audience)
            return serve_version(request, cache_key=cache_key, row=row, audience=audience, asked_at=asked_at)
        view = selectors.article_live_view(slug=slug)
        if view is not None and view.retracted:
            raise _gone(view)
        # The same answer for an unknown slug, a never-approved article and a missing version.
        raise NotFound(f"No published version {number} of an article with this slug.", code="not-found")


# --- what changed ----------------------------------------------------------------------------------

CHANGES_LIMIT = 100


def _change(row: dict) -> dict:
    return {
        "version": row["number"],
        "approved_at": iso_datetime(row["approved_at"]),
        "summary": row["change_summary"],
        "sections_changed": row["sections_changed"],
        "clinically_significant": row["clinically_significant"],
        "assessed_at": iso_datetime(row["significance_assessed_at"]),
    }


def _json(data, *keys: str) -> HttpResponse:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return caching.cacheable(HttpResponse(body.encode("utf-8"), content_type=JSON), *keys)


class ArticleChangesView(ReadAPIView):
    @extend_schema(
        operation_id="articles_changes_list",
        tags=TAGS,
        summary="What each published version of an article changed, newest first",
        parameters=[SLUG, VALIDATORS[2]],
        responses={200: shapes.VersionChangeSerializer(many=True), 404: NOT_FOUND, 410: GONE, **ERRORS},
    )
    def get(self, request: Request, slug: str) -> HttpResponse:
        _check_visible(selectors.article_live_view(slug=slug))
        return _json([_change(row) for row in selectors.version_changes(slug=slug)], caching.article_key(slug))


def _since(request: Request) -> datetime:
    """``since``: an ISO 8601 date-time with its zone, as UTC (an offset PostgreSQL refuses, beyond
    15:59, is still a moment); anything else is a 400 naming the field."""
    raw = request.query_params.get("since", "").strip()
    try:
        since = parse_datetime(raw) if raw else None
        if since is not None and timezone.is_aware(since):
            return since.astimezone(UTC)
    except (ValueError, OverflowError):
        pass
    raise InvalidInput(
        "since must be an ISO 8601 date-time with its time zone, e.g. 2026-01-31T00:00:00Z.",
        code="invalid-since",
        detail={"field": "since"},
    )


FEED_TYPES = ("significant", "status")


def _feed_type(request: Request) -> str:
    feed_type = request.query_params.get("type", FEED_TYPES[0])
    if feed_type not in FEED_TYPES:
        raise InvalidInput(
            f"Unknown type {feed_type!r}; expected one of: {', '.join(FEED_TYPES)}.",
            code="invalid-type",
            detail={"field": "type", "allowed": list(FEED_TYPES)},
        )
    return feed_type


class ChangesFeedView(ReadAPIView):
    @extend_schema(
        operation_id="changes_list",
        tags=TAGS,
        summary="What's new: clinically significant changes (or, with type=status, review status moves) since a moment",
        description=(
            "type=significant (the default): clinically significant changes across all articles assessed since "
            "`since`, oldest first. type=status: articles whose review status moved since `since` (the "
            "`article.status_changed` event), oldest move first, each once as it stands now; read its "
            "`status/` endpoint for the tracker."
        ),
        parameters=[
            OpenApiParameter(
                "since",
                OpenApiTypes.DATETIME,
                required=True,
                description="ISO 8601 date-time with time zone: changes assessed significant after it "
                "(next_since of the previous answer).",
            ),
            OpenApiParameter(
                "type",
                OpenApiTypes.STR,
                enum=list(FEED_TYPES),
                description="significant (default): What's new; status: review status moves.",
            ),
            VALIDATORS[2],
        ],
        responses={
            200: shapes.ChangesFeedSerializer,
            400: OpenApiResponse(shapes.ErrorSerializer, description="since or type is missing or invalid."),
            **ERRORS,
        },
    )
    def get(self, request: Request) -> HttpResponse:
        since, feed_type = _since(request), _feed_type(request)
        if feed_type == "status":
            results = [status_change(row) for row in selectors.status_changes(since=since, limit=CHANGES_LIMIT)]
            next_since = results[-1]["changed_at"] if len(results) == CHANGES_LIMIT else None
            return _json({"results": results, "next_since": next_since}, caching.CHANGES_KEY)
        rows = selectors.significant_changes(since=since, limit=CHANGES_LIMIT)
        results = [{"slug": row["article__slug"], "question": row["question"], **_change(row)} for row in rows]
        next_since = results[-1]["assessed_at"] if len(results) == CHANGES_LIMIT else None
        return _json({"results": results, "next_since": next_since}, caching.CHANGES_KEY)


# --- the review tracker, and pending content (the one exception to "approved only") ---------------


def _not_in_review() -> NotFound:
    # Unknown, never submitted, archived: one answer, as for the detail.
    return NotFound("No article with this slug has been submitted for review.", code="not-found")


def _serve_json(
    request: HttpRequest, body: dict, *, last_modified: int, mark: Callable[[HttpResponse], HttpResponse]
) -> HttpResponse:
    """200 with ``body`` (canonical JSON) and its ETag / Last-Modified, or 304 when the client's copy is
    current; ``mark`` adds the Cache-Control and surrogate keys."""
    content = canonical_json(body).encode("utf-8")
    etag = payload_etag(content.decode("utf-8"))
    if _is_current(request, etag=etag, last_modified=last_modified):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(content, content_type=JSON)
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    return mark(response)


def _latest(*moments: datetime | None) -> int:
    return max(payloads.epoch_seconds(moment) for moment in moments if moment is not None)


def serve_status(request: HttpRequest, slug: str) -> HttpResponse:
    """Where the review of ``slug`` stands (``articles.status``): one query."""
    row = selectors.status_row(slug=slug)
    if row is None or (row.state == ReviewState.ARCHIVED and row.retracted_at is None):
        raise _not_in_review()
    if row.retracted_at is not None:
        raise _gone(ReaderView(ReviewState.RETRACTED, row.retraction_reason, row.retracted_at, None, None, None))
    body = status_answer(
        row,
        slug=slug,
        pending_offered=selectors.pending_content_offered(),
        editorial_policy_url=settings.EDITORIAL_POLICY_URL,
    )
    if body is None:
        raise _not_in_review()
    keys = (caching.article_key(slug), caching.status_key(slug))
    return _serve_json(
        request,
        body,
        last_modified=_latest(row.updated_at, row.live_rendered_at),
        mark=lambda response: caching.cacheable(response, *keys),
    )


def _no_pending() -> NotFound:
    return NotFound(
        "No content of this article is pending review (unknown, not in review, approved, or not servable).",
        code="not-found",
    )


def serve_pending(request: HttpRequest, slug: str) -> HttpResponse:
    """The open round's frozen content, marked unreviewed (``articles.pending``), when offered."""
    if not selectors.pending_content_offered():
        raise NotFound("This service does not offer pending content.", code="pending-not-offered")
    audience = requested_audience(request)
    row = selectors.pending_row(slug=slug)
    if row is None:
        raise _no_pending()
    if row.retracted_at is not None:
        raise _gone(ReaderView(ReviewState.RETRACTED, row.retraction_reason, row.retracted_at, None, None, None))
    body = pending_answer(row, slug=slug, audience=audience)
    if body is None:
        raise _no_pending()
    return _serve_json(
        request,
        body,
        last_modified=_latest(row.submitted_at, row.review_started_at),
        mark=lambda response: caching.pending_cacheable(response, slug),
    )


@extend_schema_view(
    get=extend_schema(
        operation_id="articles_status_retrieve",
        tags=TAGS,
        summary="Where the article's review stands: the tracker (Submitted, Under Review, Approved)",
        description=(
            "For any article submitted for review at least once: the tracker's steps with the current one and "
            "the date each was reached in the current cycle, the round, the live version (if any) with its "
            "dates, whether a revision is in review, whether the article is due for re-review, and the "
            "editorial policy's URL. Never content that is not approved, reviewers' names or comments."
        ),
        parameters=[SLUG, *CONDITIONAL[2:]],
        responses={
            200: shapes.ReviewStatusSerializer,
            304: NOT_MODIFIED,
            404: OpenApiResponse(shapes.ErrorSerializer, description="Unknown, never submitted or archived."),
            410: GONE,
            **ERRORS,
        },
    )
)
class ArticleStatusView(KeyedFastPathMixin, ReadAPIView):
    """The review tracker of one article, with ETag / Last-Modified; 304 when the client's copy is current."""

    def serve(self, request: HttpRequest, slug: str) -> HttpResponse:
        return serve_status(request, slug)


@extend_schema_view(
    get=extend_schema(
        operation_id="pending_retrieve",
        tags=TAGS,
        summary="Content pending review (opt-in): the open round's frozen content, marked unreviewed",
        description=(
            'Only when the service offers it (API_PENDING_CONTENT). Marked "reviewed": false, with the round, '
            "the status and the caution text to show beside it. Its own short Cache-Control and surrogate key "
            "(pending-<slug>). 404 once the version is approved (the article's detail serves it), and whenever "
            "nothing is pending or an integrity error stands against the content."
        ),
        parameters=CONDITIONAL,
        responses={
            200: shapes.PendingContentSerializer,
            304: NOT_MODIFIED,
            400: BAD_AUDIENCE,
            404: OpenApiResponse(
                shapes.ErrorSerializer, description="Not offered, unknown, nothing pending, or not servable."
            ),
            410: GONE,
            **ERRORS,
        },
    )
)
class PendingContentView(KeyedFastPathMixin, ReadAPIView):
    """Pending content of one article, with ETag / Last-Modified; 304 when the client's copy is current."""

    def serve(self, request: HttpRequest, slug: str) -> HttpResponse:
        return serve_pending(request, slug)
