"""The plain-text page export (the seed's format) -> ``ArticleContent``.

The export is what a browser gives when the article page is saved as text:

- the first non-empty line is the question;
- site boilerplate around the article (advisory-board banner, review status, "Last updated",
  the audience switch, the disclaimer and everything after it, "Have a follow-up question?")
  is dropped and recorded in ``ArticleContent.dropped``;
- headings are short lines without terminal punctuation, standing alone (a blank line
  before, and a blank line then content, or a list, after); a heading immediately followed by
  another heading is its parent (level 2, then 3, deeper if needed); a lone heading is a
  sibling of the previous section's heading. Text before the first heading goes under
  "Overview". Other text lines are paragraphs (a long line that does not end a sentence
  continues on the next line);
- ``•`` bullets nest by indentation and become Markdown lists (``- `` with the parent's
  content offset as indentation); ``1.`` lines become ordered lists;
- citation numbers at the end of a line (``outcomes 2``, ``programs 1, 3``, ``... 1-3``) or
  before a colon (``intensity 1:``) become markers ``[2]``, ``[1, 3]``, ``[1-3]``; a number after
  a quantity word (``up to 2``) is text; one after a noun that numbers things (``the dose 2``) or
  after another number (``a score of 2 2-4``) is kept as text and, when a reference has that
  number, reported as ``ambiguous-marker`` on its line;
- a ``References`` block holds entries read by their shape: an optional short label line, a
  title line, a "Publisher or journal, Year" line, then DOI / PMID / URL / Authors lines. Known
  labels map to kinds (``references.labels``), unknown ones are kept as the label of an "other"
  entry; an entry that cannot be read is an ``unreadable-reference`` finding on its line. Entries
  are numbered 1..n in order, or by their own ``1.`` / ``[1]`` numbers.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from articles.content import ArticleContent, CitationData, ReferenceData, SectionData, link_url_problem
from articles.importing.errors import ImportError_
from articles.markers import MARKER_RE, parse_numbers
from references.integrity import (
    AMBIGUOUS_MARKER,
    FIGURE_RE,
    UNREADABLE_REFERENCE,
    Finding,
    doi_as_written,
    import_finding,
    normalise_pmid,
)
from references.labels import OTHER, is_short_line, kind_for_label, looks_like_label

TAB_WIDTH = 4
# Non-breaking and typographic spaces count as spaces (indentation included); zero-width ones are dropped.
_SPACES = {
    **dict.fromkeys(map(ord, "\u00a0\u2002\u2003\u2007\u2009\u202f"), " "),
    **dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060"), None),
}
INTRO_HEADING = "Overview"
# Field limits of the models the content is saved into (articles.Article / Section, references.Reference).
MAX_QUESTION = 300
MAX_HEADING = 300
REFERENCE_LIMITS = {"label": 100, "title": 500, "authors": 500, "publisher": 300, "doi": 255, "pmid": 20, "url": 1000}

# --- line classes ------------------------------------------------------------------------

_BULLET_RE = re.compile(r"^(?:[\u2022\u25e6\u25aa\u2023\u25cf\u25cb\u25a0\u2043]\s*|[-*\u2013]\s+)(?P<text>\S.*)$")
_NUMBERED_RE = re.compile(r"^(?P<number>\d{1,3})[.)]\s+(?P<text>\S.*)$")
_TERMINAL_PUNCTUATION = tuple(".,:;!?\u2026")
MAX_HEADING_CHARS = 100
MAX_HEADING_WORDS = 14
# A text line directly under a line at least this long (and not ending a sentence) continues it.
WRAPPED_LINE_MIN = 60

# --- boilerplate ---------------------------------------------------------------------------

_BOILERPLATE_LINES = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"medical advisory board\s*(all articles are reviewed.*)?",
        r"all articles are reviewed for accuracy.*",
        r"educational purpose only\b.*",
        r"exercise caution as content is pending human review.*",
        r"last updated\s*:.*",
        r"view editorial policy",
        r"personali[sz]e",
        r"help us tailor your experience.*",
        r"which best describes you\?.*",
        r"your choice helps us use language.*",
    )
]
_REVIEW_STATUS_RE = re.compile(r"article review status:?", re.IGNORECASE)
_REVIEW_STATUS_VALUES = {"submitted", "under review", "approved", "changes requested", "pending review", "draft"}
_AUDIENCE_RE = re.compile(r"which best describes you\?.*", re.IGNORECASE)
_AUDIENCE_VALUES = {
    "patient",
    "caregiver",
    "patient or caregiver",
    "patient / caregiver",
    "clinician",
    "healthcare professional",
    "healthcare provider",
    "medical professional",
    "physician",
    "nurse",
    "student",
    "medical student",
}
_DISCLAIMER_RE = re.compile(r"(professional\s+)?medical disclaimer:?", re.IGNORECASE)
_FOLLOW_UP_RE = re.compile(r"have a follow[- ]?up question\??", re.IGNORECASE)

# --- citation markers written as bare numbers ------------------------------------------------

_NUMS = r"[1-9]\d{0,2}(?:\s*(?:,|[-\u2013\u2014])\s*[1-9]\d{0,2})*"
_TRAILING_RE = re.compile(rf"^(?P<body>.*?[^\s\d])(?P<space>\s+)(?P<nums>{_NUMS})\s*$")
# Numbers after a number ("a score of 2 2-4"): the quantity's and, perhaps, a citation's.
_AFTER_NUMBER_RE = re.compile(rf"(?<![\d.,])(?P<number>\d+(?:[.,]\d+)?)\s+(?P<nums>{_NUMS})\s*$")
_BEFORE_COLON_RE = re.compile(rf"(?P<space>\s+)(?P<nums>{_NUMS})(?=[:;](?:\s|$))")
_MARKER_ONLY_RE = re.compile(rf"^\[?(?P<nums>{_NUMS})\]?$")
# Superscript citation numbers (¹, ²˒³, ³⁻⁶). After a digit (10⁹), a unit (m², cm³) or before "/" they are
# powers, not citations.
_SUPERSCRIPT_DIGITS = "\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079"
_SUPERSCRIPT_SEPARATORS = {
    "\u207b": "-",
    "\u02d2": ",",
    ",": ",",
    "\u2011": "-",
    "\u2013": "-",
    "-": "-",
    "\u2e34": ",",
}
_SUPERSCRIPT_RE = re.compile(
    rf"(?P<sup>[{_SUPERSCRIPT_DIGITS}]+(?:\s?[{''.join(_SUPERSCRIPT_SEPARATORS)}]\s?[{_SUPERSCRIPT_DIGITS}]+)*)"
)
_UNITS_BEFORE_POWERS = frozenset(["m", "cm", "mm", "km", "dm", "ft", "in", "s", "m2", "x"])
# A citation number right before the full stop at the end of a sentence: "... lowers mortality 4."
_BEFORE_STOP_RE = re.compile(rf"(?P<space>\s+)(?P<nums>{_NUMS})\.(?=\s+[A-Z\u201c\"(]|\s*$)")
# Table rows of a page export: cells separated by tabs or runs of spaces.
_CELL_SPLIT_RE = re.compile(r"\t+| {2,}")
# A bare number right after one of these words is a quantity, never a citation:
# "up to 2", "within 48", "aged 65", "more than 3", "equals 4".
_QUANTITY_WORDS_TEXT = """
    a an the to of than and or at by about approx approximately around over under from between within after
    before for up per in on into least most last first next past only nearly almost roughly beyond below above
    exceeding exceeds exceed with without take takes taking times x aged age is are was were be been equals
    equal plus minus
