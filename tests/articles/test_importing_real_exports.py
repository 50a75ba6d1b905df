"""Issue 21: the plain-text export as real sites write it. Each defect has its test, written before its fix."""

import pytest

from articles.importing import parse_document
from references.integrity import check_content


def findings(content, code):
    return [f for f in check_content(content).findings if f.code == code]


def refs(content):
    return [c.reference for c in sorted(content.citations, key=lambda c: c.number)]


# --- a wrapped title must not split the list and hide a missing reference -------------------------

WRAPPED = """Should proton pump inhibitors be deprescribed?

When to Stop

Stop a proton pump inhibitor when its reason has gone 1

Taper over four weeks to avoid rebound symptoms 2

Rebound acid hypersecretion follows abrupt withdrawal after long use 3

References

Guideline

Deprescribing proton pump inhibitors: evidence-based clinical practice
guideline for primary care

Canadian Family Physician, 2017

PMID: 28500192

Systematic Review

Tapering versus abrupt discontinuation of proton pump inhibitors

Cochrane Database of Systematic Reviews, 2020

DOI: 10.1002/14651858.CD011969.pub2
"""


def test_a_title_wrapped_over_two_lines_is_one_title_and_the_missing_reference_stays_missing():
    content = parse_document(WRAPPED)

    assert [
        (c.number, c.reference.label, c.reference.title) for c in sorted(content.citations, key=lambda c: c.number)
    ] == [
        (
            1,
            "Guideline",
            "Deprescribing proton pump inhibitors: evidence-based clinical practice guideline for primary care",
        ),
        (2, "Systematic Review", "Tapering versus abrupt discontinuation of proton pump inhibitors"),
    ]
    report = check_content(content)
    assert [(f.code, f.number) for f in report.errors] == [("unresolved-citation", 3)]
    assert report.warnings == []


# --- one-line references, links alone, other headings, other numbering ------------------------------

VANCOUVER = """How should atrial fibrillation be anticoagulated?

Stroke Prevention

Offer a direct oral anticoagulant to people with a CHA2DS2-VASc score of 2 or more 1

Apixaban caused fewer major bleeds than warfarin 2

Works cited

1) Joglar JA, Chung MK, Armbruster AL, et al. 2023 ACC/AHA/ACCP/HRS guideline for the diagnosis and
management of atrial fibrillation. Circulation. 2024 Jan 2;149(1):e1-e156. doi:10.1161/CIR.0000000000001193.
PMID: 38033089.
2) Granger CB, Alexander JH, McMurray JJ, et al. Apixaban versus warfarin in patients with atrial
fibrillation. N Engl J Med. 2011;365(11):981-92. doi: 10.1056/NEJMoa1107039
"""


def test_one_line_vancouver_references_read_authors_title_journal_year_and_identifiers():
    content = parse_document(VANCOUVER)

    assert [(r.title, r.publisher, r.year, r.doi, r.pmid, r.authors[:9]) for r in refs(content)] == [
        (
            "2023 ACC/AHA/ACCP/HRS guideline for the diagnosis and management of atrial fibrillation",
            "Circulation",
            2024,
            "10.1161/CIR.0000000000001193",
            "38033089",
            "Joglar JA",
        ),
        (
            "Apixaban versus warfarin in patients with atrial fibrillation",
            "N Engl J Med",
            2011,
            "10.1056/NEJMoa1107039",
            "",
            "Granger C",
        ),
    ]
    assert check_content(content).findings == []


@pytest.mark.parametrize(
    "heading", ["Sources", "Bibliography", "Works cited", "References and further reading", "SOURCES:"]
)
@pytest.mark.parametrize("numbering", ["{n}. ", "[{n}] ", "{n}) "])
def test_reference_headings_and_numbering_styles(heading, numbering):
    entries = [
        "Whelton PK, Carey RM, Aronow WS, et al. 2017 guideline for high blood pressure in adults. "
        "Hypertension. 2018;71(6):e13-e115. doi:10.1161/HYP.0000000000000065",
        "https://www.nice.org.uk/guidance/ng136",
    ]
    text = (
        "How is high blood pressure treated?\n\nFirst Steps\n\nLower salt intake 1\n\n"
        "Follow the national pathway 2\n\n"
        + heading
        + "\n\n"
        + "\n".join(numbering.format(n=n) + e for n, e in enumerate(entries, start=1))
        + "\n"
    )

    content = parse_document(text)

    assert [(c.number, c.reference.url or c.reference.doi) for c in content.citations] == [
        (1, "10.1161/HYP.0000000000000065"),
        (2, "https://www.nice.org.uk/guidance/ng136"),
    ]
    assert check_content(content).findings == []


def test_numbered_entries_keep_their_numbers_and_an_unreadable_one_keeps_its_number():
    text = (
        "How is gout treated?\n\nFlares\n\nColchicine works fast 1\n\nNaproxen also works 3\n\n"
        "Diet matters 4\n\nReferences\n\n"
        "[1] Richette P, Doherty M, Pascual E, et al. 2016 updated EULAR evidence-based recommendations for the "
        "management of gout. Ann Rheum Dis. 2017;76(1):29-42. PMID: 27457514\n"
        "[2] ???\n"
        "[4] Choi HK, Atkinson K, Karlson EW, et al. Purine-rich foods, dairy and protein intake, and the risk of "
        "gout in men. N Engl J Med. 2004;350(11):1093-103. doi:10.1056/NEJMoa035700\n"
    )

    content = parse_document(text)

    assert [c.number for c in content.citations] == [1, 4]
    report = check_content(content)
    assert [(f.code, f.number) for f in report.errors] == [
        ("unresolved-citation", 3),
        ("unreadable-reference", 2),
    ]


