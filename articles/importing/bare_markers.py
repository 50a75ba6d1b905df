"""Citation markers as a page export writes them: bare numbers after the text (``outcomes 2``), superscripts
(``¹²``), before a full stop, and the numbers that are values, not markers (a dose, a score band); with
the Markdown escaping the readers write their output in. ``articles.importing.plaintext`` and
``articles.importing.html`` use them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from articles.markers import MARKER_RE

# Non-breaking and typographic spaces count as spaces (indentation included); zero-width ones are dropped.

# --- citation markers written as bare numbers ------------------------------------------------

_NUMS = r"[1-9]\d{0,2}(?:\s*(?:,|[-\u2013\u2014])\s*[1-9]\d{0,2})*"
_TRAILING_RE = re.compile(rf"^(?P<body>.*?[^\s\d])(?P<space>\s+)(?P<nums>{_NUMS})\s*$")
# Numbers after a number ("a score of 2 2-4"): the quantity's and, perhaps, a citation's.
_AFTER_NUMBER_RE = re.compile(rf"(?<![\d.,])(?P<number>\d+(?:[.,]\d+)?)\s+(?P<nums>{_NUMS})\s*$")
_BEFORE_COLON_RE = re.compile(rf"(?P<space>\s+)(?P<nums>{_NUMS})(?=[:;](?:\s|$))")
_MARKER_ONLY_RE = re.compile(rf"^\[?(?P<nums>{_NUMS})\]?$")
# Superscript citation numbers (¹, ²˒³, ³⁻⁶). After a digit (10⁹), a unit (m², cm³) or before "/" they are
# powers, not citations.
_SUPERSCRIPT_DIGITS = "\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079"
_SUPERSCRIPT_SEPARATORS = {
    "\u207b": "-",
    "\u02d2": ",",
    ",": ",",
    "\u2011": "-",
    "\u2013": "-",
    "-": "-",
    "\u2e34": ",",
}
_SUPERSCRIPT_RE = re.compile(
    rf"(?P<sup>[{_SUPERSCRIPT_DIGITS}]+(?:\s?[{''.join(_SUPERSCRIPT_SEPARATORS)}]\s?[{_SUPERSCRIPT_DIGITS}]+)*)"
)
_UNITS_BEFORE_POWERS = frozenset(["m", "cm", "mm", "km", "dm", "ft", "in", "s", "m2", "x"])
# A citation number right before the full stop at the end of a sentence: "... lowers mortality 4."
_BEFORE_STOP_RE = re.compile(rf"(?P<space>\s+)(?P<nums>{_NUMS})\.(?=\s+[A-Z\u201c\"(]|\s*$)")
# Table rows of a page export: cells separated by tabs or runs of spaces.
_CELL_SPLIT_RE = re.compile(r"\t+| {2,}")
# A bare number right after one of these words is a quantity, never a citation:
# "up to 2", "within 48", "aged 65", "more than 3", "equals 4".
_QUANTITY_WORDS_TEXT = """
    a an the to of than and or at by about approx approximately around over under from between within after
    before for up per in on into least most last first next past only nearly almost roughly beyond below above
    exceeding exceeds exceed with without take takes taking times x aged age is are was were be been equals
    equal plus minus
"""
_QUANTITY_WORDS = frozenset(_QUANTITY_WORDS_TEXT.split())
# After one of these nouns a number may be its label ("type 2", "visit 3", "grade 1") or a citation
# ("reduce the dose 2"): it is kept as text and, when it could be a citation, reported as ambiguous-marker.
_LABEL_NOUNS_TEXT = """
    score grade stage step type phase level class tier day week month year option group category part section
    table figure box appendix visit dose cycle round number no version chapter zone item point line lead page
    rule criterion question session