"""
_QUANTITY_WORDS = frozenset(_QUANTITY_WORDS_TEXT.split())
# After one of these nouns a number may be its label ("type 2", "visit 3", "grade 1") or a citation
# ("reduce the dose 2"): it is kept as text and, when it could be a citation, reported as ambiguous-marker.
_LABEL_NOUNS_TEXT = """
    score grade stage step type phase level class tier day week month year option group category part section
    table figure box appendix visit dose cycle round number no version chapter zone item point line lead page
    rule criterion question session
"""
_LABEL_NOUNS = frozenset(_LABEL_NOUNS_TEXT.split())
_RATE_WORDS = frozenset(["a", "an", "per", "each", "every"])
_TIME_NOUNS = frozenset(["day", "week", "month", "year"])
_MARKER_AFTER_CHARS = re.compile(r"[^\W\d_]|[)\].,;'\"\u201d\u2019?!%]")

# --- references --------------------------------------------------------------------------

_REFERENCES_HEADING_RE = re.compile(
    r"(?:references?(?: and further reading| cited)?|bibliography|sources|works cited|literature cited|citations)"
    r"\s*:?",
    re.IGNORECASE,
)
_REF_NUMBER_RE = re.compile(r"^(?:\[(?P<a>\d{1,5})\]\s*|(?P<b>\d{1,5})[.)]\s+)(?P<rest>.*)$")
_DOI_RE = re.compile(
    r"^(?:(?:https?://)?(?:dx\.)?doi\.org/|doi\s*:?\s*|(?=10\.\d{4,9}/))(?P<value>\S+)$", re.IGNORECASE
)
_PMID_RE = re.compile(r"^pmid\s*:?\s*(?P<value>\S+)$", re.IGNORECASE)
_URL_RE = re.compile(r"^(?:url\s*:?\s*)?(?P<value>https?://\S+)$", re.IGNORECASE)
_AUTHORS_RE = re.compile(r"^(?:authors?|issued by|by)\s*:\s*(?P<value>.+)$", re.IGNORECASE)
_YEAR = r"(?P<year>(?:1[89]|20|21)\d\d)"
_MONTH = r"(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+(?:\d{1,2},?\s+)?)?"
# "Publisher or journal, Year" (also "; 2019", ". 2019", ", March 2019", " (2019)").
_SOURCE_LINE_RE = re.compile(rf"^(?P<publisher>.*?\S)\s*(?:[,;.:]\s*{_MONTH}\(?|\(){_YEAR}\)?\.?$", re.IGNORECASE)
# Only where an entry has no such line: "Lancet 2019".
_LOOSE_SOURCE_RE = re.compile(rf"^(?P<publisher>.*?[^\W\d_].*?)\s+{_YEAR}\.?$")
# One-line references (Vancouver / NLM): "Smith J, Jones K. Title. Lancet. 2019 Feb 2;393(10170):447-92.
# doi:10.1016/x. PMID: 30660336." The year segment: "2019;393:1-9", "2019 Feb 2;...", "2019.", "(2019)".
_YEAR_SEGMENT_RE = re.compile(
    r"^(?P<before>.*?)(?:^|[\s(])(?P<year>(?:1[89]|20|21)\d\d)[a-z]?\)?"
    r"(?P<after>(?:\s+(?:[A-Z][a-z]{2,8}\.?|[A-Z][a-z]{2}-[A-Z][a-z]{2})(?:\s+\d{1,2})?)?\s*"
    r"(?:[;:]\s*[\w()\s.,:\-\u2013]*|\.?)\s*)$"
)
# The start of a line that goes on from a one-line reference: "2019;393(10170):447-92."
_VANCOUVER_TAIL_RE = re.compile(r"^(?:1[89]|20|21)\d\d(?:\s+[A-Z][a-z]{2,8}\.?(?:\s+\d{1,2})?)?\s*[;:]")
_VOLUME_RE = re.compile(r"(?:1[89]|20|21)\d\d[^;]{0,16};\s*\d")
_INLINE_DOI_RE = re.compile(
    r"(?:\bdoi\s*:?\s*|https?://(?:dx\.)?doi\.org/)(?P<value>10\.\d{4,9}/\S+?)(?=[.,;]?(?:\s|$))", re.IGNORECASE
)
_INLINE_PMID_RE = re.compile(r"\bPMID\s*:?\s*(?P<value>\d{1,9})\b\.?", re.IGNORECASE)
_INLINE_PMCID_RE = re.compile(r"\bPMCID\s*:?\s*PMC\d+\.?", re.IGNORECASE)
_INLINE_URL_RE = re.compile(
    r"(?:available (?:from|at)\s*:?\s*)?(?P<value>https?://\S+?)(?=[.,;]?(?:\s|$))", re.IGNORECASE
)
_CITED_RE = re.compile(r"\[(?:cited|accessed|internet|updated)[^\]]*\]|\(accessed[^)]*\)", re.IGNORECASE)
_SEGMENT_SPLIT_RE = re.compile(r"(?<=[.?!])\s+(?=[\w\[(\u201c\"'])")
_AUTHOR_RE = re.compile(r"^[A-Z][\w'\u2019\-]+(?:\s[A-Z][\w'\u2019\-]+)*\s[A-Z]{1,3}$|^et al$")
_PLACE_YEAR_RE = re.compile(r"^(?:[^:;]{2,60}:\s*)?[^:;]{2,80};\s*(?:1[89]|20|21)\d\d\b")
_CONNECTORS = frozenset(
    [
        "a",
        "an",
        "and",
        "the",
        "of",
        "for",
        "in",
        "on",
        "with",
        "to",
        "by",
        "from",
        "versus",
        "vs",
        "or",
        "at",
        "among",
        "after",
    ]
)


@dataclass
class _Line:
    number: int  # 1-based line in the source
    raw: str

    @property
    def text(self) -> str:
        # A tab or form feed inside a line of a page export is layout: a space (questions, headings and
        # reference titles are single-line fields; indentation is read from ``raw``).
        return self.raw.strip().replace("\t", " ").replace("\x0c", " ")

    @property
    def indent(self) -> int:
        expanded = self.raw.expandtabs(TAB_WIDTH)
        return len(expanded) - len(expanded.lstrip(" "))

    @property
    def blank(self) -> bool:
        return not self.raw.strip()


@dataclass
class _Item:
    indent: int
    marker: str  # "-" or "3."
    text: str
    line: int
    last_line: int = 0  # where its text ends (a wrapped item, a citation number on a line of its own)


@dataclass
class _Block:
    kind: str  # "heading", "paragraph", "list", "table"
    line: int
    text: str = ""
    items: list[_Item] = field(default_factory=list)
    last_line: int = 0


@dataclass(frozen=True)
class _Ambiguous:
    """Numbers kept as text that may be a citation: ``dose 2``, ``a score of 2 2-4``."""

    word: str  # the word or number just before them
    nums: str
    at_end: bool  # trailing the text (else before a colon)


@dataclass
class _RefLine:
    line: int  # 1-based line in the source
    text: str
    identifier: tuple[str, str] | None  # ("doi", "10.1/x"), ("pmid", ...), ("url", ...), ("authors", ...)
    prefix: int | None  # the entry number written before the text ("3." or "[3]") in a numbered list
    rest: str  # the text after that number
    blank_before: bool


@dataclass
class _RefEntry:
    line: int
    number: int | None = None
    texts: list[str] = field(default_factory=list)  # the lines above the source line: label and title
    source: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    one_line: bool = False  # its text reads as one Vancouver / NLM line (authors. Title. Journal. Year;...)

    @property
    def closed(self) -> bool:
        """Its source line or an identifier has been read: the next text line starts another entry."""
        return self.one_line or self.source is not None or any(self.fields.get(name) for name in ("doi", "pmid", "url"))


@dataclass(frozen=True)
class _ReadEntry:
    label: str
    title: str
    source: str
    authors: str = ""
    publisher: str | None = None  # read apart from the source (a one-line reference)
    year: int | None = None
    identifiers: tuple[tuple[str, str], ...] = ()  # written inside the line


# --- public ---------------------------------------------------------------------------------


def parse_plaintext(text: str, *, source_name: str = "") -> ArticleContent:
    text = text.translate(_SPACES)
    lines = [_Line(number=i, raw=raw.rstrip()) for i, raw in enumerate(text.split("\n"), start=1)]
    kept, dropped = _drop_boilerplate(lines)
    question_line, body = _take_question(kept, source_name=source_name)
    # Some exports repeat the title under the banner: it is the question, not body text.
    dropped.extend(line.text for line in body if line.text == question_line.text)
    body = [line for line in body if line.text != question_line.text]
    body, reference_lines = _split_references(body)
    body = [_Line(number=line.number, raw=_superscript_markers(line.raw)) for line in body]
    citations, reference_findings = _references(reference_lines, source_name=source_name)
    citable = frozenset(c.number for c in citations) | {f.number for f in reference_findings if f.number}
    body_findings: list[Finding] = []
    sections = _sections(_blocks(body), citable=citable, findings=body_findings)
    return ArticleContent(
        question=question_line.text,
        sections=tuple(sections),
        citations=tuple(citations),
        dropped=tuple(dropped),
        import_findings=(*body_findings, *reference_findings),
    )


# --- boilerplate --------------------------------------------------------------------------------


def _matches(patterns: list[re.Pattern[str]], text: str) -> bool:
    return any(p.fullmatch(text) for p in patterns)


def _drop_boilerplate(lines: list[_Line]) -> tuple[list[_Line], list[str]]:
    kept: list[_Line] = []
    dropped: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        text = line.text
        if not text:
            kept.append(line)
            i += 1
            continue
        if _DISCLAIMER_RE.fullmatch(text):
            dropped.extend(rest.text for rest in lines[i:] if rest.text)
            break
        if _REVIEW_STATUS_RE.fullmatch(text) or _AUDIENCE_RE.fullmatch(text):
            values = _REVIEW_STATUS_VALUES if _REVIEW_STATUS_RE.fullmatch(text) else _AUDIENCE_VALUES
            dropped.append(text)
            i += 1
            while i < len(lines) and (lines[i].blank or lines[i].text.lower() in values):
                if lines[i].text:
                    dropped.append(lines[i].text)
                i += 1
            continue
        if _FOLLOW_UP_RE.fullmatch(text):
            # The prompt and the paragraph of sales copy under it.
            dropped.append(text)
            i += 1
            while i < len(lines) and lines[i].blank:
                i += 1
            while i < len(lines) and not lines[i].blank:
                dropped.append(lines[i].text)
                i += 1
            continue
        if _matches(_BOILERPLATE_LINES, text):
            dropped.append(text)
            i += 1
            continue
        kept.append(line)
        i += 1
    return kept, dropped


def _take_question(lines: list[_Line], *, source_name: str) -> tuple[_Line, list[_Line]]:
    for index, line in enumerate(lines):
        if line.blank:
            continue
        text = line.text
        if text.startswith("#"):
            raise ImportError_(
                "this looks like Markdown without YAML front matter: start the file with a '---' line, "
                "'question: ...', and another '---' line",
                line=line.number,
                source_name=source_name,
            )
        if _BULLET_RE.match(text) or _NUMBERED_RE.match(text):
            raise ImportError_(
                f"the first line must be the question, found a list item: {text[:60]!r}",
                line=line.number,
                source_name=source_name,
            )
        if not re.search(r"[^\W\d_]", text):
            raise ImportError_(
                f"the first line must be the question, found {text[:60]!r}", line=line.number, source_name=source_name
            )
        if len(text) > MAX_QUESTION:
            raise ImportError_(
                f"the question (first line) is {len(text)} characters; at most {MAX_QUESTION} are allowed",
                line=line.number,
                source_name=source_name,
            )
        return line, lines[index + 1 :]
    raise ImportError_(
        "no article text found: the first non-empty line must be the question", line=1, source_name=source_name
    )


def _split_references(lines: list[_Line]) -> tuple[list[_Line], list[_Line]]:
    for index, line in enumerate(lines):
        if line.indent == 0 and _REFERENCES_HEADING_RE.fullmatch(line.text):
            return lines[:index], lines[index + 1 :]
    return lines, []


# --- body ------------------------------------------------------------------------------------


def _list_item(line: _Line) -> _Item | None:
    text = line.text
    bullet = _BULLET_RE.match(text)
    if bullet:
        return _Item(indent=line.indent, marker="-", text=bullet.group("text"), line=line.number, last_line=line.number)
    numbered = _NUMBERED_RE.match(text)
    if numbered:
        return _Item(
            indent=line.indent,
            marker=f"{int(numbered.group('number'))}.",
            text=numbered.group("text"),
            line=line.number,
            last_line=line.number,
        )
    return None


def _has_trailing_marker(text: str) -> bool:
    return _trailing_marker(text) is not None


def _looks_like_heading(text: str) -> bool:
    """A short line without terminal punctuation, or a short question ("When Should They Start?")."""
    return (
        len(text) <= MAX_HEADING_CHARS
        and len(text.split()) <= MAX_HEADING_WORDS
        and (not text.endswith(_TERMINAL_PUNCTUATION) or (text.endswith("?") and not text.endswith("??")))
        and re.search(r"[^\W\d_]", text) is not None
        and not _BULLET_RE.match(text)
        and not _NUMBERED_RE.match(text)
        and not MARKER_RE.search(text)
        and not _has_trailing_marker(text)
        and not _AFTER_NUMBER_RE.search(text)  # "... from 0 to 10 1": a sentence with its figures
    )


def _stands_alone(lines: list[_Line], index: int) -> bool:
    """A heading is followed by a blank line and then content, or directly by a list."""
    if index + 1 >= len(lines):
        return False
    following = lines[index + 1]
    if following.blank:
        return _next_content(lines, index) is not None
    return _list_item(following) is not None


def _next_content(lines: list[_Line], index: int) -> _Line | None:
    for i in range(index + 1, len(lines)):
        if not lines[i].blank:
            return lines[i]
    return None


def _blocks(lines: list[_Line]) -> list[_Block]:
    """Headings, paragraphs and lists, in order."""
    blocks: list[_Block] = []
    current: _Block | None = None  # the open paragraph or list
    previous_blank = True
    last_text = ""  # the previous non-blank line
    for index, line in enumerate(lines):
        if line.blank:
            previous_blank = True
            if current is not None and current.kind == "paragraph":
                current = None
            continue
        text = line.text
        item = _list_item(line)
        if item is None and _is_table_row(lines, index):
            # A table row: its numbers are values (stages, bands, doses), never citations.
            if current is None or current.kind != "table":
                current = _Block(kind="table", line=line.number)
                blocks.append(current)
            current.items.append(
                _Item(
                    indent=0, marker="-", text=" | ".join(_table_cells(line)), line=line.number, last_line=line.number
                )
            )
            previous_blank = False
            last_text = text
            continue
        if item is not None:
            if current is None or current.kind != "list":
                current = _Block(kind="list", line=line.number)
                blocks.append(current)
            current.items.append(item)
        elif (
            current is not None
            and current.kind == "list"
            and not previous_blank
            and line.indent > current.items[-1].indent
        ):
            current.items[-1].text += " " + text  # a wrapped list item
            current.items[-1].last_line = line.number
        elif current is not None and not previous_blank and _MARKER_ONLY_RE.fullmatch(text):
            # A citation number that the export put on a line of its own under the text it supports.
            target = current.items[-1] if current.kind == "list" else current
            target.text += " " + _MARKER_ONLY_RE.fullmatch(text).group("nums")
            target.last_line = line.number
        elif (
            (previous_blank or (current is not None and current.kind == "list"))
            and _looks_like_heading(text)
            and _stands_alone(lines, index)
        ):
            blocks.append(_Block(kind="heading", line=line.number, text=text))
            current = None
        elif (
            current is not None
            and current.kind == "paragraph"
            and not previous_blank
            and len(last_text) >= WRAPPED_LINE_MIN
            and not last_text.endswith(_TERMINAL_PUNCTUATION)
        ):
            current.text += " " + text  # a hard-wrapped paragraph
            current.last_line = line.number
        else:
            current = _Block(kind="paragraph", line=line.number, text=text, last_line=line.number)
            blocks.append(current)
        previous_blank = False
        last_text = text
    return blocks


def _sections(blocks: list[_Block], *, citable: frozenset[int], findings: list[Finding]) -> list[SectionData]:
    """Groups blocks under headings and gives each heading its level.

    A run of headings with no content between them is a chain of parents: the first is
    level 2, the next 3, and so on. A lone heading (followed by content) is a sibling of the
    heading of the previous section that had content.
    """
    sections: list[tuple[str, int, list[_Block]]] = []
    sibling_level = 2
    run: list[_Block] = []
    for block in blocks:
        if block.kind == "heading":
            run.append(block)
            continue
        if run:
            first_level = 2 if len(run) > 1 else sibling_level
            for offset, heading in enumerate(run):
                sections.append((heading.text, min(first_level + offset, 6), []))
            sibling_level = min(first_level + len(run) - 1, 6)
            run = []
        if not sections:
            sections.append((INTRO_HEADING, 2, []))
        sections[-1][2].append(block)
    for heading in run:  # headings at the very end with nothing under them
        sections.append((heading.text, 2, []))
    return [
        SectionData(
            heading=heading[:MAX_HEADING],
            level=level,
            body=_Body(section=position, heading=heading[:MAX_HEADING], citable=citable, findings=findings).render(
                body
            ),
        )
        for position, (heading, level, body) in enumerate(sections, start=1)
    ]


def _superscript_markers(raw: str) -> str:
    """Superscript citation numbers -> ``[n]`` markers (``time.²˒³`` -> ``time. [2, 3]``); powers stay."""
    if not any(c in raw for c in _SUPERSCRIPT_DIGITS):
        return raw

    def replace(match: re.Match[str]) -> str:
        before, after = raw[: match.start()], raw[match.end() :]
        word = re.findall(r"[^\W\d_]+\d?$", before)
        if (
            not before.strip()
            or before[-1].isdigit()
            or after[:1] == "/"
            or (after[:1].isalnum())
            or (word and word[0].lower() in _UNITS_BEFORE_POWERS)
        ):
            return match.group(0)
        plain = "".join(
            _SUPERSCRIPT_SEPARATORS.get(c, str(_SUPERSCRIPT_DIGITS.index(c)) if c in _SUPERSCRIPT_DIGITS else "")
            for c in match.group("sup")
        )
        nums = _normalise_numbers(plain)
        space = "" if before.endswith(" ") else " "
        return f"{space}[{nums}]"

    return _SUPERSCRIPT_RE.sub(replace, raw)


def _table_cells(line: _Line) -> list[str]:
    return [cell for cell in _CELL_SPLIT_RE.split(line.raw.strip()) if cell]


def _is_table_row(lines: list[_Line], index: int) -> bool:
    """A row of a table: two or more cells, in a run of at least two such lines with as many cells."""
    line = lines[index]
    if line.blank or _list_item(line) is not None or line.text.endswith("."):
        return False
    cells = len(_table_cells(line))
    if cells < 2:
        return False
    neighbours = [lines[i] for i in (index - 1, index + 1) if 0 <= i < len(lines) and not lines[i].blank]
    return any(len(_table_cells(n)) == cells and _list_item(n) is None and not n.text.endswith(".") for n in neighbours)


# --- Markdown output -----------------------------------------------------------------------------

_INLINE_ESCAPES = re.compile(r"([\\`*]|(?<![^\W_])_|_(?![^\W_]))")
_LINE_START_ESCAPES = re.compile(r"^(#|>|[-+](?=\s)|=+\s*$)")
_ORDERED_START_RE = re.compile(r"^(\d{1,9})([.)])(?=\s|$)")


def _escape(text: str) -> str:
    """Plain text -> Markdown that renders as that text; citation markers are kept as markers."""
    parts: list[str] = []
    position = 0
    for match in MARKER_RE.finditer(text):
        parts.append(_escape_plain(text[position : match.start()]))
        parts.append(match.group(0))
        position = match.end()
    parts.append(_escape_plain(text[position:]))
    escaped = "".join(parts)
    escaped = _LINE_START_ESCAPES.sub(r"\\\1", escaped)
    return _ORDERED_START_RE.sub(r"\1\\\2", escaped)


def _escape_plain(text: str) -> str:
    text = _INLINE_ESCAPES.sub(r"\\\1", text)
    return text.replace("[", "\\[").replace("]", "\\]")


def _normalise_numbers(nums: str) -> str:
    parts = re.split(r"\s*,\s*", nums.strip())
    return ", ".join(re.sub(r"\s*[-\u2013\u2014]\s*", "-", part) for part in parts)


def _reading(body: str) -> tuple[str, str]:
    """How a bare number right after ``body`` reads: ``("marker", "")``, ``("quantity", "")``, or
    ``("label", noun)`` when it may be the noun's number ("type 2") as much as a citation."""
    if not body or not _MARKER_AFTER_CHARS.fullmatch(body[-1]):
        return "quantity", ""
    if not body[-1].isalpha():
        return "marker", ""
    word = re.findall(r"[^\W\d_]+$", body)[0].lower()
    if word in _QUANTITY_WORDS:
        return "quantity", ""
    if word in _LABEL_NOUNS:
        # "Stage 2" or "Step 1:" opening the line is a label; "reduce the dose 2" may be a citation; after a
        # rate ("four times a day 2", "once per week 1") the noun numbers nothing: a citation.
        words = body.split()
        if len(words) > 2 and words[-2].lower() in _RATE_WORDS and word in _TIME_NOUNS:
            return "marker", ""
        return ("label", word) if len(words) > 1 else ("quantity", "")
    return "marker", ""


