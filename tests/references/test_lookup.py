"""Reference lookup against a local HTTP server answering in Crossref's and PubMed's documented
shapes (``/works/{doi}``; ``esummary.fcgi?db=pubmed&retmode=json``). Nothing reaches the network."""

from __future__ import annotations

import json
import logging
import time
from http.server import BaseHTTPRequestHandler
from io import StringIO
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import pytest
from django.core.cache import cache
from django.core.management import call_command

from articles.content import ArticleContent, CitationData, ReferenceData, SectionData
from references.integrity import POSSIBLE_REFERENCE_MISMATCH, check_content
from references.lookup import CROSSREF, PUBMED, lookup_reference, with_registered_data
from references.models import Reference
from tests.http_receiver import LocalServer, serve

OARSI = "OARSI guidelines for the non-surgical management of knee, hip, and polyarticular osteoarthritis"
CROSSREF_WORKS = {
    "10.1016/j.joca.2019.06.011": {
        "DOI": "10.1016/j.joca.2019.06.011",
        "type": "journal-article",
        "title": [OARSI + "."],
        "container-title": ["Osteoarthritis and Cartilage"],
        "author": [
            {"given": "R.R.", "family": "Bannuru", "sequence": "first"},
            {"given": "M.C.", "family": "Osani", "sequence": "additional"},
        ],
        "issued": {"date-parts": [[2019, 11]]},
    },
    "10.5555/wrong-paper": {
        "DOI": "10.5555/wrong-paper",
        "title": ["Air travel fitness of medically stable passengers"],
        "container-title": ["Aviation Medicine"],
        "author": [{"name": "Aerospace Medical Association"}],
        "issued": {"date-parts": [[2003]]},
    },
}
PUBMED_SUMMARIES = {
    "31278997": {
        "uid": "31278997",
        "pubdate": "2019 Nov",
        "source": "Osteoarthritis Cartilage",
        "fulljournalname": "Osteoarthritis and cartilage",
        "title": OARSI + ".",
        "authors": [{"name": "Bannuru RR", "authtype": "Author"}, {"name": "Osani MC", "authtype": "Author"}],
    },
}


class Registry(BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):
        Registry.requests.append(self.path)
        url = urlparse(self.path)
        if url.path.startswith("/crossref/works/"):
            doi = unquote(url.path.removeprefix("/crossref/works/"))
            if doi == "10.5555/slow":
                time.sleep(0.5)
            if doi == "10.5555/broken":
                return self._send(200, b"<html>maintenance</html>", "text/html")
            if doi == "10.5555/error":
                return self._send(503, b"busy", "text/plain")
            if doi not in CROSSREF_WORKS:
                return self._send(404, b"Resource not found.", "text/plain")
            body = {"status": "ok", "message-type": "work", "message-version": "1.0.0", "message": CROSSREF_WORKS[doi]}
            return self._send(200, json.dumps(body).encode(), "application/json")
        if url.path == "/eutils/esummary.fcgi":
            query = parse_qs(url.query)
            pmid = query["id"][0]
            record = PUBMED_SUMMARIES.get(pmid, {"uid": pmid, "error": "cannot get document summary"})
            body = {"header": {"type": "esummary", "version": "0.3"}, "result": {"uids": [pmid], pmid: record}}
            return self._send(200, json.dumps(body).encode(), "application/json")
        return self._send(404, b"", "text/plain")

    def _send(self, status, body, content_type):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def registry(settings):
    server = LocalServer(("127.0.0.1", 0), Registry)
    serve(server)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    settings.REFERENCE_LOOKUP_ENABLED = True
    settings.REFERENCE_LOOKUP_CROSSREF_URL = f"{base}/crossref"
    settings.REFERENCE_LOOKUP_PUBMED_URL = f"{base}/eutils"
    settings.REFERENCE_LOOKUP_TIMEOUT_SECONDS = 0.2
    Registry.requests = []
    cache.clear()
    yield Registry.requests
    server.shutdown()
    server.server_close()
    cache.clear()


def test_lookup_is_off_by_default(settings):
    assert settings.REFERENCE_LOOKUP_ENABLED is False
    assert lookup_reference(doi="10.1016/j.joca.2019.06.011") is None


def test_a_doi_is_looked_up_in_crossref_and_the_answer_cached(registry):
    found = lookup_reference(doi="https://doi.org/10.1016/J.JOCA.2019.06.011")
    assert found.source == CROSSREF
    assert found.title == OARSI  # final period dropped
    assert found.journal == "Osteoarthritis and Cartilage"
    assert found.year == 2019
    assert found.authors == "R.R. Bannuru, M.C. Osani"
    assert lookup_reference(doi="10.1016/j.joca.2019.06.011") == found
    assert len(registry) == 1


def test_a_pmid_is_looked_up_in_pubmed_esummary(registry):
    found = lookup_reference(pmid="31278997")
    assert (found.source, found.title, found.journal, found.year) == (
        PUBMED,
        OARSI,
        "Osteoarthritis and cartilage",
        2019,
    )
    assert found.authors == "Bannuru RR, Osani MC"
    assert registry == ["/eutils/esummary.fcgi?db=pubmed&id=31278997&retmode=json"]


