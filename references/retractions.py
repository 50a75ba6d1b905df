"""Retracted papers: read a retraction dataset in the Retraction Watch CSV layout and load it
into the reference library.

The layout is the one Crossref distributes openly (``retraction_watch.csv``): one row per
notice, with the columns ``Record ID, Title, Subject, Institution, Journal, Publisher,
Country, Author, URLS, ArticleType, RetractionDate, RetractionDOI, RetractionPubMedID,
OriginalPaperDate, OriginalPaperDOI, OriginalPaperPubMedID, RetractionNature, Reason,
Paywalled, Notes``. Dates are written ``M/D/YYYY H:MM``; a missing DOI is ``unavailable`` and a
missing PubMed ID is ``0``; list fields (reasons) are separated by ``;``.

``read_retractions(path)`` validates every row and reports a bad one by its line number
(``RowProblem``) instead of failing; ``retractions_import(notices=...)`` writes the notices
(created or updated by Record ID, so a second run changes nothing) and links each library
record whose normalised DOI or PMID matches an original paper. Only a notice of nature
*Retraction* withdraws a record; an *Expression of concern* is linked so that the integrity
check warns; corrections and reinstatements are stored and change nothing. A withdrawal is
never undone by this import (a reinstated paper is put back by an editor).

Linear time: the library's identifiers are read once, the rows are written in batches whose
existing notices are looked up by a set of Record IDs, never one query per row.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from pathlib import Path

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from references.integrity import is_valid_doi, is_valid_pmid, normalise_doi, normalise_pmid
from references.models import Reference, Retraction

BATCH_SIZE = 1000

COLUMN_RECORD_ID = "Record ID"
COLUMN_NATURE = "RetractionNature"
COLUMN_ORIGINAL_DOI = "OriginalPaperDOI"
COLUMN_ORIGINAL_PMID = "OriginalPaperPubMedID"
REQUIRED_COLUMNS = (COLUMN_RECORD_ID, COLUMN_NATURE, COLUMN_ORIGINAL_DOI, COLUMN_ORIGINAL_PMID, "RetractionDate")

NATURES = {label.lower(): value for value, label in Retraction.Nature.choices}
# Which notice a library record is linked to when several match it: a retraction first.
LINKED_NATURES = (Retraction.Nature.RETRACTION, Retraction.Nature.EXPRESSION_OF_CONCERN)
_MISSING = {"", "unavailable", "not available", "n/a", "na", "none", "0"}
_US_DATE_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")


class UnreadableFile(Exception):
    """The file cannot be read as a retraction dataset at all (missing, not UTF-8, no header)."""


@dataclass(frozen=True)
class Notice:
    """One validated row: the fields of a ``Retraction``."""

    record_id: str
    nature: str
    title: str = ""
    journal: str = ""
    publisher: str = ""
    original_doi: str = ""
    original_pmid: str = ""
    original_date: date | None = None
    notice_doi: str = ""
    notice_pmid: str = ""
    notice_date: date | None = None
    reasons: str = ""


NOTICE_FIELDS = tuple(f.name for f in fields(Notice) if f.name != "record_id")


@dataclass(frozen=True)
class RowProblem:
    line: int
    message: str
    skipped: bool = True  # False: a warning, the row was still loaded

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" + ("; row skipped" if self.skipped else "")


@dataclass
class ReadResult:
    notices: list[Notice] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    rows: int = 0


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    linked: int = 0  # library records newly linked to a notice (retraction or expression of concern)
    withdrawn: list[int] = field(default_factory=list)  # ids of records this run withdrew
    concern: list[int] = field(default_factory=list)  # ids of records newly linked to an expression of concern

    def __str__(self) -> str:
        return (
            f"{self.created} notice(s) created, {self.updated} updated, {self.unchanged} unchanged; "
            f"{len(self.withdrawn)} library reference(s) withdrawn, "
            f"{len(self.concern)} newly under an expression of concern"
        )


# --- reading -----------------------------------------------------------------------------------


def read_retractions(path: str | Path) -> ReadResult:
    """Every row of the file, validated. Raises ``UnreadableFile`` for a file that is not a
    retraction dataset at all; a bad row is a ``RowProblem`` naming its line, and is skipped."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            return _read(handle)
    except FileNotFoundError:
        raise UnreadableFile(f"{path}: no such file.") from None
    except IsADirectoryError:
        raise UnreadableFile(f"{path}: is a directory, not a CSV file.") from None
    except PermissionError:
        raise UnreadableFile(f"{path}: permission denied.") from None
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"{path}: not UTF-8 text (byte {exc.start} cannot be decoded).") from None
    except csv.Error as exc:
        raise UnreadableFile(f"{path}: not a readable CSV file ({exc}).") from None