def _trailing_marker(text: str) -> re.Match[str] | None:
    match = _TRAILING_RE.match(text)
    if match and _reading(match.group("body"))[0] == "marker":
        return match
    return None


def _convert_markers(text: str, *, values: bool = False) -> tuple[str, list[_Ambiguous]]:
    """Bare citation numbers -> ``[n]`` markers (trailing, before the full stop, or before a colon), and the
    numbers after a label noun that were kept as text although they may be citations. ``values``: the text
    is an item of a list of values (score bands, doses, durations), whose trailing number is its value."""
    ambiguous: list[_Ambiguous] = []
    trailing = _TRAILING_RE.match(text)
    if trailing:
        reading, word = _reading(trailing.group("body"))
        nums = _normalise_numbers(trailing.group("nums"))
        if reading == "marker" and values:
            word = re.findall(r"\S+$", trailing.group("body"))[0]
            ambiguous.append(_Ambiguous(word=word, nums=nums, at_end=True))
        elif reading == "marker":
            text = f"{trailing.group('body')} [{nums}]"
        elif reading == "label":
            ambiguous.append(_Ambiguous(word=word, nums=nums, at_end=True))
    elif after_number := _AFTER_NUMBER_RE.search(text):
        nums = _normalise_numbers(after_number.group("nums"))
        ambiguous.append(_Ambiguous(word=after_number.group("number"), nums=nums, at_end=True))

    def before_colon(match: re.Match[str]) -> str:
        reading, word = _reading(match.string[: match.start()])
        nums = _normalise_numbers(match.group("nums"))
        if reading == "marker":
            return f" [{nums}]"
        if reading == "label":
            ambiguous.append(_Ambiguous(word=word, nums=nums, at_end=False))
        return match.group(0)

    def before_stop(match: re.Match[str]) -> str:
        reading, _ = _reading(match.string[: match.start()])
        return f" [{_normalise_numbers(match.group('nums'))}]." if reading == "marker" else match.group(0)

    text = _BEFORE_STOP_RE.sub(before_stop, text)
    return _BEFORE_COLON_RE.sub(before_colon, text), ambiguous


