"""What the admin screen tests share: URLs of the review screen and its actions, a logged-in client, the
messages a response carried, and an article brought to a state through the services."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from articles.models import Article, ReviewState
from reviewboard.review import services
from tests.reviewboard.conftest import sign, start_review, submit


def change_url(article) -> str:
    """The article's review screen: where every review action is offered and returns to."""
    return reverse("admin:articles_article_review", args=[article.pk])


def action_url(view: str, article, *args) -> str:
    return reverse(f"admin:articles_article_{view}", args=[article.pk, *args])


def transition_url(article, name: str) -> str:
    return action_url("transition", article, name)


QUEUE_URL = "/admin/reviewboard/assignment/queue/"


def message_list(response) -> list[tuple[int, str]]:
    return [(m.level, str(m)) for m in get_messages(response.wsgi_request)]


def errors(response) -> list[str]:
    return [text for level, text in message_list(response) if level == messages.ERROR]


def successes(response) -> list[str]:
    return [text for level, text in message_list(response) if level == messages.SUCCESS]


def page(client: Client, article) -> str:
    response = client.get(change_url(article))
    assert response.status_code == 200
    return response.content.decode()


def buttons(html: str) -> list[str]:
    """The transition buttons drawn on the review page, in order."""
    return re.findall(r'data-transition="([a-z_]+)"', html)


def fresh(article) -> Article:
    return Article.objects.get(pk=article.pk)


def reach(state: str, article, cast) -> Article:
    """``article`` brought to ``state`` through the services (reviewer1 and reviewer2 assigned)."""
    if state == ReviewState.DRAFT:
        return article
    if state == ReviewState.SUBMITTED:
        article = submit(article, cast["author"])
        for reviewer in (cast["reviewer1"], cast["reviewer2"]):
            services.assignment_create(article=article, reviewer=reviewer, user=cast["chair"])
        return fresh(article)
    article = start_review(article, cast["author"], cast["chair"], [cast["reviewer1"], cast["reviewer2"]])
    if state == ReviewState.CHANGES_REQUESTED:
        return services.article_request_changes(article=article, user=cast["reviewer1"], comment="Fix the dose.")
    if state == ReviewState.APPROVED:
        sign(article, cast["reviewer1"])
        sign(fresh(article), cast["reviewer2"])
        assert fresh(article).state == ReviewState.APPROVED
    return fresh(article)
