"""Citation integrity: the check the seed page failed.

``check_content(content)`` reads an ``ArticleContent`` (parsed from a file, or built from the
database) and returns an ``IntegrityReport`` of located findings, each with a stable code.
Errors block submission; warnings are shown to reviewers.

It is pure: no database, no settings. The identifier helpers here (``normalise_doi``,
``is_valid_doi``, ``normalise_pmid``, ``is_valid_pmid``, ``normalise_title``) are the one
definition that ``references.services`` also uses when it stores and deduplicates records.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from articles.content import ArticleContent, CitationData, ReferenceData
from articles.markers import Marker, find_markers
from references.terms import meaningful_terms, topic_terms, words_of_terms


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    message: str
    section: int | None = None  # 1-based position of the section, when the finding is in one
    heading: str = ""
    marker: str = ""  # the marker as written, e.g. "[2-4]"
    number: int | None = None  # the citation number concerned, when there is one
    line: int | None = None  # 1-based line of the imported source file, for findings the importer makes

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": str(self.severity),
            "message": self.message,
            "section": self.section,
            "heading": self.heading,
            "marker": self.marker,
            "number": self.number,
            "line": self.line,
        }


@dataclass
class IntegrityReport:
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == Severity.ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == Severity.WARNING]

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)

    def codes(self) -> set[str]:
        return {f.code for f in self.findings}

    def as_dict(self) -> dict[str, Any]:
        return {"errors": [f.as_dict() for f in self.errors], "warnings": [f.as_dict() for f in self.warnings]}


# --- codes ---------------------------------------------------------------------------------

UNRESOLVED_CITATION = "unresolved-citation"
ORPHAN_REFERENCE = "orphan-reference"
DUPLICATE_REFERENCE = "duplicate-reference"
INVALID_DOI = "invalid-doi"
INVALID_PMID = "invalid-pmid"
MISSING_IDENTIFIER = "missing-identifier"
WITHDRAWN_REFERENCE = "withdrawn-reference"
SUPERSEDED_REFERENCE = "superseded-reference"
POSSIBLE_REFERENCE_MISMATCH = "possible-reference-mismatch"
UNCITED_CLAIM = "uncited-claim"
EMPTY_ARTICLE = "empty-article"
# Made by the plain-text importer (the file is readable, one part of it is not unambiguous).
UNREADABLE_REFERENCE = "unreadable-reference"
AMBIGUOUS_MARKER = "ambiguous-marker"
EXPRESSION_OF_CONCERN = "expression-of-concern"

SEVERITIES: dict[str, Severity] = {
    UNRESOLVED_CITATION: Severity.ERROR,
    ORPHAN_REFERENCE: Severity.ERROR,
    DUPLICATE_REFERENCE: Severity.ERROR,
    INVALID_DOI: Severity.ERROR,
    INVALID_PMID: Severity.ERROR,
    MISSING_IDENTIFIER: Severity.WARNING,
    WITHDRAWN_REFERENCE: Severity.ERROR,
    SUPERSEDED_REFERENCE: Severity.WARNING,
    POSSIBLE_REFERENCE_MISMATCH: Severity.WARNING,
    UNCITED_CLAIM: Severity.WARNING,
    EMPTY_ARTICLE: Severity.ERROR,
    UNREADABLE_REFERENCE: Severity.ERROR,
    AMBIGUOUS_MARKER: Severity.WARNING,
    EXPRESSION_OF_CONCERN: Severity.WARNING,
}


def import_finding(
    code: str, message: str, *, line: int, section: int | None = None, heading: str = "", number: int | None = None
) -> Finding:
    """A finding an importer makes about a line of the source file (``unreadable-reference``, ``ambiguous-marker``)."""
    return Finding(
        code=code,
        severity=SEVERITIES[code],
        message=message,
        section=section,
        heading=heading,
        number=number,
        line=line,
    )


# --- identifiers ---------------------------------------------------------------------------

_DOI_PREFIX_RE = re.compile(r"^(?:(?:https?://)?(?:dx\.)?doi\.org/|doi\s*:\s*)", re.IGNORECASE)
# Crossref's recommended pattern (/^10.\d{4,9}/[-._;()/:A-Z0-9]+$/i), widened to the
# characters of older DOIs it lists separately (Wiley's SICI form uses < > [ ] # and +).
_DOI_RE = re.compile(r"^10\.\d{4,9}/[-._;()/:a-z0-9<>\[\]#+&]+$", re.IGNORECASE)
_PMID_PREFIX_RE = re.compile(r"^pmid:\s*", re.IGNORECASE)
_PMID_RE = re.compile(r"^[1-9]\d{0,7}$")


def doi_as_written(doi: str) -> str:
    """``" https://doi.org/10.7326/M16-2367 "`` -> ``"10.7326/M16-2367"``: the DOI name, in the author's case.

    What the library stores and every message quotes (it is in the author's source)."""
    return _DOI_PREFIX_RE.sub("", (doi or "").strip()).strip()


def normalise_doi(doi: str) -> str:
    """``" https://doi.org/10.7326/M16-2367 "`` -> ``"10.7326/m16-2367"``: the form DOIs are compared in
    (DOIs are case-insensitive). Stored records keep ``doi_as_written``."""
    return doi_as_written(doi).lower()


def is_valid_doi(doi: str) -> bool:
    """A normalised DOI: ``10.<4-9 digits>/<suffix>``."""
    return bool(_DOI_RE.match(doi))


def normalise_pmid(pmid: str) -> str:
    return _PMID_PREFIX_RE.sub("", (pmid or "").strip()).strip()


def is_valid_pmid(pmid: str) -> bool:
    """1 to 8 digits, no leading zero."""
    return bool(_PMID_RE.match(pmid))


def normalise_title(title: str) -> str:
    """Case, punctuation and whitespace folded: ``"Low-back  Pain."`` -> ``"low back pain"``."""
    return " ".join(re.findall(r"[^\W_]+", (title or "").casefold()))


def work_keys(reference: ReferenceData) -> dict[str, str]:
    """The keys that identify the same work: normalised DOI, PMID, and title + year."""
    keys = {}
    if doi := normalise_doi(reference.doi):
        keys["doi"] = doi
    if pmid := normalise_pmid(reference.pmid):
        keys["pmid"] = pmid
    if title := normalise_title(reference.title):
        keys["title"] = f"{title}|{reference.year or ''}"
    return keys


def titles_agree(written: str, registered: str) -> bool:
    """Whether a reference's written title names the same work as the title registered for its
    identifier: equal once case and punctuation are folded, or sharing at least half of the
    shorter title's meaningful terms (registries add subtitles, drop them, or spell words out)."""
    if normalise_title(written) == normalise_title(registered):
        return True
    ours, theirs = meaningful_terms(written), meaningful_terms(registered)
    if not ours or not theirs:
        return True  # nothing meaningful to compare
    return len(ours & theirs) * 2 >= min(len(ours), len(theirs))


# --- figures (for uncited-claim) -----------------------------------------------------------

_NUMBER = r"\d+(?:[.,]\d+)?"
_RANGE = rf"(?:[<>\u2264\u2265~]\s*|up\s+to\s+)?{_NUMBER}(?:\s*(?:-|\u2013|\u2014|to)\s*{_NUMBER})?"
FIGURE_RE = re.compile(
    rf"""
    (?<![\w.]){_RANGE}\s*(?:%|percent\b|per\s+cent\b)                       # 75%, 10-20 percent
    | (?<![\w.]){_RANGE}\s*                                                # 5 mg, 5mg, 0.5 mg/kg, 10 units
      (?:mg|mcg|\u00b5g|\u03bcg|ug|g|ml|iu|units?|mmol|meq|ng)
      (?:\s*/\s*(?:kg|day|d|dose|m2|h|hr|hour))?\b
    | (?<![\w.]){_RANGE}\s*                                                # 48 hours, 2-3 weeks, <4 weeks
      (?:minutes?|mins?|hours?|hrs?|h|days?|weeks?|wks?|months?|mos?|years?|yrs?)\b
    """,
    re.IGNORECASE | re.VERBOSE,
)

_LIST_ITEM_RE = re.compile(r"^\s*(?:[-*+\u2022]|\d{1,9}[.)])\s+")


@dataclass(frozen=True)
class Block:
    """A paragraph or one list item (nested items are their own blocks) of a section body."""

    text: str
    start: int  # offset of its first character in the body


def body_blocks(body: str) -> list[Block]:
    """Split a Markdown body into paragraphs and list items.

    A blank line ends a block; a list-item line starts a new one; any other line continues the
    block before it (Markdown's lazy continuation).
    """
    blocks: list[Block] = []
    lines: list[str] = []
    start = 0
    offset = 0

    def flush() -> None:
        text = "\n".join(lines).strip()
        if text:
            blocks.append(Block(text=text, start=start))
        lines.clear()

    for line in (body or "").splitlines(keepends=True):
        stripped = line.strip()
        if not stripped:
            flush()
        elif _LIST_ITEM_RE.match(line) or not lines:
            flush()
            start = offset
            lines.append(stripped)
        else:
            lines.append(stripped)
        offset += len(line)
    flush()
    return blocks


def _excerpt(text: str, limit: int = 60) -> str:
    text = _LIST_ITEM_RE.sub("", " ".join(text.split()))
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


# --- the check -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Use:
    section: int
    heading: str
    marker: Marker


@dataclass
class _Collector:
    items: list[tuple[tuple[Any, ...], Finding]] = field(default_factory=list)

    def add(
        self,
        code: str,
        message: str,
        *,
        section: int | None = None,
        heading: str = "",
        marker: str = "",
        number: int | None = None,
        position: int = 0,
    ) -> None:
        finding = Finding(
            code=code,
            severity=SEVERITIES[code],
            message=message,
            section=section,
            heading=heading,
            marker=marker,
            number=number,
        )
        # Findings in a section come in text order; those about the reference list come last.
        where = (0, section, position) if section is not None else (1, 0, 0)
        self.items.append(((*where, code, number if number is not None else -1), finding))

    def add_found(self, finding: Finding) -> None:
        """A finding made elsewhere (by an importer): placed at the start of its section, or with the references."""
        where = (0, finding.section, -1) if finding.section is not None else (1, 0, 0)
        self.items.append(((*where, finding.code, finding.line or -1), finding))

    def report(self) -> IntegrityReport:
        return IntegrityReport(findings=[f for _, f in sorted(self.items, key=lambda item: item[0])])


class _Terms:
    """Meaningful terms of the question and topic, and of each section, each computed once."""

    def __init__(self, content: ArticleContent) -> None:
        self.content = content
        self.article = topic_terms(f"{content.question}\n{content.topic}")
        self._sections: dict[int, set[str]] = {}
        self._all: set[str] | None = None

    def section(self, position: int) -> set[str]:
        if position not in self._sections:
            section = self.content.sections[position - 1]
            self._sections[position] = topic_terms(f"{section.heading}\n{section.body}")
        return self._sections[position]

    def all_sections(self) -> set[str]:
        """The terms of every section, as one set (computed once: an article may list many orphans)."""
        if self._all is None:
            self._all = set().union(*(self.section(p) for p in range(1, len(self.content.sections) + 1)))
        return self._all


def _where(section: int, heading: str) -> str:
    return f"section {section} '{heading}'"


def _ref(citation: CitationData) -> str:
    return f"Reference [{citation.number}] '{_excerpt(citation.reference.title, 80)}'"


def check_content(content: ArticleContent) -> IntegrityReport:
    """Every finding of the citation-integrity table for ``content``, located and in a stable order."""
    out = _Collector()
    sections = list(enumerate(content.sections, start=1))
    by_number: dict[int, CitationData] = {}
    for citation in content.citations:
        by_number.setdefault(citation.number, citation)

    _check_empty(out, content)
    terms = _Terms(content)

    uses: dict[int, list[_Use]] = {}
    for position, section in sections:
        seen_unresolved: set[int] = set()
        for marker in find_markers(section.body):
            for number in marker.numbers:
                uses.setdefault(number, []).append(_Use(position, section.heading, marker))
                if number not in by_number and number not in seen_unresolved:
                    seen_unresolved.add(number)
                    out.add(
                        UNRESOLVED_CITATION,
                        f"{_marker_words(marker, number)} in {_where(position, section.heading)} "
                        "has no reference behind it",
                        section=position,
                        heading=section.heading,
                        marker=marker.raw,
                        number=number,
                        position=marker.start,
                    )
        _check_uncited_claims(out, position, section.heading, section.body)

    for citation in sorted(by_number.values(), key=lambda c: c.number):
        first = uses[citation.number][0] if uses.get(citation.number) else None
        if first is None:
            out.add(
                ORPHAN_REFERENCE,
                f"{_ref(citation)} is listed but no marker in the text cites it",
                number=citation.number,
            )
        _check_reference(out, content, citation, uses.get(citation.number, []), terms)

    _check_duplicates(out, sorted(by_number.values(), key=lambda c: c.number), uses)
    for finding in content.import_findings:
        out.add_found(finding)
    return out.report()


def _marker_words(marker: Marker, number: int) -> str:
    if marker.raw == f"[{number}]":
        return f"Marker {marker.raw}"
    return f"Number {number} of marker {marker.raw}"


def _located(uses: list[_Use]) -> dict[str, Any]:
    if not uses:
        return {}
    first = uses[0]
    return {
        "section": first.section,
        "heading": first.heading,
        "marker": first.marker.raw,
        "position": first.marker.start,
    }


def _first_cited(uses: list[_Use]) -> str:
    return f" (first cited in {_where(uses[0].section, uses[0].heading)})" if uses else ""


def _check_empty(out: _Collector, content: ArticleContent) -> None:
    if not content.sections:
        out.add(EMPTY_ARTICLE, "The article has no sections")
        return
    for index, section in enumerate(content.sections):
        if section.body.strip():
            continue
        following = content.sections[index + 1] if index + 1 < len(content.sections) else None
        if following is not None and following.level > section.level:
            continue  # a grouping heading: its content is the deeper sections under it
        out.add(
            EMPTY_ARTICLE,
            f"Section {index + 1} '{section.heading}' has no body",
            section=index + 1,
            heading=section.heading,
        )


def _check_uncited_claims(out: _Collector, position: int, heading: str, body: str) -> None:
    for block in body_blocks(body):
        figure = FIGURE_RE.search(block.text)
        if figure is None or find_markers(block.text):
            continue
        out.add(
            UNCITED_CLAIM,
            f"'{_excerpt(block.text)}' in {_where(position, heading)} states a figure "
            f"({figure.group(0).strip()}) with no citation marker",
            section=position,
            heading=heading,
            position=block.start,
        )


def _check_reference(
    out: _Collector, content: ArticleContent, citation: CitationData, uses: list[_Use], terms: _Terms
) -> None:
    reference = citation.reference
    located = {**_located(uses), "number": citation.number}
    first = _first_cited(uses)

    doi = normalise_doi(reference.doi)
    if doi and not is_valid_doi(doi):
        out.add(
            INVALID_DOI,
            f"{_ref(citation)} has a malformed DOI '{doi_as_written(reference.doi)}' "
            f"(expected 10.<registrant>/<suffix>){first}",
            **located,
        )
    pmid = normalise_pmid(reference.pmid)
    if pmid and not is_valid_pmid(pmid):
        out.add(
            INVALID_PMID,
            f"{_ref(citation)} has a malformed PMID '{reference.pmid.strip()}' (expected 1 to 8 digits){first}",
            **located,
        )
    if not (doi or pmid or reference.url.strip()):
        out.add(MISSING_IDENTIFIER, f"{_ref(citation)} has no DOI, PMID or URL to verify it by{first}", **located)

    if reference.status == "withdrawn":
        if reference.notice and reference.notice_nature == "retraction":
            message = f"{_ref(citation)} has been retracted: {reference.notice}; it must not be cited{first}"
        else:
            message = f"{_ref(citation)} has been withdrawn and must not be cited{first}"
        out.add(WITHDRAWN_REFERENCE, message, **located)
    elif reference.status == "superseded":
        out.add(SUPERSEDED_REFERENCE, f"{_ref(citation)} has been superseded by a newer version{first}", **located)
    if reference.notice_nature == "expression_of_concern":
        out.add(
            EXPRESSION_OF_CONCERN,
            f"{_ref(citation)} is the subject of an {reference.notice}: "
            f"check that it can still support what it is cited for{first}",
            **located,
        )

    if reference.registered_title and not titles_agree(reference.title, reference.registered_title):
        source = reference.registered_source or "the registry"
        out.add(
            POSSIBLE_REFERENCE_MISMATCH,
            f"{_ref(citation)} is titled '{reference.title}', but its "
            f"{'DOI' if normalise_doi(reference.doi) else 'PMID'} is registered with {source} as "
            f"'{reference.registered_title}': check the identifier and the title{first}",
            **located,
        )

    if reference.url and reference.title.strip() == reference.url.strip():
        return  # a link alone (its address is its title): nothing to judge by
    title_terms = topic_terms(reference.title)
    if not title_terms:
        return  # nothing to judge by (a title of only generic words)
    # The question and topic, and the sections that cite it (all sections, for an orphan).
    cited_in = sorted({use.section for use in uses})
    if cited_in:
        contexts = [terms.article, *(terms.section(position) for position in cited_in)]
    else:
        contexts = [terms.article, terms.all_sections()]
    if all(title_terms.isdisjoint(context) for context in contexts):
        out.add(
            POSSIBLE_REFERENCE_MISMATCH,
            f"{_ref(citation)} shares no meaningful term with the question, topic or the text that cites it "
            f"(none of {', '.join(repr(w) for w in words_of_terms(reference.title))} appears there, nor an "
            f"abbreviation of them): check that it supports what it is cited for{first}",
            **located,
        )


_KEY_LABELS = {"doi": "the same DOI", "pmid": "the same PMID", "title": "the same title and year"}


def _check_duplicates(out: _Collector, citations: Iterable[CitationData], uses: dict[int, list[_Use]]) -> None:
    """Each later citation of a work already cited under a lower number is a duplicate.

    Title + year only counts when the two records' DOIs and PMIDs do not contradict it.
    """
    first_by: dict[str, dict[str, tuple[CitationData, dict[str, str]]]] = {"doi": {}, "pmid": {}}
    by_title: dict[str, list[tuple[CitationData, dict[str, str]]]] = {}
    for citation in citations:
        keys = work_keys(citation.reference)
        earlier, why = _earlier_same_work(keys, first_by, by_title)
        if earlier is not None:
            cited = uses.get(citation.number, [])
            out.add(
                DUPLICATE_REFERENCE,
                f"References [{earlier.number}] and [{citation.number}] are the same work "
                f"({_KEY_LABELS[why]}): cite it under one number{_first_cited(cited)}",
                **{**_located(cited), "number": citation.number},
            )
        for name in ("doi", "pmid"):
            if name in keys:
                first_by[name].setdefault(keys[name], (citation, keys))
        if "title" in keys:
            by_title.setdefault(keys["title"], []).append((citation, keys))


def _earlier_same_work(
    keys: dict[str, str],
    first_by: dict[str, dict[str, tuple[CitationData, dict[str, str]]]],
    by_title: dict[str, list[tuple[CitationData, dict[str, str]]]],
) -> tuple[CitationData | None, str]:
    for name in ("doi", "pmid"):
        if name in keys and keys[name] in first_by[name]:
            return first_by[name][keys[name]][0], name
    for earlier, earlier_keys in by_title.get(keys.get("title", ""), []):
        if not any(n in keys and n in earlier_keys and keys[n] != earlier_keys[n] for n in ("doi", "pmid")):
            return earlier, "title"
    return None, ""
