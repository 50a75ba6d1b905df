"""Loading a retraction dataset (Retraction Watch CSV layout) into the reference library."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from articles.content import content_from_article
from config.exceptions import Conflict
from references.integrity import EXPRESSION_OF_CONCERN, WITHDRAWN_REFERENCE, check_content
from references.models import Reference, Retraction
from references.retractions import UnreadableFile, read_retractions, retractions_import
from tests.factories import ArticleFactory, ReferenceFactory

SAMPLE = Path(__file__).resolve().parents[2] / "references" / "fixtures" / "retractions-sample.csv"
HEADER = (
    "Record ID,Title,Subject,Institution,Journal,Publisher,Country,Author,URLS,ArticleType,RetractionDate,"
    "RetractionDOI,RetractionPubMedID,OriginalPaperDate,OriginalPaperDOI,OriginalPaperPubMedID,RetractionNature,"
    "Reason,Paywalled,Notes,"
)


def row(record_id, *, doi="10.5555/x-1", pmid="0", nature="Retraction", date_="3/14/2024 0:00", title="A paper"):
    return (
        f'{record_id},"{title}",(HSC) Medicine;,Inst,J Demo,Demo Press,US,A Author,,Research Article;,'
        f"{date_},10.5555/notice-{record_id},0,1/2/2019 0:00,{doi},{pmid},{nature},+Error in Data;,No,,"
    )


def write(tmp_path, *rows, header=HEADER, name="rw.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def load(path):
    return retractions_import(notices=read_retractions(path).notices)


# --- reading ----------------------------------------------------------------------------------


def test_the_sample_file_reads_every_nature_with_normalised_identifiers():
    read = read_retractions(SAMPLE)
    assert read.problems == []
    by_id = {n.record_id: n for n in read.notices}
    assert {n.nature for n in read.notices} == set(Retraction.Nature.values)
    assert by_id["900004"].original_doi == "10.5555/demo-anaes-2011-044"  # resolver prefix and case folded
    assert by_id["900002"].original_doi == ""  # "unavailable"
    assert by_id["900002"].original_pmid == "99000002"
    assert by_id["900001"].original_pmid == ""  # "0"
    assert by_id["900001"].notice_date == date(2024, 3, 14)
    reasons = "Concerns/Issues About Data; Duplication of Image; Investigation by Journal/Publisher"
    assert by_id["900001"].reasons == reasons


def test_bad_rows_are_reported_by_line_and_skipped(tmp_path):
    path = write(
        tmp_path,
        row(1),
        row(2, nature="Retracted maybe"),
        row(3, date_="14/03/2024"),
        row(4, doi="unavailable", pmid="0"),
        row(1, doi="10.5555/x-9"),
        row(6, doi="not-a-doi", pmid="12345"),
        ",,,,",
        row(8),
    )
    read = read_retractions(path)
    assert [n.record_id for n in read.notices] == ["1", "3", "6", "8"]  # 3: loaded, its date unknown
    problems = {p.line: str(p) for p in read.problems}
    assert "RetractionNature 'Retracted maybe'" in problems[3]
    assert problems[3].endswith("row skipped")
    assert "RetractionDate '14/03/2024' is not a date" in problems[4]
    assert not next(p for p in read.problems if p.line == 4).skipped
    assert "no usable DOI or PubMed ID" in problems[5]
    assert "Record ID 1 is already on line 2" in problems[6]
    assert "OriginalPaperDOI 'not-a-doi' is malformed and was ignored" in problems[7]
    assert not next(p for p in read.problems if p.line == 7).skipped  # matched by its PMID instead
    assert read.rows == 7  # the blank row is not a row


def test_a_quoted_title_spanning_lines_keeps_the_line_numbers_right(tmp_path):
    path = write(tmp_path, row(1, title="Two\nlines"), row(2, nature="Nope"))
    read = read_retractions(path)
    assert read.notices[0].title == "Two lines"
    assert [p.line for p in read.problems] == [4]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        (b"", "the file is empty"),
        (b"Title,Journal\nA,B\n", "lacks the column(s) Record ID, RetractionNature"),
        (HEADER.encode() + b"\n1,\xff\xfe bad", "not UTF-8"),
    ],
)
def test_an_unreadable_file_says_why(tmp_path, content, message):
    path = tmp_path / "rw.csv"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(UnreadableFile, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_retractions(path)


@pytest.mark.django_db
def test_a_row_with_an_unreadable_date_but_a_readable_identifier_is_loaded_with_the_date_unknown(tmp_path):
    # Given a retraction whose dates cannot be read (day-first, a word) but whose DOI can
    path = write(tmp_path, row(1, date_="14/03/2024", doi="10.5555/lost-1"), row(2, date_="sometime in 2023"))
    reference = ReferenceFactory(doi="10.5555/lost-1")

    # When it is read and loaded
    read = read_retractions(path)
    summary = retractions_import(notices=read.notices)

    # Then it is loaded with no date, each unreadable date a warning on its line (the row kept)
    assert [(n.record_id, n.notice_date) for n in read.notices] == [("1", None), ("2", None)]
    assert [(p.line, p.skipped) for p in read.problems] == [(2, False), (3, False)]
    assert "RetractionDate '14/03/2024' is not a date" in str(read.problems[0])
    assert "date left unknown" in str(read.problems[0])
    assert summary.created == 2
    reference.refresh_from_db()
    assert reference.status == Reference.Status.WITHDRAWN  # the paper reads as retracted


# --- loading ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_retraction_withdraws_the_library_record_with_its_doi_or_pmid():
    by_doi = ReferenceFactory(doi="10.5555/DEMO-KNEE-2019-0173")  # stored as written: compared normalised
    by_pmid = ReferenceFactory(doi="", pmid="99000006")
    untouched = ReferenceFactory()
    summary = load(SAMPLE)
    assert summary.created == 6
    assert sorted(summary.withdrawn) == sorted([by_doi.pk, by_pmid.pk])
    for reference in (by_doi, by_pmid, untouched):
        reference.refresh_from_db()
    assert by_doi.status == Reference.Status.WITHDRAWN
    assert by_doi.retraction.record_id == "900001"
    assert by_pmid.status == Reference.Status.WITHDRAWN
    assert untouched.status == Reference.Status.CURRENT
    assert untouched.retraction is None


@pytest.mark.django_db
def test_an_expression_of_concern_links_without_withdrawing_corrections_and_reinstatements_do_nothing():
    concern = ReferenceFactory(doi="", pmid="99000002")
    corrected = ReferenceFactory(doi="10.5555/demo-renal-2021-0033")
    reinstated = ReferenceFactory(doi="10.5555/demo-gut-2016-0505")
    summary = load(SAMPLE)
    assert summary.concern == [concern.pk]
    assert summary.withdrawn == []
    concern.refresh_from_db(), corrected.refresh_from_db(), reinstated.refresh_from_db()
    assert concern.status == Reference.Status.CURRENT
    assert concern.retraction.record_id == "900002"
    assert corrected.retraction is None
    assert corrected.status == Reference.Status.CURRENT
    assert reinstated.retraction is None
    assert reinstated.status == Reference.Status.CURRENT


@pytest.mark.django_db
def test_a_retraction_wins_over_an_expression_of_concern_of_the_same_paper(tmp_path):
    reference = ReferenceFactory(doi="10.5555/x-1")
    load(
        write(
            tmp_path,
            row(1, nature="Expression of concern", date_="1/1/2020 0:00"),
            row(2, date_="1/1/2021 0:00"),
            row(3, nature="Expression of concern", date_="1/1/2022 0:00"),
        )
    )
    reference.refresh_from_db()
    assert reference.retraction.record_id == "2"
    assert reference.status == Reference.Status.WITHDRAWN


@pytest.mark.django_db
def test_running_the_import_again_changes_nothing(django_assert_num_queries):
    reference = ReferenceFactory(doi="10.5555/demo-knee-2019-0173")
    load(SAMPLE)
    stamps = dict(Retraction.objects.values_list("record_id", "updated_at"))
    reference.refresh_from_db()
    reference_stamp = reference.updated_at
    # savepoint, library identifiers, existing notices of the batch, notice ids, locked references, release
    with django_assert_num_queries(6):
        summary = load(SAMPLE)
    assert (summary.created, summary.updated, summary.unchanged, summary.linked) == (0, 0, 6, 0)
    assert summary.withdrawn == []
    assert dict(Retraction.objects.values_list("record_id", "updated_at")) == stamps
    reference.refresh_from_db()
    assert reference.updated_at == reference_stamp


@pytest.mark.django_db
def test_an_editors_decision_after_an_import_stands_on_the_next_run():
    reference = ReferenceFactory(doi="10.5555/demo-knee-2019-0173")
    load(SAMPLE)
    Reference.objects.filter(pk=reference.pk).update(status=Reference.Status.CURRENT)  # e.g. a wrong match
    assert load(SAMPLE).withdrawn == []
    reference.refresh_from_db()
    assert reference.status == Reference.Status.CURRENT


@pytest.mark.django_db
def test_a_changed_notice_is_updated(tmp_path):
    load(write(tmp_path, row(1, title="Old title")))
    summary = load(write(tmp_path, row(1, title="New title"), name="rw2.csv"))
    assert (summary.created, summary.updated) == (0, 1)
    assert Retraction.objects.get(record_id="1").title == "New title"


@pytest.mark.django_db
def test_queries_grow_with_batches_not_rows(tmp_path, django_assert_max_num_queries):
    for n in range(30):
        ReferenceFactory(doi=f"10.5555/x-{n}")
    path = write(tmp_path, *(row(n, doi=f"10.5555/x-{n}") for n in range(2500)))
    # 1 library read + per batch of 1000 (select existing, insert) x3 + notice ids + locked refs + 1 bulk update
    with django_assert_max_num_queries(12):
        summary = load(path)
    assert summary.created == 2500
    assert len(summary.withdrawn) == 30


# --- what the integrity check says ----------------------------------------------------------


@pytest.mark.django_db
def test_a_cited_retracted_paper_is_an_error_naming_the_notice_and_blocks_submit(author):
    from reviewboard.review.services import article_submit

    article = ArticleFactory(authors=[author])
    cited = article.citations.get(number=2).reference
    Reference.objects.filter(pk=cited.pk).update(doi="10.5555/demo-knee-2019-0173")
    load(SAMPLE)
    report = check_content(content_from_article(article))
    [finding] = [f for f in report.errors if f.code == WITHDRAWN_REFERENCE]
    assert finding.number == 2
    assert "has been retracted: Retraction of 2024-03-14, notice 10.5555/demo-knee-2024-ret1" in finding.message
    assert "Retraction Watch record 900001" in finding.message
    with pytest.raises(Conflict) as refused:
        article_submit(article=article, user=author)
    assert refused.value.code == "integrity-errors"
    article.refresh_from_db()
    assert article.state == "draft"


@pytest.mark.django_db
def test_an_expression_of_concern_is_a_warning_naming_the_notice():
    article = ArticleFactory()
    Reference.objects.filter(pk=article.citations.get(number=1).reference_id).update(doi="", pmid="99000002")
    load(SAMPLE)
    report = check_content(content_from_article(article))
    [finding] = [f for f in report.warnings if f.code == EXPRESSION_OF_CONCERN]
    assert "Expression of concern of 2023-11-05" in finding.message
    assert finding.number == 1
    assert not report.has_errors


@pytest.mark.django_db
def test_a_reference_first_cited_after_the_import_is_withdrawn_when_created():
    from articles.content import ReferenceData
    from references.services import reference_get_or_create

    load(SAMPLE)
    reference = reference_get_or_create(
        data=ReferenceData(
            title="Beta-blocker withdrawal before surgery", doi="https://doi.org/10.5555/demo-anaes-2011-044"
        )
    )
    assert reference.status == Reference.Status.WITHDRAWN
    assert reference.retraction.record_id == "900004"


@pytest.mark.django_db
def test_a_reference_first_cited_after_the_import_with_its_doi_in_upper_case_is_withdrawn():
    from articles.content import ReferenceData
    from references.services import reference_get_or_create

    load(SAMPLE)
    reference = reference_get_or_create(
        data=ReferenceData(title="Beta-blocker withdrawal before surgery", doi="10.5555/DEMO-ANAES-2011-044")
    )
    assert reference.doi == "10.5555/DEMO-ANAES-2011-044"  # stored as written
    assert reference.status == Reference.Status.WITHDRAWN
    assert reference.retraction.record_id == "900004"


@pytest.mark.django_db
def test_the_notice_does_not_change_the_content_hash_beyond_the_status():
    article = ArticleFactory()
    Reference.objects.filter(pk=article.citations.get(number=1).reference_id).update(doi="", pmid="99000002")
    before = content_from_article(article).content_hash
    load(SAMPLE)  # an expression of concern: linked, status unchanged
    assert content_from_article(article).content_hash == before
