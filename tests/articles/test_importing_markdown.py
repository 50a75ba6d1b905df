"""Markdown with YAML front matter -> ArticleContent, and its errors naming field and line."""

from pathlib import Path

import pytest

from articles.importing import ImportError_, detect_format, parse_document, read_source
from references.integrity import check_content

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "markdown"

FRONT = "---\nquestion: Is it safe?\n"


def parse(name: str):
    return parse_document(read_source(FIXTURES / name), source_name=name)


def test_low_back_pain_front_matter_and_sections():
    content = parse("low-back-pain.md")

    assert content.slug == "acute-low-back-pain"
    assert content.question == "What is the first-line treatment for acute low back pain?"
    assert content.topic == "back pain"
    assert content.required_specialty == "family-medicine"
    assert [(s.heading, s.level) for s in content.sections] == [
        ("Self-care", 2),
        ("Medicines", 2),
        ("NSAIDs", 3),
        ("Muscle relaxants", 3),
        ("Further reading", 2),
    ]
    assert content.sections[0].body == (
        "Most acute low back pain improves within **4 to 6 weeks** whatever the treatment [1].\n\n"
        "- Stay active and continue daily activities [1, 3]\n"
        "  - Avoid bed rest\n"
        "  - Return to work early, with adjusted duties if needed\n"
        "- Apply superficial heat [1]"
    )
    assert content.sections[1].body == ""
    assert content.sections[2].body.startswith("1. Start with an NSAID")


def test_low_back_pain_references_are_typed_and_normalised():
    refs = {c.number: c.reference for c in parse("low-back-pain.md").citations}

    assert refs[1].kind == "guideline"
    assert refs[1].authors == "American College of Physicians"
    assert refs[1].doi == "10.7326/M16-2367"  # as written: compared case-insensitively, shown as the author wrote
    assert refs[1].pmid == "28192789"  # an unquoted YAML number is accepted as a PMID
    assert refs[2].doi == "10.1002/14651858.CD013581"  # the doi.org prefix is dropped
    assert refs[3].status == "superseded"
    assert refs[3].year == 2010


def test_low_back_pain_h1_repeating_the_question_is_ignored_and_superseded_reference_is_reported():
    content = parse("low-back-pain.md")

    assert "What is the first-line" not in "".join(s.heading for s in content.sections)
    report = check_content(content)
    assert "superseded-reference" in report.codes()
    assert report.errors == []


def test_otitis_media_kind_labels_and_empty_section_without_subsections():
    content = parse("otitis-media.md")

    assert content.slug == ""
    refs = {c.number: c.reference for c in content.citations}
    assert refs[1].kind == "guideline"  # "Guideline" label accepted
    assert refs[2].kind == "drug_label"  # "drug label" label accepted
    assert refs[2].year is None
    assert [s.heading for s in content.sections if not s.body] == ["Follow-up"]
    assert "empty-article" in check_content(content).codes()


def test_format_detection():
    assert detect_format("\n\n---\nquestion: x\n---\n") == "markdown"
    assert detect_format("What is this?\n---\n") == "plaintext"


# --- errors name the field and the line -------------------------------------------------------------


def refuse(text: str) -> ImportError_:
    with pytest.raises(ImportError_) as exc:
        parse_document(text)
    return exc.value


def test_yaml_syntax_error_names_its_line():
    error = refuse("---\nquestion: Is it safe?\nreferences: [unclosed\ntopic: x\n---\n## A\n\nb\n")

    assert error.line in (3, 4, 5)
    assert "invalid YAML" in error.message
    assert f"line {error.line}" in error.message


def test_unclosed_front_matter():
    error = refuse("---\nquestion: Is it safe?\n\n## Heading\n")

    assert error.line == 1
    assert "closing" in error.message


def test_missing_question():
    error = refuse("---\ntopic: x\n---\n## A\n\nb\n")

    assert "'question' is required" in error.message


