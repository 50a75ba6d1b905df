"""The reference admin: search by identifier, the articles citing a record, saves through the
reference services (normalised, validated, regeneration scheduled), bounded list queries."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from config.exceptions import Conflict
from references.models import Citation, Reference
from reviewboard.models import AuditEntry
from tests.factories import ArticleFactory, ReferenceFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:references_reference_changelist"


def change_url(reference: Reference) -> str:
    return reverse("admin:references_reference_change", args=[reference.pk])


def edit_data(reference: Reference, **changes) -> dict:
    data = {
        "kind": reference.kind, "title": reference.title, "authors": reference.authors,
        "publisher": reference.publisher, "year": reference.year or "", "doi": reference.doi,
        "pmid": reference.pmid, "url": reference.url, "status": reference.status,
        "superseded_by": reference.superseded_by_id or "", "_continue": "Save and continue editing",
    }
    data.update(changes)
    return data


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def result_ids(response) -> list[int]:
    return [r.pk for r in response.context["cl"].result_list]


@pytest.mark.parametrize(
    "query",
    [
        "10.1056/nejmoa2034577", "10.1056/NEJMoa2034577", "https://doi.org/10.1056/NEJMoa2034577",
        "doi:10.1056/nejmoa2034577",
    ],
)
def test_search_by_doi(admin_client, query):
    wanted = ReferenceFactory(doi="10.1056/nejmoa2034577", pmid="33301246")
    ReferenceFactory(doi="10.1056/nejmoa1111111")

    response = admin_client.get(reverse(CHANGELIST), {"q": query})

    assert result_ids(response) == [wanted.pk]


@pytest.mark.parametrize("query", ["33301246", "PMID: 33301246", "pmid:33301246"])
def test_search_by_pmid(admin_client, query):
    wanted = ReferenceFactory(pmid="33301246")
    ReferenceFactory(pmid="28192789")

    response = admin_client.get(reverse(CHANGELIST), {"q": query})

    assert result_ids(response) == [wanted.pk]


def test_search_by_title_and_authors(admin_client):
    wanted = ReferenceFactory(title="Cyclobenzaprine for acute muscle spasm", authors="Smith J")
    ReferenceFactory(title="Duloxetine in chronic pain", authors="Jones K")

    by_title = admin_client.get(reverse(CHANGELIST), {"q": "cyclobenzaprine spasm"})
    by_author = admin_client.get(reverse(CHANGELIST), {"q": "Smith"})

    assert result_ids(by_title) == [wanted.pk]
    assert result_ids(by_author) == [wanted.pk]


def test_change_page_lists_citing_articles(client, chair):
    reference = ReferenceFactory(title="Noninvasive treatments for low back pain")
    first = ArticleFactory(question="What are the treatment options for back pain?")
    second = ArticleFactory(question="Is bed rest useful for sciatica?", with_content=False)
    Citation.objects.create(article=first, number=3, reference=reference)
    Citation.objects.create(article=second, number=1, reference=reference)
    uncited = ArticleFactory(question="How is gout treated?", with_content=False)
    client.force_login(chair)

    response = client.get(change_url(reference))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="citing-articles-panel"' in page
    for article in (first, second):
        assert f'href="{reverse("admin:articles_article_change", args=[article.pk])}"' in page
        assert article.question in page
    assert "[3]" in page
    assert uncited.question not in page


def test_author_sees_only_their_own_citing_articles_linked(client, author):
    reference = ReferenceFactory()
    mine = ArticleFactory(authors=[author], with_content=False, question="Mine?")
    theirs = ArticleFactory(with_content=False, question="Someone else's?")
    Citation.objects.create(article=mine, number=1, reference=reference)
    Citation.objects.create(article=theirs, number=1, reference=reference)
    client.force_login(author)

    page = client.get(change_url(reference)).content.decode()

    assert "Mine?" in page
    assert "Someone else" not in page
    assert "Also cited by 1 article you cannot open." in page


def test_list_shows_citing_article_counts_in_bounded_queries(admin_client, django_assert_max_num_queries):
    references = [ReferenceFactory() for _ in range(40)]
    for i in range(10):
        article = ArticleFactory(with_content=False)
        for number, reference in enumerate(references[: i + 1], start=1):
            Citation.objects.create(article=article, number=number, reference=reference)

    with django_assert_max_num_queries(8):
        response = admin_client.get(reverse(CHANGELIST))
    with django_assert_max_num_queries(8):
        admin_client.get(reverse(CHANGELIST), {"q": "guideline", "kind__exact": "guideline"})

    counts = {r.pk: r._citing_articles for r in response.context["cl"].result_list}
    assert counts[references[0].pk] == 10
    assert counts[references[9].pk] == 1
    assert counts[references[10].pk] == 0


def _published_citing(reference: Reference):
    """A published version citing ``reference`` as [1] (the admin's save re-renders it through the service)."""
    from tests.articles.publishing_helpers import approve

    article = ArticleFactory()
    Citation.objects.filter(article=article, number=1).update(reference=reference)
    return approve(article, render=False)


def test_correction_goes_through_the_service_and_schedules_regeneration(
    client, chair, django_capture_on_commit_callbacks, monkeypatch
):
    reference = ReferenceFactory(title="Typo in titel", doi="10.1000/old")
    version = _published_citing(reference)
    rendered: list[int] = []
    monkeypatch.setattr("reviewboard.review.actions.library.enqueue_render", rendered.append)
    client.force_login(chair)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(change_url(reference), edit_data(reference, title="Typo in title", doi="10.1000/NEW"))

    assert response.status_code == 302, response.context and response.context["errors"]
    reference.refresh_from_db()
    assert reference.title == "Typo in title"
    assert reference.doi == "10.1000/NEW"  # as written
    assert rendered == [version.pk]
    assert AuditEntry.objects.filter(action="reference_correct", data__reference_id=reference.pk).exists()


def test_status_change_goes_through_the_service(client, chair, django_capture_on_commit_callbacks, monkeypatch):
    old, new = ReferenceFactory(), ReferenceFactory()
    version = _published_citing(old)
    rendered: list[int] = []
    monkeypatch.setattr("reviewboard.review.actions.library.enqueue_render", rendered.append)
    client.force_login(chair)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(change_url(old), edit_data(old, status="superseded", superseded_by=new.pk))

    assert response.status_code == 302
    old.refresh_from_db()
    assert (old.status, old.superseded_by_id) == ("superseded", new.pk)
    assert rendered == [version.pk]
    assert AuditEntry.objects.filter(action="reference_status", data__reference_id=old.pk).exists()


def test_malformed_doi_is_a_form_error_and_changes_nothing(client, chair, django_capture_on_commit_callbacks):
    reference = ReferenceFactory(title="Kept", doi="10.1000/kept")
    client.force_login(chair)

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(change_url(reference), edit_data(reference, title="Changed", doi="not-a-doi"))

    assert response.status_code == 200
    assert "Malformed DOI" in response.content.decode()
    reference.refresh_from_db()
    assert (reference.title, reference.doi) == ("Kept", "10.1000/kept")
    assert callbacks == []


def test_service_refusal_becomes_a_message_not_a_500(client, chair, monkeypatch):
    reference = ReferenceFactory(title="Kept")

    def refuse(**kwargs):
        raise Conflict("That DOI or PMID was just given to another reference.", code="duplicate-identifier")

    monkeypatch.setattr("reviewboard.admin.references.reference_correct", refuse)
    client.force_login(chair)

    response = client.post(change_url(reference), edit_data(reference, title="Changed"))

    assert response.status_code == 302
    assert response.url == change_url(reference)
    assert "Not saved: That DOI or PMID was just given to another reference." in messages_of(response)
    reference.refresh_from_db()
    assert reference.title == "Kept"


def test_new_reference_is_normalised(client, chair):
    client.force_login(chair)

    response = client.post(reverse("admin:references_reference_add"), {
        "kind": "trial", "title": "  A randomised   trial of walking  ", "year": 2020,
        "doi": "https://doi.org/10.1000/ABC.123", "pmid": "PMID: 1234567", "url": "",
    })

    assert response.status_code == 302, response.context and response.context["errors"]
    created = Reference.objects.get(pmid="1234567")
    assert created.doi == "10.1000/ABC.123"  # the resolver prefix dropped, the author's case kept
    assert created.title == "A randomised trial of walking"


def test_new_reference_matching_an_existing_work_opens_it(client, chair):
    existing = ReferenceFactory(title="Low back pain: a guideline", year=2017, doi="", pmid="")
    client.force_login(chair)

    response = client.post(reverse("admin:references_reference_add"), {
        "kind": "guideline", "title": "Low back pain - a guideline", "year": 2017, "doi": "", "pmid": "", "url": "",
        "_continue": "Save and continue editing",
    })

    assert response.status_code == 302
    assert response.url == change_url(existing)
    assert Reference.objects.count() == 1
    assert any("existing record was kept unchanged" in m for m in messages_of(response))


def test_new_reference_with_malformed_pmid_is_refused(client, chair):
    client.force_login(chair)

    response = client.post(reverse("admin:references_reference_add"), {
        "kind": "trial", "title": "A trial", "doi": "", "pmid": "12ab", "url": "",
    })

    assert response.status_code == 200
    assert "Malformed PMID" in response.content.decode()
    assert not Reference.objects.exists()
