"""articles.services: article_create; the edit_content action (who may edit, when) and content_update."""

from dataclasses import replace
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from articles.content import ArticleContent, CitationData, ReferenceData, SectionData, content_from_article
from articles.importing import read_document
from articles.models import Article, ReviewState, Section
from articles.services import (
    article_content_validate,
    article_create,
    article_slug_preview,
)
from config.exceptions import Conflict, InvalidInput, NotAllowed, NotFound
from references.models import Citation, Reference
from reviewboard.models import Comment
from reviewboard.review import actions
from reviewboard.review.services.content import content_update as article_update_content
from tests.articles.corpus import changes_when_saved
from tests.factories import ArticleFactory, AuthorFactory, ReferenceFactory, SpecialtyFactory, UserFactory

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def content(**overrides) -> ArticleContent:
    base = ArticleContent(
        question="How is plantar fasciitis treated?",
        topic="heel pain",
        sections=(
            SectionData(heading="Self-care", level=2, body="Stretch the calf and the plantar fascia [1]."),
            SectionData(heading="Injections", level=2, body="- Corticosteroid injection gives short relief [2]"),
        ),
        citations=(
            CitationData(
                number=1,
                reference=ReferenceData(title="Heel pain guideline", kind="guideline", year=2023, doi="10.2106/heel.1"),
            ),
            CitationData(
                number=2,
                reference=ReferenceData(
                    title="Steroid injection for plantar heel pain",
                    kind="systematic_review",
                    year=2017,
                    pmid="28100001",
                ),
            ),
        ),
    )
    return replace(base, **overrides)


def counts() -> tuple[int, int, int, int]:
    return Article.objects.count(), Section.objects.count(), Citation.objects.count(), Reference.objects.count()


# --- article_create --------------------------------------------------------------------------------


def test_create_writes_the_article_sections_and_citations(author):
    article = article_create(content=content(), author=author)

    assert article.slug == "how-is-plantar-fasciitis-treated"
    assert article.state == ReviewState.DRAFT
    assert article.topic == "heel pain"
    assert list(article.authors.all()) == [author]
    assert article.created_by == author
    assert list(article.sections.values_list("position", "heading", "level")) == [
        (1, "Self-care", 2),
        (2, "Injections", 2),
    ]
    assert list(article.citations.values_list("number", "reference__title")) == [
        (1, "Heel pain guideline"),
        (2, "Steroid injection for plantar heel pain"),
    ]
    assert content_from_article(article).content_hash == content().content_hash


def test_create_without_author(db):
    article = article_create(content=content(), author=None)

    assert article.authors.count() == 0
    assert article.created_by is None


def test_slug_collisions_get_numbered_suffixes(db):
    slugs = [article_create(content=content()).slug for _ in range(3)]

    assert slugs == [
        "how-is-plantar-fasciitis-treated",
        "how-is-plantar-fasciitis-treated-2",
        "how-is-plantar-fasciitis-treated-3",
    ]


def test_explicit_slug_is_used_and_previewed(db):
    assert article_slug_preview(content=content(slug="heel")) == "heel"
    article_create(content=content(slug="heel"))

    assert article_slug_preview(content=content(slug="heel")) == "heel-2"
    assert article_create(content=content(slug="heel")).slug == "heel-2"


def test_long_question_gives_a_slug_of_at_most_120_characters(db):
    question = "Why " + "really " * 45 + "long?"
    first = article_create(content=content(question=question[:300]))
    second = article_create(content=content(question=question[:300]))

    assert len(first.slug) <= 120
    assert len(second.slug) <= 120
    assert second.slug.endswith("-2")


def test_question_without_letters_for_a_slug_still_gets_one(db):
    assert article_create(content=content(question="???")).slug == "article"


def test_references_are_shared_not_duplicated(db):
    existing = ReferenceFactory(doi="10.2106/heel.1", title="Heel pain guideline (older title)")

    first = article_create(content=content())
    second = article_create(content=content())

    assert first.citations.get(number=1).reference == existing
    assert second.citations.get(number=1).reference == existing
    assert Reference.objects.count() == 2  # the existing one plus the PMID-only one, once
    existing.refresh_from_db()
    assert existing.title == "Heel pain guideline (older title)"  # never overwritten


def test_required_specialty_by_code(db):
    ortho = SpecialtyFactory(code="orthopedics")

    article = article_create(content=content(required_specialty="orthopedics"))

    assert article.required_specialty == ortho


