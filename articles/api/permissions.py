"""Who may read: a client with a valid API key, or anyone when ``API_PUBLIC_READ`` is true."""

from __future__ import annotations

from django.conf import settings
from rest_framework.permissions import BasePermission

from articles.api.authentication import ApiClient


class HasAPIKeyOrPublicRead(BasePermission):
    message = "An API key is required: send it as 'Authorization: Api-Key <key>'."

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, ApiClient) or settings.API_PUBLIC_READ
