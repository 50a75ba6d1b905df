"""Every write to the shared reference library.

``reference_get_or_create`` is how importers and content updates turn plain ``ReferenceData``
into a library record (deduplicated, never overwriting one). Corrections and status changes
are written by ``reference_correct`` and ``reference_mark_status``; who may make them, their audit
entry and what they mean for the articles citing the record are decided in
``reviewboard.review.services.library`` (frozen and published content never changes with the library).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower

from articles.content import ReferenceData, control_character_problem, link_url_problem, reference_year_problem
from config.exceptions import Conflict, InvalidInput
from references.integrity import (
    doi_as_written,
    is_valid_doi,
    is_valid_pmid,
    normalise_doi,
    normalise_pmid,
    normalise_title,
)
from references.models import Reference, Retraction
from references.retractions import notice_for_identifiers, notices_for_identifiers

if TYPE_CHECKING:
    pass


CORRECTABLE_FIELDS = ("kind", "label", "title", "authors", "publisher", "year", "doi", "pmid", "url")


def _field_length(name: str) -> int:
    return Reference._meta.get_field(name).max_length


def _check_lengths(values: dict[str, Any]) -> None:
    """Lengths, and one line of text each: the same rules the model fields and the importers apply."""
    for name in ("label", "title", "authors", "publisher", "doi", "pmid", "url"):
        value = values.get(name)
        if isinstance(value, str) and (problem := control_character_problem(value)):
            raise InvalidInput(
                f"Reference {name} must be a single line: it {problem}.",
                code="invalid-reference",
                detail={"field": name},
            )
        if isinstance(value, str) and len(value) > _field_length(name):
            raise InvalidInput(
                f"Reference {name} is {len(value)} characters long; at most {_field_length(name)} are allowed.",
                code="invalid-reference",
                detail={"field": name},
            )


def _check_year(year: Any) -> int | None:
    if year is None or year == "":
        return None
    if isinstance(year, bool) or not isinstance(year, int | str) or not str(year).strip().isdigit():
        raise InvalidInput(
            f"Reference year {year!r} is not a year.", code="invalid-reference", detail={"field": "year"}
        )
    value = int(year)
    problem = reference_year_problem(value)
    if problem:
        raise InvalidInput(f"Reference year {problem}.", code="invalid-reference", detail={"field": "year"})
    return value


def _choice(value: str, choices: type[Reference.Kind] | type[Reference.Status], default: str) -> str:
    value = (value or "").strip().lower().replace(" ", "_")
    return value if value in choices.values else default


def _title_match(title: str, year: int | None) -> Reference | None:
    """A record with the same normalised title and year (the oldest one, if several)."""
    key = normalise_title(title)
    if not key:
        return None
    # Narrow in the database by year and the title's longest word, then compare normalised titles.
    longest = max(key.split(), key=len)
    candidates = Reference.objects.filter(title__icontains=longest)
    candidates = candidates.filter(year=year) if year is not None else candidates.filter(year__isnull=True)
    for reference in candidates.order_by("pk"):
        if normalise_title(reference.title) == key:
            return reference
    return None


def references_with_doi(doi: str):
    """Records whose DOI is ``doi`` in any case (uses the ``Lower("doi")`` unique index)."""
    return Reference.objects.alias(doi_key=Lower("doi")).filter(doi_key=normalise_doi(doi))


def _find_existing(*, doi: str, pmid: str, title: str, year: int | None) -> Reference | None:
    if doi and (found := references_with_doi(doi).order_by("pk").first()):
        return found
    if pmid and (found := Reference.objects.filter(pmid=pmid).order_by("pk").first()):
        return found
    if not doi and not pmid:
        return _title_match(title, year)
    return None


def _new_reference_values(data: ReferenceData) -> dict[str, Any]:
    """The normalised, validated field values of a new library record for ``data``. A DOI is kept as
    written (resolver prefix removed, case kept), so messages quote the author's text."""
    title = " ".join((data.title or "").split())
    if not title:
        raise InvalidInput("A reference needs a title.", code="invalid-reference", detail={"field": "title"})
    values = {
        "kind": _choice(data.kind, Reference.Kind, Reference.Kind.OTHER),
        "label": " ".join((data.label or "").split()),
        "title": title,
        "authors": (data.authors or "").strip(),
        "publisher": (data.publisher or "").strip(),
        "year": _check_year(data.year),
        "doi": doi_as_written(data.doi),
        "pmid": normalise_pmid(data.pmid),
        "url": (data.url or "").strip(),
        "status": _choice(data.status, Reference.Status, Reference.Status.CURRENT),
    }
    _check_lengths(values)
    if problem := link_url_problem(values["url"]):
        raise InvalidInput(
            f"Reference URL '{values['url']}': {problem}.", code="invalid-reference", detail={"field": "url"}
        )
    return values


