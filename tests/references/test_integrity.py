from dataclasses import replace

import pytest

from articles.content import ArticleContent, CitationData, ReferenceData, SectionData
from references.integrity import (
    FIGURE_RE,
    Severity,
    body_blocks,
    check_content,
    is_valid_doi,
    is_valid_pmid,
    normalise_doi,
)
from references.terms import meaningful_terms
from tests.references.seed import AIR_TRAVEL, seed_content

ACP = ReferenceData(
    title="Noninvasive Treatments for Acute, Subacute, and Chronic Low Back Pain",
    kind="guideline",
    publisher="Annals of Internal Medicine",
    year=2017,
    doi="10.7326/M16-2367",
    pmid="28192789",
)
NSAID = ReferenceData(
    title="Non-steroidal anti-inflammatory drugs for chronic low back pain",
    kind="systematic_review",
    year=2016,
    doi="10.1002/14651858.CD012087",
)


def article(*bodies, citations=(ACP, NSAID), question="What are the treatment options for back pain?", **extra):
    """An article whose sections have ``bodies`` and whose citations are numbered from 1."""
    sections = tuple(
        body if isinstance(body, SectionData) else SectionData(heading=f"Heading {i}", body=body)
        for i, body in enumerate(bodies, start=1)
    )
    numbered = tuple(
        c if isinstance(c, CitationData) else CitationData(number=n, reference=c)
        for n, c in enumerate(citations, start=1)
    )
    return ArticleContent(question=question, topic="back pain", sections=sections, citations=numbered, **extra)


def codes(content):
    return [f.code for f in check_content(content).findings]


def only(content, code):
    return [f for f in check_content(content).findings if f.code == code]


def test_a_clean_article_has_no_findings():
    content = article("Stay active and avoid bed rest for low back pain [1].", "- NSAIDs help back pain [2]")

    report = check_content(content)

    assert report.findings == []
    assert not report.has_errors


# --- the seed's exact failure ----------------------------------------------------------------


def test_seed_page_unresolved_markers_2_3_4_and_the_air_travel_mismatch():
    report = check_content(seed_content())

    unresolved = [f for f in report.findings if f.code == "unresolved-citation"]
    assert sorted({f.number for f in unresolved}) == [2, 3, 4]
    assert all(f.severity == Severity.ERROR for f in unresolved)
    mismatch = [f for f in report.findings if f.code == "possible-reference-mismatch"]
    assert [(f.number, f.severity) for f in mismatch] == [(1, Severity.WARNING)]
    assert "Air Travel Guidelines for Medically Stable Patients" in mismatch[0].message
    assert "orphan-reference" not in report.codes()
    assert "empty-article" not in report.codes()  # the grouping headings are followed by deeper sections
    assert report.has_errors


def test_seed_page_findings_are_located():
    report = check_content(seed_content())

    first = report.findings[[f.code for f in report.findings].index("unresolved-citation")]
    assert (first.section, first.heading, first.marker, first.number) == (3, "Physical Activity and Exercise", "[2]", 2)
    assert first.message == "Marker [2] in section 3 'Physical Activity and Exercise' has no reference behind it"
    in_list = [f for f in report.findings if f.code == "unresolved-citation" and f.section == 4]
    assert [(f.heading, f.marker, f.number) for f in in_list] == [("Physical Therapy Interventions", "[1, 3]", 3)]
    assert "Number 3 of marker [1, 3]" in in_list[0].message
    muscle = [f for f in report.findings if f.code == "unresolved-citation" and f.section == 8]
    assert [(f.heading, f.marker, f.number) for f in muscle] == [("Muscle Relaxants", "[4]", 4)]  # once per section
    mismatch = next(f for f in report.findings if f.code == "possible-reference-mismatch")
    assert (mismatch.section, mismatch.heading, mismatch.marker) == (1, "Treatment Options for Back Pain", "[1]")


