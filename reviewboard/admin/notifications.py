"""The notification bell's page: what happened to my articles and reviews, the new entries marked, each
linking to the article's review screen; opening it counts as having looked (``reviewboard.review.activity``)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from reviewboard.admin.review_words import audit_details, audit_people, state_change_words
from reviewboard.board import permissions
from reviewboard.review import activity


def notifications_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    seen = activity.last_seen(user)
    entries = list(activity.activity(user)[: activity.SHOWN])
    people = audit_people(entries)
    rows = [
        {
            "entry": entry,
            "new": seen is None or entry.created_at > seen,
            "who": permissions.display_name(entry.actor) if entry.actor else entry.actor_name or "The system",
            "what": audit_details(entry, people),
            "states": state_change_words(entry) if entry.to_state else "",
            "url": reverse("admin:articles_article_review", args=[entry.article_id]),
        }
        for entry in entries
    ]
    activity.mark_seen(user, at=timezone.now())
    context = {
        **admin.site.each_context(request),
        "title": "What happened to your articles and reviews",
        "subtitle": None,
        "rows": rows,
        "new_count": sum(1 for row in rows if row["new"]),
    }
    return TemplateResponse(request, "admin/reviewboard/notifications.html", context)


def notifications_count_view(request: HttpRequest) -> HttpResponse:
    """The bell's count, fetched by the page after it loaded: "(3 new)", or nothing."""
    count = activity.unseen_count(request.user)
    if not count:
        return HttpResponse('<span id="bell-count"></span>')
    return HttpResponse(format_html('<strong id="bell-count" class="bell-count"> ({} new)</strong>', count))