def _lookup(values: dict[str, Any]) -> dict[str, Any]:
    return {name: values[name] for name in ("doi", "pmid", "title", "year")}


def reference_find(*, data: ReferenceData) -> Reference | None:
    """The library record ``data`` names, found the one way the library deduplicates: DOI
    (case-insensitive), then PMID, then normalised title + year when it has neither; None if there is none."""
    title = " ".join((data.title or "").split())
    year = data.year if isinstance(data.year, int) else None
    return _find_existing(doi=doi_as_written(data.doi), pmid=normalise_pmid(data.pmid), title=title, year=year)


@transaction.atomic
def reference_get_or_create(*, data: ReferenceData) -> Reference:
    """The library record for ``data``: found by DOI (case-insensitive), then PMID, then
    normalised title + year (only when ``data`` has neither DOI nor PMID); created otherwise.

    An existing record is never overwritten. A DOI is stored as written (resolver prefix removed,
    case kept), so messages quote the author's text. Malformed identifiers are stored as given so
    that the integrity check reports them, rather than refusing the import.
    """
    values = _new_reference_values(data)
    if existing := _find_existing(**_lookup(values)):
        return existing
    values.update(_library_facts(data, doi=values["doi"], pmid=values["pmid"]))
    try:
        with transaction.atomic():
            return Reference.objects.create(**values)
    except IntegrityError:
        # Another transaction created the same DOI or PMID between our look-up and our insert.
        if existing := _find_existing(**_lookup(values)):
            return existing
        raise


def _valid_identifiers(doi: str, pmid: str) -> dict[str, str]:
    return {"doi": doi if is_valid_doi(normalise_doi(doi)) else "", "pmid": pmid if is_valid_pmid(pmid) else ""}


def _library_facts(
    data: ReferenceData, *, doi: str, pmid: str, notice: Retraction | bool | None = True
) -> dict[str, Any]:
    """What a new record learns from the library: a matching retraction notice (a retraction
    withdraws it; ``notice`` when the caller looked it up already) and the registered title, if the
    importer looked it up."""
    facts: dict[str, Any] = {
        "registered_title": " ".join((data.registered_title or "").split())[: _field_length("registered_title")],
        "registered_source": (data.registered_source or "")[: _field_length("registered_source")],
    }
    if notice is True:
        notice = notice_for_identifiers(**_valid_identifiers(doi, pmid))
    if notice is not None:
        facts["retraction"] = notice
        if notice.nature == Retraction.Nature.RETRACTION:
            facts["status"] = Reference.Status.WITHDRAWN
    return facts


TITLE_LOOKUP_CHUNK = 200


