"""What changed: revise requires a change summary, the published version carries it with the
sections changed (from the diff) and the chair's clinical-significance mark, and the read API serves
the per-article changes and the site-wide feed of significant ones."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from rest_framework_api_key.models import APIKey

from articles.content import content_from_article
from articles.models import PublishedVersion
from articles.publishing import published_version_render
from config.exceptions import Conflict, InvalidInput, NotAllowed
from reviewboard.models import AuditEntry
from reviewboard.review import services
from reviewboard.review.services.content import content_update
from tests.reviewboard.conftest import sign, start_review

# Not about who ends a review: "the quorum approves" (issue 18's board setting; default: the chair).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("review_world", "clean_api_caches", "quorum_approves")]


@pytest.fixture
def api(client):
    _, key = APIKey.objects.create_key(name="web site")
    client.defaults["HTTP_AUTHORIZATION"] = f"Api-Key {key}"
    return client


def publish(article, author, chair, reviewers, *, significant: bool | None):
    """A full round: submit, assign, start, both sign. ``significant`` None: the quorum's sign-off
    approves by itself; otherwise a chair's blocking comment holds the approval back until the chair
    resolves it and approves, marking the significance."""
    article = start_review(article, author, chair, reviewers[:2])
    if significant is not None:
        services.comment_create(article=article, user=chair, body="I will approve this myself.", blocking=True)
    sign(article, reviewers[0])
    sign(article, reviewers[1])
    if significant is not None:
        services.comment_resolve(comment=article.review_comments.get(), user=chair)
        services.article_approve(article=article, user=chair, clinically_significant=significant)
    version = PublishedVersion.objects.filter(article=article).order_by("-number").first()
    published_version_render(version_id=version.pk)
    version.refresh_from_db()
    return version


def edit_first_section(article, author, body: str):
    content = content_from_article(article)
    first = dataclasses.replace(content.sections[0], body=body)
    content_update(
        article=article, user=author, content=dataclasses.replace(content, sections=(first, *content.sections[1:]))
    )


def test_revise_requires_a_change_summary(article, author, chair, reviewers):
    publish(article, author, chair, reviewers, significant=None)
    with pytest.raises(InvalidInput) as exc:
        services.article_revise(article=article, user=author, change_summary="  ")
    assert exc.value.detail == {"field": "change_summary"}
    article.refresh_from_db()
    assert article.state == "approved"


def test_the_published_version_carries_summary_sections_changed_and_the_chairs_mark(
    article, author, chair, reviewers, api
):
    first = publish(article, author, chair, reviewers, significant=None)
    assert first.change_summary == "First published version."
    assert first.sections_changed == [s.heading for s in content_from_article(article).sections]
    assert first.clinically_significant is None  # approved by the quorum: not assessed

    article = services.article_revise(article=article, user=author, change_summary="Lower starting dose.")
    heading = content_from_article(article).sections[0].heading
    edit_first_section(article, author, "Start at 5 mg [1].")
    second = publish(article, author, chair, reviewers, significant=True)
    assert (second.number, second.clinically_significant) == (2, True)
    assert second.change_summary == "Lower starting dose."
    assert second.sections_changed == [heading]
    article.refresh_from_db()
    assert article.change_summary == ""

    changes = api.get(f"/api/v1/articles/{article.slug}/changes/").json()
    assert [(c["version"], c["summary"], c["sections_changed"]) for c in changes] == [
        (2, "Lower starting dose.", [heading]),
        (1, "First published version.", first.sections_changed),
    ]


def test_the_chair_marks_significance_at_approval(article, author, chair, reviewers):
    version = publish(article, author, chair, reviewers, significant=False)
    assert version.clinically_significant is False
    entry = AuditEntry.objects.filter(action="approve").get()
    assert entry.data["clinically_significant"] is False


def test_the_site_wide_feed_lists_significant_changes_since_a_moment(api, article, author, chair, reviewers):
    version = publish(article, author, chair, reviewers, significant=True)
    assert version.clinically_significant is True
    before = (version.approved_at - timedelta(seconds=1)).isoformat()

    body = api.get("/api/v1/changes/", {"since": before}).json()
    assert [(c["slug"], c["version"], c["clinically_significant"]) for c in body["results"]] == [
        (article.slug, 1, True)
    ]
    assert body["next_since"] is None
    later = (version.approved_at + timedelta(seconds=1)).isoformat()
    assert api.get("/api/v1/changes/", {"since": later}).json()["results"] == []

    PublishedVersion.objects.filter(pk=version.pk).update(clinically_significant=False)
    assert api.get("/api/v1/changes/", {"since": before}).json()["results"] == []


@pytest.mark.parametrize("since", [None, "", "yesterday", "2026-01-01T00:00:00", "2026-13-01T00:00:00Z"])
def test_the_feed_needs_a_valid_since(api, since):
    params = {} if since is None else {"since": since}
    response = api.get("/api/v1/changes/", params)
    assert response.status_code == 400
    assert response.json()["error"]["detail"] == {"field": "since"}


@pytest.mark.parametrize(
    ("since", "seen"), [("9999-12-31T23:59:59-19:00", False), ("0001-01-01T00:00:00.0+00:01", True)]
)
def test_a_since_beyond_the_first_or_last_moment_reads_as_that_moment(
    api, article, author, chair, reviewers, since, seen
):
    """Valid RFC 3339 date-times (the schema's format) whose UTC falls outside Python's years: found by
    schemathesis once the schema was checked for acceptance; a bound, never a 400."""
    publish(article, author, chair, reviewers, significant=True)

    response = api.get("/api/v1/changes/", {"since": since})

    assert response.status_code == 200, response.content
    assert [item["slug"] for item in response.json()["results"]] == ([article.slug] if seen else [])


def test_an_offset_postgresql_refuses_is_still_read_as_a_moment(api):
    # found by schemathesis: -19:11 is a valid Python offset but beyond PostgreSQL's +-15:59
    response = api.get("/api/v1/changes/", {"since": "2226-06-14T02:22:46-19:11"})
    assert response.status_code == 200
    assert response.json() == {"results": [], "next_since": None}


def test_changes_of_an_unknown_or_unpublished_article_are_404(api, article):
    assert api.get("/api/v1/articles/nope/changes/").status_code == 404
    assert api.get(f"/api/v1/articles/{article.slug}/changes/").status_code == 404


# --- a version approved by the quorum's sign-off is assessed by the chair afterwards -------------------


def test_a_version_approved_by_sign_offs_reaches_the_feed_once_the_chair_marks_it_significant(
    api, article, author, chair, reviewers, client
):
    """It used to stay unassessed for ever, so an important change approved by the reviewers never
    reached What's new. Assessed later, it is listed in the order of assessment: a client that
    polled between the approval and the assessment still gets it."""
    version = publish(article, author, chair, reviewers, significant=None)
    assert version.clinically_significant is None
    polled = api.get("/api/v1/changes/", {"since": (version.approved_at - timedelta(seconds=1)).isoformat()})
    assert polled.json()["results"] == []
    last_poll = version.approved_at.isoformat()  # a client that asked after the approval, before the assessment

    services.version_assess_significance(version=version, user=chair, clinically_significant=True)

    body = api.get("/api/v1/changes/", {"since": last_poll}).json()
    assert [(c["slug"], c["version"], c["clinically_significant"]) for c in body["results"]] == [
        (article.slug, 1, True)
    ]
    version.refresh_from_db()
    assert body["results"][0]["assessed_at"] == version.significance_assessed_at.isoformat().replace("+00:00", "Z")
    assert version.significance_assessed_at > version.approved_at
    entry = AuditEntry.objects.filter(action="assess_significance").get()
    assert (entry.actor, entry.data["version"], entry.data["clinically_significant"]) == (chair, 1, True)
    changes = api.get(f"/api/v1/articles/{article.slug}/changes/").json()
    assert changes[0]["clinically_significant"] is True


def test_the_chairs_mark_at_approval_is_its_assessment_and_is_not_changed_later(article, author, chair, reviewers):
    version = publish(article, author, chair, reviewers, significant=False)
    assert version.significance_assessed_at == version.approved_at

    with pytest.raises(Conflict) as exc:
        services.version_assess_significance(version=version, user=chair, clinically_significant=True)

    assert exc.value.code == "significance-already-assessed"
    version.refresh_from_db()
    assert version.clinically_significant is False
    assert not AuditEntry.objects.filter(action="assess_significance").exists()


def test_only_the_chair_assesses_significance(article, author, chair, reviewers):
    version = publish(article, author, chair, reviewers, significant=None)
    for user in (author, reviewers[0]):
        with pytest.raises(NotAllowed):
            services.version_assess_significance(version=version, user=user, clinically_significant=True)
    version.refresh_from_db()
    assert version.clinically_significant is None


def test_the_chair_assesses_from_the_admin_list_of_versions_awaiting_it(article, author, chair, reviewers, client):
    version = publish(article, author, chair, reviewers, significant=None)
    client.force_login(chair)

    waiting = client.get("/admin/articles/publishedversion/")
    assert waiting.status_code == 200
    assert list(waiting.context["cl"].result_list) == [version]
    done = client.post(
        "/admin/articles/publishedversion/",
        {"action": "mark_significant", "_selected_action": [version.pk]},
        follow=True,
    )

    assert "1 version(s) marked clinically significant." in done.content.decode()
    version.refresh_from_db()
    assert version.clinically_significant is True
    # nothing waits any more: the list opens on every version instead of an empty view (issue 20)
    assert list(client.get("/admin/articles/publishedversion/").context["cl"].result_list) == [version]
    assert list(client.get("/admin/articles/publishedversion/?assessed=no").context["cl"].result_list) == []
    client.force_login(reviewers[0])
    assert client.get("/admin/articles/publishedversion/").status_code == 403


def test_the_approval_mail_says_when_significance_is_still_to_be_assessed(
    article, author, chair, reviewers, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the outbox delivers after commit
        publish(article, author, chair, reviewers, significant=None)

    [told] = [m for m in mailoutbox if chair.email in m.to and "approved by the board" in m.body]
    assert "not assessed yet" in told.body
    assert "/admin/articles/publishedversion/" in told.body

    mailoutbox.clear()
    services.article_revise(article=article, user=author, change_summary="Lower starting dose.")
    edit_first_section(article, author, "Start at 5 mg [1].")
    with django_capture_on_commit_callbacks(execute=True):
        publish(article, author, chair, reviewers, significant=True)
    [told] = [m for m in mailoutbox if chair.email in m.to and "approved by the board" in m.body]
    assert "not assessed yet" not in told.body
