"""Renumbering citation markers to 1..n in order of first use: a tool, not a silent change.

``renumber_content`` is pure: it returns the new content and the old -> new mapping, and
``references.services.article_renumber_citations`` applies it to an article's working copy.
"""

from __future__ import annotations

from dataclasses import replace

from articles.content import ArticleContent, CitationData, SectionData
from articles.markers import find_markers, replace_markers


def renumbering(content: ArticleContent) -> dict[int, int]:
    """Old -> new number for every number in a marker or the citation list.

    Numbers used in the text come first, in order of first use (section by section, and within
    a marker in the order written); a marker number with no citation keeps its place, so it
    stays unresolved and never lands on another reference. Citations no marker uses (orphans)
    come last, keeping their relative order.
    """
    mapping: dict[int, int] = {}
    for section in content.sections:
        for marker in find_markers(section.body):
            for number in marker.numbers:
                mapping.setdefault(number, len(mapping) + 1)
    for number in sorted({c.number for c in content.citations}):
        mapping.setdefault(number, len(mapping) + 1)
    return mapping


def _renumber_body(body: str, mapping: dict[int, int]) -> str:
    """Rewrite only the markers whose numbers change; the others stay exactly as written."""
    pieces: list[str] = []
    last = 0
    for marker in find_markers(body):
        if any(mapping.get(n, n) != n for n in marker.numbers):
            pieces.append(body[last : marker.start])
            pieces.append(replace_markers(marker.raw, mapping))
            last = marker.end
    pieces.append(body[last:])
    return "".join(pieces)


def renumber_content(content: ArticleContent) -> tuple[ArticleContent, dict[int, int]]:
    """``content`` with markers renumbered 1..n by first use and the citations to match."""
    mapping = renumbering(content)
    sections = tuple(
        SectionData(heading=s.heading, level=s.level, body=_renumber_body(s.body, mapping)) for s in content.sections
    )
    citations = tuple(
        sorted(
            (CitationData(number=mapping[c.number], reference=c.reference) for c in content.citations),
            key=lambda c: c.number,
        )
    )
    return replace(content, sections=sections, citations=citations), mapping
