"""Every article of the fixture corpus imports with exactly its expected report (issue 10).

The corpus (``tests/fixtures/corpus``) holds plain-text page exports of many specialties in the seed's
format (the seed among them) and in the shapes real sites write (issue 21: tables, one-line references,
superscript markers, other reference headings and numbering, wrapped entries), Markdown articles, HTML
pages of four site shapes and Word manuscripts (one citing by footnotes), each beside
``<name>.expected.json``: slug, question, number of sections, markers, every reference field, and each
finding's code and location. Some are clean, some have genuine problems; both are pinned.
"""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.articles.corpus import CORPUS, articles, expected_path, expected_report

ROOT = Path(__file__).resolve().parents[2]
ARTICLES = articles()


def expected(path: Path, *, imported: bool = False) -> dict:
    """The expected report; ``"imported"`` overrides what differs once saved (the library deduplicates
    references: a second citation of a DOI already in the library shows that record)."""
    data = json.loads(expected_path(path).read_text())
    after_saving = data.pop("imported", {})
    return {**data, **after_saving} if imported else data


def test_the_corpus_spans_every_format_clean_and_broken_articles_and_includes_the_seed():
    exports = [p for p in ARTICLES if p.suffix == ".txt" and p.name != "seed-back-pain.txt"]
    markdown = [p for p in ARTICLES if p.suffix == ".md"]
    pages = [p for p in ARTICLES if p.suffix == ".html"]
    word = [p for p in ARTICLES if p.suffix == ".docx"]
    assert len(ARTICLES) >= 30
    assert len(exports) >= 20
    assert len(markdown) >= 4
    assert len(pages) >= 4  # a saved page, a CMS fragment, a static site with <main>, a page of divs
    assert len(word) >= 2
    assert any(b"word/footnotes.xml" in p.read_bytes() for p in word)  # one cites by Word footnotes
    assert (ROOT / "tests/fixtures/corpus/seed-back-pain.txt").read_bytes() == (
        ROOT / "articles/demo/back-pain.txt"
    ).read_bytes()
    reports = [expected(p) for p in ARTICLES]
    assert sum(1 for r in reports if not r["errors"] and not r["warnings"]) >= 12
    assert sum(1 for r in reports if r["errors"]) >= 5
    assert all(expected_path(p).exists() for p in ARTICLES)


@pytest.mark.parametrize("mode", ["dry-run", "import"])
@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: p.name)
def test_each_article_imports_with_exactly_its_expected_report(db, path, mode):
    out = StringIO()
    args = [str(path), "--json", *(["--dry-run"] if mode == "dry-run" else [])]

    call_command("import_article", *args, stdout=out)

    assert expected_report(json.loads(out.getvalue())) == expected(path, imported=mode == "import")


# Issue 21's articles that a person reads as sound: no error, and no warning that would be a false alarm.
CLEAN_REAL_WORLD = [
    "af-anticoagulation-vancouver.txt",
    "ckd-staging-table.txt",
    "cms-export-gord.html",
    "copd-question-headings.txt",
    "heart-attack-statins-superscript.txt",
    "hypertension-sources-urls.txt",
    "pain-scores-bands.txt",
    "saved-page-hypertension.html",
    "static-site-ckd.html",
    "word-footnotes-vitamin-d.docx",
    "word-numbered-copd.docx",
]


@pytest.mark.parametrize("name", CLEAN_REAL_WORLD)
def test_a_sound_real_world_article_has_no_error_and_no_false_alarm(name):
    report = expected(CORPUS / name)

    assert report["errors"] == []
    assert {f["code"] for f in report["warnings"]} <= {"uncited-claim"}  # a table of figures without a marker
