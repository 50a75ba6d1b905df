"""Words and safety on the review screen: the Reviewers table's columns line up (the Due column shows the
due date), actions that do not apply are not "not possible yet", archive is set apart, acting at once asks."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from reviewboard.models import Assignment
from reviewboard.review import services
from tests.reviewboard.conftest import start_review, submit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("review_world")]


def screen(user, article) -> str:
    client = Client()
    client.force_login(user)
    return client.get(reverse("admin:articles_article_review", args=[article.pk])).content.decode()


def test_the_due_column_shows_the_due_date_and_every_row_has_one_cell_per_heading(article, author, chair, reviewers):
    article = start_review(article, author, chair, reviewers[:2])
    due = timezone.make_aware(datetime(2031, 3, 4, 12, 0))
    Assignment.objects.filter(article=article).update(due_at=due)

    html = screen(chair, article)

    table = html[
        html.index('class="review-assignments') : html.index("</table>", html.index('class="review-assignments'))
    ]
    headings = len(re.findall(r"<th>", table.split("</thead>")[0]))
    first_row = table.split("<tbody>")[1].split("</tr>")[0]
    assert len(re.findall(r"<td", first_row)) == headings
    assert re.search(r'<td data-label="Due" class="assignment-due">2031-03-04', first_row)


def test_retract_is_not_offered_as_a_future_step_on_a_never_published_article(article, author, chair):
    html = screen(chair, submit(article, author))

    assert 'data-blocked="retract"' not in html
    assert "not possible yet: There is no published version" not in html


def test_archive_is_set_apart_and_start_review_asks_first(article, author, chair, reviewers):
    article = submit(article, author)
    for reviewer in reviewers[:2]:
        services.assignment_create(article=article, reviewer=reviewer, user=chair)

    html = screen(chair, article)

    more = html[html.index('id="more-actions"') :]
    assert 'data-transition="archive"' in more.split("</details>")[0]
    assert 'data-confirm="Start the review now?' in html
