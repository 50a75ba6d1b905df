"""The diff of a working copy against the live published version (articles.diff)."""

from __future__ import annotations

from articles.content import ArticleContent, CitationData, ReferenceData, SectionData
from articles.diff import Segment, content_diff, diff_lines

GUIDELINE = ReferenceData(title="Low back pain guideline", kind="guideline", year=2017, doi="10.7326/m16-2367")


def content(*sections: SectionData, question: str = "How is back pain treated?", citations=()) -> ArticleContent:
    return ArticleContent(question=question, sections=sections, citations=tuple(citations))


def test_identical_content_has_no_changes():
    a = content(SectionData("Exercise", "Stay active [1]."), citations=[CitationData(1, GUIDELINE)])

    diff = content_diff(old=a, new=a)

    assert not diff.changed
    assert diff.changed_sections == []
    assert diff.unchanged_count == 1
    assert diff.question is None
    assert diff.references == ()


def test_an_inserted_section_does_not_shift_the_pairs_after_it():
    old = content(SectionData("Exercise", "Walk."), SectionData("Drugs", "NSAIDs."), SectionData("Surgery", "Rarely."))
    new = content(
        SectionData("Exercise", "Walk."),
        SectionData("Red flags", "Fever."),
        SectionData("Drugs", "NSAIDs."),
        SectionData("Surgery", "Rarely, after 3 months."),
    )

    diff = content_diff(old=old, new=new)

    assert [(s.status, s.heading) for s in diff.sections] == [
        ("unchanged", "Exercise"),
        ("added", "Red flags"),
        ("unchanged", "Drugs"),
        ("changed", "Surgery"),
    ]
    surgery = diff.sections[-1]
    assert [(line.kind, line.text) for line in surgery.lines] == [
        ("removed", "Rarely."),
        ("added", "Rarely, after 3 months."),
    ]
    assert surgery.lines[1].segments == (Segment("Rarely"), Segment(", after 3 months", True), Segment("."))


def test_renamed_removed_and_releveled_sections():
    old = content(SectionData("Drugs", "NSAIDs."), SectionData("Imaging", "Not routinely."))
    new = content(SectionData("Medication", "NSAIDs.", level=3))

    diff = content_diff(old=old, new=new)

    assert [(s.status, s.heading) for s in diff.sections] == [("changed", "Medication"), ("removed", "Imaging")]
    renamed = diff.sections[0]
    assert renamed.renamed
    assert renamed.old_heading == "Drugs"
    assert renamed.level_changed
    assert renamed.lines == ()  # the body is the same
    assert [line.kind for line in diff.sections[1].lines] == ["removed"]


def test_question_and_reference_changes():
    old = content(SectionData("Drugs", "NSAIDs [1]."), citations=[CitationData(1, GUIDELINE)])
    new = content(
        SectionData("Drugs", "NSAIDs [1, 2]."),
        question="What are the treatment options for back pain?",
        citations=[CitationData(1, GUIDELINE), CitationData(2, ReferenceData(title="NSAIDs review", pmid="28425555"))],
    )

    diff = content_diff(old=old, new=new)

    assert diff.question == ("How is back pain treated?", "What are the treatment options for back pain?")
    assert [line.kind for line in diff.references] == ["same", "added"]
    assert diff.references[1].text == "[2] NSAIDs review · other · PMID 28425555"


def test_long_unchanged_runs_are_left_out_with_a_count():
    old = [f"- item {n}" for n in range(20)]
    new = [*old[:10], "- item ten", *old[11:]]

    lines = diff_lines(old, new)

    assert [line.kind for line in lines] == ["skip", "same", "same", "removed", "added", "same", "same", "skip"]
    assert lines[0].text == "8 unchanged line(s)"
    assert lines[-1].text == "7 unchanged line(s)"


def test_markup_stays_text():
    lines = diff_lines(["Take <b>one</b>."], ["Take <script>alert(1)</script>."])

    assert lines[1].text == "Take <script>alert(1)</script>."
    assert "".join(segment.text for segment in lines[1].segments) == lines[1].text
