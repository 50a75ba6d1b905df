"""The plain-text page export (the seed's format) -> ArticleContent."""

from pathlib import Path

import pytest

from articles.importing import ImportError_, detect_format, parse_document, read_source
from articles.importing.bare_markers import _convert_markers, _escape
from articles.markers import find_markers
from articles.rendering import render_markdown
from config.exceptions import InvalidInput
from references.integrity import check_content

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "articles" / "demo" / "back-pain.txt"
FIXTURES = ROOT / "tests" / "fixtures" / "plaintext"


def parse(path: Path):
    return parse_document(read_source(path), source_name=path.name)


def outline(content):
    return [(s.heading, s.level) for s in content.sections]


def body(content, heading: str) -> str:
    return next(s.body for s in content.sections if s.heading == heading)


# --- the seed page --------------------------------------------------------------------------


def test_seed_copy_in_the_repo_is_the_shared_seed():
    shared = ROOT.parent / "shared" / "seeds" / "000_307b032abd08afcd.txt"
    if shared.exists():  # only on the team machine; the repo copy is what seed_demo uses
        assert SEED.read_bytes() == shared.read_bytes()
    assert detect_format(SEED.read_text()) == "plaintext"


def test_seed_question_and_headings_in_order():
    content = parse(SEED)

    assert content.question == "What are the treatment options for back pain?"
    assert outline(content) == [
        ("Treatment Options for Back Pain", 2),
        ("Non-Pharmacological Treatment Options (First-Line)", 2),
        ("Physical Activity and Exercise", 3),
        ("Physical Therapy Interventions", 3),
        ("Risk Stratification", 3),
        ("Pharmacological Treatment Options (Second-Line)", 2),
        ("NSAIDs", 3),
        ("Muscle Relaxants", 3),
        ("Other Medications", 3),
        ("Interventional Procedures", 2),
        ("Injections", 3),
        ("Surgical Considerations", 3),
        ("Diagnostic Imaging", 3),
        ("Special Considerations", 2),
        ("When to Refer", 3),
        ("Common Pitfalls to Avoid", 3),
    ]


def test_seed_grouping_headings_have_empty_bodies_and_the_rest_have_content():
    content = parse(SEED)

    empty = [s.heading for s in content.sections if not s.body]
    assert empty == [
        "Non-Pharmacological Treatment Options (First-Line)",
        "Pharmacological Treatment Options (Second-Line)",
        "Interventional Procedures",
        "Special Considerations",
    ]


def test_seed_nested_bullets_become_nested_markdown_lists():
    content = parse(SEED)

    assert body(content, "Physical Activity and Exercise") == (
        "- Avoid bed rest completely - this worsens outcomes [2]\n"
        "- Regular physical activity with gradual return to normal activities [1]\n"
        "- Exercise therapy tailored to the specific condition:\n"
        "  - Eccentric strengthening exercises\n"
        "  - Walking programs\n"
        "  - Core strengthening\n"
        "  - Yoga or tai chi [3]"
    )
    html = render_markdown(body(content, "Physical Activity and Exercise"))
    assert html.count("<ul>") == 2


def test_seed_markers_trailing_lists_and_before_a_colon():
    content = parse(SEED)

    assert "- Supervised exercise programs [1, 3]" in body(content, "Physical Therapy Interventions")
    assert body(content, "Risk Stratification").startswith(
        "The STarT Back tool can help identify appropriate treatment intensity [1]:\n\n- Low risk patients"
    )
    assert body(content, "Treatment Options for Back Pain").endswith("within 48 hours. [1]")


def test_seed_numbers_that_are_not_markers_are_left_alone():
    content = parse(SEED)

    relaxants = body(content, "Muscle Relaxants")
    assert "- Use only for short periods (up to 2-3 weeks)\n" in relaxants
    assert "- Start with 5mg in elderly patients" in relaxants
    assert "(>3 months)\n" in body(content, "Diagnostic Imaging")
    assert "- 75% of patients show good or very good response within 48 hours\n" in body(content, "NSAIDs")
    assert "3. Prolonged use of muscle relaxants beyond 2-3 weeks\n" in body(content, "Common Pitfalls to Avoid")


def test_seed_numbered_list_and_closing_paragraph():
    pitfalls = body(parse(SEED), "Common Pitfalls to Avoid")

    assert pitfalls.startswith("1. Prescribing bed rest (worsens outcomes)\n2. Ordering unnecessary imaging")
    assert pitfalls.endswith(
        "\n\nThe most effective approach to back pain combines early activity, appropriate "
        "non-pharmacological interventions, judicious use of medications when needed, and "
        "consideration of interventional or surgical options only for specific indications "
        "after conservative measures have failed."
    )


