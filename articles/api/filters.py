"""Filters of the published-article list. They read the live version, never the working copy."""

from __future__ import annotations

from datetime import UTC

import django_filters
from django import forms
from django_filters.fields import IsoDateTimeField

from articles.models import Article


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time, normalised to UTC (the database refuses offsets such as -18:19, and
    dates near year 1 or 9999 can overflow when converted): any such value is a 400, not a 500."""

    def clean(self, value):
        # Present but empty (``?updated_since=``) is not a date-time: say so rather than ignore it.
        if value == "":
            raise forms.ValidationError("Enter a date-time, or leave updated_since out.", code="invalid")
        return super().clean(value)

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(UTC)
        except (OverflowError, ValueError) as exc:
            raise forms.ValidationError("Enter a date-time between years 1 and 9999.", code="invalid") from exc


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class PublishedArticleFilter(django_filters.FilterSet):
    topic = django_filters.CharFilter(field_name="live_version__topic", lookup_expr="iexact", max_length=120)
    updated_since = UtcIsoDateTimeFilter(
        field_name="live_version__rendered_at", lookup_expr="gte",
        help_text="ISO 8601 date-time: articles whose published payload changed at or after it.",
    )
    q = django_filters.CharFilter(field_name="live_version__question", lookup_expr="icontains", max_length=300)

    class Meta:
        model = Article
        fields = ["topic", "updated_since", "q"]
