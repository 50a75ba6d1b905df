"""Template tags of the board's admin pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils import timezone

from reviewboard.admin.dashboard import dashboard, task_panels
from reviewboard.board import selectors as board_selectors
from reviewboard.reading import reads_kept
from reviewboard.review import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
@reads_kept()
def board_dashboard(context: dict[str, Any]) -> dict[str, Any]:
    """The admin home's counts for the user: their role's buckets (linking to the filtered article list)
    and, for a reviewer, their queue with the number overdue. Reads only: each rule's read once."""
    user = context["request"].user
    queue = list(selectors.review_queue(user=user).values_list("due_at", flat=True))
    now = timezone.now()
    return {
        "lines": dashboard(user, list_url=reverse("admin:articles_article_changelist")),
        "panels": task_panels(user),
        "queue_count": len(queue),
        "queue_overdue": sum(1 for due in queue if due and due < now),
        "queue_next_due": next((due for due in queue if due), None),
        "declaration": board_selectors.declaration_warning(user, now=now),
    }


# What board members never need on their home page (superusers keep the whole app list): the scheduler's
# tables, the outbox and the webhooks' delivery log, tokens and accounts.
TECHNICAL_APPS = frozenset({"django_celery_beat", "auth", "otp_totp", "otp_static", "django_otp_webauthn", "axes"})
TECHNICAL_MODELS = frozenset({"WebhookDelivery", "WebhookEndpoint", "ApiToken", "BoardAccount", "Event"})


@register.simple_tag
def board_places(app_list: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The pages a board member goes to, from the admin's app list less its technical models."""
    return [
        {"name": str(model["name"]), "url": model["admin_url"]}
        for app in app_list
        if app["app_label"] not in TECHNICAL_APPS
        for model in app["models"]
        if model["object_name"] not in TECHNICAL_MODELS and model.get("admin_url")
    ]
