"""An HTML article page (a saved page or a CMS export) -> ``ArticleContent``, with a real HTML5 parser.

The page is parsed by selectolax (the Lexbor HTML5 engine), never by regular expressions:

- the site chrome is dropped first (``nav``, ``header``/``footer`` outside the article, ``aside``, forms,
  scripts, and elements whose id, class or label name a cookie banner, the review status widget, the
  "personalize" audience box, breadcrumbs, sharing or newsletter boxes); what is dropped is recorded in
  ``ArticleContent.dropped``;
- the article is the ``article`` element, else ``main`` / ``[role=main]``, else the body;
- the question is its first ``h1`` (else the page ``title``); ``h2``-``h6`` are the sections, their levels
  as written (the highest level present becomes 2); text before the first heading goes under "Overview";
- paragraphs, ``ul``/``ol`` lists (nested), ``table`` rows (cells joined by ``|``; their numbers are values,
  never markers), bold, italic and http(s) links become the Markdown subset;
- citation markers: a ``<sup>`` holding numbers (linked or not: ``<sup><a href="#ref-3">3</a></sup>``,
  ``<sup>2,3</sup>``, ``<sup>[4-6]</sup>``) and bracketed numbers in the text; a ``<sup>`` after a number or
  a unit (``m<sup>2</sup>``, ``10<sup>9</sup>``) is a power (the plain-text reader's one rule);
- the references are the section under a references heading ("References", "Sources", "Bibliography",
  "Works cited", ...) or an ordered list marked as references or footnotes; each entry is read by the
  plain-text reader's reference rules (label / title / "Publisher, Year" / identifier lines, or one
  Vancouver line), an ``ol`` numbering its entries (``start`` and ``value`` honoured); links in an entry
  give its DOI, PMID or URL.

``footnotes`` (from the Word reader) maps note ids to reference numbers, and the note lists are read as
references.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from articles.content import ArticleContent, SectionData, link_url_problem
from articles.importing.bare_markers import _SUPERSCRIPT_DIGITS, _escape, _superscript_markers
from articles.importing.errors import ImportError_
from articles.importing.lines import _Line
from articles.importing.plaintext import (
    _AUDIENCE_VALUES,
    _REVIEW_STATUS_VALUES,
    INTRO_HEADING,
    MAX_HEADING,
    MAX_QUESTION,
)
from articles.importing.reference_list import _REFERENCES_HEADING_RE, _references

_CHROME_TAGS = "script, style, noscript, template, nav, aside, form, button, select, iframe, svg, dialog"
# Whole words of an id, class or label ("cookie-consent", "review-status-widget", "share-buttons"); a
# class of the article's own ("shared-decision", "related-conditions") is not chrome.
_CHROME_WORDS = re.compile(
    r"(?<![a-z])(?:cookies?|consent|gdpr|review[-_ ]?status|personali[sz]e|audience|breadcrumbs?|share|sharing|"
    r"social|newsletter|subscribe|related[-_ ](?:articles|posts|content|links)|sidebar|"
    r"site[-_ ]?(?:header|footer|nav)|masthead|skip[-_ ]?link|banner|advert|ads|promo|byline|follow[-_ ]?up|"
    r"disclaimer|editorial[-_ ]?policy|toolbar)(?![a-z])",
    re.IGNORECASE,
)
_CHROME_TEXT = re.compile(
    r"^(?:article review status|which best describes you|help us tailor|personali[sz]e|last updated|"
    r"medical advisory board|educational purpose only|we use cookies|accept (?:all )?cookies|have a follow)",
    re.IGNORECASE,
)
_LINE_SEARCH_WINDOW = 5_000
_STATUS_VALUES = _REVIEW_STATUS_VALUES
_STATUS_LABEL = re.compile(r"article review status", re.IGNORECASE)
_BLOCK_TAGS = frozenset(
    (
        "p",
        "div",
        "section",
        "article",
        "main",
        "header",
        "footer",
        "blockquote",
        "figure",
        "figcaption",
        "li",
        "dd",
        "dt",
        "pre",
    )
)
_HEADING_TAGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_SUP_MARKER_RE = re.compile(r"^\[?\s*\d{1,4}(?:\s*[,\u2013\u2014-]\s*\d{1,4})*\s*\]?$")
_NOTE_ID_RE = re.compile(r"^(?:foot|end)note-(?P<id>\d+)$")
_DOI_URL_RE = re.compile(r"^https?://(?:dx\.)?doi\.org/(?P<doi>10\.\d{4,9}/.+)$", re.IGNORECASE)
_PUBMED_URL_RE = re.compile(
    r"^https?://(?:www\.)?(?:pubmed\.ncbi\.nlm\.nih\.gov|ncbi\.nlm\.nih\.gov/pubmed)/(?P<pmid>\d{1,9})"
)
_LINK_WORDS = frozenset(
    (
        "doi",
        "pubmed",
        "pmid",
        "crossref",
        "google scholar",
        "full text",
        "free full text",
        "pmc free article",
        "link",
        "article",
        "abstract",
        "pdf",
        "web site",
        "website",
        "online",
        "view",
        "read more",
    )
)
_BACK_LINK_TEXT = frozenset({"\u2191", "^", "\u21a9", "\u21a9\ufe0e", "back", "return"})


@dataclass
class _Section:
    heading: str
    level: int
    blocks: list[str] = field(default_factory=list)


@dataclass
class _Page:
    """What the walk over the article collects."""

    sections: list[_Section] = field(default_factory=list)
    reference_lines: list[tuple[str, int | None]] = field(default_factory=list)  # (text, entry number)
    dropped: list[str] = field(default_factory=list)
    in_references: bool = False


def looks_like_html(text: str) -> bool:
    """Whether the text is an HTML page or a CMS fragment: a doctype, an html/head/body/article/main element
    near the top, or markup from its first character with closed block elements (a plain-text export or
    Markdown never starts with a tag)."""
    head = text[:5000].lstrip().lower()
    return (
        head.startswith(("<!doctype html", "<html", "<?xml"))
        or bool(re.search(r"<(?:html|head|body|article|main)[\s>]", head))
        or (head.startswith("<") and bool(re.search(r"</(?:p|h[1-6]|div|li|section)>", head)))
    )


def parse_html(text: str, *, source_name: str = "", footnotes: dict[str, int] | None = None) -> ArticleContent:
    tree = LexborHTMLParser(text)
    page = _Page()
    title = tree.css_first("title")
    question = _question(tree, title.text(strip=True) if title is not None else "", source_name)
    root = tree.css_first("article") or tree.css_first("main") or tree.css_first("[role=main]") or tree.body
    if root is None:
        raise ImportError_("the HTML page has no body", source_name=source_name)
    _drop_chrome(root, page)
    notes = _note_lists(root) if footnotes else []
    reader = _Reader(page=page, footnotes=footnotes or {}, question=question)
    reader.walk(root)
    if footnotes:
        page.reference_lines = [*page.reference_lines, *reader.note_lines(notes, footnotes)]
    lines = _reference_source_lines(page.reference_lines, text)
    citations, findings = _references(lines, source_name=source_name)
    return ArticleContent(
        question=question,
        sections=tuple(_sections(page)),
        citations=tuple(citations),
        dropped=tuple(page.dropped),
        import_findings=tuple(findings),
    )


def _question(tree: LexborHTMLParser, title: str, source_name: str) -> str:
    h1 = tree.css_first("article h1") or tree.css_first("main h1") or tree.css_first("h1")
    question = " ".join((h1.text() if h1 is not None else title.split("|")[0].split(" - ")[0]).split())
    if not question:
        raise ImportError_(
            "the HTML page has no h1 heading or title to take the question from", source_name=source_name
        )
    if len(question) > MAX_QUESTION:
        raise ImportError_(
            f"the question (the page's h1) is {len(question)} characters; at most {MAX_QUESTION} are allowed",
            source_name=source_name,
        )
    return question


def _drop_chrome(root: LexborNode, page: _Page) -> None:
    for node in root.css(_CHROME_TAGS):
        _drop(node, page)
    for node in root.css("header, footer, [role=navigation], [role=banner], [role=contentinfo], [aria-hidden=true]"):
        if node.css_first("h1") is None:
            _drop(node, page)
    for node in root.css("[id], [class], [aria-label], [data-widget]"):
        if node.parent is None or node.tag in ("html", "body", "article", "main"):
            continue
        attributes = " ".join(
            str(node.attributes.get(name) or "") for name in ("id", "class", "aria-label", "data-widget")
        )
        if _CHROME_WORDS.search(attributes) and node.css_first("h1, h2") is None:
            _drop(node, page)
    for node in root.css("p, div, span, section"):
        if node.parent is None or not _CHROME_TEXT.match(_first_text(node)) or node.css_first("h1, h2") is not None:
            continue
        values = _STATUS_VALUES if _STATUS_LABEL.match(_first_text(node)) else _AUDIENCE_VALUES
        following = node.next
        _drop(node, page)
        # "Article Review Status" then "Approved", "Which best describes you?" then the choices: siblings.
        while following is not None and (
            (following.tag == "-text" and not (following.text() or "").strip())
            or " ".join(following.text().split()).lower() in values
        ):
            after = following.next
            if following.tag != "-text":
                _drop(following, page)
            following = after


def _first_text(node: LexborNode) -> str:
    """The first words of ``node`` (its first non-blank text), without reading the whole subtree."""
    for child in node.traverse(include_text=True):
        if child.tag == "-text":
            text = (child.text() or "").strip()
            if text:
                return text
    return ""


def _drop(node: LexborNode, page: _Page) -> None:
    text = " ".join(node.text(separator=" ").split())
    if text:
        page.dropped.append(text[:200])
    node.decompose()


def _note_lists(root: LexborNode) -> list[LexborNode]:
    """The lists of Word footnotes and endnotes (mammoth writes ``<li id="footnote-1">``)."""
    lists = []
    for item in root.css("li[id]"):
        parent = item.parent
        if (
            _NOTE_ID_RE.match(item.attributes.get("id") or "")
            and parent is not None
            and all(parent.mem_id != known.mem_id for known in lists)
        ):
            lists.append(parent)
    return lists


class _Reader:
    def __init__(self, *, page: _Page, footnotes: dict[str, int], question: str) -> None:
        self.page = page
        self.footnotes = footnotes
        self.question = question
        self.question_seen = False

    # --- blocks ---------------------------------------------------------------------------------

    def walk(self, node: LexborNode) -> None:
        for child in _children(node):
            tag = child.tag
            if tag == "-text":
                text = " ".join((child.text() or "").split())
                if text:
                    self.add_block(self.inline_nodes([child]))
                continue
            if _is_note_list(child):
                continue  # footnotes and endnotes: read as the references
            if tag in _HEADING_TAGS:
                self.heading(child, _HEADING_TAGS[tag])
            elif self.page.in_references:
                self.reference_block(child)
            elif tag in ("ul", "ol"):
                if self.references_list(child):
                    self.read_reference_list(child)
                else:
                    self.add_block(self.list_markdown(child, depth=0))
            elif tag == "table":
                self.add_block(self.table_markdown(child))
            elif tag in ("p", "blockquote", "figcaption", "pre", "dd", "dt") or (
                tag in _BLOCK_TAGS and not _has_block_child(child)
            ):
                self.add_block(self.inline_nodes(_children(child)))
            elif tag in _BLOCK_TAGS or tag in ("body", "span", "a", "strong", "em", "b", "i"):
                if tag in _BLOCK_TAGS:
                    self.walk(child)
                else:
                    self.add_block(self.inline_nodes([child]))
            elif tag == "hr" or tag == "img" or tag == "br":
                continue
            else:
                self.walk(child)

    def heading(self, node: LexborNode, level: int) -> None:
        text = " ".join(node.text().split())
        if not text:
            return
        if level == 1 and not self.question_seen:
            self.question_seen = True
            return
        if _REFERENCES_HEADING_RE.fullmatch(text):
            self.page.in_references = True
            return
        self.page.in_references = False
        self.page.sections.append(_Section(heading=text[:MAX_HEADING], level=level))

    def add_block(self, markdown: str) -> None:
        markdown = markdown.strip()
        if not markdown:
            return
        if not self.page.sections:
            self.page.sections.append(_Section(heading=INTRO_HEADING, level=0))
        self.page.sections[-1].blocks.append(markdown)

    # --- references ------------------------------------------------------------------------------

    def references_list(self, node: LexborNode) -> bool:
        names = " ".join(str(node.attributes.get(n) or "") for n in ("id", "class", "role", "aria-label"))
        return bool(re.search(r"reference|bibliograph|citation|footnote|endnote|sources", names, re.IGNORECASE))

    def reference_block(self, node: LexborNode) -> None:
        if node.tag in ("ol", "ul"):
            self.read_reference_list(node)
            return
        if node.tag in _BLOCK_TAGS and _has_block_child(node):
            for child in _children(node):
                if child.tag in _HEADING_TAGS:
                    self.heading(child, _HEADING_TAGS[child.tag])
                elif self.page.in_references:
                    self.reference_block(child)
            return
        for line in _entry_lines(node):
            self.page.reference_lines.append((line, None))
        self.page.reference_lines.append(("", None))

    def read_reference_list(self, node: LexborNode) -> None:
        ordered = node.tag == "ol"
        number = _int(node.attributes.get("start"), 1)
        for item in _children(node):
            if item.tag != "li":
                continue
            number = _int(item.attributes.get("value"), number)
            lines = _entry_lines(item)
            if lines:
                self.page.reference_lines.append((lines[0], number if ordered else None))
                self.page.reference_lines.extend((line, None) for line in lines[1:])
            number += 1
        self.page.reference_lines.append(("", None))

    def note_lines(self, note_lists: list[LexborNode], footnotes: dict[str, int]) -> list[tuple[str, int | None]]:
        """Word notes as references: one entry per reference number (notes citing one work share it)."""
        first: dict[int, list[str]] = {}
        for note_list in note_lists:
            for item in note_list.css("li[id]"):
                match = _NOTE_ID_RE.match(item.attributes.get("id") or "")
                number = footnotes.get(match.group(0)) if match else None
                if number is not None and number not in first:
                    first[number] = _entry_lines(item)
        out: list[tuple[str, int | None]] = []
        for number in sorted(first):
            lines = first[number] or ["(an empty note)"]
            out.append((lines[0], number))
            out.extend((line, None) for line in lines[1:])
        return out

    # --- inline ----------------------------------------------------------------------------------

    def list_markdown(self, node: LexborNode, depth: int) -> str:
        lines = []
        number = _int(node.attributes.get("start"), 1)
        for item in _children(node):
            if item.tag != "li":
                continue
            marker = f"{number}." if node.tag == "ol" else "-"
            number += 1
            inline = [c for c in _children(item) if c.tag not in ("ul", "ol")]
            nested = [c for c in _children(item) if c.tag in ("ul", "ol")]
            text = self.inline_nodes(inline).replace("\n", " ")
            indent = " " * depth
            lines.append(f"{indent}{marker} {text}".rstrip())
            for sub in nested:
                lines.append(self.list_markdown(sub, depth + len(marker) + 1))
        return "\n".join(line for line in lines if line.strip())

    def table_markdown(self, node: LexborNode) -> str:
        rows = []
        for row in node.css("tr"):
            cells = [" ".join(cell.text(separator=" ").split()) for cell in row.css("th, td")]
            cells = [c for c in cells if c]
            if cells:
                rows.append("- " + _escape(" | ".join(cells)))
        return "\n".join(rows)

    def inline_nodes(self, nodes: list[LexborNode]) -> str:
        parts: list[tuple[str, str]] = []  # ("text", plain) or ("md", markdown)
        for node in nodes:
            self.inline(node, parts)
        out: list[str] = []
        text: list[str] = []

        def flush() -> None:
            if text:
                plain = _superscript_markers(" ".join("".join(text).split(" ")))
                out.append(_escape(plain) if not out else _escape_inner(plain))
                text.clear()

        for kind, value in parts:
            if kind == "text":
                text.append(value)
            else:
                flush()
                out.append(value)
        flush()
        return " ".join("".join(out).split())

    def inline(self, node: LexborNode, parts: list[tuple[str, str]]) -> None:
        tag = node.tag
        if tag == "-text":
            parts.append(("text", (node.text() or "").replace("\n", " ")))
            return
        if tag in ("script", "style", "img"):
            return
        if tag == "br":
            parts.append(("text", " "))
            return
        if tag == "sup":
            marker = self.sup_marker(node)
            if marker is not None:
                parts.append(("md", marker))
                return
            digits = "".join(node.text().split())
            if _SUP_MARKER_RE.match(digits) and not digits.startswith("["):
                # Numbers alone: the superscript rule decides (a power after a unit, else citations).
                parts.append(("text", digits.translate(str.maketrans("0123456789", _SUPERSCRIPT_DIGITS))))
                return
            if _SUP_MARKER_RE.match(digits):
                parts.append(("md", f" [{_numbers(digits)}]"))
                return
        if tag == "a":
            href = (node.attributes.get("href") or "").strip()
            note = self.note_marker(href)
            if note is not None:
                parts.append(("md", note))
                return
            label = " ".join(node.text().split())
            if label and href and not link_url_problem(href) and urlsplit(href).scheme in ("http", "https"):
                if label == href:
                    parts.append(("text", label))
                else:
                    parts.append(("md", f"[{_escape_inner(label)}]({href.replace(' ', '%20').replace(')', '%29')})"))
                return
        if tag in ("strong", "b", "em", "i"):
            inner: list[tuple[str, str]] = []
            for child in _children(node):
                self.inline(child, inner)
            body = "".join(_escape_inner(v) if k == "text" else v for k, v in inner).strip()
            if body:
                wrap = "**" if tag in ("strong", "b") else "*"
                parts.append(("text", " ") if body.startswith(" ") else ("text", ""))
                parts.append(("md", f"{wrap}{body}{wrap}"))
            return
        for child in _children(node):
            self.inline(child, parts)
        if tag in _BLOCK_TAGS or tag in ("ul", "ol", "table"):
            parts.append(("text", " "))

    def sup_marker(self, node: LexborNode) -> str | None:
        """``<sup>`` citation markers: linked to a reference or a note, or numbers alone after a word."""
        links = node.css("a")
        notes = [self.note_marker((a.attributes.get("href") or "").strip()) for a in links]
        if links and all(notes):
            return " " + " ".join(notes)
        text = " ".join(node.text().split())
        if links and _SUP_MARKER_RE.match(text):
            return f" [{_numbers(text)}]"
        return None  # unlinked numbers: the superscript rule decides (a power after a unit, else a marker)

    def note_marker(self, href: str) -> str | None:
        if not href.startswith("#"):
            return None
        target = unquote(href[1:])
        if target in self.footnotes:
            return f"[{self.footnotes[target]}]"
        return None


def _numbers(text: str) -> str:
    inner = text.strip().strip("[]").strip()
    parts = re.split(r"\s*,\s*", inner)
    return ", ".join(re.sub(r"\s*[\u2013\u2014-]\s*", "-", part) for part in parts)


def _escape_inner(text: str) -> str:
    """Escapes text inside a line (no line-start rules)."""
    escaped = _escape("\u2060" + text)
    return escaped.removeprefix("\u2060")


def _children(node: LexborNode) -> list[LexborNode]:
    return list(node.iter(include_text=True))


def _has_block_child(node: LexborNode) -> bool:
    return any(
        c.tag in _BLOCK_TAGS or c.tag in _HEADING_TAGS or c.tag in ("ul", "ol", "table") for c in _children(node)
    )


def _is_note_list(node: LexborNode) -> bool:
    if node.tag not in ("ol", "ul"):
        return False
    first = node.css_first("li[id]")
    return first is not None and _NOTE_ID_RE.match(first.attributes.get("id") or "") is not None


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _entry_lines(node: LexborNode) -> list[str]:
    """The lines of one reference entry: its block children (or ``<br>``-separated runs) as lines, back
    links dropped, and the DOI / PMID / address of its links as identifier lines when the text lacks them."""
    lines: list[str] = []
    current: list[str] = []
    links: list[str] = []

    def visit(n: LexborNode) -> None:
        for child in _children(n):
            if child.tag == "-text":
                current.append(child.text() or "")
            elif child.tag == "br":
                lines.append("".join(current))
                current.clear()
            elif child.tag == "a" and " ".join(child.text().split()) in _BACK_LINK_TEXT:
                continue
            elif child.tag in _BLOCK_TAGS:
                lines.append("".join(current))
                current.clear()
                visit(child)
                lines.append("".join(current))
                current.clear()
            else:
                if child.tag == "a" and child.attributes.get("href"):
                    links.append(str(child.attributes["href"]).strip())
                    label = " ".join(child.text().split())
                    if label.casefold() in _LINK_WORDS:
                        continue  # "DOI", "PubMed", "Full text": the address says it
                visit(child)

    visit(node)
    lines.append("".join(current))
    out = [" ".join(line.split()) for line in lines if line.strip()]
    text = " ".join(out).lower()
    for href in links:
        if m := _DOI_URL_RE.match(href):
            if m.group("doi").lower() not in text:
                out.append(f"DOI: {m.group('doi')}")
        elif m := _PUBMED_URL_RE.match(href):
            if m.group("pmid") not in text:
                out.append(f"PMID: {m.group('pmid')}")
        elif href.startswith(("http://", "https://")) and href.lower() not in text:
            out.append(href)
    return out


def _reference_source_lines(entries: list[tuple[str, int | None]], html: str) -> list[_Line]:
    """The reference lines as the plain-text reader takes them: a numbered entry's first line written as
    ``N. text``, a blank line between entries; each numbered by the line of the page it comes from."""
    lines: list[_Line] = []
    position = 0
    line_number = 1
    for text, number in entries:
        if not text:
            lines.append(_Line(number=line_number, raw=""))
            continue
        # Looked for near the last line found: a line whose text the page writes otherwise (an entity, a
        # tag inside) is not searched for to the end of the page, which made long pages quadratic.
        found = html.find(text[:40], position, position + _LINE_SEARCH_WINDOW)
        if found >= 0:
            line_number += html.count("\n", position, found)
            position = found
        written = f"{number}. {text}" if number is not None and not re.match(r"^\[?\d{1,4}[.)\]]", text) else text
        lines.append(_Line(number=line_number, raw=written))
    return lines


def _sections(page: _Page) -> list[SectionData]:
    levels = sorted({s.level for s in page.sections if s.level})
    shift = {level: min(index + 2, 6) for index, level in enumerate(levels)}
    return [
        SectionData(heading=section.heading, level=shift.get(section.level, 2), body="\n\n".join(section.blocks))
        for section in page.sections
    ]


__all__ = ["looks_like_html", "parse_html"]
