"""The review API's generic action endpoint: ``POST /api/v1/review/articles/{slug}/actions/{name}/``.

One operation per declared action (``surface.surfaced()``: every action on an article whose inputs the
surfaces can take), each with its request body derived from the declaration (``surface.input_serializer``:
the declared inputs' kinds, and the id of the object acted on when there is one) and the article's review
detail as the answer. A new declaration gets its endpoint and its schema entry by itself. An unknown name
is a 400 ``unknown-action``. The older endpoints (transitions/, signoffs/, comments/, assignments/...) are
aliases onto the same path (``surface.run``).
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.exceptions import InvalidInput
from reviewboard.api import serializers as s
from reviewboard.api.views import ERRORS, _article, _detail_response
from reviewboard.review.actions import get_action, surface


def perform_action(request: Request, slug: str, name: str) -> Response:
    # An unknown name (or an action other services perform, never offered here) is a 400 before anything
    # is looked up.
    offered = surface.surfaced()
    if name not in offered:
        raise InvalidInput(
            f"Unknown action {name!r}; expected one of: {', '.join(offered)}.",
            code="unknown-action",
            detail={"field": "name", "allowed": list(offered)},
        )
    action = get_action(name)
    article = _article(slug, request.user)
    data = surface.input_serializer(name)(data=request.data)
    data.is_valid(raise_exception=True)
    values = dict(data.validated_data)
    target = None
    if (keyword := surface.target_keyword(action)) is not None:
        target = surface.find_target(action, article, values.pop(keyword))
    surface.run(name, article=article, user=request.user, target=target, values=values)
    return _detail_response(article, request.user)


def _view(name: str) -> type[APIView]:
    action = get_action(name)
    described = [action.confirm] + [f"`{f.name}`: {f.help}" for f in action.fields if f.help]
    if (keyword := surface.target_keyword(action)) is not None:
        described.append(f"`{keyword}`: the {surface.TARGETS[keyword].label} of this article the action is on.")

    class ActionView(APIView):
        @extend_schema(
            operation_id=f"review_action_{name}",
            summary=f"{action.label} (the {name} action)",
            description=" ".join(part for part in described if part),
            request=surface.input_serializer(name),
            responses={200: s.ArticleReviewOutput, **ERRORS},
        )
        def post(self, request: Request, slug: str) -> Response:
            return perform_action(request, slug, name)

    ActionView.__name__ = ActionView.__qualname__ = f"{name.title().replace('_', '')}ActionView"
    return ActionView


class UnknownActionView(APIView):
    @extend_schema(exclude=True)
    def post(self, request: Request, slug: str, name: str) -> Response:
        return perform_action(request, slug, name)


def urlpatterns() -> list[Any]:
    return [
        *(
            path(f"articles/<slug:slug>/actions/{name}/", _view(name).as_view(), name=f"action-{name}")
            for name in surface.surfaced()
        ),
        path("articles/<slug:slug>/actions/<slug:name>/", UnknownActionView.as_view(), name="action"),
    ]
