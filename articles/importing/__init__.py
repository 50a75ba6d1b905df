"""Importers: a file's text -> ``ArticleContent``.

``parse_document(text)`` picks the format: YAML front matter (``---`` at the top) means
Markdown (``articles.importing.markdown``); anything else is the plain-text page export
(``articles.importing.plaintext``). ``read_source(path)`` reads a file safely. Both raise
``ImportError_`` (an ``InvalidInput``) with the line for input they cannot read.
"""

from __future__ import annotations

from articles.content import ArticleContent
from articles.importing.errors import ImportError_
from articles.importing.markdown import has_front_matter, parse_markdown
from articles.importing.plaintext import parse_plaintext, read_reference
from articles.importing.source import MAX_SOURCE_BYTES, check_text, decode_source, read_source

__all__ = [
    "MAX_SOURCE_BYTES",
    "ImportError_",
    "decode_source",
    "detect_format",
    "parse_document",
    "read_reference",
    "read_source",
]


def detect_format(text: str) -> str:
    """``"markdown"`` when the text starts with YAML front matter, else ``"plaintext"``."""
    return "markdown" if has_front_matter(text) else "plaintext"


def parse_document(text: str, *, source_name: str = "") -> ArticleContent:
    """Parses an article in either format; ``ImportError_`` (with ``.line``) for unreadable input."""
    text = check_text(text, source_name=source_name)
    if detect_format(text) == "markdown":
        return parse_markdown(text, source_name=source_name)
    return parse_plaintext(text, source_name=source_name)