def _read(handle: Iterable[str]) -> ReadResult:
    reader = csv.reader(handle)
    header = next(reader, None)
    if header is None:
        raise UnreadableFile("the file is empty: expected a header row with the Retraction Watch columns.")
    columns = {name.strip(): index for index, name in enumerate(header) if name.strip()}
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise UnreadableFile(
            f"line 1: the header lacks the column(s) {', '.join(missing)} of the Retraction Watch layout "
            f"(found: {', '.join(list(columns)[:8]) or 'nothing'})."
        )
    result = ReadResult()
    seen: dict[str, int] = {}
    last_line = reader.line_num
    for values in reader:
        line = last_line + 1
        last_line = reader.line_num
        if not any(value.strip() for value in values):
            continue
        result.rows += 1
        row = {name: (values[index] if index < len(values) else "") for name, index in columns.items()}
        notice, problems = _notice(row, line)
        result.problems.extend(problems)
        if notice is None:
            continue
        if notice.record_id in seen:
            result.problems.append(
                RowProblem(line, f"Record ID {notice.record_id} is already on line {seen[notice.record_id]}")
            )
            continue
        seen[notice.record_id] = line
        result.notices.append(notice)
    return result


def _notice(row: dict[str, str], line: int) -> tuple[Notice | None, list[RowProblem]]:
    def text(name: str, limit: int) -> str:
        return " ".join(row.get(name, "").split())[:limit]

    record_id = text(COLUMN_RECORD_ID, 40)
    if not record_id:
        return None, [RowProblem(line, "Record ID is empty")]
    if len(record_id) > Retraction._meta.get_field("record_id").max_length:
        return None, [RowProblem(line, f"Record ID '{record_id}' is too long")]
    nature_text = text(COLUMN_NATURE, 80)
    nature = NATURES.get(nature_text.lower())
    if nature is None:
        known = ", ".join(label for _, label in Retraction.Nature.choices)
        return None, [RowProblem(line, f"RetractionNature '{nature_text}' is not one of {known}")]
    problems: list[RowProblem] = []
    doi = _identifier(
        row.get(COLUMN_ORIGINAL_DOI, ""), COLUMN_ORIGINAL_DOI, normalise_doi, is_valid_doi, line, problems
    )
    pmid = _identifier(
        row.get(COLUMN_ORIGINAL_PMID, ""), COLUMN_ORIGINAL_PMID, normalise_pmid, is_valid_pmid, line, problems
    )
    if not doi and not pmid:
        problems.append(RowProblem(line, f"Record ID {record_id} has no usable DOI or PubMed ID of the original paper"))
        return None, problems
    # A date that cannot be read never loses the notice: the paper must still read as retracted.
    notice_date = _date(row.get("RetractionDate", ""), "RetractionDate", line, problems)
    original_date = _date(row.get("OriginalPaperDate", ""), "OriginalPaperDate", line, problems)
    notice = Notice(
        record_id=record_id,
        nature=nature,
        title=text("Title", 1000),
        journal=text("Journal", 500),
        publisher=text("Publisher", 500),
        original_doi=doi,
        original_pmid=pmid,
        original_date=original_date,
        notice_doi=_identifier(
            row.get("RetractionDOI", ""), "RetractionDOI", normalise_doi, is_valid_doi, line, problems
        ),
        notice_pmid=_identifier(
            row.get("RetractionPubMedID", ""), "RetractionPubMedID", normalise_pmid, is_valid_pmid, line, problems
        ),
        notice_date=notice_date,
        reasons="; ".join(
            reason.strip().lstrip("+").strip() for reason in row.get("Reason", "").split(";") if reason.strip("+ ")
        ),
    )
    return notice, problems


