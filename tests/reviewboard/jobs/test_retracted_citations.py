"""import_retractions: published articles citing a newly retracted paper are flagged for
re-review and the chair is told once; the demo shows it end to end."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from articles.models import Article, PublishedVersion
from references.models import Reference, Retraction
from reviewboard.jobs.rereview import flag_overdue_reviews
from reviewboard.review.rereview import articles_flag_now
from tests.articles.publishing_helpers import approve
from tests.factories import ArticleFactory, ChairFactory

SAMPLE = Path(__file__).resolve().parents[3] / "references" / "fixtures" / "retractions-sample.csv"
RETRACTED_DOI = "10.5555/demo-knee-2019-0173"


def run(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except CommandError as error:
        return error.returncode, out.getvalue(), err.getvalue() + str(error)
    return 0, out.getvalue(), err.getvalue()


def published_citing_retracted_paper() -> Article:
    article = ArticleFactory()
    Reference.objects.filter(pk=article.citations.get(number=2).reference_id).update(doi=RETRACTED_DOI)
    approve(article)
    article.refresh_from_db()
    return article


@pytest.fixture
def chair_with_email(db):
    return ChairFactory(username="chair", email="chair@example.org")


@pytest.mark.django_db(transaction=True)
def test_a_published_article_citing_a_retracted_paper_is_flagged_and_the_chair_told_once(chair_with_email):
    article = published_citing_retracted_paper()
    other = ArticleFactory()  # published, citing nothing retracted
    approve(other)
    due_before = article.next_review_due
    assert due_before > timezone.now()

    code, out, _ = run("import_retractions", str(SAMPLE), "--no-progress")

    assert code == 0
    assert f"Flagged article(s): {article.pk}" in out
    article.refresh_from_db(), other.refresh_from_db()
    assert article.review_overdue
    assert article.next_review_due <= timezone.now()
    assert article.review_overdue_notified_at is not None
    assert not other.review_overdue
    assert other.next_review_due > timezone.now()
    # The read API's stored bytes say so.
    payload = json.loads(PublishedVersion.objects.get(pk=article.live_version_id).payload_json)
    assert payload["review_overdue"] is True
    [message] = mail.outbox
    assert message.to == ["chair@example.org"]
    assert article.question in message.subject
    assert RETRACTED_DOI in message.body
    assert "Retraction of 2024-03-14" in message.body
    assert "Retraction Watch record 900001" in message.body

    # Once: neither a second import nor the daily re-review sweep tells the chair again or unflags it.
    code, out, _ = run("import_retractions", str(SAMPLE), "--no-progress")
    assert code == 0
    assert "0 notice(s) created, 0 updated, 6 unchanged" in out
    flag_overdue_reviews()
    article.refresh_from_db()
    assert article.review_overdue
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_an_article_already_overdue_stays_flagged_and_the_chair_still_learns_of_the_retraction(chair_with_email):
    article = published_citing_retracted_paper()
    Article.objects.filter(pk=article.pk).update(review_overdue=True, review_overdue_notified_at=timezone.now())
    code, out, _ = run("import_retractions", str(SAMPLE), "--no-progress")
    assert code == 0
    assert "1 already flagged" in out
    [message] = mail.outbox
    assert RETRACTED_DOI in message.body


def test_the_one_write_of_the_flag_brings_the_review_date_forward_and_spares_those_already_flagged(db):
    """Every cause (a retracted citation, a reader's report, a corrected reference) flags through
    ``articles_flag_now``: due now (a missing date too), overdue, the chair counted as told, and
    the payloads' re-render requested; the import's bulk flag leaves articles already flagged alone."""
    now = timezone.now()
    due_later, no_date, flagged = (ArticleFactory() for _ in range(3))
    for article in (due_later, no_date, flagged):
        approve(article)
        article.refresh_from_db()
    Article.objects.filter(pk=no_date.pk).update(next_review_due=None)
    earlier = now - timezone.timedelta(days=3)
    Article.objects.filter(pk=flagged.pk).update(review_overdue=True, review_overdue_notified_at=earlier)

    done = articles_flag_now(Article.objects.all(), now=now, only_unflagged=True)

    assert done == sorted([due_later.pk, no_date.pk])
    for article in (due_later, no_date):
        article.refresh_from_db()
        assert (article.review_overdue, article.review_overdue_notified_at, article.next_review_due) == (True, now, now)
        assert PublishedVersion.objects.get(pk=article.live_version_id).render_requested_at == now
    flagged.refresh_from_db()
    assert flagged.review_overdue_notified_at == earlier


@pytest.mark.django_db(transaction=True)
def test_a_draft_citing_a_retracted_paper_is_not_flagged_nor_reported(chair_with_email):
    article = ArticleFactory()
    Reference.objects.filter(pk=article.citations.get(number=1).reference_id).update(doi=RETRACTED_DOI)
    code, out, _ = run("import_retractions", str(SAMPLE), "--no-progress")
    assert code == 0
    assert "No published article cites a newly retracted paper" in out
    article.refresh_from_db()
    assert not article.review_overdue
    assert mail.outbox == []


@pytest.mark.django_db
def test_bad_rows_are_reported_on_stderr_with_their_line_and_the_rest_loads(tmp_path):
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    lines.insert(2, "777,Bad,,,,,,,,,not a date,,0,,10.5555/bad,0,Retraction,,No,,")
    lines.insert(3, "778,Bad,,,,,,,,,1/1/2024 0:00,,0,,10.5555/bad-2,0,Retracted maybe,,No,,")
    path = tmp_path / "rw.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = run("import_retractions", str(path), "--no-progress")
    assert code == 0
    # An unreadable date: loaded with the date unknown (issue 21), a warning on its line.
    assert "line 3: RetractionDate 'not a date' is not a date" in err
    assert "loaded with its date left unknown" in err
    assert Retraction.objects.get(record_id="777").notice_date is None
    assert "line 4: RetractionNature 'Retracted maybe'" in err
    assert "row skipped" in err
    assert "8 row(s) read, 1 skipped: 7 notice(s) created" in out
    assert not Retraction.objects.filter(record_id="778").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "expected"),
    [(None, "no such file"), ("Title,Journal\nA,B\n", "lacks the column(s)")],
)
def test_an_unreadable_file_exits_2_and_writes_nothing(tmp_path, content, expected):
    path = tmp_path / "rw.csv"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    code, _, err = run("import_retractions", str(path), "--no-progress")
    assert code == 2
    assert expected in err
    assert not Retraction.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_demo_check_citations_flags_the_planted_retracted_citation_and_the_flag_and_email_follow():
    """Done when: check_citations --all on the demo data with the sample retraction file loaded flags
    the planted retracted citation, and the re-review flag and notification follow."""
    from reviewboard.board.groups import ensure_board_groups

    ensure_board_groups()
    assert run("seed_demo")[0] == 0
    code, out, _ = run("seed_demo_published")
    assert code == 0
    assert "Published demo article 'knee-osteoarthritis-treatment' (Approved)" in out
    mail.outbox.clear()

    code, out, _ = run("import_retractions", str(SAMPLE), "--no-progress")
    assert code == 0

    code, out, _ = run("check_citations", "--all", "--json")
    assert code == 1
    report = {a["slug"]: a for a in json.loads(out)["articles"]}
    [finding] = report["knee-osteoarthritis-treatment"]["errors"]
    assert finding["code"] == "withdrawn-reference"
    assert finding["number"] == 3
    assert "Retraction of 2024-03-14" in finding["message"]
    article = Article.objects.get(slug="knee-osteoarthritis-treatment")
    assert article.review_overdue
    [message] = [m for m in mail.outbox if "retracted" in m.subject]
    assert message.to == ["chair@example.org"]
    # Running the demo set-up again changes nothing and tells nobody.
    mail.outbox.clear()
    assert run("seed_demo_published")[0] == 0
    assert run("import_retractions", str(SAMPLE), "--no-progress")[0] == 0
    assert mail.outbox == []
