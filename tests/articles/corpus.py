"""The fixture corpus (``tests/fixtures/corpus``): text exports, Markdown articles, HTML pages and Word files,
each beside its expected report.

``expected_report(summary)`` projects the ``import_article --json`` object onto what the corpus pins: slug,
question, the number of sections, markers, every reference field, and each finding's code and location.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"
REFERENCE_FIELDS = ("number", "kind", "label", "title", "publisher", "year", "doi", "pmid", "url")
FINDING_FIELDS = ("code", "section", "heading", "marker", "number", "line")


def articles() -> list[Path]:
    return sorted(p for p in CORPUS.iterdir() if p.suffix in (".txt", ".md", ".html", ".docx"))


def expected_path(article: Path) -> Path:
    return article.with_name(article.stem + ".expected.json")


def expected_report(summary: dict[str, Any]) -> dict[str, Any]:
    return {
        "slug": summary["slug"],
        "question": summary["question"],
        "sections": len(summary["sections"]),
        "markers": summary["markers"],
        "references": [{name: ref[name] for name in REFERENCE_FIELDS} for ref in summary["references"]],
        "errors": [{name: f[name] for name in FINDING_FIELDS} for f in summary["errors"]],
        "warnings": [{name: f[name] for name in FINDING_FIELDS} for f in summary["warnings"]],
    }


def changes_when_saved(article: Path) -> bool:
    """The expected report says what differs once saved (``"imported"``): the library merged references."""
    path = expected_path(article)
    return path.exists() and "imported" in json.loads(path.read_text())
