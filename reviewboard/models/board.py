"""The board's people: specialties, reviewer profiles, credentials, declarations of interests."""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.db import models
from django.db.models import Q


class Specialty(models.Model):
    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "specialties"

    def __str__(self) -> str:
        return self.name


class ReviewerProfile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviewer_profile")
    credentials = models.CharField(max_length=120, blank=True, help_text='For example "MD, FACP".')
    specialties = models.ManyToManyField(Specialty, blank=True, related_name="reviewers")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["user__last_name", "user__first_name", "user__username"]

    def __str__(self) -> str:
        name = self.user.get_full_name() or self.user.get_username()
        return f"{name}, {self.credentials}" if self.credentials else name


class Credential(models.Model):
    """One credential on a reviewer's record: a degree, a board certification or a licence.

    Readers only ever see credentials that the board verified and that have not expired
    (``reviewboard.board.selectors.verified_credentials``); an expired credential on record blocks new
    assignments (``reviewboard.board.selectors.conflict_of_interest``) until it is renewed or removed.
    """

    class Kind(models.TextChoices):
        DEGREE = "degree", "Degree"
        BOARD_CERTIFICATION = "board_certification", "Board certification"
        LICENCE = "licence", "Licence"

    profile = models.ForeignKey(ReviewerProfile, on_delete=models.CASCADE, related_name="credential_records")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    name = models.CharField(max_length=200, help_text='As printed: "MD", "Board certified, Internal Medicine (ABIM)".')
    number = models.CharField(max_length=80, blank=True, help_text="Licence or certificate number.")
    issuing_body = models.CharField(max_length=200, blank=True)
    expires_on = models.DateField(null=True, blank=True, help_text="Empty: does not expire (a degree).")
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["profile", "kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(verified_at__isnull=True) | Q(verified_by__isnull=False),
                name="credential_verified_by_whom",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def is_expired(self, today: date) -> bool:
        return self.expires_on is not None and self.expires_on < today

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None


class Declaration(models.Model):
    """A board member's declaration of interests, signed on ``signed_at``: relationships, or nothing to declare.

    Declarations are never edited: a new one replaces the last (the current one is the newest,
    ``reviewboard.board.selectors.current_declaration``). It expires ``DECLARATION_VALID_FOR``
    (365 days) after it was signed.
    """

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="declarations")
    nothing_to_declare = models.BooleanField(default=False)
    signed_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    statement = models.TextField(blank=True, help_text="Anything else the member wants on record.")
    # The expiry reminders (30 and 7 days before) already sent for this declaration.
    reminded_30_at = models.DateTimeField(null=True, blank=True)
    reminded_7_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["member", "-signed_at", "-id"]
        indexes = [models.Index(fields=["member", "-signed_at"], name="declaration_member_signed_idx")]

    def __str__(self) -> str:
        return f"declaration of {self.member} signed {self.signed_at:%Y-%m-%d}"

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at <= now


class DeclaredRelationship(models.Model):
    """One relationship of a declaration: an organisation, what kind, which topics and specialties it touches."""

    class Kind(models.TextChoices):
        CONSULTANCY = "consultancy", "Consultancy"
        GRANT = "grant", "Research grant"
        SHARES = "shares", "Shares or stock options"
        SPEAKER_FEES = "speaker_fees", "Speaker fees"
        EMPLOYMENT = "employment", "Employment"
        OTHER = "other", "Other"

    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="relationships")
    organisation = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    topics = models.JSONField(default=list, blank=True, help_text="Article topics it touches (matched ignoring case).")
    specialties = models.ManyToManyField(Specialty, blank=True, related_name="+")
    started_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True, help_text="Empty: ongoing.")

    class Meta:
        ordering = ["declaration", "id"]

    def __str__(self) -> str:
        return self.describe()

    def describe(self) -> str:
        """ "Consultancy, Acme Pharma (2024-01-01 to ongoing)": how readers and the chair see it."""
        span = ""
        if self.started_on or self.ended_on:
            span = f" ({self.started_on or '?'} to {self.ended_on or 'ongoing'})"
        return f"{self.get_kind_display()}, {self.organisation}{span}"
