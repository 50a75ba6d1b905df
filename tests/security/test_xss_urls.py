"""Issue 13, item 1: a reference URL is an http(s) address on every write path, no other scheme is
ever rendered as a link (admin preview, published payload), and the admin and docs send a CSP.

Before: a ``javascript:`` URL in Markdown front matter (review API ``markdown`` field or
``import_article``) was stored unchecked, shown as a live link in the chair's admin preview and
served to client apps after approval.
"""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from articles.models import Article
from references.models import Reference
from tests.articles.publishing_helpers import approve
from tests.factories import ArticleFactory, ReferenceFactory
from tests.security.helpers import REVIEW_BASE, client_for, markdown_article

pytestmark = pytest.mark.django_db

HOSTILE_URLS = [
    "javascript:fetch('/admin/')//https://example.org",
    "JaVaScRiPt:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "ftp://example.org/guideline.pdf",
]


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_review_api_markdown_refuses_a_non_http_reference_url_naming_the_line(author, url):
    response = client_for(author).post(REVIEW_BASE, {"markdown": markdown_article(url=url)}, format="json")

    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert "references[1].url" in error["message"]
    assert error["detail"]["line"] == 9
    assert not Article.objects.exists()
    assert not Reference.objects.exists()


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_review_api_json_refuses_a_non_http_reference_url_naming_the_field(author, url):
    payload = {
        "question": "What are the treatment options for back pain?",
        "sections": [{"heading": "First-line", "body": "Stay active for back pain [1]."}],
        "references": [{"number": 1, "title": "Low back pain guideline", "url": url}],
    }
    response = client_for(author).post(REVIEW_BASE, payload, format="json")

    assert response.status_code == 400, response.content
    assert response.json()["error"]["detail"]["field"] == "references[1].url"
    assert not Article.objects.exists()


def test_import_article_refuses_a_javascript_url_naming_the_line(tmp_path):
    path = tmp_path / "article.md"
    path.write_text(markdown_article(url=HOSTILE_URLS[0]))

    with pytest.raises(CommandError) as exc:
        call_command("import_article", str(path))

    assert exc.value.returncode == 2
    assert "line 9" in str(exc.value)
    assert "javascript" in str(exc.value)
    assert not Article.objects.exists()


def test_reference_admin_refuses_a_javascript_url(admin_client):
    data = {
        "kind": "guideline",
        "title": "Low back pain guideline",
        "authors": "",
        "publisher": "",
        "year": 2017,
        "doi": "",
        "pmid": "",
        "url": HOSTILE_URLS[0],
        "status": "current",
        "superseded_by": "",
    }
    response = admin_client.post(reverse("admin:references_reference_add"), data)

    assert response.status_code == 200  # the form again, with the error
    assert response.context["adminform"].form.errors["url"]
    assert not Reference.objects.exists()


def test_the_library_service_refuses_a_javascript_url():
    from articles.content import ReferenceData
    from config.exceptions import InvalidInput
    from references.services import reference_get_or_create

    with pytest.raises(InvalidInput) as exc:
        reference_get_or_create(data=ReferenceData(title="Guideline", url=HOSTILE_URLS[0]))

    assert exc.value.detail == {"field": "url"}
    assert not Reference.objects.exists()


@pytest.fixture
def article_citing_a_stored_javascript_url():
    """A record written before the rule (a row no write path can produce any more)."""
    article = ArticleFactory()
    Reference.objects.filter(pk=article.citations.get(number=1).reference_id).update(url=HOSTILE_URLS[0])
    return article


def test_admin_preview_never_links_a_non_http_url(admin_client, article_citing_a_stored_javascript_url):
    article = article_citing_a_stored_javascript_url

    response = admin_client.get(reverse("admin:articles_article_change", args=[article.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert 'href="javascript:' not in page.lower()
    assert "not shown as a link" in page


def test_published_payload_never_carries_a_non_http_url(article_citing_a_stored_javascript_url):
    version = approve(article_citing_a_stored_javascript_url)

    references = json.loads(version.payload_json)["references"]

    assert references[0]["url"] == ""


def test_admin_preview_links_an_https_url(admin_client):
    article = ArticleFactory()
    Reference.objects.filter(pk=article.citations.get(number=1).reference_id).update(url="https://example.org/g")

    response = admin_client.get(reverse("admin:articles_article_change", args=[article.pk]))

    assert 'href="https://example.org/g"' in response.content.decode()


@pytest.mark.parametrize("path", ["/admin/login/", "/api/docs/"])
def test_admin_and_docs_send_a_content_security_policy(client, path):
    response = client.get(path)

    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "object-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]


def test_docs_page_has_no_inline_script_and_loads_swagger_from_the_project(client):
    page = client.get("/api/docs/").content.decode()

    assert "cdn" not in page.lower()
    assert "@latest" not in page
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "<script>" not in page.replace(" ", "")


def test_a_stored_reference_keeps_the_url_rule_on_model_validation():
    reference = ReferenceFactory.build(url="data:text/html,<script>alert(1)</script>")
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        reference.full_clean()
    assert "url" in exc.value.message_dict
