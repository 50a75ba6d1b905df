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
  before a colon (``intensity 1:``) become markers ``[2]``, ``[1, 3]``, ``[1-3]``;
- a ``References`` block holds entries of a kind line, a title line and a "source, year"
  line, optionally with DOI / PMID / URL / Authors lines; they are numbered 1..n in order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from articles.content import ArticleContent, CitationData, ReferenceData, SectionData
from articles.importing.errors import ImportError_
from articles.markers import MARKER_RE
from references.integrity import normalise_doi, normalise_pmid

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
REFERENCE_LIMITS = {"title": 500, "authors": 500, "publisher": 300, "doi": 255, "pmid": 20, "url": 1000}

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
    "patient", "caregiver", "patient or caregiver", "patient / caregiver", "clinician", "healthcare professional",
    "healthcare provider", "medical professional", "physician", "nurse", "student", "medical student",
}
_DISCLAIMER_RE = re.compile(r"(professional\s+)?medical disclaimer:?", re.IGNORECASE)
_FOLLOW_UP_RE = re.compile(r"have a follow[- ]?up question\??", re.IGNORECASE)

# --- citation markers written as bare numbers ------------------------------------------------

_NUMS = r"[1-9]\d{0,2}(?:\s*(?:,|[-\u2013\u2014])\s*[1-9]\d{0,2})*"
_TRAILING_RE = re.compile(rf"^(?P<body>.*?[^\s\d])(?P<space>\s+)(?P<nums>{_NUMS})\s*$")
_BEFORE_COLON_RE = re.compile(rf"(?P<space>\s+)(?P<nums>{_NUMS})(?=[:;](?:\s|$))")
_MARKER_ONLY_RE = re.compile(rf"^\[?(?P<nums>{_NUMS})\]?$")
# A bare number right after one of these words is a quantity or a label, never a citation:
# "up to 2", "within 48", "aged 65", "Grade 3", "Step 1:", "Type 2".
_NOT_BEFORE_MARKER_TEXT = """
    a an the to of than and or at by about approx approximately around over under from between within after
    before for up per in on into least most last first next past only nearly almost roughly beyond below above
    exceeding exceeds exceed with without take takes taking times x aged age is are was were be been equals
    equal plus minus score grade stage step type phase level class tier day week month year option
    group category part section table figure box appendix visit dose cycle round number no version chapter
    zone item point line lead page rule criterion question session
"""
_NOT_BEFORE_MARKER = frozenset(_NOT_BEFORE_MARKER_TEXT.split())
_MARKER_AFTER_CHARS = re.compile(r"[^\W\d_]|[)\].,;'\"\u201d\u2019?!%]")

# --- references --------------------------------------------------------------------------

_REFERENCES_HEADING_RE = re.compile(r"(references|bibliography)\s*:?", re.IGNORECASE)
_KIND_LINES = {
    "guideline": "guideline", "guidelines": "guideline", "clinical guideline": "guideline",
    "practice guideline": "guideline", "consensus statement": "guideline",
    "systematic review": "systematic_review", "systematic review and meta-analysis": "systematic_review",
    "meta-analysis": "systematic_review", "meta analysis": "systematic_review",
    "trial": "trial", "clinical trial": "trial", "randomized controlled trial": "trial",
    "randomised controlled trial": "trial", "rct": "trial",
    "drug label": "drug_label", "prescribing information": "drug_label", "fda label": "drug_label",
    "textbook": "textbook", "book": "textbook",
    "other": "other", "review": "other", "observational study": "other", "cohort study": "other",
    "article": "other", "journal article": "other", "website": "other",
}
_REF_NUMBER_RE = re.compile(r"^(?:\[(?P<a>\d{1,4})\]\s*|(?P<b>\d{1,4})[.)]\s+)(?P<rest>.*)$")
_DOI_RE = re.compile(
    r"^(?:doi\s*:?\s*|https?://(?:dx\.)?doi\.org/|(?=10\.\d{4,9}/))(?P<value>\S+)$", re.IGNORECASE
)
_PMID_RE = re.compile(r"^pmid\s*:?\s*(?P<value>\S+)$", re.IGNORECASE)
_URL_RE = re.compile(r"^(?:url\s*:?\s*)?(?P<value>https?://\S+)$", re.IGNORECASE)
_AUTHORS_RE = re.compile(r"^(?:authors?|issued by|by)\s*:\s*(?P<value>.+)$", re.IGNORECASE)
_SOURCE_YEAR_RE = re.compile(r"^(?P<publisher>.*?)[\s,.;:]*\(?(?P<year>(?:1[89]|20|21)\d\d)\)?\.?$")


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