@dataclass
class _Body:
    """Renders the blocks of one section, reporting numbers that may or may not be citations."""

    section: int
    heading: str
    citable: frozenset[int]  # the numbers of the reference entries
    findings: list[Finding]

    def inline(self, text: str, *, line: int, last_line: int, values: bool = False) -> str:
        text = " ".join(text.split())
        converted, ambiguous = _convert_markers(text, values=values)
        for found in ambiguous:
            numbers = parse_numbers(found.nums)
            if not numbers or not set(numbers) <= self.citable:
                continue  # no reference has that number: a quantity
            where = last_line if found.at_end else line
            self.findings.append(
                import_finding(
                    AMBIGUOUS_MARKER,
                    f"Line {where}: '{found.word} {found.nums}' in '{_excerpt(text)}' was kept as text, not read as "
                    f"citation [{found.nums}]. If it cites reference {found.nums}, write '{found.word} [{found.nums}]'",
                    line=where,
                    section=self.section,
                    heading=self.heading,
                    number=numbers[0],
                )
            )
        return _escape(converted)

    def render(self, blocks: list[_Block]) -> str:
        parts = [
            self.render_list(b.items)
            if b.kind == "list"
            else "\n".join(f"- {_escape(item.text)}" for item in b.items)
            if b.kind == "table"
            else self.inline(b.text, line=b.line, last_line=b.last_line or b.line)
            for b in blocks
        ]
        return "\n\n".join(parts)

    def render_list(self, items: list[_Item]) -> str:
        values = _value_items(items, citable=self.citable)
        out: list[str] = []
        indents: list[int] = []  # source indentation of the open levels
        widths: list[int] = []  # Markdown content offset added by each open level's marker
        for item in items:
            while indents and item.indent < indents[-1]:
                indents.pop()
                widths.pop()
            if not indents or item.indent > indents[-1]:
                indents.append(item.indent)
                widths.append(0)
            widths[-1] = len(item.marker) + 1
            prefix = " " * sum(widths[:-1])
            text = self.inline(
                item.text, line=item.line, last_line=item.last_line or item.line, values=item.line in values
            )
            out.append(f"{prefix}{item.marker} {text}")
        return "\n".join(out)


