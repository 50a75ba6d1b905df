"""What ``import_article`` prints: the imported content and its integrity report, as JSON or text."""

from __future__ import annotations

from typing import Any

from articles.content import ArticleContent
from articles.markers import find_markers
from references.integrity import IntegrityReport


def markers_used(content: ArticleContent) -> list[int]:
    """The distinct citation numbers of the section bodies, in order of first use."""
    numbers: dict[int, None] = {}
    for section in content.sections:
        for marker in find_markers(section.body):
            numbers.update(dict.fromkeys(marker.numbers))
    return list(numbers)


def import_summary(*, content: ArticleContent, report: IntegrityReport, slug: str) -> dict[str, Any]:
    """The ``--json`` object: slug, question, content_hash, sections, markers, references, errors, warnings."""
    return {
        "slug": slug,
        "question": content.question,
        "content_hash": content.content_hash,
        "sections": [{"heading": s.heading, "level": s.level} for s in content.sections],
        "markers": markers_used(content),
        "references": [
            {
                "number": c.number,
                "kind": c.reference.kind,
                "label": c.reference.label,
                "title": c.reference.title,
                "publisher": c.reference.publisher,
                "year": c.reference.year,
                "doi": c.reference.doi,
                "pmid": c.reference.pmid,
                "url": c.reference.url,
            }
            for c in sorted(content.citations, key=lambda c: c.number)
        ],
        "errors": [f.as_dict() for f in report.errors],
        "warnings": [f.as_dict() for f in report.warnings],
    }


def format_report(
    *, content: ArticleContent, report: IntegrityReport, headline: str, show_dropped: bool = False
) -> str:
    """The human form: a headline, the content in brief, then errors and warnings, one per line."""
    markers = markers_used(content)
    lines = [
        headline,
        f"  question      {content.question}",
        f"  content hash  {content.content_hash}",
        f"  sections      {len(content.sections)}",
        f"  references    {len(content.citations)}",
        f"  markers used  {', '.join(map(str, markers)) if markers else 'none'}",
    ]
    if content.dropped:
        lines.append(f"  boilerplate   {len(content.dropped)} lines dropped")
        if show_dropped:
            lines.extend(f"    - {text[:100]}" for text in content.dropped)
    for title, findings in (("Errors (block submission)", report.errors), ("Warnings", report.warnings)):
        lines.append(f"{title}: {len(findings)}")
        lines.extend(f"  {f.code:<28} {f.message}" for f in findings)
    return "\n".join(lines)
