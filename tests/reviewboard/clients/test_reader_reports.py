"""Reader reports: filed with a client's API key (JSON only, cleaned, size- and rate-limited, 400
naming the field), triaged by the chair through the declared actions (dismiss with a reason, or a
re-review that flags the article as the overdue sweep does), and readable by the filing client."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient
from rest_framework_api_key.models import APIKey

from articles.models import Article
from config.exceptions import Conflict, InvalidInput, NotAllowed
from reviewboard.clients.reports import report_dismiss, report_open_rereview
from reviewboard.models import AuditEntry, Event, ReaderReport
from reviewboard.review import actions
from tests.articles.publishing_helpers import approve, set_state
from tests.factories import ArticleFactory, AuthorFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("review_world", "clean_api_caches")]

URL = "/api/v1/articles/back-pain/reports/"
GOOD = {"kind": "outdated", "section": "Medication", "text": "The dose was changed by the 2025 guideline."}


def keyed(name: str = "web site") -> APIClient:
    _, key = APIKey.objects.create_key(name=name)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


@pytest.fixture
def api(published):
    return keyed()


def file(api, **overrides) -> dict:
    response = api.post(URL, {**GOOD, **overrides}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_a_client_files_a_report_and_reads_its_status(api, published):
    body = file(api)
    assert body["status"] == "received"
    assert (body["kind"], body["section"], body["version"]) == ("outdated", "Medication", 1)

    report = ReaderReport.objects.get()
    assert (report.article, report.text, report.client_name) == (published, GOOD["text"], "web site")
    answer = api.get(f"{URL}{body['id']}/")
    assert answer.status_code == 200
    assert answer.json() == body
    assert answer["Cache-Control"] == "no-store"


def test_another_client_cannot_read_the_report(api, published):
    body = file(api)
    assert keyed("partner").get(f"{URL}{body['id']}/").status_code == 404


def test_markup_and_control_characters_are_removed_from_what_a_reader_typed(api, published):
    file(api, text="<script>alert(1)</script><b>Dose</b> is\x07 wrong & <i>old</i>", section="  medication ")
    report = ReaderReport.objects.get()
    assert report.text == "Dose is wrong & old"
    assert report.section == "Medication"  # matched to the published heading


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "spam"}, "kind"),
        ({"text": ""}, "text"),
        ({"text": "<p></p>"}, "text"),
        ({"text": "x" * 4001}, "text"),
        ({"contact": "not an address"}, "contact"),
        ({"severity": "high"}, "severity"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_filed(api, published, payload, field):
    response = api.post(URL, {**GOOD, **payload}, format="json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    named = [error["detail"]["field"]] if "field" in error["detail"] else list(error["detail"])
    assert named == [field]
    assert not ReaderReport.objects.exists()


def test_a_section_the_version_does_not_have_is_a_404_naming_the_field_and_nothing_is_filed(api, published):
    """A well-formed heading that names no section of the published version: 404, listing the headings."""
    response = api.post(URL, {**GOOD, "section": "Nonexistent heading"}, format="json")

    assert response.status_code == 404, response.content
    error = response.json()["error"]
    assert (error["code"], error["detail"]["field"]) == ("unknown-section", "section")
    assert error["detail"]["sections"]
    assert not ReaderReport.objects.exists()


def test_only_json_is_accepted(api, published):
    response = api.post(URL, GOOD)  # multipart form
    assert response.status_code == 415
    assert not ReaderReport.objects.exists()


def test_a_body_over_the_limit_is_refused_with_413(api, published, settings):
    settings.READER_REPORT_MAX_BODY_BYTES = 200
    response = api.post(URL, {**GOOD, "text": "y" * 300}, format="json")
    assert response.status_code == 413
    assert response.json()["error"] == {
        "code": "body-too-large",
        "message": "The request body is larger than 200 bytes.",
        "detail": {"field": "body"},
    }
    assert not ReaderReport.objects.exists()


def test_reports_are_rate_limited_per_key(api, published, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "reader_reports": "2/hour"},
    }
    file(api)
    file(api)
    response = api.post(URL, GOOD, format="json")
    assert response.status_code == 429
    assert "Retry-After" in response
    file(keyed("partner"))  # another key has its own allowance
    assert ReaderReport.objects.count() == 3


def test_no_key_no_report(published):
    assert APIClient().post(URL, GOOD, format="json").status_code == 401
    assert not ReaderReport.objects.exists()


@pytest.mark.parametrize(("state", "status"), [("draft", 404), ("retracted", 404)])
def test_only_published_articles_can_be_reported(api, published, state, status):
    unpublished = ArticleFactory(slug="draft-only")
    assert api.post("/api/v1/articles/draft-only/reports/", GOOD, format="json").status_code == 404
    assert unpublished.state == state or state == "retracted"
    set_state(published, "retracted", retraction_reason="x", retracted_at=published.approved_at)
    response = api.post(URL, GOOD, format="json")
    assert response.status_code == status
    assert not ReaderReport.objects.exists()


# --- triage ------------------------------------------------------------------------------------------


@pytest.fixture
def report(api, published):
    return ReaderReport.objects.get(public_id=file(api)["id"])


def test_the_chair_dismisses_a_report_with_a_reason_the_client_reads(api, report, chair):
    report_dismiss(report=report, user=chair, reason="The dose given matches the 2025 guideline.")
    body = api.get(f"{URL}{report.public_id}/").json()
    assert body["status"] == "dismissed"
    assert body["resolution"] == "The dose given matches the 2025 guideline."
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.article_id) == ("dismiss_report", report.article_id)


def test_dismissing_needs_a_reason_and_the_chair(report, chair):
    with pytest.raises(InvalidInput) as exc:
        report_dismiss(report=report, user=chair, reason=" ")
    assert exc.value.detail == {"field": "reason"}
    with pytest.raises(NotAllowed):
        report_dismiss(report=report, user=AuthorFactory(), reason="No.")
    report.refresh_from_db()
    assert report.status == "received"


def test_a_report_opens_a_re_review_through_the_overdue_sweeps_path(api, report, chair, published):
    report_open_rereview(report=report, user=chair, note="Check the 2025 dose.")

    article = Article.objects.get(pk=published.pk)
    assert article.review_overdue is True
    assert article.next_review_due <= article.review_overdue_notified_at
    due = Event.objects.get(type="article.review_due")
    assert due.payload["reason"] == 'A reader reported outdated in "Medication": Check the 2025 dose.'
    assert list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))[-2:] == [
        "flag_rereview",
        "open_rereview",
    ]
    assert api.get(f"{URL}{report.public_id}/").json()["status"] == "rereview_opened"

    with pytest.raises(Conflict) as exc:  # triaged once
        report_dismiss(report=ReaderReport.objects.get(), user=chair, reason="Changed my mind.")
    assert exc.value.code == "report-already-triaged"


def test_a_report_is_triaged_only_on_its_own_article(report, chair):
    """The runner refuses a target of another article, for every kind of target (one check)."""
    other = ArticleFactory(slug="other-article")
    approve(other)

    with pytest.raises(InvalidInput) as exc:
        actions.perform("dismiss_report", article=other, user=chair, target=report, reason="Not ours.")

    assert (exc.value.code, exc.value.detail) == ("invalid-report", {"field": "report"})
    report.refresh_from_db()
    assert report.status == ReaderReport.Status.RECEIVED


def test_the_chairs_queue_shows_the_reports_waiting_first_and_all_on_request(report, chair, client, api):
    done = ReaderReport.objects.get(public_id=file(api, text="Second report about the same page.")["id"])
    report_dismiss(report=done, user=chair, reason="Already corrected.")
    client.force_login(chair)

    waiting = client.get("/admin/reviewboard/readerreport/")
    everything = client.get("/admin/reviewboard/readerreport/", {"status": "all"})

    assert list(waiting.context["cl"].result_list) == [report]
    assert set(everything.context["cl"].result_list) == {report, done}


@pytest.mark.parametrize(
    "typed",
    [
        "&lt;script&gt;alert(1)&lt;/script&gt;Dose is wrong",
        "&lt;img src=x onerror=alert(1)&gt;Dose is wrong",
        "&amp;lt;b onmouseover=alert(1)&amp;gt;Dose is wrong",  # encoded twice
        "&#60;iframe src=javascript:alert(1)&#62;Dose is wrong",
        "<scr<script>ipt>alert(1)</script>Dose is wrong",
        "<\x07script>alert(1)<\x07/script>Dose is wrong",  # a control character dropped must not join a tag
    ],
)
def test_markup_written_with_entities_is_stored_as_plain_text_that_cannot_become_markup(api, published, typed):
    import html

    import nh3

    file(api, text=typed)
    text = ReaderReport.objects.get().text
    assert "Dose is wrong" in text
    # Plain text: nothing a sanitizer would change, once more decoded or not; no tag can be spelled.
    assert html.unescape(nh3.clean(text, tags=set())) == text
    assert html.unescape(text) == text
    assert "<" not in text.replace("< ", "")