def _identifier(
    value: str,
    column: str,
    normalise: Callable[[str], str],
    valid: Callable[[str], bool],
    line: int,
    problems: list[RowProblem],
) -> str:
    written = value.strip()
    if written.lower() in _MISSING:
        return ""
    normalised = normalise(written)
    if not valid(normalised):
        problems.append(RowProblem(line, f"{column} '{written[:80]}' is malformed and was ignored", skipped=False))
        return ""
    return normalised


def _date(value: str, column: str, line: int, problems: list[RowProblem]) -> date | None:
    """The date, or ``None`` with a warning on the row's line when it cannot be read (the row is kept)."""
    value = value.strip()
    if not value:
        return None
    try:
        if match := _US_DATE_RE.match(value):
            month, day, year = (int(group) for group in match.groups())
            return date(year, month, day)
        return datetime.fromisoformat(value).date()
    except ValueError:
        problems.append(
            RowProblem(
                line,
                f"{column} '{value[:40]}' is not a date (expected M/D/YYYY H:MM or YYYY-MM-DD); "
                "the notice was loaded with its date left unknown",
                skipped=False,
            )
        )
        return None


# --- loading -----------------------------------------------------------------------------------


def notice_priority(nature: str, notice_date: date | None) -> tuple[int, int]:
    """Sort key of the notices matching one record: the one it is linked to sorts first
    (a retraction before an expression of concern, then the most recent)."""
    rank = LINKED_NATURES.index(nature) if nature in LINKED_NATURES else len(LINKED_NATURES)
    return rank, -notice_date.toordinal() if notice_date else 0


def notice_for_identifiers(*, doi: str, pmid: str) -> Retraction | None:
    """The notice a new library record with this DOI / PMID is linked to, if any.

    The library stores DOIs as written; notices hold the normalised form, so the DOI is compared
    normalised (case-insensitively), as ``_library_identifiers`` does for a whole import."""
    return notices_for_identifiers([(doi, pmid)])[0]


def notices_for_identifiers(identifiers: list[tuple[str, str]]) -> list[Retraction | None]:
    """``notice_for_identifiers`` for each (DOI, PMID) pair, in one query for the whole list."""
    keys = [(normalise_doi(doi), normalise_pmid(pmid)) for doi, pmid in identifiers]
    dois = {doi for doi, _ in keys if doi}
    pmids = {pmid for _, pmid in keys if pmid}
    if not dois and not pmids:
        return [None] * len(keys)
    by_doi: dict[str, list[Retraction]] = {}
    by_pmid: dict[str, list[Retraction]] = {}
    query = Q(original_doi__in=dois) | Q(original_pmid__in=pmids)
    for notice in Retraction.objects.filter(query, nature__in=LINKED_NATURES):
        if notice.original_doi:
            by_doi.setdefault(notice.original_doi, []).append(notice)
        if notice.original_pmid:
            by_pmid.setdefault(notice.original_pmid, []).append(notice)
    return [
        min(
            [*(by_doi.get(doi, []) if doi else []), *(by_pmid.get(pmid, []) if pmid else [])],
            key=lambda n: notice_priority(n.nature, n.notice_date),
            default=None,
        )
        for doi, pmid in keys
    ]


@transaction.atomic
def retractions_import(*, notices: Iterable[Notice], progress: Callable[[int], object] | None = None) -> ImportSummary:
    """Create or update the notices (by Record ID) and link the library records they name.

    Returns the ids of the records withdrawn by this run, for the caller to flag the published
    articles that cite them (``references`` does not know about review: see
    ``reviewboard.jobs.retractions``). ``progress`` is called with the rows done per batch.
    """
    summary = ImportSummary()
    library = _library_identifiers()
    best: dict[int, tuple[tuple[int, int], Notice]] = {}  # reference id -> its most important notice
    for batch in _batches(notices, BATCH_SIZE):
        _write_batch(batch, summary)
        for notice in batch:
            if notice.nature not in LINKED_NATURES:
                continue
            key = notice_priority(notice.nature, notice.notice_date)
            for reference_id in _matching(library, notice):
                if reference_id not in best or key < best[reference_id][0]:
                    best[reference_id] = (key, notice)
        if progress is not None:
            progress(len(batch))
    _link(best, summary)
    return summary