def test_an_unknown_identifier_is_none_and_cached_as_such(registry):
    assert lookup_reference(doi="10.5555/unknown") is None
    assert lookup_reference(pmid="99999999") is None
    assert lookup_reference(doi="10.5555/unknown") is None
    assert len(registry) == 2


@pytest.mark.parametrize(
    ("doi", "why"),
    [("10.5555/slow", "no answer within 0.2 s"), ("10.5555/broken", "not JSON"), ("10.5555/error", "HTTP 503")],
)
def test_a_failed_lookup_is_a_logged_warning_and_not_cached(registry, caplog, doi, why):
    with caplog.at_level(logging.WARNING, logger="references.lookup"):
        assert lookup_reference(doi=doi) is None
    assert f"Reference lookup of Crossref {doi} failed: " in caplog.text
    assert why in caplog.text
    lookup_reference(doi=doi)
    assert len(registry) == 2  # asked again next time


def test_an_unreachable_registry_is_a_warning(settings, caplog):
    settings.REFERENCE_LOOKUP_ENABLED = True
    settings.REFERENCE_LOOKUP_CROSSREF_URL = "http://127.0.0.1:9"  # discard port: refused
    cache.clear()
    with caplog.at_level(logging.WARNING, logger="references.lookup"):
        assert lookup_reference(doi="10.1016/j.joca.2019.06.011") is None
    assert "cannot connect" in caplog.text


def _content(*references: ReferenceData) -> ArticleContent:
    body = " ".join(f"Knee osteoarthritis care [{n}]." for n in range(1, len(references) + 1))
    return ArticleContent(
        question="What are the treatment options for knee osteoarthritis?",
        topic="knee osteoarthritis",
        sections=(SectionData(heading="Exercise", body=body),),
        citations=tuple(CitationData(number=n, reference=r) for n, r in enumerate(references, start=1)),
    )


def test_blanks_are_filled_and_a_disagreeing_title_is_a_warning_naming_both(registry):
    content = with_registered_data(
        _content(
            ReferenceData(title="OARSI guidelines for non-surgical management of knee osteoarthritis", pmid="31278997"),
            ReferenceData(
                title="Exercise for knee osteoarthritis, a Cochrane review",
                doi="10.5555/wrong-paper",
                publisher="Cochrane Library",
                year=2015,
            ),
        )
    )
    first, second = (c.reference for c in content.citations)
    assert (first.publisher, first.year) == ("Osteoarthritis and cartilage", 2019)
    assert first.authors == "Bannuru RR, Osani MC"
    assert (second.publisher, second.year) == ("Cochrane Library", 2015)  # what the author wrote stays
    report = check_content(content)
    [mismatch] = [f for f in report.warnings if f.code == POSSIBLE_REFERENCE_MISMATCH]
    assert mismatch.number == 2
    assert "'Exercise for knee osteoarthritis, a Cochrane review'" in mismatch.message
    assert "registered with Crossref as 'Air travel fitness of medically stable passengers'" in mismatch.message


def test_with_lookup_off_the_content_is_unchanged(settings):
    content = _content(ReferenceData(title="Anything about knee osteoarthritis", doi="10.5555/wrong-paper"))
    assert with_registered_data(content) is content


@pytest.mark.django_db
def test_import_article_stores_the_registered_title_and_reports_the_mismatch(registry, tmp_path):
    path = tmp_path / "knee.md"
    path.write_text(
        Path(__file__)
        .resolve()
        .parents[2]
        .joinpath("articles/demo/knee-osteoarthritis.md")
        .read_text()
        .replace("doi: 10.5555/demo-knee-2019-0173", "doi: 10.5555/wrong-paper"),
        encoding="utf-8",
    )
    out = StringIO()
    call_command("import_article", str(path), "--json", stdout=out)
    report = json.loads(out.getvalue())
    [mismatch] = [w for w in report["warnings"] if w["code"] == POSSIBLE_REFERENCE_MISMATCH]
    assert mismatch["number"] == 3
    assert "Air travel fitness of medically stable passengers" in mismatch["message"]
    stored = Reference.objects.get(doi="10.5555/wrong-paper")
    assert (stored.registered_title, stored.registered_source) == (
        "Air travel fitness of medically stable passengers",
        CROSSREF,
    )
    oarsi = Reference.objects.get(doi="10.1016/j.joca.2019.06.011")
    assert oarsi.registered_title == OARSI
    # The check on the saved article (admin, submit, check_citations) sees it without asking again.
    asked = len(registry)
    out = StringIO()
    call_command("check_citations", "knee-osteoarthritis-treatment", "--json", stdout=out)
    assert len(registry) == asked  # cached
    [article] = json.loads(out.getvalue())["articles"]
    assert [w["number"] for w in article["warnings"] if w["code"] == POSSIBLE_REFERENCE_MISMATCH] == [3]