class _Library:
    """The records a batch of references may match, loaded in a few queries (not one per reference)."""

    def __init__(self, batch: list[dict[str, Any]]) -> None:
        self.by_doi: dict[str, Reference] = {}
        self.by_pmid: dict[str, Reference] = {}
        self.by_title: dict[tuple[str, int | None], Reference] = {}
        dois = {v["doi"] for v in batch if v["doi"]}
        pmids = {v["pmid"] for v in batch if v["pmid"]}
        if dois:
            keys = {doi.lower() for doi in dois}
            rows = Reference.objects.annotate(doi_key=Lower("doi")).filter(doi_key__in=keys).order_by("-pk")
            self.by_doi.update((r.doi.lower(), r) for r in rows)  # oldest last: it wins
        if pmids:
            self.by_pmid.update((r.pmid, r) for r in Reference.objects.filter(pmid__in=pmids).order_by("-pk"))
        wanted = {
            (key, v["year"]) for v in batch if not v["doi"] and not v["pmid"] and (key := normalise_title(v["title"]))
        }
        # Narrowed like _title_match (the title's longest word, the year), a chunk of titles per query.
        narrow = sorted({(max(key.split(), key=len), year) for key, year in wanted}, key=str)
        for start in range(0, len(narrow), TITLE_LOOKUP_CHUNK):
            condition = Q()
            for word, year in narrow[start : start + TITLE_LOOKUP_CHUNK]:
                condition |= Q(title__icontains=word) & (Q(year=year) if year is not None else Q(year__isnull=True))
            for reference in Reference.objects.filter(condition).order_by("-pk"):
                key = (normalise_title(reference.title), reference.year)
                if key in wanted:
                    self.by_title[key] = reference

    def find(self, values: dict[str, Any]) -> Reference | None:
        """The same answer as ``_find_existing`` for these values."""
        if values["doi"] and (found := self.by_doi.get(values["doi"].lower())):
            return found
        if values["pmid"] and (found := self.by_pmid.get(values["pmid"])):
            return found
        if not values["doi"] and not values["pmid"]:
            return self.by_title.get((normalise_title(values["title"]), values["year"]))
        return None

    def add(self, reference: Reference) -> None:
        if reference.doi:
            self.by_doi.setdefault(reference.doi.lower(), reference)
        if reference.pmid:
            self.by_pmid.setdefault(reference.pmid, reference)
        if not reference.doi and not reference.pmid:
            self.by_title.setdefault((normalise_title(reference.title), reference.year), reference)


@transaction.atomic
def references_get_or_create(*, data: list[ReferenceData]) -> list[Reference]:
    """``reference_get_or_create`` for each item of ``data``, in order, in a number of queries that
    does not grow with the size of the batch (a handful of look-ups and one bulk insert).

    Items of the batch that are the same work get the same record. If another transaction creates
    one of the same records meanwhile (the unique DOI/PMID constraints say so), the batch is done
    again item by item, which resolves the race the way ``reference_get_or_create`` does.
    """
    batch = [_new_reference_values(item) for item in data]
    library = _Library(batch)
    identifiers = [_valid_identifiers(values["doi"], values["pmid"]) for values in batch]
    notices = notices_for_identifiers([(ids["doi"], ids["pmid"]) for ids in identifiers])
    records: list[Reference | None] = []
    new: dict[int, Reference] = {}  # the records to insert, by identity (one per work)
    for item, values, notice in zip(data, batch, notices, strict=True):
        found = library.find(values)
        if found is None:
            found = Reference(**values, **_library_facts(item, doi=values["doi"], pmid=values["pmid"], notice=notice))
            library.add(found)
            new[id(found)] = found
        records.append(found)
    try:
        with transaction.atomic():
            Reference.objects.bulk_create(list(new.values()))
    except IntegrityError:
        return [reference_get_or_create(data=item) for item in data]
    return records


