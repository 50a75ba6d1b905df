from articles.content import ArticleContent, CitationData, ReferenceData, SectionData
from articles.markers import find_markers, format_marker, parse_numbers, replace_markers
from articles.rendering import render_markdown, render_section


def test_markers_parse_single_lists_and_ranges():
    assert [m.numbers for m in find_markers("a [1] b [1, 3] c [2-4] d [5\u20137]")] == [
        (1,),
        (1, 3),
        (2, 3, 4),
        (5, 6, 7),
    ]


def test_markdown_link_text_is_not_a_marker():
    assert find_markers("see [1](https://example.org)") == []


def test_huge_range_is_not_expanded():
    assert parse_numbers("1-999999999") == (1, 999999999)


def test_format_and_replace_markers_renumber():
    assert format_marker([4, 2, 3]) == "[2-4]"
    assert format_marker([1, 3]) == "[1, 3]"
    assert replace_markers("x [3] y [1, 3]", {3: 1, 1: 2}) == "x [1] y [1, 2]"


def test_markers_render_as_links_to_the_reference_list():
    html = render_markdown("Stay active [1, 3].")
    assert '<sup class="citation"><a href="#ref-1"' in html
    assert 'href="#ref-3"' in html


def test_raw_html_and_script_urls_are_never_trusted():
    html = render_markdown("<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>")
    assert "<script" not in html
    assert "javascript:" not in html.replace("[x](javascript:alert(1))", "")
    assert "<img" not in html


def test_nested_lists_bold_italic_and_links_render():
    html = render_markdown("- **a** *b* [site](https://example.org)\n  - nested\n\n1. one\n2. two")
    assert "<ul>" in html
    assert html.count("<ul>") == 2
    assert "<ol>" in html
    assert "<strong>a</strong>" in html
    assert "<em>b</em>" in html
    assert 'href="https://example.org"' in html


def test_render_section_gives_plain_text_and_citation_numbers():
    section = render_section("Drugs", 2, "NSAIDs first [2].\n\n- dose [1, 2]")
    assert section["citations"] == [1, 2]
    assert section["text"] == "NSAIDs first 2.\ndose 1, 2"


def test_content_hash_changes_with_content_and_reference_records():
    ref = ReferenceData(title="Guideline", year=2020)
    base = ArticleContent(question="Q?", sections=(SectionData("H", "Body [1]"),), citations=(CitationData(1, ref),))
    same = ArticleContent(
        question="Q?", sections=(SectionData("H", "Body [1]"),), citations=(CitationData(1, ref),), topic="other topic"
    )
    edited = ArticleContent(question="Q?", sections=(SectionData("H", "Body [1]!"),), citations=(CitationData(1, ref),))
    corrected = ArticleContent(
        question="Q?",
        sections=(SectionData("H", "Body [1]"),),
        citations=(CitationData(1, ReferenceData(title="Guideline", year=2021)),),
    )
    assert len(base.content_hash) == 64
    assert base.content_hash == same.content_hash
    assert len({base.content_hash, edited.content_hash, corrected.content_hash}) == 3


def test_source_round_trips_to_the_same_hash():
    ref = ReferenceData(title="Guideline", year=2020, doi="10.1/x")
    content = ArticleContent(question="Q?", sections=(SectionData("H", "B [1]", 3),), citations=(CitationData(1, ref),))
    assert ArticleContent.from_source(content.as_source()).content_hash == content.content_hash
