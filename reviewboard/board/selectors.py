"""Reads about the board's people: who is an active reviewer, their declarations of interest and
credentials, and the one conflict-of-interest rule (``reviewer_conflict``).

The review's selectors (``reviewboard.review.selectors``) and the action declarations read these.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery, prefetch_related_objects
from django.utils import timezone

from articles.models import Article
from reviewboard.board import permissions
from reviewboard.models import (
    Assignment,
    Credential,
    Declaration,
    DeclaredRelationship,
)
from reviewboard.reading import kept

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


# Relationships that ended longer ago than this no longer count (disclosures cover the last 24 months).
RELATIONSHIP_LOOKBACK = timedelta(days=730)


@dataclass(frozen=True)
class ConflictOfInterest:
    """Why a reviewer may not review an article: a stable code, a sentence naming the reason, and whether
    the chair may assign them anyway with a written reason (never for an author of the article)."""

    code: str
    message: str
    overridable: bool = True


def newest_declarations(member_pks: list[int]) -> list[Declaration]:
    """Each member's newest declaration of interests (expired or not; by ``signed_at``, then ``id``), with
    its relationships: the one rule for which declaration counts, for one member or many.

    Each declaration says in the same query whether it has any relationship (``has_relationships``); only
    those that have are read for them (most say "nothing to declare": no second query then)."""
    newest = Declaration.objects.filter(member=OuterRef("member")).order_by("-signed_at", "-id").values("pk")[:1]
    declarations = list(
        Declaration.objects.filter(member__in=member_pks, pk=Subquery(newest))
        .annotate(has_relationships=Exists(DeclaredRelationship.objects.filter(declaration=OuterRef("pk"))))
        .order_by("pk")
    )
    prefetch_related_objects([d for d in declarations if d.has_relationships], "relationships__specialties")
    return declarations


@kept
def current_declaration(member: AbstractBaseUser) -> Declaration | None:
    """The member's newest declaration of interests (expired or not), or None."""
    return next(iter(newest_declarations([member.pk])), None)


def declaration_warning(member: AbstractBaseUser, *, now: datetime | None = None) -> dict | None:
    """What a board member's home page warns about their declaration of interests: none on record, expired,
    or expiring within ``DECLARATION_REMINDER_DAYS[0]`` days (30); None when it runs longer."""
    if not permissions.is_board_member(member):
        return None
    now = now or timezone.now()
    declaration = current_declaration(member)
    if declaration is None:
        return {"missing": True, "expired": False, "expires_at": None, "days_left": None}
    if declaration.expires_at > now + timedelta(days=settings.DECLARATION_REMINDER_DAYS[0]):
        return None
    days_left = max((declaration.expires_at - now).days, 0)
    return {
        "missing": False,
        "expired": declaration.is_expired(now),
        "expires_at": declaration.expires_at,
        "days_left": days_left,
    }


def relevant_relationships(
    declaration: Declaration, article: Article, *, today: date | None = None
) -> list[DeclaredRelationship]:
    """The declared relationships that touch ``article``: its topic (ignoring case) or its required specialty,
    and that are ongoing or ended within ``RELATIONSHIP_LOOKBACK``."""
    if not getattr(declaration, "has_relationships", True):  # newest_declarations read that it has none
        return []
    today = today or timezone.localdate()
    topic = (article.topic or "").strip().casefold()
    found = []
    for relationship in declaration.relationships.all():
        if relationship.ended_on is not None and relationship.ended_on < today - RELATIONSHIP_LOOKBACK:
            continue
        topics = {str(t).strip().casefold() for t in relationship.topics or []}
        specialties = {s.pk for s in relationship.specialties.all()}
        if (topic and topic in topics) or (article.required_specialty_id in specialties):
            found.append(relationship)
    return found


def credentials_of(member_pks: list[int]) -> QuerySet[Credential]:
    """The credentials on record of these members' reviewer profiles, in the order the board reads them."""
    return Credential.objects.filter(profile__user__in=member_pks).order_by("kind", "id")


def credentials_on_record(member: AbstractBaseUser) -> list[Credential]:
    if getattr(member, "reviewer_profile", None) is None:
        return []
    return list(credentials_of([member.pk]))