def test_seed_page_uncited_figures_are_the_unmarked_list_items():
    claims = only(seed_content(), "uncited-claim")

    assert [(f.section, f.heading) for f in claims] == [
        (7, "NSAIDs"),
        (8, "Muscle Relaxants"),
        (8, "Muscle Relaxants"),
        (13, "Diagnostic Imaging"),
        (15, "When to Refer"),
        (16, "Common Pitfalls to Avoid"),
    ]
    assert "'75% of patients show good" in claims[0].message
    assert "(5mg)" in claims[2].message


def test_findings_come_in_a_stable_order():
    findings = check_content(seed_content()).findings
    located = [f for f in findings if f.section is not None]

    assert [f.section for f in located] == sorted(f.section for f in located)
    assert check_content(seed_content()).findings == findings


# --- unresolved-citation ---------------------------------------------------------------------


def test_unresolved_citation_once_per_section_and_number():
    content = article("Rest [3]. Walk [3]. Both [1, 3].", "Again [2-4].")

    found = only(content, "unresolved-citation")

    assert [(f.section, f.number, f.marker) for f in found] == [(1, 3, "[3]"), (2, 3, "[2-4]"), (2, 4, "[2-4]")]


@pytest.mark.parametrize("marker", ["[999999999]", "[1-999999999]", "[0]"])
def test_absurd_marker_numbers_are_just_unresolved(marker):
    content = article(f"Back pain [1] and [2] {marker}.")

    found = only(content, "unresolved-citation")

    assert found
    assert all(f.marker == marker for f in found)


# --- orphan-reference ------------------------------------------------------------------------


def test_orphan_reference_names_the_number_and_title():
    content = article("Back pain [1].")

    found = only(content, "orphan-reference")

    assert [(f.number, f.section, f.severity) for f in found] == [(2, None, Severity.ERROR)]
    assert "Reference [2] 'Non-steroidal anti-inflammatory drugs" in found[0].message


def test_a_reference_used_only_inside_a_range_is_not_an_orphan():
    content = article("Back pain [1-3].", citations=(ACP, NSAID, replace(ACP, doi="10.1000/x", title="Back pain")))

    assert only(content, "orphan-reference") == []


# --- duplicate-reference ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("second", "why"),
    [
        (replace(NSAID, doi="https://doi.org/10.7326/m16-2367"), "same DOI"),
        (replace(NSAID, pmid="28192789", doi=""), "same PMID"),
        (
            ReferenceData(title="noninvasive treatments for acute, subacute and chronic low-back pain.", year=2017),
            "same title and year",
        ),
    ],
)
def test_duplicate_reference_by_doi_pmid_or_title_and_year(second, why):
    content = article("Back pain [1] and [2].", citations=(ACP, second))

    found = only(content, "duplicate-reference")

    assert [(f.number, f.section, f.marker) for f in found] == [(2, 1, "[2]")]
    assert why in found[0].message
    assert "[1] and [2]" in found[0].message


@pytest.mark.parametrize(
    "second",
    [
        replace(ACP, year=2007, doi="", pmid=""),  # another edition
        replace(ACP, doi="10.1000/erratum", pmid=""),  # same title, a different DOI: another work
        NSAID,
    ],
)
def test_different_works_are_not_duplicates(second):
    content = article("Back pain [1] and [2].", citations=(ACP, second))

    assert only(content, "duplicate-reference") == []


# --- invalid-doi / invalid-pmid --------------------------------------------------------------


@pytest.mark.parametrize(
    "doi",
    [
        "10.7326/M16-2367",
        "https://doi.org/10.1002/14651858.CD012087",
        "doi:10.1000/182",
        "10.1002/(SICI)1097-4636(199706)35:4<471::AID-JBM6>3.0.CO;2-9",
    ],
)
def test_valid_dois(doi):
    assert is_valid_doi(normalise_doi(doi))
    assert only(article("Back pain [1].", citations=(replace(ACP, doi=doi),)), "invalid-doi") == []


