"""Citation markers in section bodies: ``[1]``, ``[1, 3]``, ``[2-4]`` (en dash allowed).

One grammar, used by the renderer, the integrity checker, the importers and renumbering.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A marker is a bracketed list of numbers and ranges that is not the text of a Markdown link.
MARKER_RE = re.compile(r"\[(\d{1,12}(?:\s*[,\u2013\u2014-]\s*\d{1,12})*)\](?!\()")
_PART_RE = re.compile(r"(\d+)\s*[\u2013\u2014-]\s*(\d+)|(\d+)")
# Ranges wider than this are not expanded: ``[1-999999999]`` is two numbers, both checked.
MAX_RANGE_EXPANSION = 200


@dataclass(frozen=True)
class Marker:
    raw: str
    numbers: tuple[int, ...]
    start: int
    end: int


def parse_numbers(inner: str) -> tuple[int, ...]:
    """``"1, 3"`` -> (1, 3); ``"2-4"`` -> (2, 3, 4). Order of first appearance, no repeats."""
    numbers: list[int] = []
    for match in _PART_RE.finditer(inner):
        if match.group(3):
            numbers.append(int(match.group(3)))
            continue
        low, high = int(match.group(1)), int(match.group(2))
        if low <= high and high - low <= MAX_RANGE_EXPANSION:
            numbers.extend(range(low, high + 1))
        else:
            numbers.extend((low, high))
    return tuple(dict.fromkeys(numbers))


def find_markers(text: str) -> list[Marker]:
    return [
        Marker(raw=m.group(0), numbers=parse_numbers(m.group(1)), start=m.start(), end=m.end())
        for m in MARKER_RE.finditer(text)
    ]


def format_marker(numbers: tuple[int, ...] | list[int]) -> str:
    """(1, 3) -> ``[1, 3]``; (2, 3, 4) -> ``[2-4]``. Runs of three or more become ranges."""
    ordered = sorted(set(numbers))
    parts: list[str] = []
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        if j - i >= 2:
            parts.append(f"{ordered[i]}-{ordered[j]}")
        else:
            parts.extend(str(n) for n in ordered[i : j + 1])
        i = j + 1
    return "[" + ", ".join(parts) + "]"


def replace_markers(text: str, mapping: dict[int, int]) -> str:
    """Rewrite every marker's numbers through ``mapping`` (numbers not in it are kept)."""

    def sub(match: re.Match[str]) -> str:
        return format_marker([mapping.get(n, n) for n in parse_numbers(match.group(1))])

    return MARKER_RE.sub(sub, text)