# --- markers as sites write them --------------------------------------------------------------

MARKERS = """Do statins lower mortality after a heart attack?

What the Trials Show

High-intensity statins lower mortality by a quarter.¹ Early atorvastatin benefit grows with time.²˒³

Statins lower mortality 4.

Benefits were seen in older people too³⁻⁴

When Should They Start?

Start before discharge 1

References

1. Cholesterol Treatment Trialists' Collaboration. Efficacy and safety of more intensive lowering of LDL
cholesterol. Lancet. 2010;376(9753):1670-81. doi:10.1016/S0140-6736(10)61350-5
2. Schwartz GG, Olsson AG, Ezekowitz MD, et al. Effects of atorvastatin on early recurrent ischemic events
in acute coronary syndromes. JAMA. 2001;285(13):1711-8. doi:10.1001/jama.285.13.1711
3. Cannon CP, Braunwald E, McCabe CH, et al. Intensive versus moderate lipid lowering with statins after
acute coronary syndromes. N Engl J Med. 2004;350(15):1495-504. doi:10.1056/NEJMoa040583
4. Armitage J, Baigent C, Barnes E, et al. Efficacy and safety of statin therapy in older people: a
meta-analysis. Lancet. 2019;393(10170):407-15. doi:10.1016/S0140-6736(18)31942-1
"""


def test_superscript_markers_a_marker_before_the_full_stop_and_a_question_heading():
    content = parse_document(MARKERS)

    assert [(s.heading, s.level) for s in content.sections] == [
        ("What the Trials Show", 2),
        ("When Should They Start?", 2),
    ]
    body = content.sections[0].body
    assert "by a quarter. [1] Early atorvastatin benefit grows with time. [2, 3]" in body
    assert "Statins lower mortality [4]." in body
    assert "older people too [3-4]" in body
    assert check_content(content).findings == []


def test_superscripts_that_are_units_or_powers_stay_text():
    text = (
        "How is kidney function staged?\n\nStages\n\nStage 3 means an eGFR of 30-59 mL/min/1.73 m² for 3 months."
        " A platelet count below 150 x 10⁹/L is low.¹\n\nReferences\n\n"
        "1. Kidney Disease: Improving Global Outcomes (KDIGO) CKD Work Group. KDIGO 2024 clinical practice "
        "guideline for the evaluation and management of chronic kidney disease. Kidney Int. 2024;105(4S):S117-S314."
        " doi:10.1016/j.kint.2023.10.018\n"
    )

    body = parse_document(text).sections[0].body

    assert "1.73 m² for 3 months" in body
    assert "150 x 10⁹/L is low. [1]" in body


# --- numbers that are not markers ------------------------------------------------------------

TABLES = """How is chronic kidney disease staged?

Stages by eGFR

Stage	eGFR (mL/min/1.73 m2)	Description
G1	90 or more	Normal or high
G2	60-89	Mildly decreased
G3a	45-59	Mildly to moderately decreased
G4	15-29	Severely decreased

Staging follows the international classification 1

Risk Score Bands

  • Low 0-1
  • Moderate 2-3
  • High 4-6

Treatment Length

  • Uncomplicated infection: 3 days 2
  • Men 7
  • Amoxicillin 500

The eGFR equation was validated in a cohort 2

References

1. Kidney Disease: Improving Global Outcomes (KDIGO) CKD Work Group. KDIGO 2024 clinical practice guideline for
the evaluation and management of chronic kidney disease. Kidney Int. 2024;105(4S):S117-S314.
doi:10.1016/j.kint.2023.10.018
2. Levey AS, Stevens LA, Schmid CH, et al. A new equation to estimate glomerular filtration rate. Ann Intern
Med. 2009;150(9):604-12. doi:10.7326/0003-4819-150-9-200905050-00006
"""


def test_numbers_in_tables_score_bands_doses_and_durations_are_not_markers():
    content = parse_document(TABLES)

    report = check_content(content)
    assert [f.code for f in report.findings] == []
    body = "\n".join(s.body for s in content.sections)
    assert "[0-1]" not in body
    assert "[2-3]" not in body
    assert "[4-6]" not in body
    assert "[500]" not in body
    assert "G2 | 60-89 | Mildly decreased" in body


def test_a_number_on_a_line_of_its_own_numbers_the_entry_below_it_and_nothing_is_renumbered():
    text = (
        "How is gout treated?\n\nFlares\n\nColchicine works fast 1\n\nDiet matters 3\n\nReferences\n\n"
        "[1]\nGuideline\n2016 updated EULAR evidence-based recommendations for the management of gout\n"
        "Annals of the Rheumatic Diseases, 2017\nPMID: 27457514\n"
        "[3]\nPurine-rich foods, dairy and protein intake, and the risk of gout in men\n"
        "New England Journal of Medicine, 2004\nDOI: 10.1056/NEJMoa035700\n"
    )

    content = parse_document(text)

    assert [(c.number, c.reference.label, c.reference.year) for c in content.citations] == [
        (1, "Guideline", 2017),
        (3, "", 2004),
    ]
    assert check_content(content).errors == []
