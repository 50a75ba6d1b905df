"""The references block of a plain-text page export (and one reference as a person pastes it).

Read by the shape of each entry, not a list of labels: numbered (``1.``, ``[1]``, ``1)``) or one per
paragraph, one-line Vancouver / NLM entries with their identifiers, link-only entries, wrapped titles
joined. An entry that cannot be read keeps its number and becomes a located finding; nothing is
renumbered. ``articles.importing.plaintext`` (the body) and ``articles.importing.html`` call ``_references``."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from articles.content import CitationData, ReferenceData, link_url_problem
from articles.importing.errors import ImportError_
from articles.importing.lines import _Line
from references.integrity import (
    UNREADABLE_REFERENCE,
    Finding,
    doi_as_written,
    import_finding,
    normalise_pmid,
)
from references.labels import OTHER, is_short_line, kind_for_label, looks_like_label

REFERENCE_LIMITS = {"label": 100, "title": 500, "authors": 500, "publisher": 300, "doi": 255, "pmid": 20, "url": 1000}

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
