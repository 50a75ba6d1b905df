"""The content of an article as plain data, and its content hash.

``ArticleContent`` is what importers produce, what the integrity checker reads, what a
published version's ``source`` stores, and what the content hash is computed from. It can be
built from a parsed file (before anything is saved, for ``--dry-run``) or from the database.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

if TYPE_CHECKING:
    from articles.models import Article


# --- field rules shared by every write path (importers, both APIs, admin forms, model fields) -----

# The only schemes a reference URL may have: anything else (javascript:, data:, vbscript:, file:...)
# is refused on the way in and never rendered as a link on the way out.
LINK_SCHEMES = ("http", "https")
_link_validator = URLValidator(schemes=list(LINK_SCHEMES))
# What a single-line field may not hold, as the body of a regular-expression character class (the same
# in Python and in the API schema's patterns, ECMA-262): Unicode's Cc category (C0 and C1 controls, so
# also U+0085 NEXT LINE) and the line and paragraph separators, which are not Cc but break a line.
NOT_ONE_LINE = "\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029"
_NOT_ONE_LINE = re.compile(f"[{NOT_ONE_LINE}]")


def link_url_problem(url: str) -> str | None:
    """Why ``url`` may not be a reference's link, or None when it is an http(s) address."""
    if not url:
        return None
    try:
        _link_validator(url)
    except ValidationError:
        try:
            scheme = urlsplit(url).scheme.lower() if ":" in url else ""
        except ValueError:  # "http://[": not even splittable
            return "not a valid http(s) address"
        if scheme and scheme not in LINK_SCHEMES:
            return f"the URL scheme '{scheme}:' is not allowed; only http and https addresses are"
        return "not a valid http(s) address"
    return None


def safe_link(url: str | None) -> str:
    """``url`` when it may be rendered as a link (http or https), else "" (stored before the rule)."""
    return url if url and link_url_problem(url) is None else ""


def validate_link_url(url: str) -> None:
    """Django validator form of ``link_url_problem`` (model fields, admin forms, serializers)."""
    problem = link_url_problem(url)
    if problem:
        raise ValidationError(f"Enter an http or https address: {problem}.", code="invalid-url")


def control_character_problem(value: str) -> str | None:
    """Why ``value`` cannot be a single-line field (a control character, a line break), or None."""
    found = _NOT_ONE_LINE.search(value or "")
    if found is None:
        return None
    char = found.group()
    name = unicodedata.name(char, "") or {"\n": "LINE FEED", "\r": "CARRIAGE RETURN", "\t": "TAB"}.get(
        char, "control character"
    )
    return f"contains a control character ({name}, U+{ord(char):04X}) at position {found.start() + 1}"


def validate_single_line(value: str) -> None:
    """Django validator form of ``control_character_problem``."""
    problem = control_character_problem(value)
    if problem:
        raise ValidationError(f"Must be a single line of text: it {problem}.", code="control-character")


# A reference's publication year: one limit for every write path (the Markdown importer, the library's
# services, the review API's schema, the admin form through the model field). The review API has published
# this range in its schema since its first version; the plain-text importer only recognises a
# "Publisher, Year" line for years inside it.
REFERENCE_YEAR_MIN = 1500
REFERENCE_YEAR_MAX = 2200


def reference_year_problem(year: Any) -> str | None:
    """Why ``year`` cannot be a reference's year (not a whole number, outside the limit), or None."""
    if isinstance(year, bool) or not isinstance(year, int):
        return f"{year!r} is not a year"
    if not REFERENCE_YEAR_MIN <= year <= REFERENCE_YEAR_MAX:
        return f"{year} is outside {REFERENCE_YEAR_MIN}-{REFERENCE_YEAR_MAX}"
    return None


def validate_reference_year(year: Any) -> None:
    """Django validator form of ``reference_year_problem``."""
    problem = reference_year_problem(year)
    if problem:
        raise ValidationError(f"Enter a publication year: {problem}.", code="invalid-year")


@dataclass(frozen=True)
class ReferenceData:
    title: str
    kind: str = "other"
    authors: str = ""
    publisher: str = ""
    year: int | None = None
    doi: str = ""
    pmid: str = ""
    url: str = ""
    status: str = "current"
    # The publication type as the source wrote it ("Practice Bulletin", "Cohort study"); ``kind`` is its class.
    label: str = ""
    # What the library knows about the work, shown by the integrity check but not part of the
    # record the board approves (not in ``canonical()``, the content hash, nor equality):
    # a matched retraction notice (``notice_nature`` "retraction" or "expression_of_concern"),
    # and the title registered for its DOI / PMID (reference lookup).
    notice: str = field(default="", compare=False)
    notice_nature: str = field(default="", compare=False)
    registered_title: str = field(default="", compare=False)
    registered_source: str = field(default="", compare=False)

    def canonical(self) -> dict[str, Any]:
        data = asdict(self)
        for name in LIBRARY_FIELDS:
            del data[name]
        if not data["label"]:
            del data["label"]  # records without a label keep the content hash they had before labels existed
        return data