@pytest.mark.parametrize("doi", ["10.12/abc", "11.1234/abc", "10.1234/", "10.1234/has space", "M16-2367"])
def test_invalid_doi(doi):
    found = only(article("Back pain [1].", citations=(replace(ACP, doi=doi),)), "invalid-doi")

    assert [(f.number, f.severity, f.section, f.marker) for f in found] == [(1, Severity.ERROR, 1, "[1]")]
    assert doi in found[0].message


@pytest.mark.parametrize(
    ("pmid", "valid"),
    [("28192789", True), ("1", True), ("0123", False), ("123456789", False), ("12a4", False), ("PMID: 42", True)],
)
def test_pmid_validation(pmid, valid):
    found = only(article("Back pain [1].", citations=(replace(ACP, pmid=pmid),)), "invalid-pmid")

    assert (found == []) is valid
    assert is_valid_pmid(pmid.replace("PMID: ", "")) is valid


# --- missing-identifier ----------------------------------------------------------------------


def test_missing_identifier_is_a_warning_and_a_url_is_enough():
    bare = replace(ACP, doi="", pmid="")
    with_url = replace(NSAID, doi="", url="https://www.acponline.org/clinical-information/guidelines")

    found = only(article("Back pain [1] [2].", citations=(bare, with_url)), "missing-identifier")

    assert [(f.number, f.severity) for f in found] == [(1, Severity.WARNING)]


# --- withdrawn / superseded ------------------------------------------------------------------


def test_withdrawn_reference_is_an_error_and_superseded_a_warning():
    withdrawn, superseded = replace(ACP, status="withdrawn"), replace(NSAID, status="superseded")
    content = article("Back pain [1] [2].", citations=(withdrawn, superseded))

    report = check_content(content)

    assert [(f.code, f.number, f.severity) for f in report.findings] == [
        ("withdrawn-reference", 1, Severity.ERROR),
        ("superseded-reference", 2, Severity.WARNING),
    ]


# --- possible-reference-mismatch -------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "body"),
    [
        ("Noninvasive Treatments for Acute, Subacute, and Chronic Low Back Pain", "Stay active [1]."),
        ("Low Back Pain: Clinical Practice Guidelines", "Stay active [1]."),
        ("Cyclobenzaprine hydrochloride tablets label", "Cyclobenzaprine may be used for muscle spasm [1]."),
        ("Spinal manipulative therapy for acute low-back pain", "Spinal manipulation [1]."),
        ("Exercise therapy for treatment of non-specific low back pain", "Exercises help [1]."),
        ("Clinical Practice Guideline Summary", "Stay active [1]."),  # nothing meaningful to judge by
    ],
)
def test_a_relevant_reference_is_not_a_mismatch(title, body):
    content = article(
        SectionData(heading="Muscle Relaxants", body=body), citations=(ReferenceData(title=title, doi="10.1000/1"),)
    )

    assert only(content, "possible-reference-mismatch") == []


def test_the_cited_text_alone_can_make_a_reference_relevant():
    label = ReferenceData(title="Cyclobenzaprine hydrochloride tablets label", doi="10.1000/1")
    cited = SectionData(heading="Muscle relaxants", body="Cyclobenzaprine may be used for muscle spasm [1].")
    elsewhere = SectionData(heading="Muscle relaxants", body="A relaxant may be used for muscle spasm [1].")

    assert only(article(cited, citations=(label,), question="How to treat spasm?"), "possible-reference-mismatch") == []
    assert only(article(elsewhere, citations=(label,), question="How to treat spasm?"), "possible-reference-mismatch")


@pytest.mark.parametrize(
    "title",
    [
        "Air Travel Guidelines for Medically Stable Patients",
        "Management of Type 2 Diabetes Mellitus in Adults",
        "Clinical Practice Guideline for the Treatment of Acute Otitis Media",
    ],
)
def test_an_unrelated_reference_is_a_possible_mismatch(title):
    content = article(
        "Stay active and avoid bed rest for low back pain [1].",
        citations=(ReferenceData(title=title, doi="10.1000/1"),),
    )

    found = only(content, "possible-reference-mismatch")

    assert [(f.number, f.severity, f.section, f.marker) for f in found] == [(1, Severity.WARNING, 1, "[1]")]