@dataclass
class _Block:
    kind: str  # "heading", "paragraph", "list"
    line: int
    text: str = ""
    items: list[_Item] = field(default_factory=list)


@dataclass
class _RefEntry:
    line: int
    kind: str = "other"
    number: int | None = None
    title: str = ""
    source: str = ""
    fields: dict[str, str] = field(default_factory=dict)


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
    sections = _sections(_blocks(body))
    citations = _references(reference_lines, source_name=source_name)
    return ArticleContent(
        question=question_line.text,
        sections=tuple(sections),
        citations=tuple(citations),
        dropped=tuple(dropped),
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
                line=line.number, source_name=source_name,
            )
        if _BULLET_RE.match(text) or _NUMBERED_RE.match(text):
            raise ImportError_(
                f"the first line must be the question, found a list item: {text[:60]!r}",
                line=line.number, source_name=source_name,
            )
        if not re.search(r"[^\W\d_]", text):
            raise ImportError_(
                f"the first line must be the question, found {text[:60]!r}", line=line.number, source_name=source_name
            )
        if len(text) > MAX_QUESTION:
            raise ImportError_(
                f"the question (first line) is {len(text)} characters; at most {MAX_QUESTION} are allowed",
                line=line.number, source_name=source_name,
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
        return _Item(indent=line.indent, marker="-", text=bullet.group("text"), line=line.number)
    numbered = _NUMBERED_RE.match(text)
    if numbered:
        return _Item(indent=line.indent, marker=f"{int(numbered.group('number'))}.", text=numbered.group("text"),
                     line=line.number)
    return None


def _has_trailing_marker(text: str) -> bool:
    return _trailing_marker(text) is not None


def _looks_like_heading(text: str) -> bool:
    return (
        len(text) <= MAX_HEADING_CHARS
        and len(text.split()) <= MAX_HEADING_WORDS
        and not text.endswith(_TERMINAL_PUNCTUATION)
        and re.search(r"[^\W\d_]", text) is not None
        and not _BULLET_RE.match(text)
        and not _NUMBERED_RE.match(text)
        and not MARKER_RE.search(text)
        and not _has_trailing_marker(text)
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
        if item is not None:
            if current is None or current.kind != "list":
                current = _Block(kind="list", line=line.number)
                blocks.append(current)
            current.items.append(item)
        elif (
            current is not None and current.kind == "list" and not previous_blank
            and line.indent > current.items[-1].indent
        ):
            current.items[-1].text += " " + text  # a wrapped list item
        elif (
            current is not None and not previous_blank and _MARKER_ONLY_RE.fullmatch(text)
        ):
            # A citation number that the export put on a line of its own under the text it supports.
            target = current.items[-1] if current.kind == "list" else current
            target.text += " " + _MARKER_ONLY_RE.fullmatch(text).group("nums")
        elif (
            (previous_blank or (current is not None and current.kind == "list"))
            and _looks_like_heading(text)
            and _stands_alone(lines, index)
        ):
            blocks.append(_Block(kind="heading", line=line.number, text=text))
            current = None
        elif (
            current is not None and current.kind == "paragraph" and not previous_blank
            and len(last_text) >= WRAPPED_LINE_MIN
            and not last_text.endswith(_TERMINAL_PUNCTUATION)
        ):
            current.text += " " + text  # a hard-wrapped paragraph
        else:
            current = _Block(kind="paragraph", line=line.number, text=text)
            blocks.append(current)
        previous_blank = False
        last_text = text
    return blocks


def _sections(blocks: list[_Block]) -> list[SectionData]:
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
        SectionData(heading=heading[:MAX_HEADING], level=level, body=_render_body(body))
        for heading, level, body in sections
    ]


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


def _can_precede_marker(body: str) -> bool:
    if not body or not _MARKER_AFTER_CHARS.fullmatch(body[-1]):
        return False
    if not body[-1].isalpha():
        return True
    word = re.findall(r"[^\W\d_]+$", body)
    return not word or word[0].lower() not in _NOT_BEFORE_MARKER


def _trailing_marker(text: str) -> re.Match[str] | None:
    match = _TRAILING_RE.match(text)
    if match and _can_precede_marker(match.group("body")):
        return match
    return None


def _convert_markers(text: str) -> str:
    """Bare citation numbers -> ``[n]`` markers (trailing, or before a colon)."""
    trailing = _trailing_marker(text)
    if trailing:
        text = f"{trailing.group('body')} [{_normalise_numbers(trailing.group('nums'))}]"

    def before_colon(match: re.Match[str]) -> str:
        if _can_precede_marker(match.string[: match.start()]):
            return f" [{_normalise_numbers(match.group('nums'))}]"
        return match.group(0)

    return _BEFORE_COLON_RE.sub(before_colon, text)


def _inline(text: str) -> str:
    return _escape(_convert_markers(" ".join(text.split())))


def _render_list(items: list[_Item]) -> str:
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
        out.append(f"{prefix}{item.marker} {_inline(item.text)}")
    return "\n".join(out)


def _render_body(blocks: list[_Block]) -> str:
    parts = [_render_list(b.items) if b.kind == "list" else _inline(b.text) for b in blocks]
    return "\n\n".join(parts)


# --- references ---------------------------------------------------------------------------------


def _references(lines: list[_Line], *, source_name: str) -> list[CitationData]:
    """Entries of kind / title / "source, year" lines (each optional but the title) plus identifier lines."""
    entries: list[_RefEntry] = []
    for line in lines:
        if line.blank:
            continue
        text = line.text
        number = None
        numbered = None if _DOI_RE.match(text) else _REF_NUMBER_RE.match(text)
        if numbered and numbered.group("rest"):
            number = int(numbered.group("a") or numbered.group("b"))
            text = numbered.group("rest")
        entry = entries[-1] if entries else None
        kind = _KIND_LINES.get(text.lower().rstrip(":").strip())
        if kind is not None:
            entries.append(_RefEntry(line=line.number, kind=kind, number=number))
            continue
        identifier = _identifier(text)
        if identifier is not None:
            name, value = identifier
            if entry is None or not entry.title:
                raise ImportError_(
                    f"References: a {name.upper() if name != 'authors' else 'Authors'} line before any reference title",
                    line=line.number, source_name=source_name,
                )
            if entry.fields.get(name):
                raise ImportError_(
                    f"References: a second {name} line for the reference that starts on line {entry.line}",
                    line=line.number, source_name=source_name,
                )
            entry.fields[name] = value
            continue
        # A text line: the title of the open entry, its source, or the title of a new entry.
        closed = entry is not None and any(entry.fields.get(name) for name in ("doi", "pmid", "url"))
        if entry is None or (entry.title and (entry.source or closed or number is not None)):
            entry = _RefEntry(line=line.number, number=number)
            entries.append(entry)
        elif number is not None and entry.number is None:
            entry.number = number
        if not entry.title:
            entry.title = text
        else:
            entry.source = text
    explicit = [e.number for e in entries]
    use_explicit = bool(entries) and all(n is not None for n in explicit) and len(set(explicit)) == len(explicit)
    return [
        _citation(entry, number=entry.number if use_explicit else index, source_name=source_name)
        for index, entry in enumerate(entries, start=1)
    ]


def _identifier(text: str) -> tuple[str, str] | None:
    if m := _DOI_RE.match(text):
        return "doi", normalise_doi(m.group("value").rstrip("."))
    if m := _PMID_RE.match(text):
        return "pmid", normalise_pmid(m.group("value").rstrip("."))
    if m := _URL_RE.match(text):
        return "url", m.group("value")
    if m := _AUTHORS_RE.match(text):
        return "authors", m.group("value").strip()
    return None


def _citation(entry: _RefEntry, *, number: int, source_name: str) -> CitationData:
    if not entry.title:
        raise ImportError_("References: an entry has a kind line but no title", line=entry.line,
                           source_name=source_name)
    publisher, year = entry.source, None
    if match := _SOURCE_YEAR_RE.match(entry.source):
        publisher, year = match.group("publisher").strip(" ,.;:"), int(match.group("year"))
    title = " ".join(entry.title.split())
    values = {"title": title, "publisher": publisher, **entry.fields}
    for name, value in values.items():
        if len(value) > REFERENCE_LIMITS[name]:
            raise ImportError_(
                f"References: the {name} of reference {number} is longer than {REFERENCE_LIMITS[name]} characters",
                line=entry.line, source_name=source_name,
            )
    return CitationData(
        number=number,
        reference=ReferenceData(
            kind=entry.kind,
            title=title,
            authors=entry.fields.get("authors", ""),
            publisher=publisher,
            year=year,
            doi=entry.fields.get("doi", ""),
            pmid=entry.fields.get("pmid", ""),
            url=entry.fields.get("url", ""),
        ),
    )
