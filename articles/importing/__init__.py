"""Importers: a file -> ``ArticleContent``, the format chosen by the content, never by the name.

- a ZIP archive with ``word/document.xml`` is a Word manuscript (``articles.importing.docx``: mammoth
  to HTML, then the HTML reader);
- text that starts as an HTML document (a doctype, ``<html>``, or an ``article``/``main``/``body``
  element near the top) is a saved page or CMS export (``articles.importing.html``);
- YAML front matter (``---`` at the top) is Markdown (``articles.importing.markdown``);
- anything else is the plain-text page export (``articles.importing.plaintext``).

``read_document(path)`` reads a file safely and parses it; a known extension that names another format
than the content has (``.docx`` holding text, ``.txt`` holding a page) is refused with a message naming
both. ``parse_document(text)`` reads text of the three text formats (the review API's ``markdown``
field); ``parse_document_bytes(data)`` reads any. All raise ``ImportError_`` (an ``InvalidInput``),
with the line when known, for input they cannot read.
"""

from __future__ import annotations

from pathlib import Path

from articles.content import ArticleContent
from articles.importing.docx import is_docx, parse_docx
from articles.importing.errors import ImportError_
from articles.importing.html import looks_like_html, parse_html
from articles.importing.markdown import has_front_matter, parse_markdown
from articles.importing.plaintext import parse_plaintext
from articles.importing.reference_list import read_reference
from articles.importing.source import (
    MAX_DOCUMENT_BYTES,
    MAX_SOURCE_BYTES,
    check_text,
    decode_page,
    decode_source,
    read_bytes,
    read_source,
)

__all__ = [
    "FORMAT_NAMES",
    "MAX_DOCUMENT_BYTES",
    "MAX_SOURCE_BYTES",
    "ImportError_",
    "decode_source",
    "detect_format",
    "parse_document",
    "parse_document_bytes",
    "read_document",
    "read_reference",
    "read_source",
]

FORMAT_NAMES = {
    "markdown": "Markdown with YAML front matter",
    "plaintext": "a plain-text page export",
    "html": "an HTML page",
    "docx": "a Word .docx manuscript",
}
# What each known extension promises; the content must keep the promise.
_EXTENSIONS = {
    ".txt": ("plaintext", "markdown"),
    ".text": ("plaintext", "markdown"),
    ".md": ("markdown", "plaintext"),
    ".markdown": ("markdown", "plaintext"),
    ".html": ("html",),
    ".htm": ("html",),
    ".xhtml": ("html",),
    ".docx": ("docx",),
}
_SUGGESTED = {"plaintext": ".txt", "markdown": ".md", "html": ".html", "docx": ".docx"}


def detect_format(text: str) -> str:
    """``"html"`` for a page, ``"markdown"`` for YAML front matter, else ``"plaintext"``."""
    if looks_like_html(text):
        return "html"
    return "markdown" if has_front_matter(text) else "plaintext"


def detect_bytes_format(data: bytes) -> str:
    """The format of a file's bytes: ``"docx"``, or that of its text (``"zip"`` for another archive)."""
    if is_docx(data):
        return "docx"
    if data.startswith(b"PK\x03\x04"):
        return "zip"
    head = data[:5000].decode("utf-8", errors="replace").lstrip("\ufeff")
    return detect_format(head)


def parse_document(text: str, *, source_name: str = "") -> ArticleContent:
    """Parses an article in any text format; ``ImportError_`` (with ``.line``) for unreadable input."""
    if looks_like_html(text.lstrip("\ufeff")):
        return parse_html(text, source_name=source_name)
    text = check_text(text, source_name=source_name)
    if has_front_matter(text):
        return parse_markdown(text, source_name=source_name)
    return parse_plaintext(text, source_name=source_name)


def parse_document_bytes(data: bytes, *, source_name: str = "", extension: str = "") -> ArticleContent:
    """Parses a file's bytes in the format its content has, checking ``extension`` (``".docx"``) against it."""
    found = detect_bytes_format(data)
    if found == "zip":
        raise ImportError_(
            "this is a ZIP archive but not a Word .docx document (it has no word/document.xml)",
            source_name=source_name,
        )
    promised = _EXTENSIONS.get(extension.lower())
    if promised is not None and found not in promised:
        raise ImportError_(
            f"the file is named {extension} ({FORMAT_NAMES[promised[0]]}) but its content is "
            f"{FORMAT_NAMES[found]}; rename it to {_SUGGESTED[found]} if that is what it is",
            source_name=source_name,
        )
    if found == "docx":
        return parse_docx(data, source_name=source_name)
    if found == "html":
        return parse_html(decode_page(data, source_name=source_name), source_name=source_name)
    return parse_document(decode_source(data, source_name=source_name), source_name=source_name)


def read_document(path: str | Path) -> ArticleContent:
    """The article in the file at ``path``, read by its content; ``ImportError_`` naming why it cannot be."""
    path = Path(path)
    data = read_bytes(path)
    return parse_document_bytes(data, source_name=str(path), extension=path.suffix)