LIBRARY_FIELDS = ("notice", "notice_nature", "registered_title", "registered_source")


CLINICIAN = "clinician"
PATIENT = "patient"
AUDIENCES = (CLINICIAN, PATIENT)


@dataclass(frozen=True)
class SectionData:
    heading: str
    body: str
    level: int = 2
    # Who it is written for: the clinician version (every article) or the patient version (optional).
    audience: str = CLINICIAN


@dataclass(frozen=True)
class CitationData:
    number: int
    reference: ReferenceData


@dataclass(frozen=True)
class ArticleContent:
    question: str
    sections: tuple[SectionData, ...] = ()
    citations: tuple[CitationData, ...] = ()
    topic: str = ""
    slug: str = ""
    required_specialty: str = ""
    # Lines of the source file that were dropped as site boilerplate (importers fill this).
    dropped: tuple[str, ...] = field(default=(), compare=False)
    # Findings an importer made about lines of the source (``references.integrity.Finding``: unreadable
    # reference entries, ambiguous citation numbers). Not content: the integrity check reports them.
    import_findings: tuple[Any, ...] = field(default=(), compare=False)

    def canonical(self) -> dict[str, Any]:
        """What the content hash covers: question, sections of both audiences, citations, cited reference
        records. ``patient_sections`` is there only when the article has a patient version, so an article
        without one keeps the hash it had before audiences existed; one hash (one sign-off) covers both."""
        data: dict[str, Any] = {
            "question": self.question,
            "sections": [_section(s) for s in self.audience_sections(CLINICIAN)],
            "citations": [
                {"number": c.number, "reference": c.reference.canonical()}
                for c in sorted(self.citations, key=lambda c: c.number)
            ],
        }
        patient = self.audience_sections(PATIENT)
        if patient:
            data["patient_sections"] = [_section(s) for s in patient]
        return data

    def audience_sections(self, audience: str) -> tuple[SectionData, ...]:
        return tuple(s for s in self.sections if s.audience == audience)

    @property
    def audiences(self) -> tuple[str, ...]:
        """The versions this content has: always the clinician one, the patient one when it has sections."""
        return tuple(a for a in AUDIENCES if a == CLINICIAN or self.audience_sections(a))

    @property
    def content_hash(self) -> str:
        return content_hash(self.canonical())

    def as_source(self) -> dict[str, Any]:
        """The stored form of a published version's approved source (canonical + metadata)."""
        return {**self.canonical(), "topic": self.topic, "slug": self.slug}

    @classmethod
    def from_source(cls, source: dict[str, Any]) -> ArticleContent:
        return cls(
            question=source["question"],
            topic=source.get("topic", ""),
            slug=source.get("slug", ""),
            sections=tuple(
                SectionData(heading=s["heading"], body=s["body"], level=s["level"], audience=audience)
                for audience, key in ((CLINICIAN, "sections"), (PATIENT, "patient_sections"))
                for s in source.get(key, ())
            ),
            citations=tuple(
                CitationData(number=c["number"], reference=ReferenceData(**c["reference"])) for c in source["citations"]
            ),
        )


def _section(section: SectionData) -> dict[str, Any]:
    return {"heading": section.heading, "level": section.level, "body": section.body}


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_hash(canonical: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(canonical).encode("utf-8")).hexdigest()


def reference_data(reference: Any) -> ReferenceData:
    """A ``references.Reference`` row as plain data."""
    return ReferenceData(
        title=reference.title,
        kind=reference.kind,
        authors=reference.authors,
        publisher=reference.publisher,
        year=reference.year,
        doi=reference.doi,
        pmid=reference.pmid,
        url=reference.url,
        status=reference.status,
        label=reference.label,
        # ``retraction`` is only read when set (rare), so an un-prefetched row costs no query.
        notice=reference.retraction.describe() if reference.retraction_id else "",
        notice_nature=reference.retraction.nature if reference.retraction_id else "",
        registered_title=reference.registered_title,
        registered_source=reference.registered_source,
    )


def content_from_article(article: Article) -> ArticleContent:
    """The working copy of ``article`` as ``ArticleContent`` (three queries; prefetches welcome)."""
    sections = tuple(
        SectionData(heading=s.heading, body=s.body, level=s.level, audience=s.audience)
        for s in sorted(article.sections.all(), key=lambda s: (s.audience != CLINICIAN, s.position))
    )
    # A prefetched ``citations`` (with their references) is used as is; ``select_related`` would refetch it.
    prefetched = "citations" in getattr(article, "_prefetched_objects_cache", {})
    rows = article.citations.all() if prefetched else article.citations.select_related("reference__retraction")
    citations = tuple(
        CitationData(number=c.number, reference=reference_data(c.reference))
        for c in sorted(rows, key=lambda c: c.number)
    )
    return ArticleContent(
        question=article.question,
        topic=article.topic,
        slug=article.slug,
        required_specialty=article.required_specialty.code if article.required_specialty_id else "",
        sections=sections,
        citations=citations,
    )