def test_seed_boilerplate_is_gone_and_recorded():
    content = parse(SEED)
    text = "\n".join([content.question] + [s.heading + "\n" + s.body for s in content.sections])

    for phrase in (
        "Medical Advisory Board",
        "Educational purpose only",
        "Article Review Status",
        "Under Review",
        "Last updated",
        "Personalize",
        "Help us tailor",
        "Which best describes you",
        "Professional Medical Disclaimer",
        "Dr.Oracle",
        "follow-up question",
        "Our Medical A.I.",
    ):
        assert phrase not in text
    assert content.dropped[0].startswith("Medical Advisory BoardAll articles are reviewed")
    assert "Professional Medical Disclaimer" in content.dropped
    assert "Have a follow-up question?" in content.dropped
    assert {"Submitted", "Under Review", "Approved"} <= set(content.dropped)


def test_seed_reference_block():
    (citation,) = parse(SEED).citations

    assert citation.number == 1
    assert citation.reference.kind == "guideline"
    assert citation.reference.title == "Air Travel Guidelines for Medically Stable Patients"
    assert citation.reference.publisher == "Praxis Medical Insights: Practical Summaries of Clinical Guidelines"
    assert citation.reference.year == 2025


def test_seed_integrity_findings_are_the_brief_s():
    report = check_content(parse(SEED))

    unresolved = {f.number for f in report.errors if f.code == "unresolved-citation"}
    assert unresolved == {2, 3, 4}
    mismatch = [f for f in report.warnings if f.code == "possible-reference-mismatch"]
    assert [f.number for f in mismatch] == [1]
    assert report.has_errors


# --- other articles in the same export format --------------------------------------------------


def test_migraine_three_level_bullets_numbered_list_with_nested_bullet_and_four_reference_kinds():
    content = parse(FIXTURES / "migraine.txt")

    assert content.question == "How should an acute migraine attack be treated in adults?"
    assert outline(content) == [
        ("Acute Treatment of Migraine in Adults", 2),
        ("First-Line Therapy", 2),
        ("Simple Analgesics", 3),
        ("Triptans", 3),
        ("Antiemetics", 3),
        ("Severe or Refractory Attacks", 3),
        ("Red Flags", 3),
    ]
    assert body(content, "Acute Treatment of Migraine in Adults").endswith("severity of the attack. [1, 3]")
    assert "- Paracetamol is an option when NSAIDs are contraindicated [2-4]" in body(content, "Simple Analgesics")
    assert body(content, "Triptans").endswith(
        "- Choice of triptan depends on:\n"
        "  - Speed of onset\n"
        "    - Nasal and subcutaneous routes act within 15 minutes [4]\n"
        "    - Oral tablets act within 30 to 60 minutes\n"
        "  - Tolerability [1]"
    )
    assert body(content, "Severe or Refractory Attacks") == (
        "1. Give a parenteral NSAID or antiemetic\n"
        "2. Add intravenous fluids if the patient is dehydrated [2]\n"
        "3. Consider a nerve block in the emergency department\n"
        "   - Greater occipital nerve block with local anaesthetic [4]\n"
        "4. Admit if the headache persists beyond 72 hours\n\n"
        "Step 1: reassess the diagnosis if the attacks change character."
    )
    assert "- New headache after age 50\n" in body(content, "Red Flags")
    assert "regimen [3]:" in body(content, "Antiemetics")

    refs = {c.number: c.reference for c in content.citations}
    assert [refs[n].kind for n in (1, 2, 3, 4)] == ["guideline", "systematic_review", "trial", "drug_label"]
    assert refs[1].doi == "10.1136/bmj.p1234"
    assert refs[1].year == 2023
    assert refs[2].pmid == "34128998"
    assert refs[2].publisher == "JAMA"
    assert refs[3].doi == "10.1016/S1474-4422(19)30045-1"  # as written, without the resolver
    assert refs[3].pmid == "30981628"
    assert refs[4].url.startswith("https://www.accessdata.fda.gov/")
    assert "Approved" in content.dropped


def test_migraine_integrity_is_clean_of_errors():
    report = check_content(parse(FIXTURES / "migraine.txt"))

    assert report.errors == []


