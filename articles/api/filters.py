"""Filters of the published-article list. They read the live version, never the working copy."""

from __future__ import annotations

import django_filters

from articles.models import Article


class PublishedArticleFilter(django_filters.FilterSet):
    topic = django_filters.CharFilter(field_name="live_version__topic", lookup_expr="iexact", max_length=120)
    updated_since = django_filters.IsoDateTimeFilter(
        field_name="live_version__rendered_at", lookup_expr="gte",
        help_text="ISO 8601 date-time: articles whose published payload changed at or after it.",
    )
    q = django_filters.CharFilter(field_name="live_version__question", lookup_expr="icontains", max_length=300)

    class Meta:
        model = Article
        fields = ["topic", "updated_since", "q"]
