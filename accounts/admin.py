"""Accounts in the admin: API tokens (who has which device logged in, until when; deleting one revokes
it), and each account's second factors, with the enrolment codes and resets of the chair."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin import helpers
from django.db.models import Count, Max, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from accounts import enrolment
from accounts.models import ApiToken, BoardAccount


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("token_key", "user", "device", "created", "expiry")
    list_filter = ("expiry",)
    search_fields = ("user__username", "device", "token_key")
    readonly_fields = ("token_key", "user", "device", "created", "expiry")
    fields = readonly_fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # tokens are issued by POST /api/v1/auth/token/ only

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(BoardAccount)
class SecondFactorsAdmin(admin.ModelAdmin):
    """Who enrolled which second factors; the chair or an administrator issues enrolment codes and resets.

    Both actions call ``accounts.enrolment`` (audited) and show each new code once, on the page that
    answers the action: it is not stored, and cannot be shown again (issue a new one instead).
    """

    list_display = ("username", "full_name", "authenticators", "passkeys", "recovery_codes", "open_code_until")
    search_fields = ("username", "first_name", "last_name", "email")
    list_filter = ("groups",)
    ordering = ("username",)
    actions = ["issue_enrolment_codes", "reset_second_factors"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        now = timezone.now()
        return (
            super()
            .get_queryset(request)
            .filter(is_staff=True)
            .annotate(
                n_totp=Count("totpdevice", filter=Q(totpdevice__confirmed=True), distinct=True),
                n_passkeys=Count("webauthncredential", filter=Q(webauthncredential__confirmed=True), distinct=True),
                n_recovery=Count("staticdevice__token_set", distinct=True),
                open_code=Max(
                    "enrolment_codes__expires_at",
                    filter=Q(
                        enrolment_codes__used_at__isnull=True,
                        enrolment_codes__revoked_at__isnull=True,
                        enrolment_codes__expires_at__gt=now,
                    ),
                ),
            )
        )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return enrolment.may_manage_second_factors(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return enrolment.may_manage_second_factors(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="name")
    def full_name(self, obj: Any) -> str:
        return obj.get_full_name()

    @admin.display(description="authenticator apps", ordering="n_totp")
    def authenticators(self, obj: Any) -> int:
        return obj.n_totp

    @admin.display(description="passkeys", ordering="n_passkeys")
    def passkeys(self, obj: Any) -> int:
        return obj.n_passkeys

    @admin.display(description="recovery codes left", ordering="n_recovery")
    def recovery_codes(self, obj: Any) -> int:
        return obj.n_recovery

    @admin.display(description="open enrolment code until", ordering="open_code")
    def open_code_until(self, obj: Any) -> Any:
        return obj.open_code

    @admin.action(description="Issue a one-time enrolment code")
    def issue_enrolment_codes(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
        issued = [enrolment.enrolment_code_issue(member=member, actor=request.user) for member in queryset]
        return self._show_codes(request, issued, "New enrolment codes")

    @admin.action(description="Reset second factors (removes them all, issues an enrolment code)")
    def reset_second_factors(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        if request.POST.get("confirm") != "yes":
            return TemplateResponse(
                request,
                "accounts/reset_second_factors_confirm.html",
                {
                    **self.admin_site.each_context(request),
                    "title": "Reset second factors?",
                    "members": list(queryset),
                    "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                    "opts": self.model._meta,
                },
            )
        issued = [enrolment.second_factors_reset(member=member, actor=request.user) for member in queryset]
        return self._show_codes(request, issued, "Second factors reset: new enrolment codes")

    def _show_codes(self, request: HttpRequest, issued: list[enrolment.IssuedCode], title: str) -> HttpResponse:
        return TemplateResponse(
            request,
            "accounts/enrolment_codes_issued.html",
            {**self.admin_site.each_context(request), "title": title, "issued": issued, "opts": self.model._meta},
        )
