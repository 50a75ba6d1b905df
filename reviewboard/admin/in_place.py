"""The review screen acting in place: an htmx request to a review action gets the part of the screen it
changed instead of a redirect to the whole page.

The thin layer, in one place: every review action ends in ``_perform`` (one service call, its message);
when the request came from htmx (``request.htmx``, django-htmx) aimed at a comment column of the screen
(``HX-Target: threads-section-<pk>`` or ``threads-article``), the answer is that column drawn again from
the same context as the full screen, with the messages and the sticky bar's progress words swapped out of
band. Without htmx (no JavaScript, the API, the tests' clients) nothing changes: the redirect stands.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from articles.models import Article

THREADS_PREFIX = "threads-"
ARTICLE_THREADS = "threads-article"


def in_place_target(request: HttpRequest) -> str | None:
    """The comment column an htmx request asks to be redrawn, or None for a normal request."""
    htmx = getattr(request, "htmx", None)
    target = htmx.target if htmx else None
    if request.method != "POST" or not target or not target.startswith(THREADS_PREFIX):
        return None
    return target


class InPlaceAdminMixin:
    """Mixed into ``ArticleAdmin`` before the review actions (``ReviewActionsAdminMixin._perform``)."""

    def _perform(self, request: HttpRequest, article: Article, action: Callable[[], Any], **kwargs: Any) -> Any:
        response = super()._perform(request, article, action, **kwargs)
        target = in_place_target(request)
        if target is None:
            return response
        return self.in_place_response(request, article, target)

    def in_place_response(self, request: HttpRequest, article: Article, target: str) -> HttpResponse:
        article.refresh_from_db()
        context = self._review_context(request, article)
        review = context["review"]
        column = {"threads": review["general_threads"], "section": None, "threads_id": ARTICLE_THREADS}
        for item in review["sections"]:
            if item["threads_id"] == target:
                column = {"threads": item["threads"], "section": item["section"], "threads_id": target}
        return TemplateResponse(request, "admin/articles/article/review/in_place.html", {**context, "column": column})
