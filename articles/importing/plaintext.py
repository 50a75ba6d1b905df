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

import re
from dataclasses import dataclass, field

from articles.content import ArticleContent, SectionData
from articles.importing.bare_markers import (
    _AFTER_NUMBER_RE,
    _CELL_SPLIT_RE,
    _MARKER_ONLY_RE,
    _convert_markers,
    _escape,
    _superscript_markers,
    _trailing_marker,
)
from articles.importing.errors import ImportError_
from articles.importing.lines import _Line
from articles.importing.reference_list import _REFERENCES_HEADING_RE, _references
from articles.markers import MARKER_RE, parse_numbers
from references.integrity import (
    AMBIGUOUS_MARKER,
    FIGURE_RE,
    Finding,
    import_finding,
)

# Non-breaking and typographic spaces count as spaces (indentation included); zero-width ones are dropped.
_SPACES = {
    **dict.fromkeys(map(ord, "\u00a0\u2002\u2003\u2007\u2009\u202f"), " "),
    **dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060"), None),
}
INTRO_HEADING = "Overview"
# Field limits of the models the content is saved into (articles.Article / Section, references.Reference).
MAX_QUESTION = 300
MAX_HEADING = 300

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
