"""Issue 10's defects of the plain-text importer, each shown by a test written before its fix."""

from dataclasses import replace

import pytest

from articles.content import ReferenceData
from articles.importing import parse_document
from references.integrity import check_content
from references.models import Reference
from references.services import reference_get_or_create

HEAD = "What is the best treatment for preeclampsia prevention?\n\nAspirin for Preeclampsia Prevention\n\n"


def findings(content, code):
    return [f for f in check_content(content).findings if f.code == code]


# --- reference labels: the entry's shape, not a closed list of labels ---------------------------------

UNKNOWN_LABELS = HEAD + (
    "Low-dose aspirin from 12 weeks reduces preterm preeclampsia in women at high risk. 1\n\n"
    "  • Start before 16 weeks of gestation 2\n"
    "  • Continue until 36 weeks 1, 3\n\n"
    "References\n\n"
    "Research Letter\n\n"
    "Low-Dose Aspirin Use for the Prevention of Preeclampsia\n\n"
    "Obstetrics and Gynecology, 2018\n\n"
    "DOI: 10.1097/AOG.0000000000002708\n\n"
    "Registry Analysis\n\n"
    "Timing of aspirin initiation and preeclampsia risk in a national cohort\n\n"
    "BJOG, 2022\n\n"
    "PMID: 35029011\n\n"
    "Clinical Commentary\n\n"
    "Aspirin dosing in pregnancy: a scientific statement on preeclampsia prevention\n\n"
    "Hypertension, 2023\n\n"
    "https://doi.org/10.1161/HYP.0000000000000210\n"
)


def test_unknown_labels_are_read_as_labels_so_a_clean_article_stays_clean():
    content = parse_document(UNKNOWN_LABELS)

    refs = [c.reference for c in sorted(content.citations, key=lambda c: c.number)]
    assert [(r.kind, r.label, r.title[:30]) for r in refs] == [
        ("other", "Research Letter", "Low-Dose Aspirin Use for the P"),
        ("other", "Registry Analysis", "Timing of aspirin initiation a"),
        ("other", "Clinical Commentary", "Aspirin dosing in pregnancy: a"),
    ]
    report = check_content(content)
    assert report.errors == []
    assert [f.code for f in report.warnings] == []


def test_unknown_labels_do_not_hide_a_genuinely_unresolved_marker():
    # Marker 4 has no reference: three entries with unknown labels must stay three entries.
    text = UNKNOWN_LABELS.replace("Continue until 36 weeks 1, 3", "Continue until 36 weeks 1, 4")

    content = parse_document(text)

    assert len(content.citations) == 3
    unresolved = findings(content, "unresolved-citation")
    assert [(f.number, f.marker) for f in unresolved] == [(4, "[1, 4]")]
    assert [f.number for f in findings(content, "orphan-reference")] == [3]


def test_an_entry_that_cannot_be_read_is_an_error_with_its_line_not_a_guess():
    text = HEAD + (
        "Aspirin prevents preterm preeclampsia. 1\n\n"
        "References\n\n"
        "Guideline\n"
        "Aspirin for preeclampsia prevention\n"
        "ACOG, 2021\n\n"
        "Guideline\n"
        "ACOG, 2019\n"
    )

    content = parse_document(text)

    (unreadable,) = findings(content, "unreadable-reference")
    assert unreadable.severity == "error"
    assert unreadable.line == 13
    assert "no title" in unreadable.message
    assert len(content.citations) == 1


def test_a_reference_title_starting_with_a_number_keeps_it():
    text = HEAD + (
        "Aspirin prevents preterm preeclampsia. 1\n\n"
        "References\n\n"
        "Guideline\n\n"
        "9. Pharmacologic Approaches to Preeclampsia Prevention\n\n"
        "ACOG, 2021\n"
    )

    (citation,) = parse_document(text).citations

    assert citation.number == 1
    assert citation.reference.title == "9. Pharmacologic Approaches to Preeclampsia Prevention"


# --- DOIs: compared normalised, stored and shown as written --------------------------------------------


def test_a_doi_keeps_the_author_s_case_and_invalid_doi_quotes_it():
    text = HEAD + (
        "Aspirin prevents preterm preeclampsia. 1, 2\n\n"
        "References\n\n"
        "Trial\nAspirin versus Placebo in Pregnancies at High Risk for Preterm Preeclampsia\n"
        "New England Journal of Medicine, 2017\nhttps://doi.org/10.1056/NEJMoa1704559\n\n"
        "Trial\nAspirin for preeclampsia in twin pregnancies\nLancet, 2020\ndoi: 10.12/ABC-Twin\n"
    )

    content = parse_document(text)

    assert [c.reference.doi for c in content.citations] == ["10.1056/NEJMoa1704559", "10.12/ABC-Twin"]
    (invalid,) = findings(content, "invalid-doi")
    assert "'10.12/ABC-Twin'" in invalid.message


