"""manage.py import_article: report, exit status 0/1/2, atomic, garbage input never a traceback."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from articles.models import Article, ReviewState, Section
from references.models import Citation, Reference
from reviewboard.models import AuditEntry
from tests.command_line import command_line
from tests.factories import ReferenceFactory, SpecialtyFactory

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "articles" / "demo" / "back-pain.txt"
FIXTURES = ROOT / "tests" / "fixtures"
MIGRAINE = FIXTURES / "plaintext" / "migraine.txt"
JSON_KEYS = {"slug", "question", "content_hash", "sections", "markers", "references", "errors", "warnings"}


def counts() -> tuple[int, ...]:
    return (
        Article.objects.count(),
        Section.objects.count(),
        Citation.objects.count(),
        Reference.objects.count(),
        AuditEntry.objects.count(),
    )


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_article", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(*args: str) -> CommandError:
    with pytest.raises(CommandError) as exc:
        run(*args)
    return exc.value


# --- the seed -----------------------------------------------------------------------------------------


def test_seed_dry_run_json_reports_the_brief_s_findings_and_saves_nothing(db):
    before = counts()

    out, _ = run(str(SEED), "--dry-run", "--json")

    data = json.loads(out)
    assert set(data) == JSON_KEYS
    assert data["slug"] == "what-are-the-treatment-options-for-back-pain"
    assert data["question"] == "What are the treatment options for back pain?"
    assert len(data["content_hash"]) == 64
    assert data["sections"][:3] == [
        {"heading": "Treatment Options for Back Pain", "level": 2},
        {"heading": "Non-Pharmacological Treatment Options (First-Line)", "level": 2},
        {"heading": "Physical Activity and Exercise", "level": 3},
    ]
    assert data["markers"] == [1, 2, 3, 4]
    assert data["references"] == [
        {
            "number": 1,
            "kind": "guideline",
            "label": "Guideline",
            "title": "Air Travel Guidelines for Medically Stable Patients",
            "publisher": "Praxis Medical Insights: Practical Summaries of Clinical Guidelines",
            "year": 2025,
            "doi": "",
            "pmid": "",
            "url": "",
        }
    ]
    assert {f["number"] for f in data["errors"] if f["code"] == "unresolved-citation"} == {2, 3, 4}
    assert [f["number"] for f in data["warnings"] if f["code"] == "possible-reference-mismatch"] == [1]
    assert all({"code", "severity", "message", "section", "marker"} <= set(f) for f in data["errors"])
    assert counts() == before


def test_seed_import_saves_a_draft_with_the_author(author):
    out, _ = run(str(SEED), "--author", "author")

    article = Article.objects.get(slug="what-are-the-treatment-options-for-back-pain")
    assert article.state == ReviewState.DRAFT
    assert list(article.authors.all()) == [author]
    assert article.sections.count() == 16
    assert article.citations.count() == 1
    assert out.startswith("Imported what-are-the-treatment-options-for-back-pain as a draft.")
    assert "unresolved-citation" in out
    assert "possible-reference-mismatch" in out


def test_seed_submit_is_blocked_with_exit_1_and_nothing_is_saved(author):
    before = counts()

    error = refused(str(SEED), "--submit", "--author", "author")

    assert error.returncode == 1
    assert "blocked by" in str(error)
    assert "integrity errors" in str(error)
    assert counts() == before


def test_seed_dry_run_submit_is_blocked_with_exit_1_and_prints_the_report(author):
    out = StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("import_article", str(SEED), "--submit", "--author", "author", "--dry-run", "--json", stdout=out)

    assert exc.value.returncode == 1
    assert json.loads(out.getvalue())["errors"]


# --- a clean article ----------------------------------------------------------------------------------


def test_clean_article_with_submit_is_imported_and_submitted(author):
    out, _ = run(str(MIGRAINE), "--submit", "--author", "author", "--json")

    data = json.loads(out)
    article = Article.objects.get(slug=data["slug"])
    assert article.state == ReviewState.SUBMITTED
    assert article.review_hash == data["content_hash"]
    assert data["errors"] == []
    assert data["markers"] == [1, 3, 2, 4]


def test_markdown_import_with_specialty_and_second_import_gets_a_new_slug(db):
    SpecialtyFactory(code="family-medicine")
    path = FIXTURES / "markdown" / "low-back-pain.md"

    first = json.loads(run(str(path), "--json")[0])
    second = json.loads(run(str(path), "--json")[0])

    assert first["slug"] == "acute-low-back-pain"
    assert second["slug"] == "acute-low-back-pain-2"
    assert first["content_hash"] == second["content_hash"]
    assert Article.objects.get(slug="acute-low-back-pain").required_specialty.code == "family-medicine"
    assert Reference.objects.count() == 3  # shared, not duplicated


def test_json_reports_what_was_saved_when_the_library_already_had_the_reference(db):
    ReferenceFactory(doi="10.1136/bmj.p1234", title="Migraine in adults: diagnosis and management", year=2022)

    data = json.loads(run(str(MIGRAINE), "--json")[0])

    assert data["references"][0]["year"] == 2022  # the library record, never overwritten


# --- exit 2: unreadable input and bad arguments ----------------------------------------------------------


def test_unknown_author_exits_2_and_saves_nothing(db):
    before = counts()

    error = refused(str(SEED), "--author", "nobody")

    assert error.returncode == 2
    assert "no user named 'nobody'" in str(error)
    assert counts() == before


def test_submit_without_author_exits_2(db):
    error = refused(str(MIGRAINE), "--submit")

    assert error.returncode == 2
    assert "--author" in str(error)


def test_author_without_permission_to_submit_exits_2_and_saves_nothing(reviewers):
    before = counts()

    error = refused(str(MIGRAINE), "--submit", "--author", "reviewer1")

    assert error.returncode == 2
    assert "Nothing was saved" in str(error)
    assert counts() == before


def test_unknown_specialty_exits_2_and_saves_nothing(db, tmp_path):
    path = tmp_path / "a.md"
    path.write_text("---\nquestion: Is it safe?\nspecialty: podiatry\n---\n## A\n\nYes.\n")
    before = counts()

    error = refused(str(path))

    assert error.returncode == 2
    assert "specialty" in str(error)
    assert counts() == before


def test_unknown_specialty_is_also_refused_on_a_dry_run(db, tmp_path):
    path = tmp_path / "a.md"
    path.write_text("---\nquestion: Is it safe?\nspecialty: podiatry\n---\n## A\n\nYes.\n")

    assert refused(str(path), "--dry-run").returncode == 2


GARBAGE = {
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary file"),
    "empty": (b"", "empty"),
    "whitespace": (b"  \n\n\t\n", "empty"),
    "html": (b"<!DOCTYPE html>\n<html><head><title>Back pain</title></head><body>x</body></html>", "HTML"),
    "html-fragment": (b"What is this?\n<div class='x'>\n<script>alert(1)</script>\n", "HTML"),
    "latin-1": ("What is caf\u00e9?\n\nBody\n\nText.".encode("latin-1"), "UTF-8"),
    "control-chars": (b"What?\n\x1b[31mred\n", "control character"),
    "huge": (b"What is this?\n\n" + b"word " * 1_000_000, "at most 1,000,000 bytes"),
    "list-first": ("\u2022 a bullet\n".encode(), "found a list item"),
    "yaml-error": (b"---\nquestion: [oops\n---\n", "invalid YAML"),
}


@pytest.mark.parametrize("name", GARBAGE)
def test_garbage_input_exits_2_with_a_clear_message_and_saves_nothing(db, tmp_path, name):
    data, expected = GARBAGE[name]
    path = tmp_path / f"{name}.txt"
    path.write_bytes(data)
    before = counts()

    error = refused(str(path), "--author", "nobody-checked-later")

    assert error.returncode == 2
    assert expected in str(error)
    assert str(path) in str(error)
    assert counts() == before


def test_messages_name_the_line(db, tmp_path):
    path = tmp_path / "nul.txt"
    path.write_bytes(b"What?\n\nline three\nline four \x00\n")

    assert "line 4:" in str(refused(str(path)))


def test_missing_file_and_directory_exit_2(db, tmp_path):
    assert refused(str(tmp_path / "nope.txt")).returncode == 2
    assert "no such file" in str(refused(str(tmp_path / "nope.txt")))
    assert "not a regular file" in str(refused(str(tmp_path)))


def test_huge_markers_are_a_finding_not_a_crash(db, tmp_path):
    path = tmp_path / "markers.txt"
    path.write_text("Does rest help hips?\n\nHip care\n\nRest the hip [999999999] and walk [1-999999999].\n")

    out, _ = run(str(path), "--json")

    data = json.loads(out)
    assert 999999999 in data["markers"]
    assert {f["number"] for f in data["errors"] if f["code"] == "unresolved-citation"} >= {999999999}
    assert Article.objects.filter(slug=data["slug"]).exists()


def test_a_failure_midway_leaves_nothing_behind(db, monkeypatch):
    import references.services

    real = references.services._new_reference_values
    calls = []

    def fail_on_third(data):
        calls.append(data)
        if len(calls) == 3:
            raise references.services.InvalidInput("The library refused it.", code="invalid-reference")
        return real(data)

    # The library's per-record validation (the batch write calls it for each reference in turn).
    monkeypatch.setattr(references.services, "_new_reference_values", fail_on_third)
    before = counts()

    error = refused(str(MIGRAINE))

    assert error.returncode == 2
    assert "Nothing was saved" in str(error)
    assert len(calls) == 3
    assert counts() == before


def test_the_command_line_prints_no_traceback(tmp_path):
    path = tmp_path / "binary.bin"
    path.write_bytes(b"\x00\x01\x02" * 100)

    result = command_line("import_article", str(path))

    assert result.returncode == 2
    assert result.stderr.startswith("CommandError: ")
    assert "binary file" in result.stderr


def test_verbose_human_report_lists_the_dropped_boilerplate(db):
    out, _ = run(str(SEED), "--dry-run", "--verbosity", "2")

    assert out.startswith("Dry run: what-are-the-treatment-options-for-back-pain would be imported; nothing was saved.")
    assert "14 lines dropped" in out
    assert "    - Personalize" in out
    assert "Errors (block submission): " in out


def test_an_unreadable_reference_blocks_submit_with_its_line_and_nothing_is_saved(db, author, tmp_path):
    before = counts()
    out = StringIO()
    path = tmp_path / "unreadable.txt"
    path.write_text("Is ice good for sprains?\n\nIce\n\nIce helps. 1\n\nReferences\n\nGuideline\nNICE, 2020\n")

    with pytest.raises(CommandError) as exc:
        call_command("import_article", str(path), "--submit", "--author", "author", "--json", stdout=out)

    assert exc.value.returncode == 1
    errors = json.loads(out.getvalue())["errors"]
    assert [(f["code"], f["line"]) for f in errors] == [("unresolved-citation", None), ("unreadable-reference", 9)]
    assert counts() == before
