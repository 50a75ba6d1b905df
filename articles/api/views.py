"""The read API: approved, published articles for client apps.

The detail views serve the stored payload bytes of a published version as they are: one SQL
query (two for a conditional request whose validators no longer match), no serializer, no JSON
encoding per request. The list views splice the stored summary bytes of each row into the page.
The verified API key is cached per process (see ``authentication``), so it costs no query after
the first request.
"""

from __future__ import annotations

import json

from django.http import HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from articles import selectors
from articles.api import serializers as shapes
from articles.api.authentication import APIKeyAuthentication
from articles.api.filters import PublishedArticleFilter
from articles.api.permissions import HasAPIKeyOrPublicRead
from articles.api.throttling import APIKeyRateThrottle, PublicReadRateThrottle
from articles.selectors import ReaderView
from config.exceptions import NotFound, ServiceError

JSON = "application/json"
CACHE_CONTROL = "no-cache"  # clients may keep a copy but revalidate (ETag / Last-Modified) each time


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


def _is_conditional(request: Request) -> bool:
    meta = request.META
    return "HTTP_IF_NONE_MATCH" in meta or "HTTP_IF_MODIFIED_SINCE" in meta


def _serve_version(request: Request, view: ReaderView) -> HttpResponse:
    """200 with the stored bytes, or 304 when the client's copy is current."""
    response = HttpResponse(content_type=JSON)
    response["ETag"] = view.etag
    response["Last-Modified"] = http_date(int(view.rendered_at.timestamp()))
    response["Cache-Control"] = CACHE_CONTROL
    if _is_conditional(request):
        not_modified = get_conditional_response(
            request, etag=view.etag, last_modified=int(view.rendered_at.timestamp()), response=response
        )
        if not_modified is not response:
            return not_modified
    payload = view.payload_json
    if payload is None:
        payload = selectors.version_payload(version_id=view.version_id)
    response.content = payload.encode("utf-8")
    return response


class ReadAPIView(APIView):
    authentication_classes = [APIKeyAuthentication]
    permission_classes = [HasAPIKeyOrPublicRead]
    throttle_classes = [APIKeyRateThrottle, PublicReadRateThrottle]
    renderer_classes = [JSONRenderer]


