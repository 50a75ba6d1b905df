"""Reference lookup: what Crossref (by DOI) or PubMed (by PMID) has registered for a reference.

Off unless ``REFERENCE_LOOKUP_ENABLED``. ``lookup_reference(doi=..., pmid=...)`` asks Crossref's
REST API (``GET {REFERENCE_LOOKUP_CROSSREF_URL}/works/{doi}``) for a DOI, else PubMed's
E-utilities (``GET {REFERENCE_LOOKUP_PUBMED_URL}/esummary.fcgi?db=pubmed&id={pmid}&retmode=json``)
for a PMID, with ``requests`` and a timeout, and keeps each answer (including "not found") in
the Django cache for ``REFERENCE_LOOKUP_CACHE_SECONDS``. A failed lookup (timeout, connection
error, HTTP error, unexpected JSON) is a logged warning and returns ``None``: it never blocks an
import or a check.

``with_registered_data(content)`` fills what a reference leaves blank (journal, year, authors)
and records the registered title, which the integrity check compares with the written one
(``possible-reference-mismatch``). ``import_article`` and ``check_citations`` call it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

import requests
from django.conf import settings
from django.core.cache import cache

from articles.content import ArticleContent, CitationData, ReferenceData
from references.integrity import is_valid_doi, is_valid_pmid, normalise_doi, normalise_pmid

logger = logging.getLogger(__name__)

CROSSREF = "Crossref"
PUBMED = "PubMed"
_NOT_FOUND = "not-found"
_YEAR_RE = re.compile(r"\b(1[5-9]\d\d|2\d\d\d)\b")
MAX_AUTHORS = 500  # Reference.authors max_length


@dataclass(frozen=True)
class Registered:
    """What a registry holds for one identifier."""

    source: str
    title: str
    journal: str = ""
    year: int | None = None
    authors: str = ""


class LookupFailed(Exception):
    """The registry could not be asked, or gave an answer we cannot read."""


def lookup_enabled() -> bool:
    return bool(getattr(settings, "REFERENCE_LOOKUP_ENABLED", False))


def lookup_reference(*, doi: str = "", pmid: str = "") -> Registered | None:
    """The registered record for ``doi`` (Crossref) or else ``pmid`` (PubMed); ``None`` when
    lookups are off, the identifier is malformed or unknown, or the registry failed (logged)."""
    if not lookup_enabled():
        return None
    doi, pmid = normalise_doi(doi), normalise_pmid(pmid)
    if doi and is_valid_doi(doi):
        return _cached(CROSSREF, doi, _crossref)
    if pmid and is_valid_pmid(pmid):
        return _cached(PUBMED, pmid, _pubmed)
    return None


def with_registered_data(content: ArticleContent) -> ArticleContent:
    """``content`` with each cited reference completed from its registry record (when enabled):
    blank journal, year and authors filled, the registered title recorded. Nothing written by the
    author is overwritten."""
    if not lookup_enabled():
        return content
    citations = tuple(CitationData(number=c.number, reference=_completed(c.reference)) for c in content.citations)
    return replace(content, citations=citations)


def registered_reference(reference: ReferenceData) -> ReferenceData:
    """One reference completed from its registry record as ``with_registered_data`` does (unchanged when
    lookups are off): for a reference pasted by its DOI or PMID alone, the title comes from here."""
    return _completed(reference) if lookup_enabled() else reference


def _completed(reference: ReferenceData) -> ReferenceData:
    registered = lookup_reference(doi=reference.doi, pmid=reference.pmid)
    if registered is None:
        return reference
    return replace(
        reference,
        title=reference.title or registered.title,
        publisher=reference.publisher or registered.journal,
        year=reference.year or registered.year,
        authors=reference.authors or registered.authors,
        registered_title=registered.title,
        registered_source=registered.source,
    )


# --- asking the registries -------------------------------------------------------------------


def _cached(source: str, identifier: str, ask: Any) -> Registered | None:
    key = f"reference-lookup:{source}:{identifier}"
    stored = cache.get(key)
    if stored == _NOT_FOUND:
        return None
    if isinstance(stored, dict):
        return Registered(**stored)
    try:
        registered = ask(identifier)
    except LookupFailed as exc:
        logger.warning("Reference lookup of %s %s failed: %s", source, identifier, exc)
        return None  # not cached: the next check asks again
    timeout = settings.REFERENCE_LOOKUP_CACHE_SECONDS
    cache.set(key, registered.__dict__ if registered is not None else _NOT_FOUND, timeout)
    return registered


def _get_json(url: str, *, params: dict[str, str] | None = None) -> Any | None:
    """The decoded JSON body; ``None`` for a 404. Raises ``LookupFailed`` for anything else."""
    headers = {"User-Agent": settings.REFERENCE_LOOKUP_USER_AGENT, "Accept": "application/json"}
    try:
        response = requests.get(url, params=params, headers=headers, timeout=settings.REFERENCE_LOOKUP_TIMEOUT_SECONDS)
    except requests.Timeout:
        raise LookupFailed(f"no answer within {settings.REFERENCE_LOOKUP_TIMEOUT_SECONDS} s") from None
    except requests.RequestException as exc:
        raise LookupFailed(f"cannot connect ({exc.__class__.__name__})") from None
    if response.status_code == 404:
        return None
    if response.status_code != 200:
        raise LookupFailed(f"HTTP {response.status_code}")
    try:
        return response.json()
    except ValueError:
        raise LookupFailed("the answer is not JSON") from None


def _crossref(doi: str) -> Registered | None:
    """``{"status": "ok", "message-type": "work", "message": {"title": [...], "container-title": [...],
    "author": [{"given", "family"} | {"name"}], "issued": {"date-parts": [[2019, 6, 2]]}}}``."""
    body = _get_json(f"{settings.REFERENCE_LOOKUP_CROSSREF_URL.rstrip('/')}/works/{quote(doi, safe='/')}")
    if body is None:
        return None
    try:
        work = body["message"]
        title = _clean(_first(work.get("title")))
        if not title:
            raise LookupFailed("the work has no title")
        year = None
        for name in ("issued", "published-print", "published-online", "published"):
            parts = (work.get(name) or {}).get("date-parts") or [[None]]
            if parts[0] and parts[0][0]:
                year = int(parts[0][0])
                break
        names = [
            author.get("name") or " ".join(p for p in (author.get("given"), author.get("family")) if p)
            for author in work.get("author") or []
        ]
        return Registered(
            source=CROSSREF,
            title=title,
            journal=_clean(_first(work.get("container-title"))),
            year=year,
            authors=_authors(names),
        )
    except (KeyError, TypeError, AttributeError, ValueError, IndexError) as exc:
        raise LookupFailed(f"unexpected Crossref answer ({exc.__class__.__name__})") from None


def _pubmed(pmid: str) -> Registered | None:
    """``{"result": {"uids": ["31278997"], "31278997": {"title", "fulljournalname", "source",
    "pubdate": "2019 Nov", "authors": [{"name": "Bannuru RR"}]}}}``; an unknown id has ``"error"``."""
    url = f"{settings.REFERENCE_LOOKUP_PUBMED_URL.rstrip('/')}/esummary.fcgi"
    body = _get_json(url, params={"db": "pubmed", "id": pmid, "retmode": "json"})
    if body is None:
        return None
    try:
        record = body["result"].get(pmid)
        if not record or record.get("error"):
            return None
        title = _clean(record.get("title", ""))
        if not title:
            return None
        year_match = _YEAR_RE.search(record.get("pubdate") or record.get("sortpubdate") or "")
        return Registered(
            source=PUBMED,
            title=title,
            journal=_clean(record.get("fulljournalname") or record.get("source") or ""),
            year=int(year_match.group(1)) if year_match else None,
            authors=_authors([a.get("name", "") for a in record.get("authors") or []]),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise LookupFailed(f"unexpected PubMed answer ({exc.__class__.__name__})") from None


def _first(values: Any) -> str:
    if isinstance(values, list):
        return str(values[0]) if values else ""
    return str(values or "")


def _clean(text: str) -> str:
    """Whitespace folded, tags Crossref keeps in titles (``<i>``, ``<sub>``) and a final period dropped."""
    text = re.sub(r"<[^>]+>", "", text or "")
    return " ".join(text.split()).rstrip(".")


def _authors(names: list[str]) -> str:
    names = [" ".join(n.split()) for n in names if n and n.strip()]
    text = ", ".join(names)
    if len(text) <= MAX_AUTHORS:
        return text
    return text[: MAX_AUTHORS - 8].rsplit(", ", 1)[0] + ", et al."