def test_unknown_specialty_is_refused_and_nothing_is_saved(db):
    SpecialtyFactory(code="orthopedics")
    before = counts()

    with pytest.raises(NotFound) as exc:  # a well-formed code naming no specialty: 404 on the API
        article_create(content=content(required_specialty="podiatry"))

    assert exc.value.detail == {"field": "specialty"}
    assert "podiatry" in exc.value.message
    assert "orthopedics" in exc.value.message
    assert counts() == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"question": "  "}, "question"),
        ({"question": "x" * 301}, "question"),
        ({"topic": "t" * 121}, "topic"),
        ({"sections": (SectionData(heading="", body="x"),)}, "sections[1].heading"),
        ({"sections": (SectionData(heading="A", body="x", level=7),)}, "sections[1].level"),
        ({"citations": (CitationData(number=0, reference=ReferenceData(title="A")),)}, "citations.number"),
        (
            {
                "citations": (
                    CitationData(number=1, reference=ReferenceData(title="A")),
                    CitationData(number=1, reference=ReferenceData(title="B")),
                )
            },
            "citations.number",
        ),
    ],
)
def test_invalid_content_names_the_field_and_saves_nothing(db, overrides, field):
    before = counts()

    with pytest.raises(InvalidInput) as exc:
        article_create(content=content(**overrides))
    with pytest.raises(InvalidInput):
        article_content_validate(content=content(**overrides))

    assert exc.value.detail["field"] == field
    assert counts() == before


def test_a_failing_reference_rolls_back_the_whole_article(db):
    bad = CitationData(number=3, reference=ReferenceData(title="  "))  # the library refuses a blank title
    before = counts()

    with pytest.raises(InvalidInput):
        article_create(content=content(citations=(*content().citations, bad)))

    assert counts() == before


def test_every_fixture_saves_with_the_hash_it_parsed_to(db):
    SpecialtyFactory(code="family-medicine")
    for path in sorted(p for p in FIXTURES.glob("*/*.*") if p.suffix in (".txt", ".md", ".html", ".docx")):
        if changes_when_saved(path):
            continue  # cites one DOI under two numbers: the library keeps one record (see its expected report)
        parsed = read_document(path)
        with transaction.atomic():  # each into an empty library: fixtures may cite the same paper differently
            article = article_create(content=parsed)
            assert content_from_article(article).content_hash == parsed.content_hash, path.name
            transaction.set_rollback(True)


# --- article_assert_editable -------------------------------------------------------------------------


def test_author_may_edit_a_draft(article, author):
    article_assert_editable(article=article, user=author)


def test_editor_may_edit_any_draft(article, chair):
    article_assert_editable(article=article, user=chair)


def test_changes_requested_is_editable(author):
    article = ArticleFactory(authors=[author], state=ReviewState.CHANGES_REQUESTED)

    article_assert_editable(article=article, user=author)


@pytest.mark.parametrize("who", ["other-author", "reviewer", "anonymous", "inactive"])
def test_others_may_not_edit(article, author, reviewers, who):
    user = {
        "other-author": lambda: AuthorFactory(),
        "reviewer": lambda: reviewers[0],
        "anonymous": lambda: None,
        "inactive": lambda: author,
    }[who]()
    if who == "inactive":
        user.is_active = False
        user.save()

    with pytest.raises(NotAllowed) as exc:
        article_assert_editable(article=article, user=user)

    assert exc.value.code == "permission-denied"
    assert "an author of this article" in exc.value.message
    assert "articles." not in exc.value.message  # no permission codename


def test_author_without_the_author_permission_may_not_edit(db):
    user = UserFactory()
    article = ArticleFactory(authors=[user])

    with pytest.raises(NotAllowed):
        article_assert_editable(article=article, user=user)


@pytest.mark.parametrize("state", [ReviewState.SUBMITTED, ReviewState.UNDER_REVIEW])
def test_content_under_review_is_frozen(author, state):
    article = ArticleFactory(authors=[author], state=state)

    with pytest.raises(Conflict) as exc:
        article_assert_editable(article=article, user=author)

    assert exc.value.code == "content-frozen"
    assert "withdraw it or request changes first" in exc.value.message


