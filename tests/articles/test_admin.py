"""The article admin: findings, preview and versions on the change page; the content freeze;
the integrity report on save; authors limited to their own articles; bounded list queries."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from articles.content import content_from_article
from articles.models import Article, PublishedVersion, ReviewState, Section
from references.integrity import check_content
from references.models import Citation
from reviewboard.models import AuditEntry
from tests.factories import ArticleFactory, AuthorFactory, ChairFactory, ReferenceFactory, ReviewerFactory

pytestmark = pytest.mark.django_db


def change_url(article: Article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])


def field_value(value: Any) -> Any:
    if value is None:
        return ""
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, list | tuple):
        return [field_value(v) for v in value]
    return value


def form_data(response) -> dict[str, Any]:
    """The POST body the change page would send unchanged: main form, inlines, management forms."""
    data: dict[str, Any] = {}

    def add(form) -> None:
        for name in form.fields:
            value = form[name].value()
            if value is False or value is None:
                continue
            data[form.add_prefix(name)] = field_value(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = field_value(management[name].value())
        for form in formset.forms:
            add(form)
    data["_continue"] = "Save and continue editing"
    return data


def section_key(data: dict[str, Any], position: int) -> str:
    """The form prefix of the section inline row holding ``position``."""
    for key, value in data.items():
        if key.startswith("sections-") and key.endswith("-position") and int(value) == position:
            return key.removesuffix("-position")
    raise AssertionError(f"no section at position {position}")


def message_texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_change_page_shows_findings_preview_and_versions(client, author, article):
    # given: marker [3] in the second section with only citations 1 and 2 behind it
    Section.objects.filter(article=article, position=2).update(body="- NSAIDs help for back pain [2, 3]")
    version = PublishedVersion.objects.create(
        article=article,
        number=1,
        content_hash="a" * 64,
        source={},
        approved_at=timezone.now(),
        rendered_at=timezone.now(),
    )
    PublishedVersion.objects.create(
        article=article, number=2, content_hash="b" * 64, source={}, approved_at=timezone.now()
    )
    Article.objects.filter(pk=article.pk).update(live_version=version)
    client.force_login(author)
    expected = check_content(content_from_article(article))
    unresolved = next(f for f in expected.errors if f.code == "unresolved-citation")

    # when
    response = client.get(change_url(article))

    # then: the findings of the working copy as a problem in words, linking to where it is
    assert response.status_code == 200
    page = response.content.decode()
    assert unresolved.code not in page  # no raw codes for people
    assert "Marker 3 has no reference: add the missing references to the reference list" in page
    assert 'class="finding finding-error"' in page
    assert '<a href="#preview-section-2">marker 3</a>' in page
    # the content hash of the working copy
    assert content_from_article(article).content_hash in page
    # the rendered preview: citation markers link to the numbered reference list
    assert re.search(r'<sup class="citation"><a href="#ref-2"[^>]*>2</a>, <a href="#ref-3"[^>]*>3</a></sup>', page)
    assert 'id="ref-1"' in page
    assert 'id="ref-2"' in page
    assert "<h1>What are the treatment options for back pain?</h1>" in page
    # the published versions, and which one is live
    assert 'id="versions-panel"' in page
    assert "aaaaaaaaaaaa" in page
    assert "bbbbbbbbbbbb" in page
    assert "no (pending)" in page
    assert page.count("<strong>live</strong>") == 1
    # a draft is editable: no freeze banner, a save button
    assert "article-banner" not in page
    assert 'name="_save"' in page


def test_warnings_are_listed_apart_from_errors(client, author, article):
    Section.objects.filter(article=article, position=1).update(body="Stay active: 75% improve within 48 hours.")
    Section.objects.filter(article=article, position=2).update(body="- NSAIDs for back pain [1, 2]")
    client.force_login(author)

    response = client.get(change_url(article))

    page = response.content.decode()
    assert "uncited-claim" not in page
    assert "Warning for reviewers:</strong> A claim in" in page
    assert 'class="finding finding-warning"' in page
    assert 'class="finding finding-error"' not in page


def test_clean_article_shows_no_findings(client, author, article):
    client.force_login(author)
    assert not check_content(content_from_article(article)).findings

    response = client.get(change_url(article))

    page = response.content.decode()
    assert "No citation problems." in page
    assert 'class="finding finding-error"' not in page
    assert 'class="finding finding-warning"' not in page


def test_save_runs_the_checker_and_reports_it(client, author, article):
    client.force_login(author)
    data = form_data(client.get(change_url(article)))
    data[f"{section_key(data, 1)}-body"] = "Stay active and avoid bed rest for low back pain [1, 3]."

    response = client.post(change_url(article), data)

    assert response.status_code == 302, response.context and response.context["errors"]
    assert Section.objects.get(article=article, position=1).body.endswith("[1, 3].")
    texts = message_texts(response)
    # the problem in words people act on, never the finding's code
    assert any("will block submission: Marker 3 has no reference" in t for t in texts), texts
    assert not any("unresolved-citation" in t for t in texts), texts


def test_save_of_a_clean_article_says_so(client, author, article):
    client.force_login(author)
    data = form_data(client.get(change_url(article)))
    data["topic"] = "low back pain"

    response = client.post(change_url(article), data)

    assert response.status_code == 302
    assert Article.objects.get(pk=article.pk).topic == "low back pain"
    assert "Citation check: no problems." in message_texts(response)


@pytest.mark.parametrize(
    ("state", "banner"),
    [
        (ReviewState.UNDER_REVIEW, "Under review: content is frozen. Withdraw it or request changes to edit."),
        (ReviewState.SUBMITTED, "content is frozen"),
        (ReviewState.APPROVED, "content is locked"),
    ],
)
def test_frozen_article_is_read_only_with_a_banner(client, author, article, state, banner):
    Article.objects.filter(pk=article.pk).update(state=state)
    client.force_login(author)

    response = client.get(change_url(article))

    page = response.content.decode()
    assert response.status_code == 200
    assert banner in page
    assert 'name="_save"' not in page
    assert 'name="question"' not in page
    assert 'name="sections-0-body"' not in page
    assert "sections-0-DELETE" not in page
    # the findings and the preview are still there for reviewers
    assert 'id="integrity-panel"' in page
    assert 'id="preview-panel"' in page


def test_forged_post_on_frozen_article_is_refused_and_changes_nothing(client, author, article):
    # given: the author loaded the editable page, then the article went under review
    client.force_login(author)
    data = form_data(client.get(change_url(article)))
    Article.objects.filter(pk=article.pk).update(state=ReviewState.UNDER_REVIEW)
    before_sections = list(Section.objects.filter(article=article).values_list("position", "heading", "body"))
    before_citations = list(Citation.objects.filter(article=article).values_list("number", "reference_id"))
    # when: a POST that rewrites a section, the question, adds a section and deletes a citation
    data[f"{section_key(data, 1)}-body"] = "Tampered while under review [1]."
    data["question"] = "Tampered question?"
    total = int(data["sections-TOTAL_FORMS"])
    data.update(
        {
            "sections-TOTAL_FORMS": total + 1,
            f"sections-{total}-position": 9,
            f"sections-{total}-level": 2,
            f"sections-{total}-heading": "Injected",
            f"sections-{total}-body": "Injected body [1].",
            "citations-0-DELETE": "on",
        }
    )

    response = client.post(change_url(article), data)

    # then: refused with a message, never a 500, and nothing changed
    assert response.status_code == 302
    assert response.url == change_url(article)
    texts = message_texts(response)
    assert any(t.startswith("Not saved:") for t in texts), texts
    assert not any("was changed successfully" in t for t in texts)
    fresh = Article.objects.get(pk=article.pk)
    assert fresh.question == "What are the treatment options for back pain?"
    assert fresh.state == ReviewState.UNDER_REVIEW
    assert list(Section.objects.filter(article=article).values_list("position", "heading", "body")) == before_sections
    assert list(Citation.objects.filter(article=article).values_list("number", "reference_id")) == before_citations


def test_a_save_that_lost_a_race_with_a_transition_is_refused_and_changes_nothing(client, author, article, monkeypatch):
    # given: the author's save is written, then django-fsm's ConcurrentTransitionMixin finds the row's state
    # moved under it (the runner holds the row lock, so this stands for any write that meets a stale state)
    from django_fsm import ConcurrentTransition

    import articles.services

    real_update = articles.services.article_update_content

    def written_then_stale(*, article, content):
        real_update(article=article, content=content)
        raise ConcurrentTransition("Cannot save object! The state has been changed since fetched from the database!")

    monkeypatch.setattr(articles.services, "article_update_content", written_then_stale)
    client.force_login(author)
    data = form_data(client.get(change_url(article)))
    data["question"] = "Edited question?"

    response = client.post(change_url(article), data)

    # then: an error message and the form again, never a 500; the admin's transaction rolled back
    assert response.status_code == 302
    assert response.url == change_url(article)
    assert message_texts(response) == [
        "Not saved: Another request changed this article's review state at the same time; reload and try again."
    ]
    fresh = Article.objects.get(pk=article.pk)
    assert fresh.question == "What are the treatment options for back pain?"
    assert fresh.state == ReviewState.DRAFT
    assert not AuditEntry.objects.filter(article=article, action="edit_content").exists()


def test_reviewer_sees_an_assigned_article_read_only_and_no_other(client, article, chair):
    from reviewboard.models import Assignment
    from tests.factories import round_for

    reviewer = ReviewerFactory(username="reviewer-view")
    other = ArticleFactory(authors=[AuthorFactory(username="other-author")], question="How is migraine treated?")
    Assignment.objects.create(article=article, round=round_for(article), reviewer=reviewer, assigned_by=chair)
    client.force_login(reviewer)

    assert client.get(change_url(other)).status_code == 302  # the admin's "does not exist" redirect
    response = client.get(change_url(article))

    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="_save"' not in page
    assert 'name="question"' not in page
    assert 'id="preview-panel"' in page


def test_add_article_makes_the_creator_an_author(client, author):
    client.force_login(author)
    add_url = reverse("admin:articles_article_add")
    data = form_data(client.get(add_url))
    data.update(question="How is gout treated?", slug="gout-treatment", topic="gout")

    response = client.post(add_url, data)

    assert response.status_code == 302, response.context and response.context["errors"]
    created = Article.objects.get(question="How is gout treated?")
    # An author does not see every article: their slug cannot reveal another's (issue 19, item 5).
    assert re.fullmatch(r"gout-treatment-[a-z0-9]{6}", created.slug)
    assert list(created.authors.all()) == [author]
    assert created.created_by == author
    assert created.state == ReviewState.DRAFT
    # an empty article is reported at once
    assert any("The article has no content: add its sections." in t for t in message_texts(response))


def test_author_cannot_set_chair_fields(client, author, article):
    client.force_login(author)
    data = form_data(client.get(change_url(article)))
    assert "quorum" not in data
    data["quorum"] = 1

    response = client.post(change_url(article), data)

    assert response.status_code == 302
    assert Article.objects.get(pk=article.pk).quorum is None


def test_author_cannot_see_another_authors_article(client, author, article):
    other = ArticleFactory(authors=[AuthorFactory(username="other-author")], question="How is migraine treated?")
    client.force_login(author)

    listing = client.get(reverse("admin:articles_article_changelist"))
    detail = client.get(change_url(other))
    forged = client.post(change_url(other), {"question": "Hijacked?"})

    assert article.slug in listing.content.decode()
    assert other.slug not in listing.content.decode()
    assert detail.status_code == 302  # the admin's "does not exist" redirect
    assert forged.status_code == 302
    assert Article.objects.get(pk=other.pk).question == "How is migraine treated?"


def test_chair_sees_every_article(client, chair, article):
    other = ArticleFactory(authors=[AuthorFactory(username="other-author")])
    client.force_login(chair)

    listing = client.get(reverse("admin:articles_article_changelist"))

    page = listing.content.decode()
    assert article.slug in page
    assert other.slug in page


def test_article_list_queries_are_bounded(client, chair, author, django_assert_max_num_queries):
    for _ in range(30):
        ArticleFactory(authors=[author])
    client.force_login(chair)
    url = reverse("admin:articles_article_changelist")

    with django_assert_max_num_queries(10):
        response = client.get(url)
    with django_assert_max_num_queries(10):
        client.get(url, {"q": "back pain", "state__exact": "draft"})

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 30
    assert response.context["cl"].result_list[0]._section_count == 2


def test_author_article_list_queries_are_bounded(client, author, django_assert_max_num_queries):
    for _ in range(30):
        ArticleFactory(authors=[author])
    client.force_login(author)

    with django_assert_max_num_queries(10):
        response = client.get(reverse("admin:articles_article_changelist"))

    assert len(response.context["cl"].result_list) == 30


@pytest.mark.parametrize("frozen", [False, True])
def test_change_page_queries_do_not_grow_with_citations(client, author, frozen):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def page_queries(parts: int):
        article = ArticleFactory(authors=[author], with_content=False)
        for n in range(1, parts + 1):
            Section.objects.create(
                article=article, position=n, heading=f"Part {n}", body=f"Walking helps back pain [{n}]."
            )
            Citation.objects.create(article=article, number=n, reference=ReferenceFactory())
        if frozen:
            Article.objects.filter(pk=article.pk).update(state=ReviewState.UNDER_REVIEW)
        client.get(change_url(article))  # warm the per-process caches (content types, permissions)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(change_url(article))
        return len(queries), response

    client.force_login(author)
    small, _ = page_queries(1)
    large, response = page_queries(25)

    # The page is also the review screen (transitions, comments, reviewers, audit): a constant more,
    # never a query per section or citation.
    assert large == small
    assert large <= 32
    assert response.status_code == 200
    assert 'id="ref-25"' in response.content.decode()


def citation_rows(data: dict[str, Any]) -> list[str]:
    keys = (key for key in data if key.startswith("citations-") and key.endswith("-number"))
    return sorted(key.removesuffix("-number") for key in keys)


def test_a_pasted_citation_line_fills_a_new_reference_with_the_next_number(client, author, article):
    """References in seconds: one pasted line on a new row, no pop-up, no number typed."""
    client.force_login(author)
    data = form_data(client.get(change_url(article)))
    total = int(data["citations-TOTAL_FORMS"])
    data["citations-TOTAL_FORMS"] = str(total + 1)
    data[f"citations-{total}-paste"] = (
        "Foster NE, Anema JR, Cherkin D, et al. Prevention and treatment of low back pain: evidence, challenges, "
        "and promising directions. Lancet. 2018;391(10137):2368-2383. doi:10.1016/S0140-6736(18)30489-6"
    )

    response = client.post(change_url(article), data)

    assert response.status_code == 302, response.context and response.context["errors"]
    added = Citation.objects.select_related("reference").get(article=article, number=total + 1)
    assert added.reference.title == (
        "Prevention and treatment of low back pain: evidence, challenges, and promising directions"
    )
    assert (added.reference.publisher, added.reference.year) == ("Lancet", 2018)
    assert added.reference.doi.lower() == "10.1016/s0140-6736(18)30489-6"


def test_pasting_onto_a_row_replaces_its_reference(client, author, article):
    client.force_login(author)
    data = form_data(client.get(change_url(article)))
    row = citation_rows(data)[0]
    number = int(data[f"{row}-number"])
    data[f"{row}-paste"] = (
        "Guideline\nLow back pain and sciatica in over 16s\nNICE, 2016\nURL: https://www.nice.org.uk/guidance/ng59"
    )

    response = client.post(change_url(article), data)

    assert response.status_code == 302, response.context and response.context["errors"]
    replaced = Citation.objects.select_related("reference").get(article=article, number=number)
    assert replaced.reference.title == "Low back pain and sciatica in over 16s"
    assert replaced.reference.kind == "guideline"


def test_a_doi_alone_without_the_lookup_is_refused_on_its_row_and_nothing_changes(client, author, article, settings):
    settings.REFERENCE_LOOKUP_ENABLED = False
    client.force_login(author)
    before = content_from_article(article).content_hash
    data = form_data(client.get(change_url(article)))
    row = citation_rows(data)[0]
    data[f"{row}-paste"] = "10.7326/M16-2367"

    response = client.post(change_url(article), data)

    assert response.status_code == 200
    assert "A DOI or PMID alone gives no title while the reference lookup is off" in response.content.decode()
    assert content_from_article(Article.objects.get(pk=article.pk)).content_hash == before


def test_the_edit_form_offers_no_reference_pop_ups_and_names_authors_for_authors(client, author, article):
    client.force_login(author)

    html = client.get(change_url(article)).content.decode()

    assert 'id="add_id_citations-0-reference"' not in html  # no "+" pop-up to create a reference
    assert 'id="change_id_citations-0-reference"' not in html
    assert 'name="citations-0-paste"' in html
    assert 'name="authors"' not in html  # an author reads the authors' names; editors and the chair pick them
    assert 'class="sticky-submit"' in html


def test_authors_are_picked_by_name_in_the_autocomplete_by_those_who_may_set_them(client, author):
    ReviewerFactory(username="aosler", first_name="Ada", last_name="Osler")
    url = "/admin/autocomplete/?app_label=articles&model_name=article&field_name=authors&term=Osler"

    client.force_login(ChairFactory())
    found = client.get(url)
    client.force_login(author)
    refused = client.get(url)

    assert found.status_code == 200
    assert [row["text"] for row in found.json()["results"]] == ["Ada Osler, MD, FACP"]  # a name, never the username
    assert refused.status_code == 403
