"""manage.py seed_demo: idempotent demo accounts and the seed article."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from articles.models import Article, Section
from references.models import Citation, Reference
from reviewboard.models import ReviewerProfile, Specialty

User = get_user_model()
SEED_SLUG = "what-are-the-treatment-options-for-back-pain"


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    return {
        "users": sorted(User.objects.values_list("pk", "username", "first_name", "last_name", "email", "is_staff")),
        "groups": sorted(User.groups.through.objects.values_list("user_id", "group_id")),
        "profiles": sorted(ReviewerProfile.objects.values_list("pk", "user_id", "credentials", "active")),
        "profile_specialties": sorted(
            ReviewerProfile.specialties.through.objects.values_list("reviewerprofile_id", "specialty_id")
        ),
        "specialties": sorted(Specialty.objects.values_list("pk", "code")),
        "articles": sorted(Article.objects.values_list("pk", "slug", "state")),
        "sections": Section.objects.count(),
        "citations": Citation.objects.count(),
        "references": Reference.objects.count(),
    }


def test_seed_demo_creates_the_board_and_imports_the_seed(db):
    out = seed()

    accounts = {
        u.username: u
        for u in User.objects.filter(username__in=["author", "chair", "reviewer1", "reviewer2", "reviewer3"])
    }
    assert set(accounts) == {"author", "chair", "reviewer1", "reviewer2", "reviewer3"}
    assert all(u.is_staff and u.check_password("review-demo") for u in accounts.values())
    assert list(accounts["author"].groups.values_list("name", flat=True)) == ["Authors"]
    assert list(accounts["chair"].groups.values_list("name", flat=True)) == ["Board chair"]
    credentials = {p.user.username: p.credentials for p in ReviewerProfile.objects.select_related("user")}
    assert credentials == {"reviewer1": "MD, FACP", "reviewer2": "DO", "reviewer3": "MD, PhD"}
    for name in ("reviewer1", "reviewer2", "reviewer3"):
        assert accounts[name].groups.filter(name="Board reviewers").exists()
        assert accounts[name].reviewer_profile.specialties.exists()
        assert accounts[name].get_full_name()
    assert {"family-medicine", "orthopedics", "pain-medicine"} <= set(Specialty.objects.values_list("code", flat=True))

    article = Article.objects.get(slug=SEED_SLUG)
    assert article.question == "What are the treatment options for back pain?"
    assert article.topic == "back pain"
    assert list(article.authors.values_list("username", flat=True)) == ["author"]
    assert article.sections.count() == 16

    for name in ("author", "chair", "reviewer1", "reviewer2", "reviewer3", "review-demo", "MD, FACP", "/admin/"):
        assert name in out


def test_seed_demo_twice_gives_the_same_rows(db):
    seed()
    first = snapshot()

    out = seed()

    assert snapshot() == first
    assert "Already present" in out


def test_password_option_resets_every_account_password(db):
    seed()

    seed("--password", "another-secret")

    for user in User.objects.filter(username__in=["author", "chair", "reviewer1", "reviewer2", "reviewer3"]):
        assert user.check_password("another-secret")
        assert not user.check_password("review-demo")


def test_existing_article_with_the_seed_slug_is_left_alone(db, article):
    Article.objects.filter(pk=article.pk).update(slug=SEED_SLUG)

    seed()

    assert Article.objects.filter(slug__startswith=SEED_SLUG).count() == 1
    assert Article.objects.get(slug=SEED_SLUG).sections.count() == 2


def test_missing_groups_are_reported_not_created(db):
    Group.objects.filter(name="Board chair").delete()

    with pytest.raises(CommandError) as exc:
        seed()

    assert exc.value.returncode == 2
    assert "Board chair" in str(exc.value)
    assert "migrate" in str(exc.value)
    assert not User.objects.filter(username="chair").exists()


def test_demo_shows_a_reviewer_with_an_expired_declaration_and_an_article_with_both_audiences(db):
    from django.utils import timezone

    from articles.content import content_from_article
    from reviewboard.board.selectors import reviewer_conflict
    from reviewboard.models import Declaration

    seed()
    call_command("seed_demo_published", stdout=StringIO())
    expired = Declaration.objects.get(member__username="reviewer3")
    assert expired.expires_at < timezone.now()
    current = Declaration.objects.filter(member__username__in=["reviewer1", "reviewer2"], expires_at__gt=timezone.now())
    assert current.count() == 2
    knee = Article.objects.get(slug__startswith="knee")
    assert content_from_article(knee).audiences == ("clinician", "patient")
    assert knee.versions.get().source["patient_sections"]  # approved and published with both audiences
    reviewer3 = User.objects.get(username="reviewer3")
    assert reviewer_conflict(knee, reviewer3).code == "declaration-expired"
