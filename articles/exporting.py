"""``ArticleContent`` -> Markdown with YAML front matter (the form ``import_article`` reads).

``parse_document(export_markdown(content))`` has the same content hash as ``content``: the
front matter carries the question and every reference field, the body every section heading
(``#`` count = level) and body as stored.
"""

from __future__ import annotations

from typing import Any

import yaml

from articles.content import PATIENT, ArticleContent, ReferenceData
from articles.importing.markdown import PATIENT_MARKER


def _reference(number: int, reference: ReferenceData) -> dict[str, Any]:
    entry: dict[str, Any] = {"number": number, "kind": reference.kind}
    if reference.label:
        entry["label"] = reference.label
    entry["title"] = reference.title
    for name in ("authors", "publisher"):
        if getattr(reference, name):
            entry[name] = getattr(reference, name)
    if reference.year is not None:
        entry["year"] = reference.year
    for name in ("doi", "pmid", "url"):
        if getattr(reference, name):
            entry[name] = getattr(reference, name)
    if reference.status != "current":
        entry["status"] = reference.status
    return entry


def front_matter(content: ArticleContent) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if content.slug:
        data["slug"] = content.slug
    data["question"] = content.question
    if content.topic:
        data["topic"] = content.topic
    if content.required_specialty:
        data["specialty"] = content.required_specialty
    if content.citations:
        data["references"] = [
            _reference(c.number, c.reference) for c in sorted(content.citations, key=lambda c: c.number)
        ]
    return data


def _heading_line(level: int, heading: str) -> str:
    line = f"{'#' * level} {heading}"
    words = heading.split()
    if words and set(words[-1]) == {"#"}:
        line += " #"  # a closing sequence, so that the heading's own trailing "#"s are kept
    return line


def export_markdown(content: ArticleContent) -> str:
    yaml_text = yaml.safe_dump(
        front_matter(content), sort_keys=False, allow_unicode=True, default_flow_style=False, width=10_000
    )
    parts = ["---", yaml_text.rstrip("\n"), "---"]
    for audience in content.audiences:
        if audience == PATIENT:
            parts += ["", f"# {PATIENT_MARKER}"]
        for section in content.audience_sections(audience):
            parts += ["", _heading_line(section.level, section.heading)]
            if section.body:
                parts += ["", section.body]
    return "\n".join(parts) + "\n"
