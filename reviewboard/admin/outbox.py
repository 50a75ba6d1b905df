"""The outbox in the admin, read-only: each event with its payload and, per consumer, where its
delivery stands (attempts, next try, last error, delivered or given up). The chair's (and superusers').

Nothing is changed here: the outbox (``reviewboard.delivery.outbox``) is the one writer; a delivery
waiting for a retry is taken by the ``deliver_pending`` sweep.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html

from reviewboard.admin.board import ReadOnlyAdmin
from reviewboard.admin.clients import ChairOnly
from reviewboard.delivery import events
from reviewboard.models import Event, EventDelivery


class EventDeliveryInline(ChairOnly, admin.TabularInline):
    model = EventDelivery
    fields = ("consumer", "state", "attempts", "next_attempt_at", "delivered_at", "failed_at", "last_error")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="state")
    def state(self, obj: EventDelivery) -> str:
        return obj.state


@admin.register(Event)
class EventAdmin(ChairOnly, ReadOnlyAdmin):
    list_display = ("created_at", "type", "article", "state", "consumers", "attempts", "next_attempt_at")
    list_filter = ("type", ("failed_at", admin.EmptyFieldListFilter), ("dispatched_at", admin.EmptyFieldListFilter))
    search_fields = ("type", "article__slug")
    list_select_related = ("article",)
    date_hierarchy = "created_at"
    fields = (
        "type",
        "meaning",
        "created_at",
        "article",
        "round",
        "version",
        "actor",
        "payload_pre",
        "state",
        "attempts",
        "next_attempt_at",
        "dispatched_at",
        "failed_at",
        "last_error",
    )
    readonly_fields = fields
    inlines = (EventDeliveryInline,)

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).prefetch_related("deliveries")

    @admin.display(description="state")
    def state(self, obj: Event) -> str:
        if obj.dispatched_at is not None:
            return "delivered"
        if obj.failed_at is not None:
            return "failed"
        return "pending"

    @admin.display(description="consumers")
    def consumers(self, obj: Event) -> str:
        """Each consumer's key and state, e.g. "email.version_retracted: failed, cdn.purge_article: delivered"."""
        return ", ".join(f"{d.consumer}: {d.state}" for d in obj.deliveries.all()) or "-"

    @admin.display(description="meaning")
    def meaning(self, obj: Event) -> str:
        declared = events.CATALOG.get(obj.type)
        return declared.meaning if declared else "(not in the catalog)"

    @admin.display(description="payload")
    def payload_pre(self, obj: Event) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.payload, indent=2, sort_keys=True))
