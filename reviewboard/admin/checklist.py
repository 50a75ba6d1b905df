"""The board's review checklist, kept by the chair: the questions every review report answers."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from reviewboard.board import permissions
from reviewboard.models import ChecklistItem


@admin.register(ChecklistItem)
class ChecklistItemAdmin(admin.ModelAdmin):
    """The chair adds, words, orders and retires items; a retired item is no longer asked (past answers keep
    the question as it was asked). Never deleted: reports refer to them."""

    list_display = ("text", "position", "active")
    list_editable = ("position", "active")
    list_filter = ("active",)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return permissions.is_board_member(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.is_board_member(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return permissions.is_chair(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.is_chair(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
