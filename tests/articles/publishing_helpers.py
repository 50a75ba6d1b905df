"""Build published articles directly (no workflow services), for the publishing and read-API tests."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from articles.content import content_from_article
from articles.models import Article, PublishedVersion, Section
from articles.publishing import published_version_create, published_version_render
from references.models import Citation, Reference
from tests.factories import ArticleFactory, ReferenceFactory

REVIEWERS = [{"name": "Dr Ada Osler", "credentials": "MD, FACP"}, {"name": "Dr Ben Sims", "credentials": "MD"}]


def approve(article: Article, *, approved_at=None, reviewers=None, render: bool = True) -> PublishedVersion:
    """Mark ``article`` approved (tests only) and publish its working copy as the next version."""
    approved_at = approved_at or timezone.now()
    Article.objects.filter(pk=article.pk).update(
        state="approved", approved_at=approved_at, next_review_due=approved_at + timedelta(days=365)
    )
    article.refresh_from_db()
    version = published_version_create(
        article=article,
        content=content_from_article(article),
        reviewers=reviewers or REVIEWERS,
        approved_at=approved_at,
    )
    if render:
        published_version_render(version_id=version.pk)
        version.refresh_from_db()
        article.refresh_from_db()
    return version


def set_state(article: Article, state: str, **fields) -> None:
    Article.objects.filter(pk=article.pk).update(state=state, **fields)
    article.refresh_from_db()


def big_article(*, sections: int = 12, citations: int = 15, **kwargs) -> Article:
    """An article with many sections and citations (each section cites three references), written in bulk."""
    article = ArticleFactory(with_content=False, **kwargs)
    references = Reference.objects.bulk_create(ReferenceFactory.build_batch(citations))
    Citation.objects.bulk_create(
        Citation(article=article, number=number, reference=reference)
        for number, reference in enumerate(references, start=1)
    )
    Section.objects.bulk_create(
        Section(
            article=article,
            position=position,
            heading=f"Section {position}",
            level=2 + position % 2,
            body=f"Paragraph about back pain **care** {position} [{cited[0]}].\n\n"
            f"- item one [{cited[1]}]\n- item two [{cited[2]}]\n  - nested *item*",
        )
        for position in range(1, sections + 1)
        for cited in [[(position + k - 1) % citations + 1 for k in range(3)]]
    )
    return article


def many_reviewers(n: int = 8) -> list[dict]:
    return [{"name": f"Dr Reviewer {i}", "credentials": "MD, PhD"} for i in range(n)]