@pytest.mark.django_db
def test_the_library_stores_the_doi_as_written_and_still_deduplicates_in_any_case():
    data = ReferenceData(title="Aspirin versus Placebo", kind="trial", year=2017, doi="doi:10.1056/NEJMoa1704559")

    first = reference_get_or_create(data=data)
    again = reference_get_or_create(data=replace(data, doi="https://doi.org/10.1056/nejmoa1704559", title="Other"))

    assert first.doi == "10.1056/NEJMoa1704559"
    assert again.pk == first.pk
    assert Reference.objects.count() == 1


# --- citation numbers after quantity words -----------------------------------------------------------


def test_a_number_after_dose_or_visit_at_the_end_of_a_line_is_reported_not_dropped_silently():
    text = HEAD + (
        "  • Take 150 mg at bedtime 1\n"
        "  • Reduce the dose 2\n"
        "  • Check blood pressure at every visit 2\n\n"
        "References\n\n"
        "Guideline\nAspirin in pregnancy\nACOG, 2021\nPMID: 34000001\n\n"
        "Trial\nAspirin dose in pregnancy\nLancet, 2020\nPMID: 34000002\n"
    )

    content = parse_document(text)

    ambiguous = findings(content, "ambiguous-marker")
    assert [(f.severity, f.line, f.section) for f in ambiguous] == [("warning", 6, 1), ("warning", 7, 1)]
    assert "dose 2" in ambiguous[0].message
    assert "[2]" in ambiguous[0].message  # says how to write it when it is a citation
    body = content.sections[0].body
    assert "- Reduce the dose 2\n" in body  # kept as written, not guessed


def test_a_number_that_cannot_be_a_citation_after_a_quantity_word_stays_quiet():
    text = HEAD + (
        "  • Diabetes type 2 or obesity 1\n"
        "  • Start at week 12\n"
        "  • New symptoms after age 50\n\n"
        "References\n\n"
        "Guideline\nAspirin in pregnancy\nACOG, 2021\nPMID: 34000001\n"
    )

    assert findings(parse_document(text), "ambiguous-marker") == []


@pytest.mark.parametrize(
    ("label", "kind"),
    [
        ("Guideline", "guideline"),
        ("Practice Bulletin", "guideline"),
        ("Consensus Statement", "guideline"),
        ("Position statement", "guideline"),
        ("Scientific Statement", "guideline"),
        ("Systematic Review", "systematic_review"),
        ("Meta-analysis", "systematic_review"),
        ("Systematic review and meta-analysis", "systematic_review"),
        ("Randomised Controlled Trial", "trial"),
        ("RCT", "trial"),
        ("Clinical trial", "trial"),
        ("Cohort Study", "other"),
        ("Expert Opinion", "other"),
        ("Research Paper", "other"),
        ("Review", "other"),
        ("Prescribing Information", "drug_label"),
        ("Drug Label", "drug_label"),
        ("Textbook", "textbook"),
    ],
)
def test_known_labels_map_to_kinds_and_keep_their_text(label, kind):
    references = f"{label}\n\nAspirin in preeclampsia\n\nACOG, 2021\n"
    text = HEAD + "Aspirin prevents preterm preeclampsia. 1\n\nReferences\n\n" + references

    (citation,) = parse_document(text).citations

    assert (citation.reference.kind, citation.reference.label) == (kind, label)


def test_a_citation_number_after_a_quantity_number_is_reported():
    text = HEAD + (
        "  • Consider it for women with a score of 2 2-4\n\n"
        "References\n\n"
        "Guideline\nA\nACOG, 2021\n\nGuideline\nB\nACOG, 2022\n\nGuideline\nC\nACOG, 2023\n\nGuideline\nD\nACOG, 2024\n"
    )

    (finding,) = findings(parse_document(text), "ambiguous-marker")

    assert (finding.line, finding.number) == (5, 2)
    assert "'2 2-4'" in finding.message
    assert "write '2 [2-4]'" in finding.message


@pytest.mark.parametrize(
    "written",
    [
        "doi.org/10.1136/BMJ.l1278",
        "https://dx.doi.org/10.1136/BMJ.l1278",
        "DOI 10.1136/BMJ.l1278",
        "doi:10.1136/BMJ.l1278",
        "10.1136/BMJ.l1278",
    ],
)
def test_every_written_form_of_a_doi_is_read_to_the_doi_name_in_its_case(written):
    text = HEAD + f"Aspirin prevents preeclampsia. 1\n\nReferences\n\nTrial\nAspirin trial\nBMJ, 2019\n{written}\n"

    (citation,) = parse_document(text).citations

    assert citation.reference.doi == "10.1136/BMJ.l1278"
