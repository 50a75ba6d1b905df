"""Issue 13, item 3: control characters (a newline, a carriage return, an escape...) in single-line
fields are refused with a 400 naming the field, on every path, and nothing is written.

Before: a newline in an article's question was stored; the after-commit e-mail then raised
``BadHeaderError`` and the client saw a 500 for an action that had committed (a retry made a
duplicate); ``start_review`` had the same 500 with its state already changed.
"""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from articles.models import Article, ReviewState
from references.models import Reference
from reviewboard.models import AuditEntry
from reviewboard.review import services
from tests.factories import ArticleFactory
from tests.security.helpers import REVIEW_BASE, client_for, markdown_article

pytestmark = pytest.mark.django_db

BAD = ["line one\nline two", "carriage\rreturn", "escape \x1b[31m red", "nul \x00 byte", "separator\u2028here"]


def json_article(**overrides):
    payload = {
        "question": "What are the treatment options for back pain?",
        "topic": "back pain",
        "sections": [{"heading": "First-line", "body": "Stay active for back pain [1]."}],
        "references": [{"number": 1, "kind": "guideline", "title": "Low back pain guideline", "year": 2017}],
    }
    payload.update(overrides)
    return payload


def assert_refused_and_nothing_written(response, field):
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert field in str(error), error
    assert not Article.objects.exists()
    assert not Reference.objects.exists()
    assert not AuditEntry.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize("value", BAD)
@pytest.mark.parametrize("submit", [False, True])
def test_review_api_create_and_submit_refuse_a_control_character_in_the_question(
    author, chair, value, submit, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(author).post(REVIEW_BASE, json_article(question=value, submit=submit), format="json")

    assert_refused_and_nothing_written(response, "question")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"topic": "back\npain"}, "topic"),
        ({"sections": [{"heading": "First\r\nline", "body": "Stay active [1]."}]}, "sections[1].heading"),
        ({"references": [{"number": 1, "title": "Guideline\n2017"}]}, "references[1].title"),
        ({"references": [{"number": 1, "title": "Guideline", "publisher": "ACP\x1b"}]}, "references[1].publisher"),
    ],
)
def test_review_api_create_refuses_control_characters_in_each_single_line_field(author, overrides, field):
    response = client_for(author).post(REVIEW_BASE, json_article(**overrides, submit=True), format="json")

    assert_refused_and_nothing_written(response, field)


def test_review_api_markdown_refuses_a_control_character_naming_the_line(author):
    response = client_for(author).post(
        REVIEW_BASE, {"markdown": markdown_article(question="Back pain?\\e[31m"), "submit": True}, format="json"
    )

    assert response.status_code == 400, response.content
    assert response.json()["error"]["detail"] == {"line": 2}
    assert not Article.objects.exists()


def test_import_article_refuses_a_newline_in_a_reference_title_naming_the_line(tmp_path):
    path = tmp_path / "article.md"
    path.write_text(markdown_article(title="Low back pain\\nguideline"))

    with pytest.raises(CommandError) as exc:
        call_command("import_article", str(path))

    assert exc.value.returncode == 2
    assert "line 7" in str(exc.value)
    assert "references[1].title" in str(exc.value)
    assert not Article.objects.exists()


def test_admin_form_refuses_a_newline_in_the_question(admin_client):
    data = {
        "question": "What are the treatment options\nfor back pain?",
        "slug": "back-pain",
        "topic": "back pain",
        "sections-TOTAL_FORMS": 0,
        "sections-INITIAL_FORMS": 0,
        "citations-TOTAL_FORMS": 0,
        "citations-INITIAL_FORMS": 0,
    }

    response = admin_client.post(reverse("admin:articles_article_add"), data)

    assert response.status_code == 200
    assert "question" in response.context["adminform"].form.errors
    assert not Article.objects.exists()


def test_start_review_of_an_article_stored_with_a_newline_in_its_question_does_not_500(
    author, chair, reviewers, django_capture_on_commit_callbacks
):
    """A question stored before the rule (no write path accepts one now): the e-mails that follow a
    committed start_review must not turn it into a 500."""
    article = ArticleFactory(authors=[author])
    Article.objects.filter(pk=article.pk).update(question="What are the treatment options\nfor back pain?")
    article.refresh_from_db()
    services.article_submit(article=article, user=author)
    for reviewer in reviewers[:2]:
        services.assignment_create(article=article, reviewer=reviewer, user=chair)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(chair).post(f"{REVIEW_BASE}{article.slug}/transitions/start_review/", {}, format="json")

    assert response.status_code == 200, response.content
    assert Article.objects.get(pk=article.pk).state == ReviewState.UNDER_REVIEW
    assert len(mail.outbox) == 2
    assert all("\n" not in message.subject for message in mail.outbox)
