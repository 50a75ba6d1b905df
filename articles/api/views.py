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

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
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
from articles.api.schema import (
    BAD_AUDIENCE,
    CONDITIONAL,
    ERRORS,
    GONE,
    NOT_FOUND,
    NOT_MODIFIED,
    NUMBER,
    SLUG,
    TAGS,
    VALIDATORS,
)
from articles.api.throttling import APIKeyRateThrottle, PublicReadRateThrottle
from articles.content import AUDIENCES, CLINICIAN
from articles.models import ReviewState
from articles.selectors import ReaderView, VersionRow
from config.exceptions import InvalidInput, NotFound, ServiceError

JSON = "application/json"


class Gone(ServiceError):
    """The article was retracted (HTTP 410); ``detail`` carries the reason."""

    status_code = 410
    default_code = "retracted"


def _not_found() -> NotFound:
    # Unknown, never approved, archived: one answer, so that existence is not leaked.
    return NotFound("No published article has this slug.", code="not-found")


def gone(view: ReaderView) -> Gone:
    return Gone(
        f"This article was retracted: {view.retraction_reason}",
        detail={
            "reason": view.retraction_reason,
            "retracted_at": view.retracted_at.isoformat() if view.retracted_at else None,
        },
    )


def check_visible(view: ReaderView | None, *, not_found=_not_found) -> ReaderView:
    if view is None:
        raise not_found()
    if view.retracted:
        raise gone(view)
    if not view.visible:
        raise not_found()
    return view


def _etag_matches(if_none_match: str, etag: str) -> bool:
    if if_none_match == etag:  # the usual revalidation: the ETag sent back as it was given
        return True
    if if_none_match.strip() == "*":
        return True
    return any(tag.removeprefix("W/") == etag for tag in parse_etags(if_none_match))


def _headers(response: HttpResponse, *, etag: str, last_modified: int | str, slug: str) -> HttpResponse:
    response["ETag"] = etag
    response["Last-Modified"] = last_modified if isinstance(last_modified, str) else http_date(last_modified)
    return caching.cacheable(response, caching.article_key(slug))


def is_current(request: HttpRequest, *, etag: str, last_modified: int) -> bool:
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
    if is_current(request, etag=payload.etag, last_modified=payload.last_modified):
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
            cache_key, etag=row.etag, payload_json=row.payload_json, last_modified=row.last_modified, asked_at=asked_at
        )
    else:
        payload = payloads.confirmed(cache_key, row.etag, asked_at=asked_at)
    last_modified = row.last_modified
    slug = cache_key[1]
    if is_current(request, etag=row.etag, last_modified=last_modified):
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
        raise gone(selectors.article_live_view(slug=slug))
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


def _text_parameter(name: str, description: str) -> OpenApiParameter:
    """A free-text filter of the list: a value (an empty one is a 400), at most its length, no NUL."""
    schema = {"type": "string", "minLength": 1, "maxLength": listing.TEXT_PARAMETERS[name], "pattern": "^[^\\u0000]*$"}
    return OpenApiParameter(name, schema, description=description)


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
            _text_parameter("topic", "Exact topic (case-insensitive)."),
            OpenApiParameter(
                "updated_since",
                OpenApiTypes.DATETIME,
                description="ISO 8601 date-time: only articles whose published payload changed since.",
            ),
            _text_parameter("q", "Words in the question."),
            OpenApiParameter(
                "cursor",
                {"type": "string", "minLength": 1},
                description="From the previous page's next link, as given: an opaque position only this API "
                "writes (any other value is a 400 naming it).",
            ),
            OpenApiParameter(
                "page_size",
                {"type": "integer", "minimum": 1, "maximum": listing.MAX_PAGE_SIZE},
                description=f"Default {listing.DEFAULT_PAGE_SIZE}; at most {listing.MAX_FULL_PAGE_SIZE} "
                "with expand=full (a larger one is then a 400 naming page_size).",
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
        check_visible(selectors.article_live_view(slug=slug))
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
            raise gone(view)
        # The same answer for an unknown slug, a never-approved article and a missing version.
        raise NotFound(f"No published version {number} of an article with this slug.", code="not-found")