def test_mismatch_reads_only_the_sections_that_cite_the_reference():
    content = article(
        SectionData(heading="Travel", body="Flying after surgery needs care [2]."),
        SectionData(heading="Back pain", body="Stay active [1]."),
        citations=(ACP, AIR_TRAVEL),
    )

    assert only(content, "possible-reference-mismatch") == []
    moved = replace(content, sections=(SectionData(heading="Back pain", body="Stay active [1]. Cited [2]."),))
    assert [f.number for f in only(moved, "possible-reference-mismatch")] == [2]


def test_meaningful_terms_stem_and_drop_generic_words():
    assert meaningful_terms("Low Back Pain") == meaningful_terms("back pains, low")
    assert meaningful_terms("Clinical Practice Guidelines for Patients: a Systematic Review") == set()
    assert meaningful_terms("strengthening exercises") == meaningful_terms("exercise to strengthen")


# --- uncited-claim ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "claim",
    [
        "75% of patients improve",
        "Start with 5 mg daily",
        "Start with 5mg",
        "Give 0.5 mg/kg",
        "Insulin 10 units",
        "Relief within 48 hours",
        "For 2-3 weeks only",
        "After 3 months",
        "Acute pain (<4 weeks)",
        "In 7 days",
    ],
)
def test_uncited_claim_for_a_figure_without_a_marker(claim):
    found = only(article("Back pain [1] [2].", f"- {claim}"), "uncited-claim")

    assert [(f.section, f.severity) for f in found] == [(2, Severity.WARNING)]
    assert claim[:20] in found[0].message


@pytest.mark.parametrize(
    "text",
    [
        "- 75% of patients improve [1]",
        "- Start with 5 mg daily\n  and titrate [2]",
        "- COX-2 selective NSAIDs are preferred",
        "- Stage 3 disease",
        "- Use the 2019 update",
        "Imaging within 6 weeks [1, 2]",
    ],
)
def test_no_uncited_claim_when_cited_or_not_a_figure(text):
    assert only(article("Back pain [1] [2].", text), "uncited-claim") == []


def test_nested_list_items_are_their_own_items():
    body = "- Dosing [1]:\n  - Start with 5mg in elderly patients\n  - Maximum 30 mg per day [2]"

    found = only(article(body), "uncited-claim")

    assert len(found) == 1
    assert "Start with 5mg" in found[0].message


def test_paragraphs_are_split_on_blank_lines():
    blocks = body_blocks("First paragraph\ncontinues here.\n\nSecond 50% [1].\n\n1. one\n2. two\n   lazy line")

    assert [b.text for b in blocks] == [
        "First paragraph\ncontinues here.",
        "Second 50% [1].",
        "1. one",
        "2. two\nlazy line",
    ]


def test_figure_pattern_does_not_read_version_numbers_as_doses():
    assert FIGURE_RE.search("ICD-10 code") is None
    assert FIGURE_RE.search("COX-2 inhibitors") is None


# --- empty-article ---------------------------------------------------------------------------


def test_an_article_with_no_sections_is_empty():
    found = only(article(citations=()), "empty-article")

    assert [(f.section, f.severity) for f in found] == [(None, Severity.ERROR)]


def test_a_section_with_no_body_is_empty():
    content = article("Back pain [1] [2].", SectionData(heading="Dosing", body="  \n"))

    found = only(content, "empty-article")

    assert [(f.section, f.heading) for f in found] == [(2, "Dosing")]
    assert "Section 2 'Dosing' has no body" in found[0].message


def test_a_grouping_heading_followed_by_a_deeper_section_is_not_empty():
    content = article(
        SectionData(heading="Non-Pharmacological Treatment Options (First-Line)", body="", level=2),
        SectionData(heading="Physical Activity and Exercise", body="Stay active for back pain [1] [2].", level=3),
        SectionData(heading="Last group", body="", level=2),
        SectionData(heading="Same level", body="Back pain text.", level=2),
    )

    assert [(f.section, f.heading) for f in only(content, "empty-article")] == [(3, "Last group")]


