"""Template tags of the board's admin pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils import timezone

from reviewboard.admin.dashboard import dashboard
from reviewboard.board import selectors as board_selectors
from reviewboard.review import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def board_dashboard(context: dict[str, Any]) -> dict[str, Any]:
    """The admin home's counts for the user: their role's buckets (linking to the filtered article list)
    and, for a reviewer, their queue with the number overdue."""
    user = context["request"].user
    queue = list(selectors.review_queue(user=user).values_list("due_at", flat=True))
    now = timezone.now()
    return {
        "lines": dashboard(user, list_url=reverse("admin:articles_article_changelist")),
        "queue_count": len(queue),
        "queue_overdue": sum(1 for due in queue if due and due < now),
        "queue_next_due": next((due for due in queue if due), None),
        "declaration": board_selectors.declaration_warning(user, now=now),
    }
