"""``manage.py seed_demo [--password PW]``: demo board accounts and the seed article.

Idempotent: a second run changes no rows except the accounts' passwords, which are reset to
``--password`` (default ``review-demo``). The groups come from the reviewboard data migration.
Where ``ACCOUNTS_REQUIRE_2FA`` is on, each board account without a second factor also gets a new
one-time enrolment code (``issue_enrolment_code``), printed with its link: the password alone
cannot enrol one.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import (
    UserAttributeSimilarityValidator,
    get_default_password_validators,
    validate_password,
)
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from articles.content import ArticleContent
from articles.importing import ImportError_, parse_document, read_source
from articles.models import Article
from reviewboard.models import Credential, Declaration, ReviewerProfile, Specialty
from reviewboard.review.services.content import content_create

DEFAULT_PASSWORD = "review-demo"  # noqa: S105 - the documented password of local demo accounts
SEED_ARTICLE = Path(__file__).resolve().parents[3] / "articles" / "demo" / "back-pain.txt"
SEED_TOPIC = "back pain"
GROUPS = ("Authors", "Board reviewers", "Board chair")
BOARD_GROUPS = ("Board reviewers", "Board chair")

SPECIALTIES = {
    "family-medicine": "Family medicine",
    "orthopedics": "Orthopedics",
    "pain-medicine": "Pain medicine",
}

# The demo reviewer whose declaration of interests has expired.
EXPIRED_DECLARATION = "reviewer3"
ACCOUNTS: list[dict[str, Any]] = [
    {"username": "author", "first_name": "Alex", "last_name": "Writer", "group": "Authors"},
    {"username": "chair", "first_name": "Catherine", "last_name": "Chen", "group": "Board chair"},
    {
        "username": "reviewer1",
        "first_name": "Rita",
        "last_name": "Alvarez",
        "group": "Board reviewers",
        "credentials": "MD, FACP",
        "specialties": ["family-medicine"],
    },
    {
        "username": "reviewer2",
        "first_name": "Daniel",
        "last_name": "Okafor",
        "group": "Board reviewers",
        "credentials": "DO",
        "specialties": ["orthopedics", "pain-medicine"],
    },
    {
        "username": "reviewer3",
        "first_name": "Mei",
        "last_name": "Tanaka",
        "group": "Board reviewers",
        "credentials": "MD, PhD",
        "specialties": ["pain-medicine"],
    },
]


def _validators_for(password: str) -> list[Any]:
    """Any ``--password`` meets every validator of settings.AUTH_PASSWORD_VALIDATORS. The documented
    default ``review-demo`` is let past one: it resembles the usernames ``reviewer1``-``3``
    (UserAttributeSimilarityValidator); it is known to everyone, so these accounts are demo only."""
    validators = get_default_password_validators()
    if password == DEFAULT_PASSWORD:
        validators = [v for v in validators if not isinstance(v, UserAttributeSimilarityValidator)]
    return validators


class Command(BaseCommand):
    help = "Create the demo board accounts and import the seed article (safe to run again)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help=f"Password for every demo account (default: {DEFAULT_PASSWORD}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password = options["password"]
        if not password:
            raise CommandError("--password must not be empty.", returncode=2)
        groups = {g.name: g for g in Group.objects.filter(name__in=GROUPS)}
        missing = [name for name in GROUPS if name not in groups]
        if missing:
            raise CommandError(
                f"The board groups are missing ({', '.join(missing)}): run 'python manage.py migrate' first.",
                returncode=2,
            )
        try:
            content = parse_document(read_source(SEED_ARTICLE), source_name=SEED_ARTICLE.name)
        except ImportError_ as exc:
            raise CommandError(f"Cannot read the seed article {exc.message}", returncode=2) from None

        with transaction.atomic():
            specialties = {
                code: Specialty.objects.get_or_create(code=code, defaults={"name": name})[0]
                for code, name in SPECIALTIES.items()
            }
            users = [self._account(spec, groups, specialties, password) for spec in ACCOUNTS]
            self._on_record(users)
            author = users[0]
            article, created = self._seed_article(content, author)

        self._print(users, password, article, created)
        if settings.ACCOUNTS_REQUIRE_2FA:
            self._enrolment_codes(users)

    def _account(
        self, spec: dict[str, Any], groups: dict[str, Group], specialties: dict[str, Specialty], password: str
    ) -> Any:
        user, _ = get_user_model().objects.update_or_create(
            username=spec["username"],
            defaults={
                "first_name": spec["first_name"],
                "last_name": spec["last_name"],
                "email": f"{spec['username']}@example.org",
                "is_staff": True,
                "is_active": True,
            },
        )
        try:
            validate_password(password, user, password_validators=_validators_for(password))
        except ValidationError as exc:
            raise CommandError(
                f"--password is refused for account '{user.username}': {' '.join(exc.messages)}", returncode=2
            ) from None
        user.set_password(password)
        user.save(update_fields=["password"])
        user.groups.add(groups[spec["group"]])
        if "credentials" in spec:
            profile, _ = ReviewerProfile.objects.update_or_create(
                user=user, defaults={"credentials": spec["credentials"], "active": True}
            )
            profile.specialties.add(*(specialties[code] for code in spec["specialties"]))
        return user

    def _on_record(self, users: list[Any]) -> None:
        """Each reviewer's credential, verified by the chair, and a declaration of interests (created once):
        nothing to declare, except ``EXPIRED_DECLARATION``'s, which expired a month ago (the chair cannot
        assign them until they sign a new one)."""
        chair = next(u for u, spec in zip(users, ACCOUNTS, strict=True) if spec["group"] == "Board chair")
        now = timezone.now()
        for user, spec in zip(users, ACCOUNTS, strict=True):
            if "credentials" not in spec:
                continue
            Credential.objects.get_or_create(
                profile=user.reviewer_profile,
                name=spec["credentials"],
                defaults={
                    "kind": Credential.Kind.DEGREE,
                    "issuing_body": "Demo medical school",
                    "verified_by": chair,
                    "verified_at": now,
                },
            )
            if not Declaration.objects.filter(member=user).exists():
                signed = now - timedelta(days=395) if user.username == EXPIRED_DECLARATION else now
                Declaration.objects.create(
                    member=user,
                    nothing_to_declare=True,
                    signed_at=signed,
                    expires_at=signed + settings.DECLARATION_VALID_FOR,
                )

    def _seed_article(self, content: ArticleContent, author: Any) -> tuple[Article, bool]:
        slug = content.slug or slugify(content.question)[:120]
        existing = Article.objects.filter(slug=slug).first()
        if existing is not None:
            return existing, False
        seed = replace(content, slug=slug, topic=content.topic or SEED_TOPIC)
        return content_create(content=seed, author=author, private_slug=False), True  # the operator sees all

    def _enrolment_codes(self, users: list[Any]) -> None:
        self.stdout.write("Second factors are required of board accounts: enrol one with its one-time code.")
        for user, spec in zip(users, ACCOUNTS, strict=True):
            if spec["group"] in BOARD_GROUPS:
                call_command("issue_enrolment_code", user.username, "--if-not-enrolled", stdout=self.stdout)

    def _print(self, users: list[Any], password: str, article: Article, created: bool) -> None:
        profiles = {
            p.user_id: p for p in ReviewerProfile.objects.filter(user__in=users).prefetch_related("specialties")
        }
        rows = [("username", "password", "name", "group", "credentials / specialties")]
        for user, spec in zip(users, ACCOUNTS, strict=True):
            profile = profiles.get(user.pk)
            extra = ""
            if profile is not None:
                extra = f"{profile.credentials}; {', '.join(s.name for s in profile.specialties.all())}"
            rows.append((user.username, password, user.get_full_name(), spec["group"], extra))
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        self.stdout.write("Demo board accounts:")
        for row in rows:
            self.stdout.write(("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True))).rstrip())
        verb = "Imported" if created else "Already present:"
        self.stdout.write(f"{verb} seed article '{article.slug}' ({article.get_state_display()}).")
        self.stdout.write(f"Admin: {settings.SITE_URL.rstrip('/')}{reverse('admin:index')}")
