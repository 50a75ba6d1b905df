import pytest

from articles.content import ArticleContent, CitationData, ReferenceData, SectionData, content_from_article
from articles.models import Article, Section
from config.exceptions import Conflict, NotAllowed
from references.integrity import check_content
from references.models import Citation
from references.renumber import renumber_content
from reviewboard.review.services.content import content_renumber as article_renumber_citations
from tests.factories import ArticleFactory, ReferenceFactory
from tests.references.factories import user_in
from tests.references.seed import seed_content


def ref(title):
    return ReferenceData(title=title, doi="10.1000/" + title.lower().replace(" ", "-"))


def content(*bodies, numbers=(1, 2, 3)):
    return ArticleContent(
        question="Back pain?",
        sections=tuple(SectionData(heading=f"H{i}", body=b) for i, b in enumerate(bodies, start=1)),
        citations=tuple(CitationData(number=n, reference=ref(f"Back pain ref {n}")) for n in numbers),
    )


def test_markers_are_renumbered_in_order_of_first_use_and_citations_follow():
    before = content("Rest [3]. Walk [1, 3].", "Drugs [2].")

    after, mapping = renumber_content(before)

    assert mapping == {3: 1, 1: 2, 2: 3}
    assert [s.body for s in after.sections] == ["Rest [1]. Walk [1, 2].", "Drugs [3]."]
    assert {c.number: c.reference.title for c in after.citations} == {
        1: "Back pain ref 3",
        2: "Back pain ref 1",
        3: "Back pain ref 2",
    }
    assert [c.number for c in after.citations] == [1, 2, 3]


def test_ranges_are_rewritten_through_the_mapping():
    after, mapping = renumber_content(content("See [3]. Then [1-3].", numbers=(1, 2, 3)))

    assert mapping == {3: 1, 1: 2, 2: 3}
    assert after.sections[0].body == "See [1]. Then [1-3]."


def test_orphans_go_last_keeping_their_relative_order():
    after, mapping = renumber_content(content("Only [4].", numbers=(2, 4, 7)))

    assert mapping == {4: 1, 2: 2, 7: 3}
    assert [(c.number, c.reference.title) for c in after.citations] == [
        (1, "Back pain ref 4"),
        (2, "Back pain ref 2"),
        (3, "Back pain ref 7"),
    ]


def test_an_unresolved_marker_stays_unresolved_and_never_lands_on_a_reference():
    before = content("Cites [9] then [3].", numbers=(3, 4))

    after, mapping = renumber_content(before)

    assert mapping == {9: 1, 3: 2, 4: 3}
    assert after.sections[0].body == "Cites [1] then [2]."
    assert {c.number for c in after.citations} == {2, 3}
    assert [f.number for f in check_content(after).findings if f.code == "unresolved-citation"] == [1]


def test_already_ordered_content_is_left_exactly_as_written():
    before = content("A [1,2]. B [1 - 3].", numbers=(1, 2, 3))

    after, mapping = renumber_content(before)

    assert after == before
    assert mapping == {1: 1, 2: 2, 3: 3}


def test_the_seed_keeps_its_numbers_and_its_findings():
    after, mapping = renumber_content(seed_content())

    assert mapping == {1: 1, 2: 2, 3: 3, 4: 4}
    assert after == seed_content()


def test_renumbering_keeps_the_integrity_verdict():
    before = content("Rest [3]. Walk [1, 3].", "Drugs [2].")

    after, _ = renumber_content(before)

    assert check_content(before).findings == check_content(after).findings == []


# --- article_renumber_citations ---------------------------------------------------------------


@pytest.fixture
def author(db):
    return user_in("Authors", username="renumber-author")


@pytest.fixture
def shuffled(author):
    """A draft citing [2] before [1]."""
    article = ArticleFactory(with_content=False, authors=[author])
    first, second = ReferenceFactory(title="Back pain guideline"), ReferenceFactory(title="NSAIDs for back pain")
    Citation.objects.create(article=article, number=1, reference=first)
    Citation.objects.create(article=article, number=2, reference=second)
    Section.objects.create(article=article, position=1, heading="Drugs", body="NSAIDs help back pain [2].")
    Section.objects.create(article=article, position=2, heading="Activity", body="Stay active [1, 2].")
    return article


@pytest.mark.django_db
def test_article_renumber_citations_applies_the_mapping_and_returns_it(shuffled, author):
    mapping = article_renumber_citations(article=shuffled, user=author)

    assert mapping == {2: 1, 1: 2}
    after = content_from_article(Article.objects.get(pk=shuffled.pk))
    assert [s.body for s in after.sections] == ["NSAIDs help back pain [1].", "Stay active [1, 2]."]
    assert [(c.number, c.reference.title) for c in after.citations] == [
        (1, "NSAIDs for back pain"),
        (2, "Back pain guideline"),
    ]


@pytest.mark.django_db
def test_article_renumber_citations_needs_edit_permission(shuffled):
    before = content_from_article(shuffled).content_hash

    with pytest.raises(NotAllowed):
        article_renumber_citations(article=shuffled, user=user_in("Board reviewers"))

    assert content_from_article(Article.objects.get(pk=shuffled.pk)).content_hash == before


@pytest.mark.django_db
def test_article_renumber_citations_respects_the_content_freeze(shuffled, author):
    Article.objects.filter(pk=shuffled.pk).update(state="submitted")
    shuffled.refresh_from_db()
    before = content_from_article(shuffled).content_hash

    with pytest.raises(Conflict) as excinfo:
        article_renumber_citations(article=shuffled, user=author)

    assert excinfo.value.code == "content-frozen"
    assert content_from_article(Article.objects.get(pk=shuffled.pk)).content_hash == before