def test_hypertension_intro_before_first_heading_numbered_refs_and_marker_on_its_own_line():
    content = parse(FIXTURES / "hypertension.txt")

    assert outline(content) == [
        ("Overview", 2),
        ("Choosing a First Drug", 2),
        ("Special Populations", 2),
        ("Monitoring", 2),
    ]
    assert body(content, "Overview").endswith("stays above target. [1]")
    assert body(content, "Choosing a First Drug") == (
        "Four classes are suitable for initial therapy in most adults [1-3]:\n\n"
        "- Thiazide-like diuretics (chlorthalidone, indapamide)\n"
        "- ACE inhibitors or angiotensin receptor blockers\n"
        "  - Do not combine an ACE inhibitor with an ARB [2]\n"
        "- Long-acting calcium channel blockers [3]"
    )
    monitoring = body(content, "Monitoring")
    assert monitoring.startswith(
        "1. Check electrolytes and creatinine 2 to 4 weeks after starting an ACE inhibitor [2]"
    )
    assert "3. Then review every 3 to 6 months\n" in monitoring
    assert monitoring.endswith("for most adults under 65. [5]")
    assert {"Patient", "Clinician", "Have a follow-up question?"} <= set(content.dropped)

    refs = [c.reference for c in content.citations]
    assert [c.number for c in content.citations] == [1, 2, 3, 4, 5]
    assert [r.kind for r in refs] == ["guideline", "guideline", "systematic_review", "textbook", "other"]
    assert refs[0].title.startswith("2017 Guideline for the Prevention")
    assert (refs[0].doi, refs[0].pmid, refs[0].year) == ("10.1161/HYP.0000000000000065", "29133356", 2018)
    assert refs[1].url == "https://www.nice.org.uk/guidance/ng136"
    assert refs[4].authors == "European Society of Hypertension working group"
    assert refs[4].publisher == "Journal of Hypertension"


def test_asthma_heading_chains_go_three_levels_deep():
    content = parse(FIXTURES / "asthma-children.txt")

    assert outline(content) == [
        ("Assessment", 2),
        ("Severity", 3),
        ("Clinical Signs of a Severe Attack", 4),
        ("Peak Flow", 4),
        ("Treatment", 2),
        ("Bronchodilators", 3),
        ("Steroids", 3),
        ("Discharge", 3),
        ("Safety-Netting", 3),
    ]
    assert "1. Salbutamol by spacer, 2 to 10 puffs, repeated every 20 minutes for the first hour [1-3]" in body(
        content, "Bronchodilators"
    )
    assert "- Oxygen saturation below 92% [1, 2]" in body(content, "Clinical Signs of a Severe Attack")
    assert "  - 30 to 40 mg for age over 5 years [4]" in body(content, "Steroids")
    assert "  - 10 mg for children under 2 years\n" in body(content, "Steroids")
    kinds = [c.reference.kind for c in content.citations]
    assert kinds == ["guideline", "guideline", "systematic_review", "trial", "trial"]
    assert check_content(content).errors == []


def test_ankle_references_without_kind_lines_and_other_bullet_characters():
    content = parse(FIXTURES / "ankle-sprain.txt")

    assert outline(content) == [("Ottawa Ankle Rules", 2), ("Early Management", 2), ("Return to Sport", 2)]
    assert body(content, "Early Management") == (
        "- Protect, rest, ice, compression and elevation for the first 48 hours\n"
        "- Functional support with a brace is better than immobilisation [3]\n"
        "  - A lace-up brace for 4 to 6 weeks\n"
        "  - Early weight bearing as tolerated\n"
        "- Exercise therapy reduces the risk of recurrence [3, 4]"
    )
    assert body(content, "Return to Sport") == "Most grade 1 sprains recover in 2 weeks. [4]"
    refs = [c.reference for c in content.citations]
    assert [r.kind for r in refs] == ["other"] * 4
    assert [(r.publisher, r.year) for r in refs] == [
        ("BMJ", 2003),
        ("JAMA", 1994),
        ("British Journal of Sports Medicine", 2018),
        ("Physiotherapy Journal", None),
    ]
    assert refs[1].pmid == "8121454"


@pytest.mark.parametrize("name", ["migraine.txt", "hypertension.txt", "asthma-children.txt", "ankle-sprain.txt"])
def test_fixture_bodies_render_every_marker_as_a_citation_link_and_no_stray_escapes(name):
    for section in parse(FIXTURES / name).sections:
        html = render_markdown(section.body)
        assert "\\" not in html
        assert html.count('<sup class="citation">') == len(find_markers(section.body))


