"""factory_boy factories shared by the whole suite. Traits give the usual states."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from articles.models import Article, ReviewState, Section
from references.models import Citation, Reference
from reviewboard.models import Credential, Declaration, ReviewerProfile, Specialty

User = get_user_model()


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    is_staff = True
    password = factory.django.Password("pw")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        _add_groups(self, create, extracted)


def _add_groups(user, create, names) -> None:
    if create and names:
        user.groups.add(*(Group.objects.get(name=name) for name in names))
        # Permissions are cached per instance: drop the cache so has_perm sees the new groups.
        for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
            user.__dict__.pop(cache, None)


class AuthorFactory(UserFactory):
    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        _add_groups(self, create, extracted or ["Authors"])


class ChairFactory(UserFactory):
    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        _add_groups(self, create, extracted or ["Board chair"])


class SpecialtyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Specialty
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"specialty-{n}")
    name = factory.LazyAttribute(lambda s: s.code.replace("-", " ").title())


class ReviewerFactory(UserFactory):
    """A user in ``Board reviewers`` with an active reviewer profile."""

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        _add_groups(self, create, extracted or ["Board reviewers"])

    profile = factory.RelatedFactory(
        "tests.factories.ReviewerProfileFactory", factory_related_name="user", credentials="MD, FACP"
    )


class ReviewerProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewerProfile
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    credentials = "MD"
    active = True

    @factory.post_generation
    def specialties(self, create, extracted, **kwargs):
        if create and extracted:
            self.specialties.add(*extracted)

    @factory.post_generation
    def on_record(self, create, extracted, **kwargs):
        """A reviewer who may review: a current "nothing to declare" declaration and a verified degree
        (``on_record=False``: neither)."""
        if not create or extracted is False:
            return
        now = timezone.now()
        Declaration.objects.create(
            member=self.user, nothing_to_declare=True, signed_at=now, expires_at=now + timedelta(days=365)
        )
        Credential.objects.create(
            profile=self,
            kind=Credential.Kind.DEGREE,
            name=self.credentials or "MD",
            issuing_body="Medical school",
            verified_by=self.user,
            verified_at=now,
        )


# The shared fixtures' cast (tests/conftest.py, the module worlds): author, chair, reviewer1 to reviewer3.
def the_author():
    return AuthorFactory(username="author")


def the_chair():
    return ChairFactory(username="chair")


def the_reviewers():
    return [ReviewerFactory(username=f"reviewer{i}") for i in (1, 2, 3)]


class ReferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reference

    kind = Reference.Kind.GUIDELINE
    title = factory.Sequence(lambda n: f"Clinical guideline on low back pain management, part {n}")
    authors = "American College of Physicians"
    publisher = "Annals of Internal Medicine"
    year = 2017
    doi = factory.Sequence(lambda n: f"10.7326/m16-{n:04d}")


class ArticleFactory(factory.django.DjangoModelFactory):
    """A draft article on back pain with two sections citing [1] and [2].

    Traits place it in a review state with the fields that state carries, without running the workflow (for
    tests of reads, lists and refusals; the workflow's own tests reach states through the services):
    ``ArticleFactory(under_review=True)`` has an open review round frozen on its content, ``approved=True``
    its approval dates, ``retracted=True`` the retraction's reason and time. A live published version is
    ``tests.articles.publishing_helpers.approve``'s job."""

    class Meta:
        model = Article
        skip_postgeneration_save = True

    class Params:
        submitted = factory.Trait(state=ReviewState.SUBMITTED)
        under_review = factory.Trait(state=ReviewState.UNDER_REVIEW)
        changes_requested = factory.Trait(state=ReviewState.CHANGES_REQUESTED)
        approved = factory.Trait(
            state=ReviewState.APPROVED,
            approved_at=factory.LazyFunction(timezone.now),
            next_review_due=factory.LazyAttribute(lambda a: a.approved_at + timedelta(days=365)),
        )
        retracted = factory.Trait(
            state=ReviewState.RETRACTED,
            approved_at=factory.LazyFunction(timezone.now),
            retracted_at=factory.LazyFunction(timezone.now),
            retraction_reason="The recommended dose was wrong.",
        )
        archived = factory.Trait(state=ReviewState.ARCHIVED)

    slug = factory.Sequence(lambda n: f"back-pain-treatment-{n}")
    question = "What are the treatment options for back pain?"
    topic = "back pain"
    state = ReviewState.DRAFT

    @factory.post_generation
    def authors(self, create, extracted, **kwargs):
        if create and extracted:
            self.authors.add(*extracted)

    @factory.post_generation
    def with_content(self, create, extracted, **kwargs):
        if not create or extracted is False:
            return
        Section.objects.bulk_create(
            [
                Section(
                    article=self,
                    position=1,
                    heading="First-line treatment",
                    level=2,
                    body="Stay active and avoid bed rest for low back pain [1].",
                ),
                Section(
                    article=self,
                    position=2,
                    heading="Medication",
                    level=2,
                    body="- NSAIDs are the first pharmacological option for back pain [2]\n"
                    "- Use the lowest dose [1, 2]",
                ),
            ]
        )
        guideline = ReferenceFactory.build()
        review = ReferenceFactory.build(
            title="Nonsteroidal anti-inflammatory drugs for low back pain", kind="systematic_review"
        )
        Reference.objects.bulk_create([guideline, review])
        Citation.objects.bulk_create(
            [Citation(article=self, number=1, reference=guideline), Citation(article=self, number=2, reference=review)]
        )

    @factory.post_generation
    def review_round(self, create, extracted, **kwargs):
        """Submitted or under review: the open round those states always have (``round_for``), its hash kept."""
        if create and self.state in (ReviewState.SUBMITTED, ReviewState.UNDER_REVIEW):
            # A review_hash given to the factory is the round's hash (the sweeps' tests freeze a made-up one).
            open_round = round_for(self, content_hash=self.review_hash or None)
            Article.objects.filter(pk=self.pk).update(review_hash=open_round.content_hash)
            self.review_hash = open_round.content_hash


def round_for(article, *, content_hash=None):
    """The article's open review round, or a new one frozen on its content now (or on ``content_hash``): for
    tests that place an article in a review state directly (assignments and sign-offs belong to a round)."""
    from articles.content import content_from_article
    from reviewboard.models import ReviewRound

    open_round = ReviewRound.objects.filter(article=article, closed_at__isnull=True).first()
    if open_round is not None:
        return open_round
    content = content_from_article(article)
    number = ReviewRound.objects.filter(article=article).count() + 1
    return ReviewRound.objects.create(
        article=article,
        number=number,
        content_hash=content_hash or content.content_hash,
        snapshot=content.as_source(),
        opened_at=timezone.now(),
    )