@pytest.mark.parametrize("state", [ReviewState.APPROVED, ReviewState.RETRACTED, ReviewState.ARCHIVED])
def test_approved_retracted_archived_content_is_locked(chair, state):
    article = ArticleFactory(state=state)

    with pytest.raises(Conflict) as exc:
        article_assert_editable(article=article, user=chair)

    assert exc.value.code == "content-locked"
    assert "revise it first" in exc.value.message


# --- article_update_content ---------------------------------------------------------------------------


def test_update_replaces_question_topic_sections_and_citations(article, author):
    new = content(question="What helps heel pain?", topic="feet")

    updated = article_update_content(article=article, user=author, content=new)

    assert updated.question == "What helps heel pain?"
    assert updated.topic == "feet"
    saved = content_from_article(Article.objects.get(pk=article.pk))
    assert saved.content_hash == new.content_hash
    assert updated.slug == article.slug  # the slug is stable


def test_update_keeps_the_rows_of_sections_whose_heading_is_unchanged(article, author):
    kept = article.sections.get(heading="Medication")
    comment = Comment.objects.create(
        article=article, author=author, section=kept, section_heading="Medication", body="Check the dose."
    )
    new = ArticleContent(
        question=article.question,
        sections=(
            SectionData(heading="Medication", level=2, body="- Paracetamol first [1]"),
            SectionData(heading="Exercise", level=3, body="Walk daily [1]."),
        ),
        citations=(CitationData(number=1, reference=ReferenceData(title="Exercise for back pain", year=2020)),),
    )

    article_update_content(article=article, user=author, content=new)

    assert list(article.sections.values_list("pk", "position", "heading", "level")) == [
        (kept.pk, 1, "Medication", 2),
        (article.sections.get(heading="Exercise").pk, 2, "Exercise", 3),
    ]
    comment.refresh_from_db()
    assert comment.section_id == kept.pk
    assert list(article.citations.values_list("number", "reference__title")) == [(1, "Exercise for back pain")]


@pytest.mark.parametrize("kept", [2, 40])
def test_an_update_writes_the_sections_it_keeps_in_one_statement_however_many(author, kept):
    """Each kept section used to be its own UPDATE: a 300-section article saved in 300 statements."""
    sections = tuple(SectionData(heading=f"Part {n}", level=2, body=f"Claim {n} [1].") for n in range(1, kept + 1))
    citations = content().citations[:1]
    article = ArticleFactory(with_content=False, authors=[author])
    article_update_content(article=article, user=author, content=content(sections=sections, citations=citations))
    reordered = content(sections=tuple(reversed(sections)), citations=citations)

    with CaptureQueriesContext(connection) as queries:
        article_update_content(article=article, user=author, content=reordered)

    updates = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "articles_section"')]
    assert len(updates) == 2  # the rows moved out of the way of (article, position), then the kept ones
    assert list(article.sections.values_list("heading", "position")) == [
        (f"Part {n}", kept + 1 - n) for n in range(kept, 0, -1)
    ]


def test_update_locks_the_article_row(article, author):
    with CaptureQueriesContext(connection) as queries:
        article_update_content(article=article, user=author, content=content())

    assert any("FOR UPDATE" in q["sql"] and '"articles_article"' in q["sql"] for q in queries.captured_queries)


def test_update_of_frozen_content_changes_nothing(author):
    article = ArticleFactory(authors=[author], state=ReviewState.SUBMITTED)
    before = content_from_article(article).content_hash

    with pytest.raises(Conflict) as exc:
        article_update_content(article=article, user=author, content=content())

    assert exc.value.code == "content-frozen"
    assert content_from_article(Article.objects.get(pk=article.pk)).content_hash == before


def test_update_by_a_stranger_changes_nothing(article):
    before = content_from_article(article).content_hash

    with pytest.raises(NotAllowed):
        article_update_content(article=article, user=AuthorFactory(), content=content())

    assert content_from_article(Article.objects.get(pk=article.pk)).content_hash == before


def test_update_reads_the_state_under_the_lock_not_from_a_stale_instance(article, author):
    stale = Article.objects.get(pk=article.pk)
    Article.objects.filter(pk=article.pk).update(state=ReviewState.UNDER_REVIEW)

    with pytest.raises(Conflict) as exc:
        article_update_content(article=stale, user=author, content=content())

    assert exc.value.code == "content-frozen"


def article_assert_editable(*, article, user):
    """The ``edit_content`` declaration's answer, raised (what every content write meets first)."""
    refusal = actions.refusal("edit_content", article=article, user=user)
    if refusal is not None:
        raise refusal