def test_question_of_the_wrong_type_names_the_field_and_line():
    error = refuse("---\ntopic: x\nquestion: [a, b]\n---\n")

    assert error.line == 3
    assert "'question' must be text" in error.message


def test_front_matter_must_be_a_mapping():
    error = refuse("---\n- a\n- b\n---\n")

    assert "mapping" in error.message


def test_unknown_key_is_named():
    error = refuse(FRONT + "titel: oops\n---\n")

    assert error.line == 3
    assert "'titel'" in error.message


def test_reference_year_must_be_a_year():
    error = refuse(FRONT + "references:\n  - number: 1\n    title: A trial\n    year: twenty\n---\n")

    assert error.line == 6
    assert "references[1].year" in error.message


def test_reference_needs_a_title():
    error = refuse(FRONT + "references:\n  - number: 1\n    kind: trial\n---\n")

    assert "references[1].title is required" in error.message


def test_reference_kind_must_be_known():
    error = refuse(FRONT + "references:\n  - title: A\n    kind: podcast\n---\n")

    assert error.line == 5
    assert "references[1].kind" in error.message


def test_reference_status_must_be_known():
    error = refuse(FRONT + "references:\n  - title: A\n    status: retracted\n---\n")

    assert "references[1].status" in error.message


def test_duplicate_reference_numbers_are_refused():
    error = refuse(FRONT + "references:\n  - {number: 1, title: A}\n  - {number: 1, title: B}\n---\n")

    assert error.line == 5
    assert "already used by references[1]" in error.message


@pytest.mark.parametrize("number", ["0", "-1", "true", "1.5", "99999999999", "'3'"])
def test_reference_number_must_be_a_small_positive_whole_number(number):
    error = refuse(FRONT + f"references:\n  - number: {number}\n    title: A\n---\n")

    assert "references[1].number" in error.message


def test_slug_must_be_a_slug():
    error = refuse(FRONT + "slug: not a slug!\n---\n")

    assert error.line == 3
    assert "'slug'" in error.message


def test_text_before_the_first_heading_is_refused_with_its_line():
    error = refuse(FRONT + "---\n\nStray paragraph.\n\n## A\n\nb\n")

    assert error.line == 5
    assert "before the first section heading" in error.message


def test_level_one_heading_other_than_the_question_is_refused():
    error = refuse(FRONT + "---\n# Something else\n")

    assert error.line == 4
    assert "'## Heading'" in error.message


def test_yaml_tags_are_not_constructed():
    error = refuse(FRONT + "topic: !!python/object/apply:os.system ['true']\n---\n")

    assert "invalid YAML" in error.message


def test_huge_markers_in_markdown_are_a_finding_not_a_crash():
    content = parse_document(FRONT + "---\n## A\n\nRest [999999999] and [1-999999999].\n")

    report = check_content(content)
    assert {f.number for f in report.errors if f.code == "unresolved-citation"} >= {999999999}


def test_a_known_label_as_kind_maps_to_its_kind_and_keeps_the_label():
    text = (
        "---\nquestion: Does aspirin prevent preeclampsia?\nreferences:\n"
        "  - kind: Meta-analysis\n    title: Aspirin for preeclampsia\n"
        "  - kind: other\n    label: Research Letter\n    title: Aspirin adherence\n"
        "---\n\n## Aspirin\n\nYes [1, 2].\n"
    )

    refs = [c.reference for c in parse_document(text).citations]

    assert [(r.kind, r.label) for r in refs] == [("systematic_review", "Meta-analysis"), ("other", "Research Letter")]


def test_an_unknown_kind_is_refused_with_a_hint_about_label():
    text = "---\nquestion: Q?\nreferences:\n  - kind: Research Letter\n    title: T\n---\n\n## A\n\nB [1].\n"

    with pytest.raises(ImportError_) as exc:
        parse_document(text)

    assert exc.value.line == 4
    assert "'label'" in exc.value.message
