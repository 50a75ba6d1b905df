"""What changed: one article's published versions' change notes, and the feed across articles
(clinically significant changes, or review status moves) since a moment."""

from __future__ import annotations

import json
from datetime import datetime

from django.http import HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request

from articles import selectors
from articles.api import caching, listing
from articles.api import serializers as shapes
from articles.api.schema import ERRORS, GONE, NOT_FOUND, SLUG, TAGS, VALIDATORS
from articles.api.views import JSON, ReadAPIView, check_visible
from articles.publishing import iso_datetime
from articles.status import status_change
from config.exceptions import InvalidInput

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
        check_visible(selectors.article_live_view(slug=slug))
        return _json([_change(row) for row in selectors.version_changes(slug=slug)], caching.article_key(slug))


def _since(request: Request) -> datetime:
    """``since``: an ISO 8601 date-time with its zone, as UTC (an offset PostgreSQL refuses, beyond
    15:59, is still a moment); anything else is a 400 naming the field."""
    raw = request.query_params.get("since", "").strip()
    try:
        since = parse_datetime(raw) if raw else None
        if since is not None and timezone.is_aware(since):
            return listing.utc_moment(since)
    except ValueError:  # a date that does not exist (2026-02-30)
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
