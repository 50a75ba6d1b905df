"""API tokens (django-rest-knox, per device and password), one-time enrolment codes, second factors."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User
from django.db import models
from django.utils import timezone
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


class EnrolmentCode(models.Model):
    """A one-time code that lets one account enrol its first second factor (``accounts.enrolment``).

    Issued by the chair or an administrator (or a management command); only its SHA-256 digest is
    stored. It works once (``used_at``), until ``expires_at``, and a newer code or a reset revokes
    it (``revoked_at``): one open code per account at most.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolment_codes")
    code_digest = models.CharField(max_length=64, unique=True, editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(used_at__isnull=True, revoked_at__isnull=True),
                name="accounts_one_open_enrolment_code",
            )
        ]

    def __str__(self) -> str:
        return f"enrolment code for {self.user_id} issued {self.issued_at:%Y-%m-%d %H:%M}"


class BoardAccount(User):
    """The accounts' second factors in the admin: who enrolled, issuing enrolment codes, resets."""

    class Meta:
        proxy = True
        verbose_name = "second factors of an account"
        verbose_name_plural = "second factors of accounts"
