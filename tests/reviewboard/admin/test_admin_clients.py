"""The admin for client apps: the chair's report queue and triage, webhook endpoints created through
the same checks as the API, the delivery log with manual redelivery; none of it for non-chairs."""

from __future__ import annotations

import pytest

from reviewboard.clients.reports import report_create
from reviewboard.delivery import outbox, webhooks
from reviewboard.models import ReaderReport, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from tests.articles.publishing_helpers import approve
from tests.factories import ArticleFactory, AuthorFactory
from tests.http_receiver import Receiver

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("review_world")]


@pytest.fixture
def report(db):
    article = ArticleFactory(slug="back-pain")
    approve(article)
    return report_create(slug="back-pain", api_key_id=None, client_name="web", kind="factual_error", text="Wrong dose.")


@pytest.fixture
def receiver():
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


def test_the_chair_sees_waiting_reports_and_dismisses_one_with_a_reason(client, chair, report):
    client.force_login(chair)
    page = client.get("/admin/reviewboard/readerreport/")
    assert page.status_code == 200
    assert b"Wrong dose." in page.content

    response = client.post(
        "/admin/reviewboard/readerreport/",
        {"action": "dismiss_selected", "_selected_action": [report.pk], "note": "Matches the guideline."},
        follow=True,
    )
    assert b"1 report(s) dismissed." in response.content
    report.refresh_from_db()
    assert (report.status, report.triage_note, report.triaged_by) == ("dismissed", "Matches the guideline.", chair)
    # left the queue of reports waiting (the list opens on all reports once none waits: issue 20)
    assert b"Wrong dose." not in client.get("/admin/reviewboard/readerreport/?status=received").content


def test_dismissing_without_a_reason_is_refused_with_the_reason_why(client, chair, report):
    client.force_login(chair)
    response = client.post(
        "/admin/reviewboard/readerreport/",
        {"action": "dismiss_selected", "_selected_action": [report.pk], "note": ""},
        follow=True,
    )
    assert b"reason for dismissing the report is required" in response.content
    report.refresh_from_db()
    assert report.status == "received"


def test_the_chair_opens_a_re_review_from_the_queue(client, chair, report):
    client.force_login(chair)
    client.post(
        "/admin/reviewboard/readerreport/",
        {"action": "open_rereview_selected", "_selected_action": [report.pk], "note": ""},
        follow=True,
    )
    report.refresh_from_db()
    assert report.status == ReaderReport.Status.REREVIEW
    assert report.article.review_overdue is True


def test_non_chairs_do_not_see_client_records(client, report):
    client.force_login(AuthorFactory())
    for model in ("readerreport", "webhookendpoint", "webhookdelivery"):
        assert client.get(f"/admin/reviewboard/{model}/").status_code == 403


def test_the_chair_registers_an_endpoint_and_redelivers_a_delivery(client, chair, receiver):
    client.force_login(chair)
    response = client.post(
        "/admin/reviewboard/webhookendpoint/add/",
        {"url": receiver.url, "description": "site", "events": ["article.archived"], "active": "on"},
    )
    assert response.status_code == 302, response.content
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret.startswith("whsec_")
    receiver.secrets = [endpoint.secret]

    bad = client.post("/admin/reviewboard/webhookendpoint/add/", {"url": "ftp://x", "events": ["article.archived"]})
    assert b"absolute" in bad.content
    assert WebhookEndpoint.objects.count() == 1

    article = ArticleFactory()
    outbox.deliver(outbox.emit("article.archived", article=article))
    webhooks.webhook_endpoint_flush(endpoint_id=endpoint.pk)
    delivery = WebhookDelivery.objects.get()
    page = client.get(f"/admin/reviewboard/webhookdelivery/{delivery.pk}/change/")
    assert page.status_code == 200
    assert b"article.archived" in page.content

    client.post(
        "/admin/reviewboard/webhookdelivery/", {"action": "redeliver", "_selected_action": [delivery.pk]}, follow=True
    )
    assert WebhookAttempt.objects.filter(delivery=delivery, manual=True, ok=True).count() == 1
    assert len(receiver.events()) == 2


def report_page(report) -> str:
    return f"/admin/reviewboard/readerreport/{report.pk}/change/"


def test_the_chair_triages_a_report_on_its_own_page(client, chair, report):
    client.force_login(chair)

    page = client.get(report_page(report)).content.decode()
    response = client.post(
        f"/admin/reviewboard/readerreport/{report.pk}/triage/dismiss_report/",
        {"reason": "Matches the guideline."},
        follow=True,
    )

    # the declared actions, as forms on the page that shows the report
    assert 'data-triage="open_rereview"' in page
    assert 'data-triage="dismiss_report"' in page
    assert ">Dismiss the report</button>" in page
    assert "Reader report dismissed." in response.content.decode()
    report.refresh_from_db()
    assert (report.status, report.triage_note, report.triaged_by) == ("dismissed", "Matches the guideline.", chair)
    assert 'data-triage="' not in client.get(report_page(report)).content.decode()  # triaged: nothing more to do


def test_a_refused_triage_on_the_page_says_why_and_changes_nothing(client, chair, report):
    client.force_login(chair)

    response = client.post(
        f"/admin/reviewboard/readerreport/{report.pk}/triage/dismiss_report/", {"reason": ""}, follow=True
    )

    assert "reason for dismissing the report is required" in response.content.decode()
    report.refresh_from_db()
    assert report.status == "received"


def test_nobody_but_the_chair_triages_on_the_page(client, report):
    client.force_login(AuthorFactory())

    client.post(f"/admin/reviewboard/readerreport/{report.pk}/triage/open_rereview/", {"note": ""})

    report.refresh_from_db()
    assert report.status == "received"


def test_the_report_queue_never_opens_on_an_empty_view(client, chair, report):
    client.force_login(chair)
    client.post(f"/admin/reviewboard/readerreport/{report.pk}/triage/open_rereview/", {"note": ""})

    shown = client.get("/admin/reviewboard/readerreport/").context["cl"].result_list

    assert list(shown) == [report]  # none waits: every report instead of nothing
