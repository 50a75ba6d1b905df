"""Reads of the reference library and of articles' citations, with their prefetching."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Prefetch, QuerySet

from articles.models import Article
from references.models import Citation


def articles_with_citations(*, slugs: Sequence[str] | None = None) -> QuerySet[Article]:
    """Articles (all, or those with ``slugs``) with everything ``content_from_article`` reads prefetched."""
    queryset = Article.objects.select_related("required_specialty").prefetch_related(
        "sections",
        Prefetch("citations", queryset=Citation.objects.select_related("reference__retraction")),
    )
    if slugs is not None:
        queryset = queryset.filter(slug__in=list(slugs))
    return queryset.order_by("slug")
