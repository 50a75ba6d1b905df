"""What changed between the live published version and the working copy, section by section.

Reviewers of a revision read what changed since readers last got an approved version. Sections
of the two versions are paired by heading (``difflib.SequenceMatcher`` over the headings, so an
inserted, removed or renamed section does not shift every pair after it); each pair's Markdown
source is diffed line by line, and a changed line is diffed word by word. The reference lists
are diffed as one line per citation.

Everything here is plain text and data: templates escape it when they draw it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from articles.content import ArticleContent, CitationData, SectionData

CONTEXT_LINES = 2
_TOKEN_RE = re.compile(r"\s+|\w+|[^\w\s]")


@dataclass(frozen=True)
class Segment:
    """A run of text in a diff line; ``changed`` marks the words that differ from the other side."""

    text: str
    changed: bool = False


@dataclass(frozen=True)
class DiffLine:
    """One line of a diff: ``kind`` is "same", "added", "removed", or "skip" (unchanged lines left out)."""

    kind: str
    text: str
    segments: tuple[Segment, ...] = ()

    @property
    def sign(self) -> str:
        return {"added": "+", "removed": "-", "same": " "}.get(self.kind, "")


@dataclass(frozen=True)
class SectionChange:
    """One section: "added", "removed", "changed" or "unchanged", with the diff of its source."""

    status: str
    heading: str
    old_heading: str = ""
    old_level: int | None = None
    level: int | None = None
    lines: tuple[DiffLine, ...] = ()

    @property
    def renamed(self) -> bool:
        return self.status == "changed" and self.old_heading != self.heading

    @property
    def level_changed(self) -> bool:
        return self.status == "changed" and self.old_level != self.level


@dataclass(frozen=True)
class ContentDiff:
    old_hash: str
    new_hash: str
    question: tuple[str, str] | None = None
    sections: tuple[SectionChange, ...] = ()
    references: tuple[DiffLine, ...] = field(default=())

    @property
    def changed(self) -> bool:
        return self.old_hash != self.new_hash

    @property
    def changed_sections(self) -> list[SectionChange]:
        return [s for s in self.sections if s.status != "unchanged"]

    @property
    def unchanged_count(self) -> int:
        return sum(1 for s in self.sections if s.status == "unchanged")


def _word_segments(old: str, new: str) -> tuple[tuple[Segment, ...], tuple[Segment, ...]]:
    """The two lines cut into runs of words, each run marked changed or not."""
    a, b = _TOKEN_RE.findall(old), _TOKEN_RE.findall(new)
    old_runs: list[Segment] = []
    new_runs: list[Segment] = []

    def add(runs: list[Segment], tokens: Sequence[str], changed: bool) -> None:
        text = "".join(tokens)
        if not text:
            return
        if runs and runs[-1].changed == changed:
            runs[-1] = Segment(runs[-1].text + text, changed)
        else:
            runs.append(Segment(text, changed))

    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        add(old_runs, a[i1:i2], tag != "equal")
        add(new_runs, b[j1:j2], tag != "equal")
    return _join_changes(old_runs), _join_changes(new_runs)


def _join_changes(runs: list[Segment]) -> tuple[Segment, ...]:
    """A lone space between two changed runs joins them: "<del>the lowest dose</del>", not three pieces."""
    joined: list[Segment] = []
    for k, run in enumerate(runs):
        between_changes = (
            not run.changed
            and not run.text.strip()
            and 0 < k < len(runs) - 1
            and runs[k - 1].changed
            and runs[k + 1].changed
        )
        if (between_changes or run.changed) and joined and joined[-1].changed:
            joined[-1] = Segment(joined[-1].text + run.text, True)
        else:
            joined.append(run)
    return tuple(joined)


def diff_lines(old: Sequence[str], new: Sequence[str], *, context: int = CONTEXT_LINES) -> tuple[DiffLine, ...]:
    """A line diff of ``old`` -> ``new`` keeping ``context`` unchanged lines around each change.

    Runs of unchanged lines left out are one "skip" line saying how many. A replaced line is
    paired with its replacement and both carry word-level segments.
    """
    if list(old) == list(new):
        return ()
    matcher = SequenceMatcher(None, list(old), list(new), autojunk=False)
    lines: list[DiffLine] = []
    shown_old = 0
    for group in matcher.get_grouped_opcodes(context):
        first_old = group[0][1]
        if first_old > shown_old:
            lines.append(DiffLine("skip", f"{first_old - shown_old} unchanged line(s)"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines.extend(DiffLine("same", text) for text in old[i1:i2])
                continue
            removed, added = list(old[i1:i2]), list(new[j1:j2])
            paired = min(len(removed), len(added)) if tag == "replace" else 0
            pairs = [_word_segments(removed[k], added[k]) for k in range(paired)]
            for k, text in enumerate(removed):
                lines.append(DiffLine("removed", text, pairs[k][0] if k < paired else ()))
            for k, text in enumerate(added):
                lines.append(DiffLine("added", text, pairs[k][1] if k < paired else ()))
        shown_old = group[-1][2]
    if shown_old < len(old):
        lines.append(DiffLine("skip", f"{len(old) - shown_old} unchanged line(s)"))
    return tuple(lines)


def _heading_key(section: SectionData) -> str:
    return " ".join(section.heading.split()).casefold()


def _added(new: SectionData) -> SectionChange:
    return SectionChange("added", new.heading, level=new.level, lines=diff_lines([], new.body.splitlines()))


def _removed(old: SectionData) -> SectionChange:
    return SectionChange(
        "removed",
        old.heading,
        old_heading=old.heading,
        old_level=old.level,
        lines=diff_lines(old.body.splitlines(), []),
    )


def _paired(old: SectionData, new: SectionData) -> SectionChange:
    same = old.heading == new.heading and old.level == new.level and old.body == new.body
    return SectionChange(
        "unchanged" if same else "changed",
        new.heading,
        old_heading=old.heading,
        old_level=old.level,
        level=new.level,
        lines=diff_lines(old.body.splitlines(), new.body.splitlines()),
    )


def diff_sections(old: Sequence[SectionData], new: Sequence[SectionData]) -> tuple[SectionChange, ...]:
    """The sections of ``new`` in order, paired with those of ``old`` by heading; removed ones where they were."""
    matcher = SequenceMatcher(None, [_heading_key(s) for s in old], [_heading_key(s) for s in new], autojunk=False)
    changes: list[SectionChange] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        olds, news = list(old[i1:i2]), list(new[j1:j2])
        if tag in ("equal", "replace"):
            paired = min(len(olds), len(news))
            changes.extend(_paired(olds[k], news[k]) for k in range(paired))
            changes.extend(_removed(o) for o in olds[paired:])
            changes.extend(_added(n) for n in news[paired:])
        elif tag == "delete":
            changes.extend(_removed(o) for o in olds)
        else:  # insert
            changes.extend(_added(n) for n in news)
    return tuple(changes)


def citation_line(citation: CitationData) -> str:
    ref = citation.reference
    parts = [f"[{citation.number}] {ref.title}"]
    parts += [p for p in (ref.kind, ref.authors, ref.publisher, str(ref.year or "")) if p]
    parts += [label + value for label, value in (("doi:", ref.doi), ("PMID ", ref.pmid), ("", ref.url)) if value]
    if ref.status and ref.status != "current":
        parts.append(f"({ref.status})")
    return " · ".join(parts)


def content_diff(*, old: ArticleContent, new: ArticleContent) -> ContentDiff:
    """What changed from ``old`` (e.g. the live published version) to ``new`` (the working copy)."""
    return ContentDiff(
        old_hash=old.content_hash,
        new_hash=new.content_hash,
        question=(old.question, new.question) if old.question != new.question else None,
        sections=diff_sections(old.sections, new.sections),
        references=diff_lines(
            [citation_line(c) for c in sorted(old.citations, key=lambda c: c.number)],
            [citation_line(c) for c in sorted(new.citations, key=lambda c: c.number)],
            context=1,
        ),
    )
