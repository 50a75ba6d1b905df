"""Audience versions: a patient version beside the clinician one, hashed, signed off and served together."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.core.cache import cache

from articles.api import payloads
from articles.api.authentication import clear_api_key_cache
from articles.api.throttling import clear_counters
from articles.content import PATIENT, SectionData, content_from_article
from articles.exporting import export_markdown
from articles.importing import parse_document
from articles.models import Section
from config.exceptions import Conflict
from references.integrity import check_content
from reviewboard.review import services
from tests.articles.publishing_helpers import approve
from tests.factories import ArticleFactory

# About audience versions, not who ends a review: "the quorum approves" (issue 18's board setting; default: the chair).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quorum_approves")]

PATIENT_BODY = "Keep moving gently; bed rest makes back pain last longer [1]."


def add_patient_version(article, body: str = PATIENT_BODY) -> None:
    Section.objects.create(
        article=article, position=10, heading="What you can do", level=2, body=body, audience=PATIENT
    )


@pytest.fixture(autouse=True)
def _fresh_caches(settings):
    settings.API_DETAIL_CACHE_SECONDS = 0
    for clear in (cache.clear, clear_counters, clear_api_key_cache, payloads.clear):
        clear()


def test_an_article_without_a_patient_version_keeps_its_hash():
    article = ArticleFactory()
    content = content_from_article(article)
    assert "patient_sections" not in content.canonical()
    assert content.audiences == ("clinician",)


def test_the_patient_version_is_in_the_hash_and_its_citations_are_checked():
    article = ArticleFactory()
    clinician_only = content_from_article(article).content_hash
    add_patient_version(article, body="Plain words citing a paper that is not there [9].")
    content = content_from_article(article)
    assert content.content_hash != clinician_only
    assert content.audiences == ("clinician", "patient")
    assert "unresolved-citation" in {f.code for f in check_content(content).errors}


def test_both_versions_frozen_and_covered_by_one_sign_off_a_change_to_either_invalidates(db):
    from tests.reviewboard.conftest import make_author, make_chair, make_reviewer

    author, chair = make_author("author"), make_chair("chair")
    reviewers = [make_reviewer(f"reviewer{i}") for i in (1, 2)]
    article = ArticleFactory(authors=[author])
    add_patient_version(article)
    article = services.article_submit(article=article, user=author)
    round_ = article.review_rounds.get()
    assert round_.snapshot["patient_sections"][0]["body"] == PATIENT_BODY
    for reviewer in reviewers:
        services.assignment_create(article=article, reviewer=reviewer, user=chair)
    article = services.review_start(article=article, user=chair)
    frozen = article.review_hash

    # The content is frozen under review: neither version can change, so the hash signed stays the hash.
    from reviewboard.review.services.content import content_update

    content = content_from_article(article)
    changed = replace(
        content, sections=tuple(replace(s, body="Changed.") if s.audience == PATIENT else s for s in content.sections)
    )
    assert changed.content_hash != frozen  # a change to the patient version alone changes the hash
    with pytest.raises(Conflict) as exc:
        content_update(article=article, content=changed, user=author)
    assert exc.value.code == "content-frozen"

    # A sign-off on a hash that does not include the patient version as frozen does not count.
    clinician_only = replace(content, sections=content.audience_sections("clinician")).content_hash
    with pytest.raises(Conflict) as exc:
        services.assignment_sign_off(
            assignment=article.assignments.get(reviewer=reviewers[0]),
            reviewer=reviewers[0],
            content_hash=clinician_only,
            accept=True,  # issue 18: accepting in the sign-off form
        )
    assert exc.value.code == "stale-content-hash"

    for reviewer in reviewers:
        services.assignment_sign_off(
            assignment=article.assignments.get(reviewer=reviewer), reviewer=reviewer, content_hash=frozen, accept=True
        )
    version = article.versions.get()
    assert version.content_hash == frozen
    assert [s["body"] for s in version.source["patient_sections"]] == [PATIENT_BODY]


@pytest.fixture
def api(client, db):
    from rest_framework_api_key.models import APIKey

    _, key = APIKey.objects.create_key(name="app")
    client.defaults["HTTP_AUTHORIZATION"] = f"Api-Key {key}"
    return client


def test_read_api_serves_each_audience_with_its_own_etag_and_304(api, django_assert_max_num_queries):
    article = ArticleFactory()
    add_patient_version(article)
    approve(article)
    url = f"/api/v1/articles/{article.slug}/"

    clinician = api.get(url)
    patient = api.get(url, {"audience": "patient"})
    assert clinician.status_code == patient.status_code == 200
    assert clinician.json()["audience"] == "clinician"
    assert patient.json()["audience"] == "patient"
    assert clinician.json()["available_audiences"] == patient.json()["available_audiences"] == ["clinician", "patient"]
    assert [s["heading"] for s in patient.json()["sections"]] == ["What you can do"]
    assert "What you can do" not in [s["heading"] for s in clinician.json()["sections"]]
    assert patient.json()["references"] == clinician.json()["references"]
    assert clinician["ETag"] != patient["ETag"]

    with django_assert_max_num_queries(2):
        assert api.get(url, {"audience": "patient"}, HTTP_IF_NONE_MATCH=patient["ETag"]).status_code == 304
    with django_assert_max_num_queries(2):
        assert api.get(url, HTTP_IF_NONE_MATCH=clinician["ETag"]).status_code == 304
    # Each ETag validates its own audience only.
    assert api.get(url, {"audience": "patient"}, HTTP_IF_NONE_MATCH=clinician["ETag"]).status_code == 200
    with django_assert_max_num_queries(2):
        assert api.get(url + "versions/1/", {"audience": "patient"}).json()["audience"] == "patient"


def test_read_api_refuses_an_unknown_audience_and_a_missing_patient_version(api):
    article = ArticleFactory()
    approve(article)
    url = f"/api/v1/articles/{article.slug}/"
    response = api.get(url, {"audience": "children"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid-audience"
    assert response.json()["error"]["detail"]["field"] == "audience"
    missing = api.get(url, {"audience": "patient"})
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "audience-not-available"
    assert api.get(url).json()["available_audiences"] == ["clinician"]


def test_markdown_carries_both_versions_and_round_trips():
    article = ArticleFactory()
    add_patient_version(article)
    content = content_from_article(article)
    text = export_markdown(content)
    assert "\n# Patient version\n" in text
    again = parse_document(text)
    assert again.content_hash == content.content_hash
    assert [s.audience for s in again.sections][-1] == PATIENT
    assert isinstance(again.sections[-1], SectionData)
