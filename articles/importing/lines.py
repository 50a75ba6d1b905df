"""One line of a plain-text export, as the readers see it (its number, its text, its indentation)."""

from __future__ import annotations

from dataclasses import dataclass

TAB_WIDTH = 4


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
