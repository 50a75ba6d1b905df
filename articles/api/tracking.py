"""The review tracker of one article, and its pending content: the one exception to "approved only"."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.http import http_date
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view

from articles import selectors
from articles.api import caching, payloads
from articles.api import serializers as shapes
from articles.api.schema import BAD_AUDIENCE, CONDITIONAL, ERRORS, GONE, NOT_MODIFIED, SLUG, TAGS
from articles.api.views import JSON, KeyedFastPathMixin, ReadAPIView, gone, is_current, requested_audience
from articles.content import canonical_json
from articles.models import ReviewState
from articles.pending import pending_answer
from articles.publishing import payload_etag
from articles.selectors import ReaderView
from articles.status import status_answer
from config.exceptions import NotFound


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
    if is_current(request, etag=etag, last_modified=last_modified):
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
        raise gone(ReaderView(ReviewState.RETRACTED, row.retraction_reason, row.retracted_at, None, None, None))
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
        raise gone(ReaderView(ReviewState.RETRACTED, row.retraction_reason, row.retracted_at, None, None, None))
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
