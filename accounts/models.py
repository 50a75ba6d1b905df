"""API tokens: django-rest-knox tokens with the device they were issued to and the password they were issued under."""

from __future__ import annotations

from django.db import models
from knox.models import AbstractAuthToken


class ApiToken(AbstractAuthToken):
    """One login of one device to the review API (``KNOX_TOKEN_MODEL``).

    knox stores only a digest of the token and ends it at ``expiry``. ``password_fingerprint`` is
    the user's session auth hash when the token was issued (Django binds sessions to the password
    the same way), so a password change ends every token issued before it, however it was changed.
    """

    device = models.CharField(
        max_length=100, blank=True, help_text="What the client called itself when it logged in (e.g. 'laptop')."
    )
    password_fingerprint = models.CharField(max_length=128, editable=False)

    class Meta:
        verbose_name = "API token"
        ordering = ["-created"]

    def __str__(self) -> str:
        label = self.device or "unnamed device"
        return f"{self.token_key}… ({label})"