def _batches(items: Iterable[Notice], size: int) -> Iterator[list[Notice]]:
    batch: list[Notice] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass
class _Library:
    by_doi: dict[str, list[int]] = field(default_factory=dict)
    by_pmid: dict[str, list[int]] = field(default_factory=dict)


def _library_identifiers() -> _Library:
    """Every library record's normalised DOI and PMID, read once (one query)."""
    library = _Library()
    rows = Reference.objects.exclude(doi="", pmid="").values_list("pk", "doi", "pmid")
    for pk, doi, pmid in rows.iterator(chunk_size=5000):
        if key := normalise_doi(doi):
            library.by_doi.setdefault(key, []).append(pk)
        if key := normalise_pmid(pmid):
            library.by_pmid.setdefault(key, []).append(pk)
    return library


def _matching(library: _Library, notice: Notice) -> set[int]:
    found: set[int] = set()
    if notice.original_doi:
        found.update(library.by_doi.get(notice.original_doi, ()))
    if notice.original_pmid:
        found.update(library.by_pmid.get(notice.original_pmid, ()))
    return found


def _write_batch(batch: list[Notice], summary: ImportSummary) -> None:
    now = timezone.now()
    existing = {r.record_id: r for r in Retraction.objects.filter(record_id__in=[n.record_id for n in batch])}
    to_create: list[Retraction] = []
    to_update: list[Retraction] = []
    for notice in batch:
        row = existing.get(notice.record_id)
        if row is None:
            to_create.append(Retraction(record_id=notice.record_id, **{n: getattr(notice, n) for n in NOTICE_FIELDS}))
            continue
        changed = [n for n in NOTICE_FIELDS if getattr(row, n) != getattr(notice, n)]
        if not changed:
            summary.unchanged += 1
            continue
        for name in changed:
            setattr(row, name, getattr(notice, name))
        row.updated_at = now  # bulk_update does not apply auto_now
        to_update.append(row)
    if to_create:
        Retraction.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
        summary.created += len(to_create)
    if to_update:
        Retraction.objects.bulk_update(to_update, [*NOTICE_FIELDS, "updated_at"], batch_size=BATCH_SIZE)
        summary.updated += len(to_update)


def _link(best: dict[int, tuple[tuple[int, int], Notice]], summary: ImportSummary) -> None:
    """Link each matched record to its most important notice; withdraw it for a retraction.

    The records are locked (in id order) and re-read first, so two imports at once withdraw a
    record once: the second sees the first one's link and changes nothing.
    """
    if not best:
        return
    record_ids = {notice.record_id for _, notice in best.values()}
    notice_pk = dict(Retraction.objects.filter(record_id__in=record_ids).values_list("record_id", "pk"))
    references = Reference.objects.select_for_update().filter(pk__in=list(best)).order_by("pk")
    changed: list[Reference] = []
    now = timezone.now()
    for reference in references:
        notice = best[reference.pk][1]
        target = notice_pk[notice.record_id]
        withdraw = notice.nature == Retraction.Nature.RETRACTION and reference.status != Reference.Status.WITHDRAWN
        if reference.retraction_id == target:
            continue  # already linked by an earlier run: an editor's later decision stands
        reference.retraction_id = target
        reference.updated_at = now
        summary.linked += 1
        if withdraw:
            reference.status = Reference.Status.WITHDRAWN
            summary.withdrawn.append(reference.pk)
        elif notice.nature == Retraction.Nature.EXPRESSION_OF_CONCERN:
            summary.concern.append(reference.pk)
        changed.append(reference)
    Reference.objects.bulk_update(changed, ["retraction", "status", "updated_at"], batch_size=BATCH_SIZE)
