"""The review screen acting in place: an htmx request to a review action gets the part of the screen it
changed instead of a redirect to the whole page.

The thin layer, in one place: every review action posts to the one generic action view
(``ReviewActionsAdminMixin.action_view``: one runner call, its message, a redirect back to the screen);
when the request came from htmx (``request.htmx``, django-htmx) aimed at a comment column of the screen
(``HX-Target: threads-section-<pk>`` or ``threads-article``), the answer is that column drawn again from
the same context as the full screen, with the messages and the sticky bar's progress words swapped out of
band. Without htmx (no JavaScript, the API, the tests' clients) nothing changes: the redirect stands.
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin.utils import unquote
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
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
    """Mixed into ``ArticleAdmin`` before the review actions (``ReviewActionsAdminMixin.action_view``)."""

    def action_view(self, request: HttpRequest, object_id: str, **kwargs: Any) -> HttpResponse:
        response = super().action_view(request, object_id, **kwargs)
        target = in_place_target(request)
        if target is None or not isinstance(response, HttpResponseRedirect):
            return response  # a normal request, or a page drawn (the action's form)
        article = self.get_object(request, unquote(object_id))
        if article is None or not self.has_view_or_change_permission(request, article):
            return response  # the refusal's redirect to the list (``_review_article``)
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
