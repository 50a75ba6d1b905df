"""A client generated from the served schema works, as an API client's developer would use it.

``openapi-python-client`` (pinned in pyproject.toml) is run on ``/api/schema/`` of a live server
into a temporary directory; the generated package then drives the whole path against that server:
a token, create, submit, assign, start, sign off, read the published article with its ETag and a
304, and the list. It failed on a schema that declared three request content types (the generated
functions sent a multipart header with a JSON body) and documented no error body.
"""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from django.core.cache import cache
from rest_framework_api_key.models import APIKey

from articles.api import payloads
from articles.api.authentication import clear_api_key_cache
from articles.api.throttling import clear_counters
from tests.factories import AuthorFactory, ChairFactory, ReviewerFactory

PACKAGE = "reviewboard_client"
GENERATOR = Path(sys.executable).with_name("openapi-python-client")


@pytest.fixture
def generated(live_server, tmp_path, monkeypatch):
    """The client package generated from the live server's schema, imported."""
    schema = tmp_path / "schema.yaml"
    schema.write_bytes(httpx.get(f"{live_server.url}/api/schema/").raise_for_status().content)
    config = tmp_path / "config.yaml"
    config.write_text(f"package_name_override: {PACKAGE}\npost_hooks: []\n")
    result = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(schema),
            "--config",
            str(config),
            "--meta",
            "none",
            "--output-path",
            str(tmp_path / PACKAGE),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stdout + result.stderr, result.stdout + result.stderr
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
        del sys.modules[name]
    yield importlib.import_module(PACKAGE)
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
        del sys.modules[name]
    shutil.rmtree(tmp_path / PACKAGE, ignore_errors=True)


@pytest.fixture
def fresh_caches():
    for clear in (cache.clear, clear_counters, clear_api_key_cache, payloads.clear):
        clear()
    yield
    for clear in (cache.clear, clear_counters, clear_api_key_cache, payloads.clear):
        clear()


def _module(package, name: str):
    return importlib.import_module(f"{package.__name__}.{name}")


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("quorum_approves")  # not about who ends a review (issue 18: default, the chair)
def test_a_generated_client_runs_the_whole_path(generated, live_server, fresh_caches):
    client_mod = _module(generated, "client")
    models = _module(generated, "models")
    v1 = "api.v1"
    token_create = _module(generated, f"{v1}.auth_token_create")
    article_create = _module(generated, f"{v1}.review_article_create")
    transition = _module(generated, f"{v1}.review_transition")
    assign = _module(generated, f"{v1}.review_assignment_create")
    article_retrieve = _module(generated, f"{v1}.review_article_retrieve")
    signoff = _module(generated, f"{v1}.review_signoff_create")
    read_detail = _module(generated, "api.articles.articles_retrieve")
    read_list = _module(generated, "api.articles.articles_list")
    AuthorFactory(username="author")
    ChairFactory(username="chair")
    for name in ("reviewer1", "reviewer2"):
        ReviewerFactory(username=name)
    _, api_key = APIKey.objects.create_key(name="client app")
    anonymous = client_mod.Client(base_url=live_server.url, raise_on_unexpected_status=True)

    def login(username: str):
        body = models.TokenInputRequest(username=username, password="pw")
        response = token_create.sync_detailed(client=anonymous, body=body)
        assert response.status_code == 200, response.content
        token = response.parsed.token
        return client_mod.AuthenticatedClient(
            base_url=live_server.url, token=token, prefix="Token", raise_on_unexpected_status=True
        )

    refused = token_create.sync_detailed(
        client=anonymous, body=models.TokenInputRequest(username="author", password="wrong")
    )
    assert refused.status_code == 400
    assert isinstance(refused.parsed, models.Error)  # the error body is typed, not Any
    assert refused.parsed.error.code == "invalid-input"

    author, chair, r1, r2 = (login(name) for name in ("author", "chair", "reviewer1", "reviewer2"))
    created = article_create.sync_detailed(
        client=author,
        body=models.ArticleCreateInputRequest(
            question="What are the treatment options for back pain?",
            topic="back pain",
            sections=[models.SectionInputRequest(heading="First-line", level=2, body="Stay active [1]. Exercise [2].")],
            references=[
                models.ReferenceInputRequest.from_dict(reference)
                for reference in (
                    {"number": 1, "kind": "guideline", "title": "ACP back pain guideline", "doi": "10.7326/M16-2367"},
                    {"number": 2, "kind": "systematic_review", "title": "Exercise therapy", "pmid": "26695455"},
                )
            ],
        ),
    )
    assert created.status_code == 201, created.content
    slug = created.parsed.slug

    names = models.ReviewTransitionName
    submitted = transition.sync_detailed(slug, names.SUBMIT, client=author)
    assert submitted.status_code == 200, submitted.content
    for reviewer in ("reviewer1", "reviewer2"):
        assigned = assign.sync_detailed(slug, client=chair, body=models.AssignmentInputRequest(reviewer=reviewer))
        assert assigned.status_code == 201, assigned.content
    started = transition.sync_detailed(slug, names.START_REVIEW, client=chair)
    assert started.status_code == 200, started.content
    content_hash = article_retrieve.sync(slug, client=r1).review_hash
    for reviewer in (r1, r2):
        signed = signoff.sync_detailed(
            slug,
            client=reviewer,
            body=models.SignOffInputRequest(content_hash=content_hash, accept=True),  # accept, then sign
        )
        assert signed.status_code == 201, signed.content
    assert article_retrieve.sync(slug, client=chair).state == "approved"

    reader = client_mod.AuthenticatedClient(
        base_url=live_server.url, token=api_key, prefix="Api-Key", raise_on_unexpected_status=True
    )
    article = read_detail.sync_detailed(slug, client=reader)
    assert article.status_code == 200, article.content
    assert isinstance(article.parsed, models.ArticleDetail)
    assert article.parsed.content_hash == content_hash
    assert [s.heading for s in article.parsed.sections] == ["First-line"]
    etag = article.headers["ETag"]
    not_modified = read_detail.sync_detailed(slug, client=reader, if_none_match=etag)
    assert not_modified.status_code == 304
    assert not_modified.content == b""

    page = read_list.sync(client=reader, page_size=10)
    assert [item.slug for item in page.results] == [slug]
    assert page.next_ is None
    full = read_list.sync(client=reader, expand=models.ArticlesListExpand.FULL)
    assert full.results[0].additional_properties["sections"][0]["heading"] == "First-line"
    bad = read_list.sync_detailed(client=reader, page_size=0)
    assert bad.status_code == 400
    assert "page_size" in bad.parsed.error.detail
