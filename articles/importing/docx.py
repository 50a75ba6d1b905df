"""A Word ``.docx`` manuscript -> ``ArticleContent``: mammoth turns it into HTML, the HTML reader reads it.

- Headings come from paragraph styles (Title or Heading 1 is the question, else the first paragraph;
  Heading 2-6 the sections);
  Word's numbered and bulleted lists are lists; tables are tables.
- Citations are bracketed or superscript numbers with a references section (read as on a web page), or
  Word footnotes / endnotes: each note becomes a numbered reference, numbered in order of first citation,
  and notes that cite the same work (the same DOI or PMID, or the same text) become one reference cited
  twice, never a duplicate.
- A document with tracked changes is refused: which text counts is the author's decision (accept or
  reject the changes in Word first), not the importer's.
"""

from __future__ import annotations

import io
import re
import zipfile
from xml.parsers.expat import ExpatError

import mammoth
from selectolax.lexbor import LexborHTMLParser

from articles.content import ArticleContent
from articles.importing.errors import ImportError_
from articles.importing.html import parse_html

ZIP_MAGIC = b"PK\x03\x04"
DOCUMENT_PART = "word/document.xml"
_TRACKED_RE = re.compile(rb"<w:(?:ins|del|moveFrom|moveTo)[\s>/]")
_TRACKED_PARTS = ("word/document.xml", "word/footnotes.xml", "word/endnotes.xml")
_STYLE_MAP = """
p[style-name='Title'] => h1:fresh
p[style-name='Subtitle'] => p:fresh
p[style-name='Heading 1'] => h1:fresh
p[style-name='Heading 2'] => h2:fresh
p[style-name='Heading 3'] => h3:fresh
p[style-name='Heading 4'] => h4:fresh
"""
_NOTE_HREF_RE = re.compile(r"^#((?:foot|end)note-\d+)$")
_IDENTIFIER_RE = re.compile(r"\b(10\.\d{4,9}/[^\s,;]+?)[.,;]?(?:\s|$)|\bPMID\s*:?\s*(\d{1,9})", re.IGNORECASE)


def is_docx(data: bytes) -> bool:
    """A ZIP archive with a Word main document part."""
    if not data.startswith(ZIP_MAGIC):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return DOCUMENT_PART in archive.namelist()
    except zipfile.BadZipFile:
        return False


def parse_docx(data: bytes, *, source_name: str = "") -> ArticleContent:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ImportError_(
            "this is not a readable Word .docx file (the ZIP archive is damaged); open it in Word and save it again",
            source_name=source_name,
        ) from None
    with archive:
        names = set(archive.namelist())
        if DOCUMENT_PART not in names:
            raise ImportError_(
                "this ZIP archive is not a Word .docx document (it has no word/document.xml)", source_name=source_name
            )
        for part in _TRACKED_PARTS:
            if part in names and _TRACKED_RE.search(archive.read(part)):
                raise ImportError_(
                    "the Word document has tracked changes: accept or reject them in Word first (Review > Accept "
                    "or Reject all changes), save it, and import it again",
                    source_name=source_name,
                )
    try:
        result = mammoth.convert_to_html(io.BytesIO(data), style_map=_STYLE_MAP)
    except (KeyError, ValueError, IndexError, zipfile.BadZipFile, ExpatError) as exc:
        raise ImportError_(
            f"this Word document cannot be read ({exc}); open it in Word and save it again", source_name=source_name
        ) from None
    body = result.value
    if "<h1>" not in body and body.startswith("<p>") and "</p>" in body:
        # No Title or Heading 1 paragraph: the first paragraph is the question, as in a text export.
        end = body.index("</p>")
        body = f"<h1>{body[3:end]}</h1>{body[end + 4 :]}"
    if "<h1>" not in body:
        raise ImportError_(
            "the Word document has no question: start it with a Title or Heading 1 paragraph", source_name=source_name
        )
    html = f"<html><body><article>{body}</article></body></html>"
    return parse_html(html, source_name=source_name, footnotes=note_numbers(html))


def note_numbers(html: str) -> dict[str, int]:
    """Note id (``footnote-3``) -> reference number: numbered by first citation in the text, one number
    for notes that cite the same work (same DOI or PMID, else the same text)."""
    tree = LexborHTMLParser(html)
    texts: dict[str, str] = {}
    for item in tree.css("li[id]"):
        note_id = item.attributes.get("id") or ""
        if re.fullmatch(r"(?:foot|end)note-\d+", note_id):
            texts[note_id] = " ".join(item.text(separator=" ").replace("\u2191", " ").split())
    numbers: dict[str, int] = {}
    by_work: dict[str, int] = {}
    for link in tree.css("a[href]"):
        match = _NOTE_HREF_RE.match(link.attributes.get("href") or "")
        if not match or match.group(1) in numbers or match.group(1) not in texts:
            continue
        note_id = match.group(1)
        work = _work_key(texts[note_id])
        if work and work in by_work:
            numbers[note_id] = by_work[work]
            continue
        number = len(by_work) + 1
        numbers[note_id] = number
        by_work[work or f"note:{note_id}"] = number
    return numbers


def _work_key(text: str) -> str:
    identifiers = _IDENTIFIER_RE.search(text)
    if identifiers:
        doi, pmid = identifiers.groups()
        return f"doi:{doi.lower()}" if doi else f"pmid:{pmid}"
    return "text:" + re.sub(r"[^\w]+", " ", text.casefold()).strip()