# --- markers and escaping ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("this worsens outcomes 2", "this worsens outcomes [2]"),
        ("Supervised exercise programs 1, 3", "Supervised exercise programs [1, 3]"),
        ("Evidence from three trials 1-3", "Evidence from three trials [1-3]"),
        ("Evidence from three trials 1\u20133", "Evidence from three trials [1-3]"),
        ("Weak evidence 1,4", "Weak evidence [1, 4]"),
        ("after 48 hours. 1", "after 48 hours. [1]"),
        ("(typically after 3 months) 1", "(typically after 3 months) [1]"),
        ("reduces pain by 30% 2", "reduces pain by 30% [2]"),
        ("treatment intensity 1:", "treatment intensity [1]:"),
        ("by severity 2: mild, moderate", "by severity [2]: mild, moderate"),
        # not markers
        ("Use only for short periods (up to 2-3 weeks)", "Use only for short periods (up to 2-3 weeks)"),
        ("Start with 5mg in elderly patients", "Start with 5mg in elderly patients"),
        ("Pain persists (>3 months)", "Pain persists (>3 months)"),
        ("improvement within 48 hours", "improvement within 48 hours"),
        ("Limit use to 2-3", "Limit use to 2-3"),
        ("New headache after age 50", "New headache after age 50"),
        ("Diabetes type 2", "Diabetes type 2"),
        ("Step 1: stop the drug", "Step 1: stop the drug"),
        ("Published in 2024", "Published in 2024"),
        ("Pain scale 0-10", "Pain scale 0-10"),
        ("FEV1 80", "FEV1 80"),
        ("at 10:30 in the morning", "at 10:30 in the morning"),
        ("Target below < 3", "Target below < 3"),
    ],
)
def test_bare_citation_numbers_become_markers_only_where_they_are_citations(line, expected):
    assert _convert_markers(line)[0] == expected


def test_plain_text_that_looks_like_markdown_is_escaped_but_markers_are_kept():
    assert _escape("2019. A year, not a list") == "2019\\. A year, not a list"
    assert _escape("# not a heading") == "\\# not a heading"
    assert _escape("p < 0.05* and snake_case and _x_ [a](b) [2]") == (
        "p < 0.05\\* and snake_case and \\_x\\_ \\[a\\](b) [2]"
    )
    assert render_markdown(_escape("2019. A *year* [2]")).startswith("<p>2019. A *year* <sup")


def test_existing_bracket_markers_are_kept_even_when_huge():
    content = parse_document("Question about hips?\n\nHip care\n\nRest the hip [999999999].\n")

    assert content.sections[0].body == "Rest the hip [999999999]."
    assert "unresolved-citation" in check_content(content).codes()


# --- unreadable input ------------------------------------------------------------------------------


def test_first_line_that_is_a_list_item_is_refused_with_its_line():
    with pytest.raises(ImportError_) as exc:
        parse_document("\n\n  \u2022 not a question\n")

    assert exc.value.line == 3
    assert "line 3" in exc.value.message
    assert isinstance(exc.value, InvalidInput)


def test_question_longer_than_the_field_is_refused():
    with pytest.raises(ImportError_) as exc:
        parse_document("Why " + "very " * 80 + "long?\n\nBody\n\ntext.")

    assert exc.value.line == 1
    assert "300" in exc.value.message


def test_only_boilerplate_is_refused():
    with pytest.raises(ImportError_, match="no article text"):
        parse_document("Personalize\n\nHelp us tailor your experience\n")


def test_identifier_before_any_reference_title_is_an_unreadable_reference_on_its_line():
    text = "A question?\n\nHeading\n\nText [1].\n\nReferences\n\nDOI: 10.1000/xyz\n"

    report = check_content(parse_document(text))

    (finding,) = [f for f in report.errors if f.code == "unreadable-reference"]
    assert finding.line == 9
    assert "a DOI line with no reference title above it" in finding.message
    assert "unresolved-citation" in report.codes()


def test_kind_line_without_title_is_an_unreadable_reference_that_keeps_its_number():
    content = parse_document("A question?\n\nHeading\n\nText [1].\n\nReferences\n\nGuideline\n")

    (finding,) = [f for f in check_content(content).errors if f.code == "unreadable-reference"]
    assert (finding.line, finding.number) == (9, 1)
    assert "'Guideline' is a label with no title under it" in finding.message
    assert content.citations == ()