def verified_credentials(credentials: list[Credential], *, today: date | None = None) -> list[Credential]:
    """The one rule for what readers may see: verified and not expired."""
    today = today or timezone.localdate()
    return [c for c in credentials if c.is_verified and not c.is_expired(today)]


def credential_status(credential: Credential, *, today: date | None = None) -> str:
    """ "verified", "not verified" or "expired": how the board sees a credential (readers only get verified ones)."""
    today = today or timezone.localdate()
    if credential.is_expired(today):
        return "expired"
    return "verified" if credential.is_verified else "not verified"


@dataclass(frozen=True)
class OnRecord:
    """What the conflict-of-interest rule reads about one reviewer for one article."""

    authored: bool
    declaration: Declaration | None
    credentials: list[Credential]


def on_record(article: Article, reviewers: list[AbstractBaseUser]) -> dict[int, OnRecord]:
    """``OnRecord`` of each reviewer, by user pk, in the same few queries for one reviewer or a whole list:
    the article's authors among them, each one's newest declaration (``newest_declarations``) with its
    relationships, and their credentials (``credentials_of``)."""
    pks = [reviewer.pk for reviewer in reviewers]
    if not pks:
        return {}
    authored = set(article.authors.filter(pk__in=pks).values_list("pk", flat=True))
    declarations = {declaration.member_id: declaration for declaration in newest_declarations(pks)}
    credentials: dict[int, list[Credential]] = {pk: [] for pk in pks}
    for credential in credentials_of(pks).annotate(member_pk=F("profile__user")):
        credentials[credential.member_pk].append(credential)
    return {pk: OnRecord(pk in authored, declarations.get(pk), credentials[pk]) for pk in pks}


def reviewer_conflict(
    article: Article, reviewer: AbstractBaseUser, *, now: datetime | None = None
) -> ConflictOfInterest | None:
    """The one conflict-of-interest rule (assignment, acceptance, start of review, sign-off), first reason first:
    an author of the article (never overridable); no declaration of interests, or an expired one; a declared
    relationship touching the article's topic or required specialty; an expired credential on record, or no
    verified, unexpired credential at all. ``reviewer_conflicts`` asks it of many reviewers at once."""
    return reviewer_conflicts(article, [reviewer], now=now)[reviewer.pk]


def reviewer_conflicts(
    article: Article,
    reviewers: list[AbstractBaseUser],
    *,
    now: datetime | None = None,
    records: dict[int, OnRecord] | None = None,
) -> dict[int, ConflictOfInterest | None]:
    """``reviewer_conflict`` of each reviewer, by user pk, with what is on record read once for all of them
    (or ``records``, ``on_record``'s answer read already: the acceptance records the declaration it checked)."""
    now = now or timezone.now()
    records = records if records is not None else on_record(article, reviewers)
    return {reviewer.pk: _conflict(article, reviewer, records[reviewer.pk], now) for reviewer in reviewers}


def _conflict(
    article: Article, reviewer: AbstractBaseUser, record: OnRecord, now: datetime
) -> ConflictOfInterest | None:
    name = permissions.display_name(reviewer)
    if record.authored:
        return ConflictOfInterest(
            "author-of-article", f"{name} is an author of this article and cannot review it.", overridable=False
        )
    declaration = record.declaration
    if declaration is None:
        return ConflictOfInterest("declaration-missing", f"{name} has no declaration of interests on record.")
    if declaration.is_expired(now):
        return ConflictOfInterest(
            "declaration-expired",
            f"{name}'s declaration of interests expired on {declaration.expires_at:%Y-%m-%d}; "
            "a new declaration is needed.",
        )
    relevant = relevant_relationships(declaration, article, today=now.date())
    if relevant:
        return ConflictOfInterest(
            "declared-interest",
            f"{name} declared a relationship touching this article's topic or specialty: "
            + "; ".join(r.describe() for r in relevant)
            + ".",
        )
    expired = [c for c in record.credentials if c.is_expired(now.date())]
    if expired:
        return ConflictOfInterest(
            "credential-expired",
            f"{name}'s credential {expired[0].name} expired on {expired[0].expires_on:%Y-%m-%d}; "
            "it must be renewed (or removed) first.",
        )
    if not verified_credentials(record.credentials, today=now.date()):
        return ConflictOfInterest("credential-unverified", f"{name} has no verified credential on record.")
    return None


