"""Markdown with YAML front matter -> ``ArticleContent``.

    ---
    slug: back-pain-treatment            # optional
    question: What are the treatment options for back pain?
    topic: back pain                     # optional
    specialty: orthopedics               # optional Specialty code
    references:                          # optional list
      - number: 1
        kind: guideline                  # guideline, systematic_review, trial, drug_label, textbook, other,
                                         # or a known label ("Meta-analysis", "Practice Bulletin")
        label: Clinical practice guideline  # optional: the publication type as written
        title: Noninvasive treatments for low back pain
        authors: American College of Physicians
        publisher: Annals of Internal Medicine
        year: 2017
        doi: 10.7326/M16-2367
        pmid: "28192789"
        url: https://example.org
        status: current                  # current, superseded, withdrawn
    ---

    ## Heading                           (level = number of #)

    Body in the Markdown subset, with [1] markers.

The front matter is read with PyYAML's safe loader; errors name the field and its line.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug

from articles.content import (
    CLINICIAN,
    PATIENT,
    ArticleContent,
    CitationData,
    ReferenceData,
    SectionData,
    control_character_problem,
    link_url_problem,
    reference_year_problem,
)
from articles.importing.errors import ImportError_
from articles.importing.plaintext import MAX_HEADING, MAX_QUESTION
from articles.importing.reference_list import REFERENCE_LIMITS
from references.integrity import doi_as_written, normalise_pmid
from references.labels import KINDS, kind_for_label

FRONT_MATTER_DELIMITER = "---"
MAX_CITATION_NUMBER = 9999
MAX_SLUG = 120
MAX_TOPIC = 120
TOP_LEVEL_KEYS = ("slug", "question", "topic", "specialty", "references")
REFERENCE_KEYS = ("number", "kind", "label", "title", "authors", "publisher", "year", "doi", "pmid", "url", "status")
STATUSES = ("current", "superseded", "withdrawn")
_HEADING_RE = re.compile(r"^(?P<hashes>#{1,6})[ \t]+(?P<text>.*?)(?:[ \t]+#+)?[ \t]*$")


def has_front_matter(text: str) -> bool:
    for line in text.split("\n"):
        if line.strip():
            return line.rstrip() == FRONT_MATTER_DELIMITER
    return False


class _Node:
    """A composed YAML node with the 1-based line it starts on, for error messages."""

    def __init__(self, node: yaml.Node, first_line: int) -> None:
        self.node = node
        self.first_line = first_line
        self.line = node.start_mark.line + first_line

    def child(self, key: str) -> _Node | None:
        if isinstance(self.node, yaml.MappingNode):
            for key_node, value_node in self.node.value:
                if getattr(key_node, "value", None) == key:
                    return _Node(value_node, self.first_line)
        return None

    def item(self, index: int) -> _Node | None:
        if isinstance(self.node, yaml.SequenceNode) and index < len(self.node.value):
            return _Node(self.node.value[index], self.first_line)
        return None


def parse_markdown(text: str, *, source_name: str = "") -> ArticleContent:
    lines = text.split("\n")
    start = next(i for i, line in enumerate(lines) if line.strip())
    end = next((i for i in range(start + 1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if end is None:
        raise ImportError_(
            "the YAML front matter that starts here has no closing '---' line", line=start + 1, source_name=source_name
        )
    meta = _front_matter("\n".join(lines[start + 1 : end]), first_line=start + 2, source_name=source_name)
    sections = _sections(lines[end + 1 :], first_line=end + 2, question=meta["question"], source_name=source_name)
    return ArticleContent(
        question=meta["question"],
        slug=meta["slug"],
        topic=meta["topic"],
        required_specialty=meta["specialty"],
        sections=tuple(sections),
        citations=tuple(meta["references"]),
    )


# --- front matter -----------------------------------------------------------------------------


def _front_matter(yaml_text: str, *, first_line: int, source_name: str) -> dict[str, Any]:
    def fail(message: str, line: int) -> ImportError_:
        return ImportError_(f"front matter: {message}", line=line, source_name=source_name)

    loader = yaml.SafeLoader(yaml_text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = first_line + mark.line if mark is not None else first_line
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise fail(f"invalid YAML: {problem}", line) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise fail("must be a mapping of keys (question, slug, topic, specialty, references)", first_line)
    root = _Node(node, first_line)

    def line_of(*path: str | int) -> int:
        current: _Node | None = root
        for part in path:
            if current is None:
                break
            nxt = current.child(part) if isinstance(part, str) else current.item(part)
            if nxt is None:
                break
            current = nxt
        return current.line if current is not None else first_line

    for key in data:
        if key not in TOP_LEVEL_KEYS:
            raise fail(f"unknown key {key!r}; allowed keys: {', '.join(TOP_LEVEL_KEYS)}", line_of(str(key)))

    def text_field(name: str, *, required: bool = False, limit: int | None = None) -> str:
        value = data.get(name)
        if value is None:
            if required:
                raise fail(f"'{name}' is required", first_line)
            return ""
        if not isinstance(value, str):
            raise fail(f"'{name}' must be text, not {type(value).__name__}", line_of(name))
        value = value.strip()
        if required and not value:
            raise fail(f"'{name}' must not be empty", line_of(name))
        if problem := control_character_problem(value):
            raise fail(f"'{name}' must be a single line: it {problem}", line_of(name))
        if limit and len(value) > limit:
            raise fail(f"'{name}' is {len(value)} characters; at most {limit} are allowed", line_of(name))
        return value

    meta: dict[str, Any] = {
        "question": text_field("question", required=True, limit=MAX_QUESTION),
        "slug": text_field("slug", limit=MAX_SLUG),
        "topic": text_field("topic", limit=MAX_TOPIC),
        "specialty": text_field("specialty", limit=60),
    }
    for name in ("slug", "specialty"):
        if meta[name]:
            try:
                validate_slug(meta[name])
            except ValidationError:
                raise fail(
                    f"'{name}' must contain only letters, numbers, hyphens and underscores", line_of(name)
                ) from None
    meta["references"] = _references(data.get("references"), line_of=line_of, fail=fail)
    return meta


def _references(value: Any, *, line_of, fail) -> list[CitationData]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise fail("'references' must be a list of entries", line_of("references"))
    citations: list[CitationData] = []
    seen: dict[int, int] = {}
    for index, entry in enumerate(value):
        where = f"references[{index + 1}]"
        if not isinstance(entry, dict):
            raise fail(f"{where} must be a mapping with number, kind, title, ...", line_of("references", index))
        for key in entry:
            if key not in REFERENCE_KEYS:
                raise fail(
                    f"{where}: unknown key {key!r}; allowed keys: {', '.join(REFERENCE_KEYS)}",
                    line_of("references", index, str(key)),
                )

        def line(key: str, index: int = index) -> int:
            return line_of("references", index, key)

        number = entry.get("number")
        if number is None:
            number = index + 1
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= MAX_CITATION_NUMBER:
            raise fail(f"{where}.number must be a whole number from 1 to {MAX_CITATION_NUMBER}", line("number"))
        if number in seen:
            raise fail(f"{where}.number {number} is already used by references[{seen[number]}]", line("number"))
        seen[number] = index + 1

        fields: dict[str, Any] = {}
        for key in ("label", "title", "authors", "publisher", "doi", "pmid", "url"):
            raw = entry.get(key)
            if raw is None:
                fields[key] = ""
                continue
            if key == "pmid" and isinstance(raw, int) and not isinstance(raw, bool):
                raw = str(raw)
            if not isinstance(raw, str):
                raise fail(f"{where}.{key} must be text, not {type(raw).__name__}", line(key))
            raw = raw.strip()
            if problem := control_character_problem(raw):
                raise fail(f"{where}.{key} must be a single line: it {problem}", line(key))
            if key == "url" and (problem := link_url_problem(raw)):
                raise fail(f"{where}.url: {problem}", line(key))
            if len(raw) > REFERENCE_LIMITS[key]:
                raise fail(f"{where}.{key} is longer than {REFERENCE_LIMITS[key]} characters", line(key))
            fields[key] = raw
        if not fields["title"]:
            raise fail(f"{where}.title is required", line("title"))
        fields["title"] = " ".join(fields["title"].split())
        fields["label"] = " ".join(fields["label"].split())
        fields["doi"] = doi_as_written(fields["doi"])
        fields["pmid"] = normalise_pmid(fields["pmid"])

        written = entry.get("kind", "other")
        kind = written.strip().lower().replace(" ", "_").replace("-", "_") if isinstance(written, str) else written
        if kind not in KINDS and isinstance(written, str) and kind_for_label(written) is not None:
            # A known label ("Meta-analysis", "Practice Bulletin"): its kind, and the label as written.
            kind = kind_for_label(written)
            fields["label"] = fields["label"] or " ".join(written.split())
        if kind not in KINDS:
            raise fail(
                f"{where}.kind must be one of {', '.join(KINDS)} or a known label such as 'Meta-analysis'; "
                "for another publication type write kind: other and put the type in 'label'",
                line("kind"),
            )
        status = entry.get("status", "current")
        if status not in STATUSES:
            raise fail(f"{where}.status must be one of {', '.join(STATUSES)}", line("status"))
        year = entry.get("year")
        if year is not None and (problem := reference_year_problem(year)):
            raise fail(f"{where}.year must be a publication year: {problem}", line("year"))
        citations.append(
            CitationData(number=number, reference=ReferenceData(kind=kind, year=year, status=status, **fields))
        )
    return citations


# --- body ---------------------------------------------------------------------------------------


PATIENT_MARKER = "Patient version"


def _sections(lines: list[str], *, first_line: int, question: str, source_name: str) -> list[SectionData]:
    """The sections; a ``# Patient version`` heading starts the patient version (plain language), whose
    sections follow it as '## Heading' like the clinician ones."""
    sections: list[tuple[str, int, list[str], str]] = []
    audience = CLINICIAN
    for offset, line in enumerate(lines):
        heading = _HEADING_RE.match(line)
        if heading:
            level = len(heading.group("hashes"))
            text = heading.group("text").strip()
            if level == 1:
                if text == question and not sections:
                    continue
                if text.casefold() == PATIENT_MARKER.casefold():
                    if audience == PATIENT:
                        raise ImportError_(
                            "a second '# Patient version' heading", line=first_line + offset, source_name=source_name
                        )
                    if not sections:
                        raise ImportError_(
                            "'# Patient version' before any clinician section; the clinician version comes first",
                            line=first_line + offset,
                            source_name=source_name,
                        )
                    audience = PATIENT
                    continue
                raise ImportError_(
                    "a '#' heading: the question goes in the front matter; write sections as '## Heading'",
                    line=first_line + offset,
                    source_name=source_name,
                )
            if not text:
                raise ImportError_("a heading with no text", line=first_line + offset, source_name=source_name)
            if problem := control_character_problem(text):
                raise ImportError_(f"the heading {problem}", line=first_line + offset, source_name=source_name)
            if len(text) > MAX_HEADING:
                raise ImportError_(
                    f"the heading is longer than {MAX_HEADING} characters",
                    line=first_line + offset,
                    source_name=source_name,
                )
            sections.append((text, level, [], audience))
            continue
        if not sections:
            if line.strip():
                raise ImportError_(
                    "text before the first section heading; start each section with '## Heading'",
                    line=first_line + offset,
                    source_name=source_name,
                )
            continue
        sections[-1][2].append(line)
    return [
        SectionData(heading=h, level=level, body=_body(body), audience=audience)
        for h, level, body, audience in sections
    ]


def _body(lines: list[str]) -> str:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return "\n".join(lines[start:end]).rstrip()