ERRORS = {
    401: OpenApiResponse(shapes.ErrorSerializer, description="No API key, or one that is unknown, revoked or expired."),
    429: OpenApiResponse(shapes.ErrorSerializer, description="Too many requests for this key; see Retry-After."),
}
NOT_FOUND = OpenApiResponse(shapes.ErrorSerializer, description="Unknown, never approved or archived.")
GONE = OpenApiResponse(shapes.RetractedSerializer, description="Retracted; the reason is in error.detail.")
NOT_MODIFIED = OpenApiResponse(description="The client's copy (If-None-Match / If-Modified-Since) is current.")
INT32 = 2**31 - 1
SLUG = OpenApiParameter(
    "slug", OpenApiTypes.STR, OpenApiParameter.PATH, required=True, pattern=r"^[-a-zA-Z0-9_]+$",
    description="The article's stable slug.",
)
NUMBER = OpenApiParameter(
    "number", {"type": "integer", "minimum": 1, "maximum": INT32}, OpenApiParameter.PATH, required=True,
    description="Version number, from 1.",
)
VALIDATORS = [
    OpenApiParameter("ETag", OpenApiTypes.STR, OpenApiParameter.HEADER, response=[200, 304],
                     description="Validator of the served bytes, for If-None-Match."),
    OpenApiParameter("Last-Modified", OpenApiTypes.STR, OpenApiParameter.HEADER, response=[200, 304],
                     description="When the served bytes last changed, for If-Modified-Since."),
    OpenApiParameter("Retry-After", OpenApiTypes.INT, OpenApiParameter.HEADER, response=[429],
                     description="Seconds to wait before the key may ask again."),
]
CONDITIONAL = [
    SLUG,
    OpenApiParameter("If-None-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, description="ETag of a copy held."),
    OpenApiParameter(
        "If-Modified-Since", OpenApiTypes.STR, OpenApiParameter.HEADER, description="HTTP date of a copy held."
    ),
    *VALIDATORS,
]
TAGS = ["articles"]


class ArticlePagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100


class ArticleListView(ReadAPIView):
    @extend_schema(
        operation_id="articles_list",
        tags=TAGS,
        summary="Approved, published articles, newest change first",
        parameters=[
            OpenApiParameter("topic", OpenApiTypes.STR, description="Exact topic (case-insensitive)."),
            OpenApiParameter(
                "updated_since", OpenApiTypes.DATETIME,
                description="ISO 8601 date-time: only articles whose published payload changed since.",
            ),
            OpenApiParameter("q", OpenApiTypes.STR, description="Words in the question."),
            OpenApiParameter("page", {"type": "integer", "minimum": 1, "maximum": INT32}, description="From 1."),
            OpenApiParameter(
                "page_size", {"type": "integer", "minimum": 1, "maximum": 100}, description="Default 20."
            ),
            VALIDATORS[2],
        ],
        responses={
            200: shapes.ArticlePageSerializer,
            400: OpenApiResponse(shapes.ErrorSerializer, description="A filter value is invalid (named in detail)."),
            404: OpenApiResponse(shapes.ErrorSerializer, description="No such page."),
            **ERRORS,
        },
    )
    def get(self, request: Request) -> HttpResponse:
        filterset = PublishedArticleFilter(request.query_params, queryset=selectors.published_articles())
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        paginator = ArticlePagination()
        rows = selectors.published_summaries(queryset=filterset.qs)
        summaries = paginator.paginate_queryset(rows, request, view=self)
        body = (
            f'{{"count":{paginator.page.paginator.count},'
            f'"next":{json.dumps(paginator.get_next_link())},'
            f'"previous":{json.dumps(paginator.get_previous_link())},'
            f'"results":[{",".join(summaries)}]}}'
        )
        return HttpResponse(body.encode("utf-8"), content_type=JSON)


class ArticleDetailView(ReadAPIView):
    @extend_schema(
        operation_id="articles_retrieve",
        tags=TAGS,
        summary="The live published version of an article",
        parameters=CONDITIONAL,
        responses={200: shapes.ArticleDetailSerializer, 304: NOT_MODIFIED, 404: NOT_FOUND, 410: GONE, **ERRORS},
    )
    def get(self, request: Request, slug: str) -> HttpResponse:
        view = _check_visible(selectors.article_live_view(slug=slug, with_payload=not _is_conditional(request)))
        return _serve_version(request, view)


class ArticleVersionListView(ReadAPIView):
    @extend_schema(
        operation_id="articles_versions_list",
        tags=TAGS,
        summary="Every published version of an article, newest first",
        parameters=[SLUG, VALIDATORS[2]],
        responses={200: shapes.ArticleSummarySerializer(many=True), 404: NOT_FOUND, 410: GONE, **ERRORS},
    )
    def get(self, request: Request, slug: str) -> HttpResponse:
        _check_visible(selectors.article_live_view(slug=slug, with_payload=False))
        body = "[" + ",".join(selectors.version_summaries(slug=slug)) + "]"
        return HttpResponse(body.encode("utf-8"), content_type=JSON)


class ArticleVersionDetailView(ReadAPIView):
    @extend_schema(
        operation_id="articles_versions_retrieve",
        tags=TAGS,
        summary="One published version of an article",
        parameters=[*CONDITIONAL, NUMBER],
        responses={
            200: shapes.ArticleDetailSerializer, 304: NOT_MODIFIED,
            404: OpenApiResponse(shapes.ErrorSerializer, description="Unknown article or version."),
            410: GONE, **ERRORS,
        },
    )
    def get(self, request: Request, slug: str, number: int) -> HttpResponse:
        view = selectors.article_version_view(slug=slug, number=number, with_payload=not _is_conditional(request))

        def not_found() -> NotFound:
            # The same answer for an unknown slug, a never-approved article and a missing version.
            return NotFound(f"No published version {number} of an article with this slug.", code="not-found")

        return _serve_version(request, _check_visible(view, not_found=not_found))