def conflict_of_interest(article: Article, reviewer: AbstractBaseUser) -> str | None:
    """Why ``reviewer`` may not review ``article`` (a sentence), or None (``reviewer_conflict``, in words)."""
    conflict = reviewer_conflict(article, reviewer)
    return conflict.message if conflict is not None else None


def conflict_stands(
    article: Article, assignment: Assignment, *, record: OnRecord | None = None
) -> ConflictOfInterest | None:
    """The conflict of an assignment's reviewer that the chair has not overridden (an override covers an
    overridable conflict only), or None. ``record``: what ``on_record`` read of the reviewer already."""
    records = {assignment.reviewer_id: record} if record is not None else None
    return standing_conflicts(article, [assignment], records=records)[assignment.pk]


def standing_conflicts(
    article: Article, assignments: list[Assignment], *, records: dict[int, OnRecord] | None = None
) -> dict[int, ConflictOfInterest | None]:
    """``conflict_stands`` of each assignment, by assignment pk, read once for all of them."""
    conflicts = reviewer_conflicts(article, [assignment.reviewer for assignment in assignments], records=records)
    return {
        assignment.pk: None if conflict is None or (conflict.overridable and assignment.override_reason) else conflict
        for assignment in assignments
        for conflict in [conflicts[assignment.reviewer_id]]
    }


def disclosure(declaration: Declaration | None, article: Article, *, now: datetime | None = None) -> dict:
    """What readers are told about a reviewer's interests in ``article``: "No relevant interests declared."
    or the relevant relationships, with the declaration's date."""
    if declaration is None:
        return {"summary": "No declaration of interests on record.", "relationships": [], "signed_at": None}
    relevant = relevant_relationships(declaration, article, today=(now or timezone.now()).date())
    return {
        "summary": "; ".join(r.describe() for r in relevant) if relevant else "No relevant interests declared.",
        "relationships": [r.describe() for r in relevant],
        "signed_at": declaration.signed_at.date().isoformat(),
    }


def reviewer_is_active(user: AbstractBaseUser) -> bool:
    """An active user in ``Board reviewers`` (the review permission) with an active reviewer profile.

    One user at a time; ``active_reviewers`` is the same rule as a queryset."""
    if not permissions.is_board_reviewer(user):
        return False
    profile = getattr(user, "reviewer_profile", None)
    return bool(profile is not None and profile.active)


def active_reviewers() -> QuerySet[AbstractBaseUser]:
    """The users ``reviewer_is_active`` accepts, as a queryset (who may be assigned): active, holding the
    review permission (through a group or directly; a superuser holds every permission, as ``has_perm``
    says), with an active reviewer profile. Loaded for labels, ordered by name.

    The permission is asked with ``EXISTS``, not by joining users to their groups' and their own
    permissions: that join has a row per user, group permission and own permission, needs a DISTINCT, and
    PostgreSQL's estimate of it (a million rows for a board of 20) set off JIT compilation, 0.5-0.9 s a
    query."""
    user_model = get_user_model()
    app_label, codename = permissions.REVIEWER_PERM.split(".")
    through_a_group = user_model.groups.through.objects.filter(
        user_id=OuterRef("pk"),
        group__permissions__codename=codename,
        group__permissions__content_type__app_label=app_label,
    )
    held_directly = user_model.user_permissions.through.objects.filter(
        user_id=OuterRef("pk"), permission__codename=codename, permission__content_type__app_label=app_label
    )
    return (
        user_model.objects.filter(
            Exists(through_a_group) | Exists(held_directly) | Q(is_superuser=True),
            is_active=True,
            reviewer_profile__active=True,
        )
        .select_related("reviewer_profile")
        .prefetch_related("reviewer_profile__specialties")
        .order_by("last_name", "first_name", "username")
    )