"""
_LABEL_NOUNS = frozenset(_LABEL_NOUNS_TEXT.split())
_RATE_WORDS = frozenset(["a", "an", "per", "each", "every"])
_TIME_NOUNS = frozenset(["day", "week", "month", "year"])
_MARKER_AFTER_CHARS = re.compile(r"[^\W\d_]|[)\].,;'\"\u201d\u2019?!%]")


@dataclass(frozen=True)
class _Ambiguous:
    """Numbers kept as text that may be a citation: ``dose 2``, ``a score of 2 2-4``."""

    word: str  # the word or number just before them
    nums: str
    at_end: bool  # trailing the text (else before a colon)


def _superscript_markers(raw: str) -> str:
    """Superscript citation numbers -> ``[n]`` markers (``time.²˒³`` -> ``time. [2, 3]``); powers stay."""
    if not any(c in raw for c in _SUPERSCRIPT_DIGITS):
        return raw

    def replace(match: re.Match[str]) -> str:
        before, after = raw[: match.start()], raw[match.end() :]
        word = re.findall(r"[^\W\d_]+\d?$", before)
        if (
            not before.strip()
            or before[-1].isdigit()
            or after[:1] == "/"
            or (after[:1].isalnum())
            or (word and word[0].lower() in _UNITS_BEFORE_POWERS)
        ):
            return match.group(0)
        plain = "".join(
            _SUPERSCRIPT_SEPARATORS.get(c, str(_SUPERSCRIPT_DIGITS.index(c)) if c in _SUPERSCRIPT_DIGITS else "")
            for c in match.group("sup")
        )
        nums = _normalise_numbers(plain)
        space = "" if before.endswith(" ") else " "
        return f"{space}[{nums}]"

    return _SUPERSCRIPT_RE.sub(replace, raw)


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


def _reading(body: str) -> tuple[str, str]:
    """How a bare number right after ``body`` reads: ``("marker", "")``, ``("quantity", "")``, or
    ``("label", noun)`` when it may be the noun's number ("type 2") as much as a citation."""
    if not body or not _MARKER_AFTER_CHARS.fullmatch(body[-1]):
        return "quantity", ""
    if not body[-1].isalpha():
        return "marker", ""
    word = re.findall(r"[^\W\d_]+$", body)[0].lower()
    if word in _QUANTITY_WORDS:
        return "quantity", ""
    if word in _LABEL_NOUNS:
        # "Stage 2" or "Step 1:" opening the line is a label; "reduce the dose 2" may be a citation; after a
        # rate ("four times a day 2", "once per week 1") the noun numbers nothing: a citation.
        words = body.split()
        if len(words) > 2 and words[-2].lower() in _RATE_WORDS and word in _TIME_NOUNS:
            return "marker", ""
        return ("label", word) if len(words) > 1 else ("quantity", "")
    return "marker", ""


def _trailing_marker(text: str) -> re.Match[str] | None:
    match = _TRAILING_RE.match(text)
    if match and _reading(match.group("body"))[0] == "marker":
        return match
    return None


def _convert_markers(text: str, *, values: bool = False) -> tuple[str, list[_Ambiguous]]:
    """Bare citation numbers -> ``[n]`` markers (trailing, before the full stop, or before a colon), and the
    numbers after a label noun that were kept as text although they may be citations. ``values``: the text
    is an item of a list of values (score bands, doses, durations), whose trailing number is its value."""
    ambiguous: list[_Ambiguous] = []
    trailing = _TRAILING_RE.match(text)
    if trailing:
        reading, word = _reading(trailing.group("body"))
        nums = _normalise_numbers(trailing.group("nums"))
        if reading == "marker" and values:
            word = re.findall(r"\S+$", trailing.group("body"))[0]
            ambiguous.append(_Ambiguous(word=word, nums=nums, at_end=True))
        elif reading == "marker":
            text = f"{trailing.group('body')} [{nums}]"
        elif reading == "label":
            ambiguous.append(_Ambiguous(word=word, nums=nums, at_end=True))
    elif after_number := _AFTER_NUMBER_RE.search(text):
        nums = _normalise_numbers(after_number.group("nums"))
        ambiguous.append(_Ambiguous(word=after_number.group("number"), nums=nums, at_end=True))

    def before_colon(match: re.Match[str]) -> str:
        reading, word = _reading(match.string[: match.start()])
        nums = _normalise_numbers(match.group("nums"))
        if reading == "marker":
            return f" [{nums}]"
        if reading == "label":
            ambiguous.append(_Ambiguous(word=word, nums=nums, at_end=False))
        return match.group(0)

    def before_stop(match: re.Match[str]) -> str:
        reading, _ = _reading(match.string[: match.start()])
        return f" [{_normalise_numbers(match.group('nums'))}]." if reading == "marker" else match.group(0)

    text = _BEFORE_STOP_RE.sub(before_stop, text)
    return _BEFORE_COLON_RE.sub(before_colon, text), ambiguous
