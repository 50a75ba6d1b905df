"""The words an article and a reference are about: meaningful terms (stems that are not stop words) and
clinical abbreviations with their expansions. ``references.integrity`` uses them for
possible-reference-mismatch (is a cited reference about the article's subject?) and to compare a
written title with the registered one. Pure: no database, no settings.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

# --- meaningful terms (for possible-reference-mismatch) ------------------------------------

_WORD_RE = re.compile(r"[^\W\d_]+")

# Common English words, and words every medical publication uses: sharing one of these says
# nothing about whether a reference is about the article's subject.
_STOP_WORDS_TEXT = """
    about above according after again against all also among and any are around based because been before
    being below best between both but can could did does doing down during each either every few for from
    further had has have having her here hers his how however into its itself just least less like many
    may might more most much must near new not now off once one only other others our out over own per
    same several she should since some such than that the their them then there these they this those
    through too two under until upon use used uses using very via was way were what when where whether
    which while who whom whose why will with within without would yet you your versus among
    guideline guidelines guidance patient patients clinical clinician clinicians practice practical
    practitioner management managing manage treatment treatments treat treating therapy therapies therapeutic
    option options approach approaches review reviews systematic meta analysis analyses medical medicine
    medicines recommendation recommendations recommend recommended summary summaries update updated updates
    evidence care health healthcare adult adults people person insight insights professional professionals
    association society college american national international journal report statement consensus
    standard standards primary secondary acute chronic disease diseases disorder disorders condition
    conditions risk risks outcome outcomes study studies trial trials randomized randomised controlled
    assessment evaluation prevention diagnosis diagnostic first line second year years general overview
    introduction information quality safety effect effects effective effectiveness efficacy
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())


def stem(word: str) -> str:
    """A light, consistent suffix stripper: plural, -ing/-ed, -ly, -al and a final -e."""
    w = word.lower()
    if len(w) <= 3:
        return w
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("sses"):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    for suffix in ("ing", "ed"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 4:
            w = w[: -len(suffix)]
            break
    if w.endswith("ly") and len(w) >= 6:
        w = w[:-2]
    if w.endswith("al") and len(w) >= 6:
        w = w[:-2]
    if w.endswith("e") and len(w) >= 5:
        w = w[:-1]
    return w


_STOP_STEMS = frozenset(stem(w) for w in STOP_WORDS) | STOP_WORDS


def meaningful_terms(text: str) -> set[str]:
    """Lower-cased word stems longer than two characters that are not stop words."""
    terms = set()
    for word in _WORD_RE.findall(text or ""):
        if word.lower() in STOP_WORDS:
            continue
        term = stem(word)
        if len(term) > 2 and term not in _STOP_STEMS:
            terms.add(term)
    return terms


# --- clinical abbreviations (the topic check links "PPI" and "proton pump inhibitor") -----------------

ABBREVIATIONS_FILE = Path(__file__).resolve().parent / "data" / "clinical-abbreviations.tsv"


@functools.cache
def clinical_abbreviations() -> dict[str, tuple[str, ...]]:
    """Abbreviation (as written: ``"PPI"``, ``"eGFR"``) -> its expansions, from the list shipped with the
    project (``references/data/clinical-abbreviations.tsv``, which names its source)."""
    table: dict[str, tuple[str, ...]] = {}
    for line in ABBREVIATIONS_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        abbreviation, expansion, *_ = line.split("\t")
        table[abbreviation] = (*table.get(abbreviation, ()), expansion.strip().lower())
    return table


@functools.cache
def _abbreviation_re() -> re.Pattern[str]:
    names = sorted(clinical_abbreviations(), key=len, reverse=True)
    return re.compile(rf"(?<![\w-])({'|'.join(map(re.escape, names))})s?(?![\w-])")


def topic_terms(text: str) -> set[str]:
    """The meaningful terms of ``text`` and of the expansion of each clinical abbreviation in it, so that
    "PPIs" and "proton pump inhibitors", or "AF" and "atrial fibrillation", share terms."""
    terms = meaningful_terms(text)
    table = clinical_abbreviations()
    for abbreviation in set(_abbreviation_re().findall(text or "")):
        for expansion in table[abbreviation]:
            terms |= meaningful_terms(expansion)
    return terms


def words_of_terms(text: str) -> list[str]:
    """The words of ``text`` (as written, each once) that carry its topic terms: what a mismatch names."""
    words: dict[str, None] = {}
    for word in _WORD_RE.findall(text or ""):
        if word.lower() not in STOP_WORDS and len(stem(word)) > 2 and stem(word) not in _STOP_STEMS:
            words.setdefault(word, None)
    words.update(dict.fromkeys(_abbreviation_re().findall(text or "")))
    return list(words)
