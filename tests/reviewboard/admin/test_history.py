"""One history: the audit log in words, filtered by date, who and what; the chair exports it as CSV."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from reviewboard.board import permissions
from reviewboard.review import services
from tests.logins import logged_in
from tests.reviewboard.conftest import start_review

# Not about who ends a review: "the quorum approves" (issue 18's board setting; default: the chair).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quorum_approves")]

LIST = "/admin/reviewboard/auditentry/"


@pytest.fixture
def history(article, author, chair, reviewers):
    article = start_review(article, author, chair, reviewers[:2])
    services.comment_create(article=article, user=reviewers[0], body="Dose?", blocking=True)
    return article


def test_the_history_reads_in_words_and_filters_by_who_and_what(history, chair, reviewers):
    client = logged_in(chair)

    page = client.get(LIST).content.decode()

    assert "Submitted for review" in page
    assert "Draft → Submitted" in page
    assert permissions.display_name(reviewers[0]) in page
    assert ">under_review<" not in page
    by_reviewer = client.get(f"{LIST}?actor={reviewers[0].pk}")
    # issue 18: the reviewer accepted the assignment before commenting
    assert {e.action for e in by_reviewer.context["cl"].result_list} == {"accept_assignment", "comment"}
    submits = client.get(f"{LIST}?action=submit")
    assert [e.action for e in submits.context["cl"].result_list] == ["submit"]
    today = timezone.localdate()
    dated = client.get(
        f"{LIST}?created_at__year={today.year}&created_at__month={today.month}&created_at__day={today.day}"
    )
    assert len(dated.context["cl"].result_list) == len(client.get(LIST).context["cl"].result_list)


def test_the_chair_exports_what_the_filters_show_as_csv(history, chair, reviewers):
    client = logged_in(chair)
    assert 'id="export-history"' in client.get(f"{LIST}?action=comment").content.decode()

    response = client.get(reverse("admin:reviewboard_auditentry_export") + "?action=comment")

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["#", "when", "who", "what", "article", "state", "content hash", "comment"]
    assert [row[2:4] for row in rows[1:]] == [[permissions.display_name(reviewers[0]), "Commented"]]
    assert rows[1][7] == "Dose?"


def test_only_the_chair_exports(history, reviewers):
    client = logged_in(reviewers[0])

    assert 'id="export-history"' not in client.get(LIST).content.decode()
    response = client.get(reverse("admin:reviewboard_auditentry_export"))
    assert response.status_code == 302
    assert response.url == reverse("admin:reviewboard_auditentry_changelist")
