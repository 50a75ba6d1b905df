from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    default = True
    name = "accounts"
    verbose_name = "Board accounts"

    def ready(self) -> None:
        from accounts import schema  # noqa: F401 - registers the OpenAPI security schemes


class BoardAdminConfig(admin_apps.AdminConfig):
    """Django's admin with ``BoardAdminSite`` as ``admin.site`` (second factor at login, enrolment)."""

    default = False
    default_site = "accounts.admin_site.BoardAdminSite"
