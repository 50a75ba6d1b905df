"""One reference from what a person pastes (``articles.importing.read_reference``): a DOI, a PMID, an
export-style entry or a citation line as journals print it; what cannot be read says so."""

from __future__ import annotations

import pytest

from articles.importing import ImportError_, read_reference

QASEEM = (
    "Qaseem A, Wilt TJ, McLean RM, Forciea MA. Noninvasive treatments for acute, subacute, and chronic low back "
    "pain: a clinical practice guideline from the American College of Physicians. Ann Intern Med. "
    "2017;166(7):514-530. doi:10.7326/M16-2367"
)


@pytest.mark.parametrize(
    ("pasted", "doi", "pmid"),
    [
        ("10.7326/M16-2367", "10.7326/M16-2367", ""),
        ("https://doi.org/10.7326/M16-2367", "10.7326/M16-2367", ""),
        ("PMID: 28192789", "", "28192789"),
        ("28192789", "", "28192789"),
    ],
)
def test_an_identifier_alone_is_read_as_that_identifier(pasted, doi, pmid):
    reference = read_reference(pasted)

    assert (reference.doi, reference.pmid, reference.title) == (doi, pmid, "")


def test_a_citation_line_gives_authors_title_journal_year_and_doi():
    reference = read_reference(QASEEM)

    assert reference.authors == "Qaseem A, Wilt TJ, McLean RM, Forciea MA"
    assert reference.title.startswith("Noninvasive treatments for acute, subacute, and chronic low back pain")
    assert (reference.publisher, reference.year, reference.doi) == ("Ann Intern Med", 2017, "10.7326/M16-2367")


def test_an_entry_in_the_export_layout_is_read_as_the_importer_reads_it():
    reference = read_reference(
        "Guideline\nNoninvasive treatments for low back pain\nAnnals of Internal Medicine, 2017\nDOI: 10.7326/M16-2367"
    )

    assert (reference.kind, reference.label, reference.title) == (
        "guideline",
        "Guideline",
        "Noninvasive treatments for low back pain",
    )
    assert (reference.publisher, reference.year, reference.doi) == (
        "Annals of Internal Medicine",
        2017,
        "10.7326/M16-2367",
    )


@pytest.mark.parametrize("pasted", ["", "   \n  ", "DOI: 10.1/x\nPMID: 1"])
def test_what_cannot_be_read_says_so(pasted):
    with pytest.raises(ImportError_):
        read_reference(pasted)