def test_every_code_has_a_severity_and_serialises():
    report = check_content(seed_content())

    as_dict = report.as_dict()

    assert {f["code"] for f in as_dict["errors"]} == {"unresolved-citation"}
    assert {f["code"] for f in as_dict["warnings"]} == {
        "missing-identifier",
        "possible-reference-mismatch",
        "uncited-claim",
    }


def test_orphans_are_judged_against_all_sections_once_not_once_per_orphan(monkeypatch):
    from references import integrity

    sections = tuple(SectionData(heading=f"Part {i}", body=f"Back pain part {i} [1].") for i in range(1, 101))
    orphans = tuple(
        CitationData(number=n, reference=ReferenceData(title=f"Knee surgery {n}", doi=f"10.1000/{n}"))
        for n in range(2, 102)
    )
    content = ArticleContent(
        question="Back pain?", sections=sections, citations=(CitationData(number=1, reference=ACP), *orphans)
    )
    calls = []
    original = integrity._Terms.section
    monkeypatch.setattr(integrity._Terms, "section", lambda self, p: calls.append(p) or original(self, p))

    report = check_content(content)

    assert len([f for f in report.findings if f.code == "possible-reference-mismatch"]) == 100
    assert len(calls) <= 2 * len(sections)  # each section's terms once for the union, once for its citations


@pytest.mark.parametrize(
    ("question", "body", "title"),
    [
        (
            "Should PPIs be stopped in older adults?",
            "Stop when the reason has gone [1].",
            "Proton pump inhibitor withdrawal: a randomised trial",
        ),
        (
            "How is atrial fibrillation anticoagulated?",
            "Offer a DOAC [1].",
            "2023 ACC/AHA/ACCP/HRS guideline for the diagnosis and management of AF",
        ),
        (
            "Which drugs need a dose change in CKD?",
            "Check the creatinine first [1].",
            "KDIGO 2024 Clinical Practice Guideline for the Evaluation and Management of Chronic Kidney Disease",
        ),
        (
            "When should inhaled steroids be added in COPD?",
            "After exacerbations [1].",
            "Corticosteroid use in chronic obstructive pulmonary disease",
        ),
        (
            "What HbA1c is the aim in older age?",
            "Aim higher when frail [1].",
            "Glycated haemoglobin goals for type 2 diabetes",
        ),
        (
            "When is a lower dose needed?",
            "Below an eGFR of 45 [1].",
            "Estimated glomerular filtration rate equations compared",
        ),
        ("Is the AF burden lower after ablation?", "It falls [1].", "Atrial fibrillation burden"),
    ],
)
def test_an_abbreviation_and_its_expansion_match_each_other(question, body, title):
    content = article(
        SectionData(heading="What to do", body=body),
        question=question,
        citations=(ReferenceData(title=title, doi="10.1000/1"),),
    )

    assert only(content, "possible-reference-mismatch") == []


def test_a_mismatch_names_the_words_of_the_title_that_matched_nothing():
    content = article("Stay active and avoid bed rest for low back pain [1].", citations=(AIR_TRAVEL,))

    [found] = only(content, "possible-reference-mismatch")

    assert "none of 'Air', 'Travel', 'Stable' appears there" in found.message


def test_the_abbreviation_list_names_its_source_and_expands_each_entry():
    from references.terms import clinical_abbreviations

    table = clinical_abbreviations()
    assert "proton pump inhibitor" in table["PPI"]
    assert "atrial fibrillation" in table["AF"]
    assert {"CKD", "COPD", "eGFR", "HbA1c"} <= set(table)
    from pathlib import Path

    header = (Path(__file__).resolve().parents[2] / "references/data/clinical-abbreviations.tsv").read_text()
    assert "Source:" in header.split("\n", 3)[0] + header.split("\n", 3)[1]