def test_article_with_only_a_question_parses_to_no_sections():
    content = parse_document("Is this empty?\n")

    assert content.sections == ()
    assert "empty-article" in check_content(content).codes()


def test_markdown_without_front_matter_gets_a_hint():
    with pytest.raises(ImportError_) as exc:
        parse_document("## Treatment\n\nRest.\n")

    assert exc.value.line == 1
    assert "front matter" in exc.value.message


def test_repeated_title_and_non_breaking_space_indentation():
    text = (
        "Is ice good for sprains?\n\nPersonalize\n\nIs ice good for sprains?\n\nIce\n\n"
        "\u00a0\u00a0\u2022 Ice for 20 minutes 1\n\u00a0\u00a0\u00a0\u00a0\u2022 Wrap\u200b the ice\n"
    )

    content = parse_document(text)

    assert [s.heading for s in content.sections] == ["Ice"]
    assert content.sections[0].body == "- Ice for 20 minutes [1]\n  - Wrap the ice"
    assert content.dropped == ("Personalize", "Is ice good for sprains?")


def test_a_megabyte_of_short_lines_parses_quickly():
    text = "What is long?\n\n" + "Short line\n\n" * 40_000

    content = parse_document(text)

    assert len(content.sections) == 39_999  # a chain of headings; the last line is a paragraph
    assert max(s.level for s in content.sections) == 6


def test_short_lines_without_blank_lines_are_paragraphs_not_a_chain_of_headings():
    content = parse_document("What are red flags?\n\nRed flags\n\nFever\nWeight loss\nNight pain\n")

    assert [(s.heading, s.level) for s in content.sections] == [("Red flags", 2)]
    assert content.sections[0].body == "Fever\n\nWeight loss\n\nNight pain"


def test_hard_wrapped_paragraph_lines_are_joined():
    text = (
        "Does heat help?\n\nHeat\n\n"
        "Superficial heat gives a small short-term reduction in pain and disability in\n"
        "acute low back pain 1\n"
    )

    content = parse_document(text)

    assert content.sections[0].body == (
        "Superficial heat gives a small short-term reduction in pain and disability in acute low back pain [1]"
    )


def test_heading_directly_followed_by_a_list():
    content = parse_document("Which drugs?\n\nOptions\n  \u2022 NSAIDs 1\n  \u2022 Duloxetine 2\nDoses\n\n1. Low 1\n")

    assert [(s.heading, s.level) for s in content.sections] == [("Options", 2), ("Doses", 2)]
    assert content.sections[0].body == "- NSAIDs [1]\n- Duloxetine [2]"


def test_text_over_the_size_limit_is_refused_before_parsing():
    with pytest.raises(ImportError_, match="at most 1,000,000"):
        parse_document("What?\n\n" + "x" * 1_000_001)


def test_reference_lines_bare_doi_bracket_numbers_and_titles_starting_with_a_number():
    text = (
        "Does it work?\n\nEvidence\n\nIt works [1, 2].\n\nReferences\n\n"
        "[1] Trial\n2019 update of the statin trial\nLancet, 2019\n10.1016/S0140-6736(19)31234-5\n\n"
        "[2] Guideline\nStatins for prevention\nNICE, 2023\n"
    )

    refs = [c.reference for c in parse_document(text).citations]

    assert [(r.kind, r.title, r.year) for r in refs] == [
        ("trial", "2019 update of the statin trial", 2019),
        ("guideline", "Statins for prevention", 2023),
    ]
    assert refs[0].doi == "10.1016/S0140-6736(19)31234-5"


def test_a_reference_link_the_markdown_reader_refuses_is_refused_here_too():
    """Found by the round-trip property: a link-only entry kept "http://a.b", which the export then wrote
    and the Markdown reader refused; one link rule (articles.content.link_url_problem) for both readers."""
    text = "What helps back pain?\n\nTreatment\n\nWalking helps most people 1\n\nReferences\n\n1. http://a.b\n"
    with pytest.raises(ImportError_, match=r"link of reference 1: not a valid http\(s\) address"):
        parse_document(text, source_name="export.txt")


def test_a_reference_link_that_cannot_even_be_split_is_refused_not_a_traceback():
    """Found by the round-trip property: "http://[" made the link rule itself raise (urlsplit's ValueError)."""
    text = "What helps back pain?\n\nTreatment\n\nWalking helps most people 1\n\nReferences\n\n1. http://[x\n"
    with pytest.raises(ImportError_, match=r"link of reference 1: not a valid http\(s\) address"):
        parse_document(text, source_name="export.txt")