def _validated_fields(reference: Reference, fields: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(fields) - set(CORRECTABLE_FIELDS))
    if unknown:
        raise InvalidInput(
            f"Cannot correct {', '.join(unknown)}: only {', '.join(CORRECTABLE_FIELDS)} can be corrected"
            + (" (use reference_mark_status for the status)." if "status" in unknown else "."),
            code="invalid-reference",
            detail={"field": unknown[0]},
        )
    values: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "year":
            values[name] = _check_year(value)
            continue
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise InvalidInput(f"Reference {name} must be text.", code="invalid-reference", detail={"field": name})
        value = value.strip()
        if name == "title":
            value = " ".join(value.split())
            if not value:
                raise InvalidInput("A reference needs a title.", code="invalid-reference", detail={"field": "title"})
        elif name == "kind" and value not in Reference.Kind.values:
            raise InvalidInput(
                f"Unknown reference kind '{value}'; choose one of {', '.join(Reference.Kind.values)}.",
                code="invalid-reference",
                detail={"field": "kind"},
            )
        elif name == "doi":
            value = doi_as_written(value)
            if value and not is_valid_doi(normalise_doi(value)):
                raise InvalidInput(
                    f"DOI '{fields[name]}' is malformed: expected 10.<registrant>/<suffix>.",
                    code="invalid-doi",
                    detail={"field": "doi"},
                )
        elif name == "pmid":
            value = normalise_pmid(value)
            if value and not is_valid_pmid(value):
                raise InvalidInput(
                    f"PMID '{fields[name]}' is malformed: expected 1 to 8 digits.",
                    code="invalid-pmid",
                    detail={"field": "pmid"},
                )
        elif name == "url" and (problem := link_url_problem(value)):
            raise InvalidInput(f"URL '{value}': {problem}.", code="invalid-reference", detail={"field": "url"})
        values[name] = value
    _check_lengths(values)
    for name in ("doi", "pmid"):
        if values.get(name):
            same = references_with_doi(values[name]) if name == "doi" else Reference.objects.filter(pmid=values[name])
            other = same.exclude(pk=reference.pk).first()
            if other is not None:
                raise Conflict(
                    f"{name.upper()} {values[name]} is already used by reference #{other.pk} '{other.title}'.",
                    code="duplicate-identifier",
                    detail={"field": name, "reference": other.pk},
                )
    return values


@transaction.atomic
def reference_correct(*, reference: Reference, **fields: Any) -> Reference:
    """Write corrected fields of a library record (validated, identifiers kept unique).

    Only ``reviewboard.review.services.library`` calls this: it decides who may, audits the correction and
    deals with the content that cites the record (frozen and published content never changes)."""
    locked = Reference.objects.select_for_update().get(pk=reference.pk)
    values = _validated_fields(locked, fields)
    changed = [name for name, value in values.items() if getattr(locked, name) != value]
    if not changed:
        return locked
    for name in changed:
        setattr(locked, name, values[name])
    try:
        with transaction.atomic():
            locked.save(update_fields=[*changed, "updated_at"])
    except IntegrityError:
        raise Conflict(
            "That DOI or PMID was just given to another reference.",
            code="duplicate-identifier",
            detail={"field": next((n for n in ("doi", "pmid") if n in changed), None)},
        ) from None
    return locked


@transaction.atomic
def reference_mark_status(*, reference: Reference, status: str, superseded_by: Reference | None = None) -> Reference:
    """Mark a record current, superseded (optionally by a newer record) or withdrawn (through
    ``reviewboard.review.services.library``, like ``reference_correct``)."""
    if status not in Reference.Status.values:
        raise InvalidInput(
            f"Unknown reference status '{status}'; choose one of {', '.join(Reference.Status.values)}.",
            code="invalid-reference",
            detail={"field": "status"},
        )
    if superseded_by is not None:
        if status != Reference.Status.SUPERSEDED:
            raise InvalidInput(
                "Only a superseded reference can name the record that supersedes it.",
                code="invalid-reference",
                detail={"field": "superseded_by"},
            )
        if superseded_by.pk == reference.pk:
            raise InvalidInput(
                "A reference cannot supersede itself.", code="invalid-reference", detail={"field": "superseded_by"}
            )
    locked = Reference.objects.select_for_update().get(pk=reference.pk)
    new_by = superseded_by.pk if superseded_by is not None else None
    if locked.status == status and locked.superseded_by_id == new_by:
        return locked
    locked.status = status
    locked.superseded_by_id = new_by
    locked.save(update_fields=["status", "superseded_by", "updated_at"])
    return locked


__all__ = [
    "reference_correct",
    "reference_get_or_create",
    "reference_mark_status",
]
