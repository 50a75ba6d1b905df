"""Issue 21: HTML pages, CMS exports and Word manuscripts, read by content (import_article and the parsers)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.exporting import export_markdown
from articles.importing import ImportError_, parse_document, parse_document_bytes, read_document
from references.integrity import check_content
from tests.articles.docx_builder import VITAMIN_D, VITAMIN_D_FOOTNOTES, build_docx
from tests.articles.test_import_command import counts, refused, run

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"


def refs(content):
    return [c.reference for c in sorted(content.citations, key=lambda c: c.number)]


# --- HTML -----------------------------------------------------------------------------------------


def test_a_saved_page_drops_the_site_chrome_and_reads_sup_markers_and_the_reference_list():
    content = read_document(CORPUS / "saved-page-hypertension.html")

    assert content.question == "How is high blood pressure treated in adults?"
    text = " ".join(s.body for s in content.sections)
    for chrome in (
        "cookies",
        "Review Status",
        "Personalize",
        "Which best describes you",
        "Related",
        "Topics",
        "Disclaimer",
        "Last updated",
    ):
        assert chrome not in text
        assert chrome.lower() not in " ".join(s.heading for s in content.sections).lower()
    assert any("Review Status" in d for d in content.dropped)  # inside the article: dropped, and recorded
    assert "whatever the drug plan. [1]" in text
    assert "type 2 diabetes. [1, 3]" in text
    assert "- Under 80 | below 140/90" in text  # a table row: values, not markers
    assert [(r.kind, r.label, r.year) for r in refs(content)] == [
        ("guideline", "Guideline", 2019),
        ("systematic_review", "Meta-analysis", 2002),
        ("guideline", "Guideline", 2017),
        ("trial", "Randomized Controlled Trial", 2015),
    ]
    assert refs(content)[2].pmid == "28830958"  # from the PubMed link
    assert check_content(content).findings == []


def test_an_html_fragment_from_a_cms_is_read_by_content_even_through_the_markdown_field():
    html = (CORPUS / "cms-export-gord.html").read_text()

    content = parse_document(html)

    assert content.question.startswith("Should proton pump inhibitors be stopped")
    assert "[Barrett oesophagus]" not in content.sections[0].body
    assert "**Barrett oesophagus**" in content.sections[0].body
    assert "[deprescribing algorithm](https://deprescribing.org/" in content.sections[-1].body
    assert [r.pmid or r.doi for r in refs(content)] == [
        "28500192",
        "10.1002/14651858.CD011969.pub2",
        "10.1053/j.gastro.2009.03.058",
    ]


def test_a_unit_in_sup_is_a_power_and_an_unlinked_sup_number_after_a_word_is_a_marker():
    html = (
        "<article><h1>How is kidney function measured?</h1><h2>Units</h2>"
        "<p>Below 60 mL/min/1.73 m<sup>2</sup> for 3 months is CKD<sup>1</sup>.</p>"
        "<h2>References</h2><ol><li>Levey AS, Stevens LA. A new equation to estimate glomerular filtration rate "
        "in CKD. Ann Intern Med. 2009;150(9):604-12. doi:10.7326/0003-4819-150-9-200905050-00006</li></ol>"
        "</article>"
    )

    body = parse_document(html).sections[0].body

    assert "1.73 m² for 3 months is CKD [1]." in body


def test_any_html_is_read_or_refused_and_round_trips():
    for html in (
        "<p>x</p>",
        "<html><body></body></html>",
        "<article><h2>Only a heading</h2></article>",
        "<html><body><h1>Q?</h1><ol><li><ol><li>deep</li></ol></li></ol><table></table></body></html>",
    ):
        try:
            content = parse_document(html)
        except ImportError_:
            continue
        assert parse_document(export_markdown(content)).content_hash == content.content_hash


# --- Word -------------------------------------------------------------------------------------------


def test_two_footnotes_citing_the_same_work_are_one_reference_cited_twice():
    content = parse_document_bytes(build_docx(VITAMIN_D, footnotes=VITAMIN_D_FOOTNOTES))

    assert [r.doi for r in refs(content)] == [
        "10.1136/bmj.b3692",
        "10.1016/S2213-8587(18)30265-1",
        "10.1001/jama.2018.3097",
    ]
    assert "deficient [1]" in content.sections[1].body  # footnote 3 cites the work of footnote 1
    report = check_content(content)
    assert [f.code for f in report.errors] == []
    assert "duplicate-reference" not in {f.code for f in report.findings}


def test_headings_come_from_word_styles_and_lists_from_word_lists():
    content = parse_document_bytes(build_docx(VITAMIN_D, footnotes=VITAMIN_D_FOOTNOTES))

    assert content.question == "Does vitamin D prevent falls in older adults?"
    assert [(s.heading, s.level) for s in content.sections] == [
        ("What the Trials Show", 2),
        ("Who Should Take It", 2),
        ("Other Ways to Prevent Falls", 3),
    ]
    assert content.sections[1].body.startswith("- Older adults in care homes")
    assert content.sections[2].body.startswith("1. Exercise that trains balance")


def test_tracked_changes_are_refused_with_what_to_do(db, tmp_path):
    blocks = [("Title", "Is it safe?"), ("Heading 2", "Answer"), ("Normal", "Yes{{ins:, mostly}}.")]
    path = tmp_path / "draft.docx"
    path.write_bytes(build_docx(blocks))
    before = counts()

    error = refused(str(path))

    assert error.returncode == 2
    assert "tracked changes" in str(error)
    assert "accept or reject them" in str(error)
    assert counts() == before


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("page.docx", b"<!DOCTYPE html><html><body><h1>Q?</h1></body></html>", "its content is an HTML page"),
        ("notes.html", b"What is this?\n\nA heading\n\nText 1\n", "its content is a plain-text page export"),
        ("article.txt", None, "its content is a Word .docx manuscript"),
        ("broken.docx", b"PK\x03\x04not really a zip", "ZIP archive"),
        ("archive.docx", None, "not a Word .docx document"),
        ("corrupt.docx", None, "this Word document cannot be read"),
    ],
)
def test_a_wrong_extension_or_an_unreadable_file_exits_2_naming_the_format(db, tmp_path, name, data, expected):
    path = tmp_path / name
    if name == "article.txt":
        shutil.copy(CORPUS / "word-numbered-copd.docx", path)
    elif name in ("archive.docx", "corrupt.docx"):
        import zipfile

        with zipfile.ZipFile(path, "w") as archive:
            if name == "corrupt.docx":
                archive.writestr("word/document.xml", "<w:document><broken")
            else:
                archive.writestr("readme.txt", "hello")
    else:
        path.write_bytes(data)
    before = counts()

    error = refused(str(path))

    assert error.returncode == 2
    assert expected in str(error)
    assert counts() == before


@pytest.mark.parametrize("name", ["static-site-ckd.html", "word-footnotes-vitamin-d.docx"])
def test_import_article_reads_html_and_word_by_content_whatever_the_name(db, tmp_path, name):
    path = tmp_path / "article"  # no extension at all
    shutil.copy(CORPUS / name, path)

    out, _ = run(str(path), "--dry-run", "--json")

    assert json.loads(out)["errors"] == []


@pytest.mark.parametrize(
    "name", ["saved-page-hypertension.html", "word-footnotes-vitamin-d.docx", "af-anticoagulation-vancouver.txt"]
)
def test_an_imported_page_or_word_file_round_trips_through_export_article_to_its_content_hash(db, tmp_path, name):
    out, _ = run(str(CORPUS / name), "--json")
    imported = json.loads(out)
    exported = tmp_path / "exported.md"

    call_command("export_article", imported["slug"], "--output", str(exported))
    again, _ = run(str(exported), "--dry-run", "--json")

    assert json.loads(again)["content_hash"] == imported["content_hash"]


def test_the_review_status_and_audience_choices_written_as_sibling_paragraphs_are_dropped():
    html = (
        "<html><body><article><h1>Is rest good for back pain?</h1><p>Article Review Status</p><p>Approved</p>"
        "<p>Which best describes you?</p><p>Patient or caregiver</p><p>Clinician</p>"
        "<h2>Answer</h2><p>Stay active<sup>1</sup>.</p><h2>References</h2><ol><li>Qaseem A, Wilt TJ. Noninvasive "
        "treatments for low back pain. Ann Intern Med. 2017;166(7):514-530. doi:10.7326/M16-2367</li></ol>"
        "</article></body></html>"
    )

    content = parse_document(html)

    assert [(s.heading, s.body) for s in content.sections] == [("Answer", "Stay active [1].")]
    assert {"Approved", "Clinician"} <= set(content.dropped)


_HTML_BITS = st.sampled_from(
    [
        "<h1>",
        "</h1>",
        "<h2>",
        "</h2>",
        "<h3>",
        "<p>",
        "</p>",
        "<ul>",
        "<ol>",
        "<li>",
        "</li>",
        "</ul>",
        "</ol>",
        "<sup>",
        "</sup>",
        "1",
        "2,3",
        "[4]",
        "<a href='#ref-1'>",
        "<a href='https://x.org/a b'>",
        "</a>",
        "<table>",
        "<tr><td>",
        "</td><td>",
        "</td></tr>",
        "</table>",
        "<nav>",
        "</nav>",
        "<strong>",
        "</strong>",
        "<em>",
        "*",
        "_",
        "#",
        "- ",
        "1. ",
        "\\",
        "text",
        "Question?",
        " ",
        "\n",
        "References",
        "<br>",
        "<script>x</script>",
        "&amp;",
        "]",
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_HTML_BITS, max_size=60).map("".join))
def test_any_html_page_is_read_or_refused_and_round_trips(body):
    try:
        content = parse_document("<html><body><article>" + body + "</article></body></html>")
    except ImportError_:
        return
    assert parse_document(export_markdown(content)).content_hash == content.content_hash


def test_reference_numbers_past_9999_stay_entries_of_their_own():
    # They were read as text continuing entry 9999, one growing entry re-read at every line (the benchmark's
    # 5 MB page went quadratic).
    items = "".join(f"<li>Author A. Trial {n} of statins. Lancet. 2020;1:{n}. doi:10.1000/t{n}</li>" for n in range(3))
    html = f"<article><h1>Do statins help?</h1><h2>A</h2><p>Yes.</p><h2>References</h2><ol start='9999'>{items}</ol>"

    content = parse_document(html + "</article>")

    assert [c.number for c in content.citations] == [9999, 10000, 10001]


def test_a_manuscript_without_a_title_style_takes_its_first_paragraph_as_the_question():
    blocks = [
        ("Normal", "Is paracetamol safe in pregnancy?"),
        ("Heading 2", "Answer"),
        ("Normal", [("Short courses at the usual dose are considered safe.", False), ("1", True)]),
        ("Heading 2", "References"),
        (
            "List Number",
            "Bauer AZ, Swan SH, Kriebel D, et al. Paracetamol use during pregnancy: a call for "
            "precautionary action. Nat Rev Endocrinol. 2021;17(12):757-766. "
            "doi:10.1038/s41574-021-00553-7",
        ),
    ]

    content = parse_document_bytes(build_docx(blocks))

    assert content.question == "Is paracetamol safe in pregnancy?"
    assert [s.heading for s in content.sections] == ["Answer"]
    assert content.sections[0].body == "Short courses at the usual dose are considered safe. [1]"


def test_the_article_s_own_sections_are_not_taken_for_chrome_by_a_similar_class_name():
    html = (
        "<html><body><article><h1>Should I have knee surgery?</h1>"
        "<section class='shared-decision'><h2>Deciding Together</h2><p>Weigh the options with your surgeon.</p>"
        "</section><section class='related-conditions'><h2>Hip Pain</h2><p>Hips are treated alike.</p></section>"
        "<div class='share-buttons'>Share this page</div></article></body></html>"
    )

    content = parse_document(html)

    assert [s.heading for s in content.sections] == ["Deciding Together", "Hip Pain"]
    assert "Share this page" in content.dropped
