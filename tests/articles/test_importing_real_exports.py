"""Issue 21: the plain-text export as real sites write it. Each defect has its test, written before its fix."""

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

    assert [(c.number, c.reference.label, c.reference.title) for c in sorted(content.citations, key=lambda c: c.number)] == [
        (1, "Guideline",
         "Deprescribing proton pump inhibitors: evidence-based clinical practice guideline for primary care"),
        (2, "Systematic Review", "Tapering versus abrupt discontinuation of proton pump inhibitors"),
    ]
    report = check_content(content)
    assert [(f.code, f.number) for f in report.errors] == [("unresolved-citation", 3)]
    assert report.warnings == []
