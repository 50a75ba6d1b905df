"""API tokens in the admin: who has which device logged in, until when; deleting one revokes it."""

from django.contrib import admin

from accounts.models import ApiToken


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
