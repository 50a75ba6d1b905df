"""Publication-type labels ("Practice Bulletin", "Randomized Controlled Trial") and the kinds they map to.

Exports and authors label references with many more types than the library's six kinds. A known
label maps to its kind; an unknown one is kind ``other`` and its text is kept (``Reference.label``).
Pure: no database, no settings; the importers and the reference services share it.
"""

from __future__ import annotations

import re

GUIDELINE = "guideline"
SYSTEMATIC_REVIEW = "systematic_review"
TRIAL = "trial"
DRUG_LABEL = "drug_label"
TEXTBOOK = "textbook"
OTHER = "other"
KINDS = (GUIDELINE, SYSTEMATIC_REVIEW, TRIAL, DRUG_LABEL, TEXTBOOK, OTHER)

# Normalised label (lower case, hyphens and repeated spaces folded, British spellings folded) -> kind.
# Observational studies (cohort, case-control) are not trials: they are "other", their label kept.
_KNOWN_TEXT = {
    GUIDELINE: """
        guideline | clinical guideline | clinical practice guideline | practice guideline | guidance
        | national guidance | recommendation | consensus statement | consensus guideline | expert consensus
        | consensus recommendation | consensus report | position statement | position paper | practice bulletin
        | committee opinion
        | scientific statement | practice parameter | clinical policy | standard of care | quality standard
        | practice advisory | clinical pathway
    """,
    SYSTEMATIC_REVIEW: """
        systematic review | systematic review and meta analysis | meta analysis | network meta analysis
        | cochrane review | umbrella review | pooled analysis | individual patient data meta analysis
    """,
    TRIAL: """
        trial | clinical trial | randomized controlled trial | randomized trial | rct | controlled trial
        | randomized clinical trial | pragmatic trial | non inferiority trial | noninferiority trial
        | crossover trial | cluster randomized trial | phase 3 trial | phase iii trial | phase 2 trial
    """,
    DRUG_LABEL: """
        drug label | prescribing information | fda label | product label | package insert | label
        | summary of product characteristics | smpc | product monograph | drug monograph | medication guide
    """,
    TEXTBOOK: """
        textbook | book | book chapter | chapter | handbook | reference book | reference text
    """,
    OTHER: """
        other | review | narrative review | review article | research paper | research article | article
        | journal article | original research | original article | observational study | cohort study
        | prospective cohort study | retrospective cohort study | case control study | cross sectional study
        | case series | case report | expert opinion | editorial | letter | website | web page | report
        | technical report | registry | registry study | diagnostic accuracy study | qualitative study
    """,
}
KNOWN_LABELS: dict[str, str] = {
    label.strip(): kind for kind, text in _KNOWN_TEXT.items() for label in text.split("|") if label.strip()
}

# The last word of a publication type: "Research Letter", "Registry Analysis", "Clinical Commentary".
# A short line ending in one of these is a label even when the whole label is not known.
_HEAD_NOUNS_TEXT = """
    guideline guidelines guidance recommendation recommendations statement statements bulletin opinion
    consensus paper policy parameter standard standards advisory pathway review reviews analysis analyses
    trial trials study studies label insert information monograph guide book textbook chapter handbook
    article letter editorial commentary report series registry opinion communication summary synopsis
"""
_HEAD_NOUNS = frozenset(_HEAD_NOUNS_TEXT.split())
_SPELLINGS = {"randomised": "randomized", "programme": "program"}
MAX_LABEL_CHARS = 60
MAX_LABEL_WORDS = 6
MAX_UNKNOWN_LABEL_WORDS = 4
_TITLE_WORDS_TEXT = "a an the in for with after on of to versus vs by from"
_TITLE_WORDS = frozenset(_TITLE_WORDS_TEXT.split())


def label_key(text: str) -> str:
    """``"Randomised Controlled-Trial:"`` -> ``"randomized controlled trial"``."""
    words = re.findall(r"[^\W_]+", text.casefold())
    words = [_SPELLINGS.get(word, word) for word in words]
    key = " ".join(words)
    if key not in KNOWN_LABELS and key.endswith("s") and key[:-1] in KNOWN_LABELS:
        key = key[:-1]  # "Guidelines", "Systematic reviews"
    return key


def kind_for_label(text: str) -> str | None:
    """The kind of a known label (``"Meta-analysis"`` -> ``"systematic_review"``), ``None`` for an unknown one."""
    return KNOWN_LABELS.get(label_key(text))


def is_short_line(text: str) -> bool:
    """Short enough to be a label: a few words, no sentence punctuation at the end."""
    text = text.strip()
    return (
        0 < len(text) <= MAX_LABEL_CHARS
        and len(text.split()) <= MAX_LABEL_WORDS
        and not text.endswith((".", ",", ";", "?", "!"))
        and re.match(r"[^\W\d_]", text) is not None
    )


def looks_like_label(text: str) -> bool:
    """A known label, or up to four words ending in a publication type (``"Research Letter"``).

    Not a short title: no colon inside, none of the little words titles are made of ("a", "in", "for")."""
    if kind_for_label(text) is not None:
        return True
    text = text.strip().removesuffix(":")
    words = label_key(text).split()
    return (
        is_short_line(text)
        and 0 < len(words) <= MAX_UNKNOWN_LABEL_WORDS
        and ":" not in text
        and words[-1] in _HEAD_NOUNS
        and _TITLE_WORDS.isdisjoint(words)
    )