MAX_VALUE_LABEL_WORDS = 3
_VALUE_RE = re.compile(r"^(?P<body>.*?[^\s\d])\s+(?P<nums>\d{1,4}(?:\s*[-\u2013\u2014]\s*\d{1,4})?)\s*$")


def _value_items(items: list[_Item], *, citable: frozenset[int]) -> set[int]:
    """The lines of the items whose trailing number is a value, as a person reads the list. Siblings (items
    at one indentation) are read together:

    - score bands and stages: every sibling a short label and a number or range ("Low 0-1", "Moderate 2-3"),
      ascending without overlap, at least one a range;
    - a short label and a bare number that no reference has ("Men 7", "Amoxicillin 500") among siblings that
      state quantities with units ("3 days", "500 mg").
    """
    values: set[int] = set()
    for indent in {item.indent for item in items}:
        siblings = [item for item in items if item.indent == indent]
        values |= _value_siblings(siblings, citable=citable)
    return values


def _value_siblings(items: list[_Item], *, citable: frozenset[int]) -> set[int]:
    trailing = [(item, _VALUE_RE.match(" ".join(item.text.split()))) for item in items]
    short = [(item, m) for item, m in trailing if m and len(m.group("body").split()) <= MAX_VALUE_LABEL_WORDS]
    if len(short) >= 2 and len(short) == len(items):
        bounds = []
        for _, match in short:
            numbers = re.split(r"\s*[-\u2013\u2014]\s*", match.group("nums"))
            if len(numbers) > 2 or "," in match.group("nums"):
                break
            bounds.append((int(numbers[0]), int(numbers[-1])))
        else:
            ascending = all(low > bounds[i - 1][1] and high >= low for i, (low, high) in enumerate(bounds) if i)
            if ascending and any(high > low for low, high in bounds):
                return {item.line for item, _ in short}
    if any(FIGURE_RE.search(item.text) for item in items):
        return {
            item.line
            for item, m in short
            if not FIGURE_RE.search(item.text) and not set(parse_numbers(m.group("nums"))) & citable
        }
    return set()


