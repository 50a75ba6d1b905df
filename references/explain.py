"""Integrity findings as problems people act on: one sentence per problem, what to do, where.

The checker (``references.integrity``) reports one located finding per marker or citation with a
stable code; screens show them grouped per problem ("Markers 2, 3 and 4 have no reference: add them
to the reference list"), each place a link, errors apart from warnings. The codes stay in the API
and the command's JSON; people read these sentences.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from references import integrity
from references.integrity import Finding, Severity

# code -> (the problem for one place, for several places, what to do)
SENTENCES: dict[str, tuple[str, str, str]] = {
    integrity.UNRESOLVED_CITATION: (
        "Marker {items} has no reference",
        "Markers {items} have no reference",
        "add the missing references to the reference list, or correct the markers.",
    ),
    integrity.ORPHAN_REFERENCE: (
        "Reference {items} is listed but never cited",
        "References {items} are listed but never cited",
        "cite them where the text relies on them, or remove them.",
    ),
    integrity.DUPLICATE_REFERENCE: (
        "Reference {items} is the same work as another reference",
        "References {items} are the same work cited under two numbers",
        "keep one number and cite it everywhere.",
    ),
    integrity.INVALID_DOI: (
        "Reference {items} has a malformed DOI",
        "References {items} have malformed DOIs",
        "correct the DOI.",
    ),
    integrity.INVALID_PMID: (
        "Reference {items} has a malformed PubMed ID",
        "References {items} have malformed PubMed IDs",
        "correct the PubMed ID.",
    ),
    integrity.MISSING_IDENTIFIER: (
        "Reference {items} has no DOI, PubMed ID or link",
        "References {items} have no DOI, PubMed ID or link",
        "add one so reviewers can check the source.",
    ),
    integrity.WITHDRAWN_REFERENCE: (
        "Reference {items} cites a withdrawn or retracted work",
        "References {items} cite withdrawn or retracted works",
        "replace them with current evidence.",
    ),
    integrity.SUPERSEDED_REFERENCE: (
        "Reference {items} cites a superseded work",
        "References {items} cite superseded works",
        "cite the current edition.",
    ),
    integrity.POSSIBLE_REFERENCE_MISMATCH: (
        "Reference {items} may not be the work its identifier points to",
        "References {items} may not be the works their identifiers point to",
        "check the title against the DOI or PubMed record.",
    ),
    integrity.UNCITED_CLAIM: (
        "A claim in {items} has no citation",
        "Claims in {items} have no citation",
        "cite the evidence for them.",
    ),
    integrity.EMPTY_ARTICLE: ("The article has no content", "The article has no content", "add its sections."),
    integrity.EXPRESSION_OF_CONCERN: (
        "Reference {items} cites a work under an expression of concern",
        "References {items} cite works under an expression of concern",
        "check whether the concern touches what the article relies on.",
    ),
    integrity.UNREADABLE_REFERENCE: (
        "Reference {items} in the imported file could not be read",
        "References {items} in the imported file could not be read",
        "enter them by hand or correct the file.",
    ),
    integrity.AMBIGUOUS_MARKER: (
        "A number in {items} may be a citation",
        "Numbers in {items} may be citations",
        "write citations as [n]; leave doses and scores as they are.",
    ),
}


@dataclass
class Place:
    """Where a finding is: a label people read and what to link to (a section position, a citation number)."""

    label: str
    kind: str = "article"  # "marker", "reference", "section" or "article"
    section: int | None = None
    number: int | None = None

    @property
    def link_text(self) -> str:
        return f"{self.kind} {self.label}" if self.kind in ("marker", "reference") else self.label


@dataclass
class Problem:
    code: str
    severity: str
    sentence: str
    places: list[Place] = field(default_factory=list)
    details: list[str] = field(default_factory=list)

    @property
    def is_error(self) -> bool:
        return self.severity == Severity.ERROR


def _place(finding: Finding) -> Place:
    if finding.code == integrity.UNRESOLVED_CITATION and (finding.marker or finding.number is not None):
        label = str(finding.number) if finding.number is not None else finding.marker.strip("[]")
        return Place(label=label, kind="marker", section=finding.section)
    if finding.number is not None:
        return Place(label=str(finding.number), kind="reference", number=finding.number)
    if finding.section is not None:
        heading = f"“{finding.heading}”" if finding.heading else f"section {finding.section}"
        return Place(label=heading, kind="section", section=finding.section)
    return Place(label="the article")


def _join(labels: list[str]) -> str:
    unique = list(dict.fromkeys(labels))
    return unique[0] if len(unique) == 1 else f"{', '.join(unique[:-1])} and {unique[-1]}"


def explain(findings: list[Finding]) -> list[Problem]:
    """One problem per (code, severity), in the order the findings first name them, errors first."""
    grouped: dict[tuple[str, str], list[Finding]] = {}
    for finding in findings:
        grouped.setdefault((finding.code, str(finding.severity)), []).append(finding)
    problems = []
    for (code, severity), group in grouped.items():
        places = [_place(f) for f in group]
        unique = list({p.label: p for p in places}.values())
        one, many, fix = SENTENCES.get(
            code, ("{items}: a citation problem", "{items}: citation problems", "see below.")
        )
        template = one if len(unique) == 1 else many
        sentence = f"{template.format(items=_join([p.label for p in unique]))}: {fix}"
        # The checker's own words add what the sentence cannot (which notice, which title).
        plain = (integrity.UNRESOLVED_CITATION, integrity.ORPHAN_REFERENCE, integrity.MISSING_IDENTIFIER)
        details = [] if code in plain else list(dict.fromkeys(f.message for f in group))
        problems.append(Problem(code=code, severity=severity, sentence=sentence, places=unique, details=details))
    problems.sort(key=lambda p: not p.is_error)
    return problems
