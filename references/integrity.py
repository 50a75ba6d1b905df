"""Citation integrity: the check the seed page failed.

``check_content(content)`` reads an ``ArticleContent`` (parsed from a file, or built from the
database) and returns an ``IntegrityReport`` of located findings, each with a stable code.
Errors block submission; warnings are shown to reviewers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from articles.content import ArticleContent


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

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": str(self.severity),
            "message": self.message,
            "section": self.section,
            "heading": self.heading,
            "marker": self.marker,
            "number": self.number,
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


def check_content(content: ArticleContent) -> IntegrityReport:
    raise NotImplementedError("being written: see the integrity issue")