def _excerpt(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else "\u2026" + text[-(limit - 1) :].lstrip()


# --- references ---------------------------------------------------------------------------------


def _reference_lines(lines: list[_Line]) -> tuple[list[_RefLine], bool, bool]:
    """The lines of the block, wrapped lines joined, each with its kind; whether the list is numbered, and
    whether entries are written as blocks.

    Two layouts occur: every line on its own paragraph (the seed), or each entry as a block of lines with
    blank lines between entries. In the second a blank line ends an entry. A line that a narrow page
    wrapped (a title that goes on, with no blank line, on a line that is neither a source line, an
    identifier, nor a numbered entry) is joined to the line it continues first, so it never starts an
    entry of its own."""
    texts = [line for line in lines if not line.blank]
    numbered = bool(texts) and _identifier(texts[0].text) is None and _REF_NUMBER_RE.match(texts[0].text) is not None
    # The seed's layout: (nearly) every line a paragraph of its own, so two lines together are one wrapped.
    alone = sum(1 for i, line in enumerate(lines) if not line.blank and (i + 1 == len(lines) or lines[i + 1].blank))
    one_per_paragraph = len(texts) >= 4 and alone >= 0.75 * len(texts)
    out: list[_RefLine] = []
    previous: _RefLine | None = None
    for line in lines:
        if line.blank:
            previous = None
            continue
        text = line.text
        identifier = _identifier(text)
        prefix = None if identifier is not None or not numbered else _REF_NUMBER_RE.match(text)
        number = int(prefix.group("a") or prefix.group("b")) if prefix else None  # "[2]" alone: entry 2, text below
        if previous is not None and number is None and _continues(previous, text, identifier, one_per_paragraph):
            previous.rest = f"{previous.rest} {text}"
            previous.text = f"{previous.text} {text}"
            continue
        rest = prefix.group("rest") if number is not None else text
        if number is not None and identifier is None:
            identifier = _identifier(rest)  # "[3] https://..." : an entry that is only a link
        ref_line = _RefLine(
            line=line.number, text=text, identifier=identifier, prefix=number, rest=rest, blank_before=previous is None
        )
        out.append(ref_line)
        previous = ref_line
    blocks = any(
        not b.blank_before and b.identifier is None and a.identifier is None for a, b in itertools.pairwise(out)
    )
    return out, numbered, blocks


def _continues(previous: _RefLine, text: str, identifier: tuple[str, str] | None, one_per_paragraph: bool) -> bool:
    """Whether ``text`` (the line right under ``previous``, no blank between) goes on with its text: in the
    seed's layout any such line; else one that starts in lower case or with a year;volume, or follows a
    line that stops mid-phrase ("... of", "... and", "...:")."""
    if identifier is not None or previous.identifier is not None:
        return False
    before = previous.rest
    if _SOURCE_LINE_RE.match(before) or _SOURCE_LINE_RE.match(text) or looks_like_label(before):
        return False
    if kind_for_label(text) is not None:
        return False
    if text[:1].islower() or _VANCOUVER_TAIL_RE.match(text):
        return True  # "guideline for primary care", "2019;393(10170):447-92."
    if before.endswith((",", ":", "-", "\u2013")) or before.rsplit(" ", 1)[-1].lower() in _CONNECTORS:
        return True
    return one_per_paragraph and not before.endswith((".", "?", "!"))


def _references(lines: list[_Line], *, source_name: str) -> tuple[list[CitationData], list[Finding]]:
    """Entries by shape: an optional label line, a title, a "Publisher or journal, Year" line, then DOI /
    PMID / URL / Authors lines; or one line in the Vancouver / NLM style (authors, title, journal, year;
    volume(issue):pages, with doi: and PMID: inside); or a link alone. Known labels map to kinds, others
    are kept as labels of kind "other". In a numbered list (``1.``, ``[1]``, ``1)``) every line up to the
    next number belongs to that entry, and each entry keeps its own number. An entry that cannot be read
    is an ``unreadable-reference`` finding (it keeps its number, so the entries after it keep theirs), never
    a guess."""
    ref_lines, numbered, blocks = _reference_lines(lines)
    entries: list[_RefEntry] = []
    findings: list[Finding] = []
    current: _RefEntry | None = None
    last_number = 0
    for ref in ref_lines:
        if numbered:
            if ref.prefix is not None and (current is None or ref.prefix > last_number or current.closed):
                current = _RefEntry(line=ref.line, number=ref.prefix)
                entries.append(current)
                last_number = max(last_number, ref.prefix)
                if ref.identifier is not None and ref.identifier[0] == "url":
                    current.fields["url"] = ref.identifier[1]  # a link alone
                    continue
                text = ref.rest
            elif ref.identifier is not None:
                _add_identifier(ref, current, findings)
                continue
            else:
                text = ref.text
            if current is None:  # text above the first number
                current = _RefEntry(line=ref.line)
                entries.append(current)
            if text:
                _add_text(current, text)
            continue
        if ref.blank_before and blocks:
            current = None
        if ref.identifier is not None:
            owner = current or (entries[-1] if entries else None)
            if ref.identifier[0] == "url" and (owner is None or owner.fields.get("url")):
                current = _RefEntry(line=ref.line, fields={"url": ref.identifier[1]})  # a link alone
                entries.append(current)
                continue
            _add_identifier(ref, owner, findings)
            continue
        text = ref.text
        source = _SOURCE_LINE_RE.match(text) is not None
        one_line = _looks_like_one_line_reference(text)
        if current is not None and (
            current.closed or one_line or (not source and current.texts and kind_for_label(text) is not None)
        ):
            current = None  # after its source or identifiers, or at a known label, the next entry starts
        if current is None:
            current = _RefEntry(line=ref.line)
            entries.append(current)
        _add_text(current, text)
    explicit = [e.number for e in entries]
    use_explicit = bool(entries) and all(n is not None for n in explicit)
    citations = []
    used: dict[int, int] = {}
    for index, entry in enumerate(entries, start=1):
        number = entry.number if use_explicit else index
        if number in used:
            findings.append(
                import_finding(
                    UNREADABLE_REFERENCE,
                    f"References: the entry at line {entry.line} is numbered {number}, like the entry at line "
                    f"{used[number]}; it was not read (give each entry its own number)",
                    line=entry.line,
                    number=number,
                )
            )
            continue
        used[number] = entry.line
        read = _read_entry(entry)
        if isinstance(read, str):
            findings.append(
                import_finding(
                    UNREADABLE_REFERENCE,
                    f"References: the entry at line {entry.line} (reference {number}) cannot be read: {read}. "
                    "Write each entry as an optional label line, a title line, a 'Publisher or journal, Year' line, "
                    "then DOI / PMID / URL lines, or as one line: authors. Title. Journal. Year;volume:pages",
                    line=entry.line,
                    number=number,
                )
            )
            continue
        citations.append(_citation(read, entry=entry, number=number, source_name=source_name))
    return citations, findings


def _add_text(entry: _RefEntry, text: str) -> None:
    """A text line of an entry: its source line ("Publisher, Year") or one of the lines above it. Identifiers
    written inside a line (``doi:10.1/x``, ``PMID: 123``, a link) are read into the entry's fields."""
    if _SOURCE_LINE_RE.match(text) and entry.texts and not _looks_like_one_line_reference(text):
        entry.source = text
        return
    entry.texts.append(text)
    if _looks_like_one_line_reference(text):  # this line, never the whole entry again (an entry may grow long)
        entry.one_line = True


def _add_identifier(ref: _RefLine, entry: _RefEntry | None, findings: list[Finding]) -> None:
    """A DOI / PMID / URL / Authors line belongs to the entry above it."""
    name, value = ref.identifier
    shown = "Authors" if name == "authors" else name.upper()
    if entry is None or not entry.texts:
        findings.append(
            import_finding(
                UNREADABLE_REFERENCE,
                f"References: a {shown} line with no reference title above it: {ref.text[:80]!r}",
                line=ref.line,
            )
        )
    elif entry.fields.get(name):
        findings.append(
            import_finding(
                UNREADABLE_REFERENCE,
                f"References: a second {shown} line for the reference that starts on line {entry.line}: "
                f"{ref.text[:80]!r} (one {shown} per reference)",
                line=ref.line,
            )
        )
    else:
        entry.fields[name] = value


def _read_entry(entry: _RefEntry) -> _ReadEntry | str:
    """Label, title and source of an entry by their shape, or why they cannot be told apart."""
    texts = list(entry.texts)
    source = entry.source
    if not texts and source is None and entry.fields.get("url"):
        return _ReadEntry(label="", title=entry.fields["url"], source="")  # a link alone: its address names it
    label = texts[0] if len(texts) >= 2 and looks_like_label(texts[0]) else ""
    joined = " ".join([*texts[1 if label else 0 :], *([source] if source else [])])
    if entry.one_line or _looks_like_one_line_reference(joined):
        read = _read_one_line(joined, label=label)
        if read is not None:
            return read
    if source is None and len(texts) >= 2 and _LOOSE_SOURCE_RE.match(texts[-1]):
        source = texts.pop()  # "Lancet 2019": a year without the comma
    shown = " / ".join(repr(t[:60]) for t in [*texts, *([source] if source else [])])
    if not texts:
        return f"a 'Publisher, Year' line with no title above it ({shown})" if source else "no title"
    if len(texts) == 1 and kind_for_label(texts[0]) is not None:
        return f"{texts[0]!r} is a label with no title under it"
    if not any(re.search(r"[^\W\d_]{2}", t) for t in texts):
        return f"no title ({shown})"
    if len(texts) == 1:
        return _ReadEntry(label="", title=texts[0], source=source or "")
    if len(texts) == 2 and source is not None and is_short_line(texts[0]):
        return _ReadEntry(label=texts[0], title=texts[1], source=source)
    if len(texts) == 2 and source is None:
        if looks_like_label(texts[0]):
            return _ReadEntry(label=texts[0], title=texts[1], source="")
        return _ReadEntry(label="", title=texts[0], source=texts[1])  # a publisher without a year
    return f"{len(texts)} lines where a label and a title are expected ({shown})"


def _looks_like_one_line_reference(text: str) -> bool:
    """Vancouver / NLM on one line: a year with volume ("2019;393:1-9"), or an identifier inside text."""
    if _VOLUME_RE.search(text):
        return True
    segments = _SEGMENT_SPLIT_RE.split(text)
    inline = _INLINE_DOI_RE.search(text) or _INLINE_PMID_RE.search(text) or _INLINE_URL_RE.search(text)
    if inline is not None and inline.start() > 0 and len(segments) >= 3:
        return True
    # "Org. Title. Series. London: NICE; 2021.", "Title. Publisher; 2003.": a "Publisher; Year" segment.
    return len(segments) >= 2 and any(_PLACE_YEAR_RE.match(seg.strip(" .")) for seg in segments[1:])


def _is_authors(text: str) -> bool:
    parts = [p.strip() for p in text.rstrip(".").split(",")]
    return bool(parts) and all(_AUTHOR_RE.match(p) for p in parts if p)


def _read_one_line(text: str, *, label: str = "") -> _ReadEntry | None:
    """Authors, title, journal and year of a one-line reference, with the identifiers written inside it."""
    identifiers: list[tuple[str, str]] = []
    if m := _INLINE_DOI_RE.search(text):
        identifiers.append(("doi", doi_as_written(m.group("value").rstrip(".,;"))))
        text = text[: m.start()] + text[m.end() :]
    if m := _INLINE_PMID_RE.search(text):
        identifiers.append(("pmid", normalise_pmid(m.group("value"))))
        text = text[: m.start()] + text[m.end() :]
    text = _INLINE_PMCID_RE.sub("", text)
    if m := _INLINE_URL_RE.search(text):
        identifiers.append(("url", m.group("value")))
        text = text[: m.start()] + text[m.end() :]
    text = " ".join(_CITED_RE.sub("", text).split()).strip(" .;,")
    segments = [seg.strip(" .") for seg in _SEGMENT_SPLIT_RE.split(text + ".") if seg.strip(" .")]
    year_at = next((i for i, seg in enumerate(segments) if i and _YEAR_SEGMENT_RE.match(seg)), None)
    if year_at is None:
        if not identifiers or not segments:
            return None
        # "Org. Title, 2024 update. https://...": no year segment, the identifier read from the line.
        authors = segments[0] if len(segments) >= 2 else ""
        title = ". ".join(segments[1:] if authors else segments)
        return _ReadEntry(
            label=label, title=title, source="", authors=authors, publisher="", identifiers=tuple(identifiers)
        )
    year_match = _YEAR_SEGMENT_RE.match(segments[year_at])
    before, in_segment = segments[:year_at], year_match.group("before").strip(" ,;:")
    publisher = in_segment.rsplit(":", 1)[-1].strip() if in_segment else ""  # "Geneva: WHO; 2019"
    authors = ""
    if not publisher and len(before) >= 2 and not (len(before) == 2 and _is_authors(before[0])):
        publisher = before.pop()
    if len(before) >= 2 and (_is_authors(before[0]) or len(before) >= 3 or publisher):
        authors = before.pop(0)
    title = ". ".join(before)
    if not title:
        return None
    return _ReadEntry(
        label=label,
        title=title,
        source="",
        authors=authors,
        publisher=publisher,
        year=int(year_match.group("year")),
        identifiers=tuple(identifiers),
    )


def _identifier(text: str) -> tuple[str, str] | None:
    if m := _DOI_RE.match(text):
        return "doi", doi_as_written(m.group("value").rstrip("."))
    if m := _PMID_RE.match(text):
        return "pmid", normalise_pmid(m.group("value").rstrip("."))
    if m := _URL_RE.match(text):
        return "url", m.group("value")
    if m := _AUTHORS_RE.match(text):
        return "authors", m.group("value").strip()
    return None


def _citation(read: _ReadEntry, *, entry: _RefEntry, number: int, source_name: str) -> CitationData:
    publisher, year = read.source, None
    if read.publisher is not None:
        publisher, year = read.publisher, read.year
    elif match := (_SOURCE_LINE_RE.match(read.source) or _LOOSE_SOURCE_RE.match(read.source)):
        publisher, year = match.group("publisher").strip(" ,.;:"), int(match.group("year"))
    title = " ".join(read.title.split())
    label = " ".join(read.label.split()).removesuffix(":").strip()
    fields = {**dict(read.identifiers), **{k: v for k, v in entry.fields.items() if v}}
    if read.authors and not fields.get("authors"):
        fields["authors"] = read.authors
    values = {"label": label, "title": title, "publisher": publisher, **fields}
    if problem := link_url_problem(values.get("url", "")):  # the Markdown reader and the services' one rule
        raise ImportError_(
            f"References: the link of reference {number}: {problem}", line=entry.line, source_name=source_name
        )
    for name, value in values.items():
        if len(value) > REFERENCE_LIMITS[name]:
            raise ImportError_(
                f"References: the {name} of reference {number} is longer than {REFERENCE_LIMITS[name]} characters",
                line=entry.line,
                source_name=source_name,
            )
    return CitationData(
        number=number,
        reference=ReferenceData(
            kind=(kind_for_label(label) or OTHER) if label else OTHER,
            label=label,
            title=title,
            authors=fields.get("authors", ""),
            publisher=publisher,
            year=year,
            doi=fields.get("doi", ""),
            pmid=fields.get("pmid", ""),
            url=fields.get("url", ""),
        ),
    )


# --- one reference as a person pastes it (the edit form's "paste" field) ----------------------------

_DOI_ANYWHERE_RE = re.compile(r"(?:https?://(?:dx\.)?doi\.org/|doi\s*:?\s*)?(?P<value>10\.\d{4,9}/[^\s\"<>]+)", re.I)
_PMID_ANYWHERE_RE = re.compile(r"\bpmid\s*:?\s*(?P<value>\d{1,9})\b", re.IGNORECASE)
_BARE_PMID_RE = re.compile(r"^\d{1,9}$")
_AUTHOR_LIST_RE = re.compile(r"(?:\bet al\b|^[A-Z][\w'\-]+ [A-Z]{1,3}(?:,|$))")
# "Ann Intern Med. 2017;166(7):514-530": the journal, then the year with volume and pages.
_JOURNAL_YEAR_RE = re.compile(rf"^(?P<journal>[^.;]*?)[.,;]?\s*{_YEAR}\b")


def read_reference(text: str) -> ReferenceData:
    """One reference from what a person pastes: a DOI (or its doi.org link), a PMID, a URL, an entry in the
    export's layout (label / title / "Journal, Year" / DOI lines), or one citation line as journals print it
    ("Qaseem A, et al. Title. Ann Intern Med. 2017;166(7):514-530. doi:10.7326/M16-2367").

    The identifiers are read as the importer reads them; what cannot be read raises ``ImportError_`` naming
    it. The title may be blank when only an identifier was pasted (the reference lookup fills it when on)."""
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    if not lines:
        raise ImportError_("Nothing to read: paste a DOI, a PMID or a citation line")
    if len(lines) > 1:
        citations, findings = _references(
            [_Line(number=n, raw=line) for n, line in enumerate(lines, start=1)], source_name=""
        )
        if findings or len(citations) != 1:
            why = findings[0].message if findings else f"{len(citations)} references where one is expected"
            raise ImportError_(f"The pasted reference cannot be read: {why}")
        return citations[0].reference
    line = lines[0]
    if _BARE_PMID_RE.match(line):
        return ReferenceData(title="", pmid=normalise_pmid(line))
    identifier = _identifier(line)
    if identifier is not None and identifier[0] in ("doi", "pmid", "url"):
        return ReferenceData(title="", **{identifier[0]: identifier[1]})
    return _citation_line(line)


def _citation_line(line: str) -> ReferenceData:
    doi = pmid = ""
    if match := _DOI_ANYWHERE_RE.search(line):
        doi = doi_as_written(match.group("value").rstrip("."))
        line = line[: match.start()] + line[match.end() :]
    if match := _PMID_ANYWHERE_RE.search(line):
        pmid = normalise_pmid(match.group("value"))
        line = line[: match.start()] + line[match.end() :]
    parts = [part.strip(" .;") for part in re.split(r"\.\s+", line.strip(" .")) if part.strip(" .;")]
    authors = parts.pop(0) if len(parts) > 2 and _AUTHOR_LIST_RE.search(parts[0]) else ""
    if not parts:
        raise ImportError_("The pasted citation has no title: paste the whole line, or its DOI or PMID")
    title, publisher, year = parts[0], "", None
    for part in parts[1:]:
        if match := _JOURNAL_YEAR_RE.match(part):
            publisher = publisher or match.group("journal").strip(" ,.;:")
            year = int(match.group("year"))
            break
        publisher = publisher or part
    for name, value in (("title", title), ("authors", authors), ("publisher", publisher)):
        if len(value) > REFERENCE_LIMITS[name]:
            raise ImportError_(f"The pasted {name} is longer than {REFERENCE_LIMITS[name]} characters")
    return ReferenceData(title=title, authors=authors, publisher=publisher, year=year, doi=doi, pmid=pmid)
