"""What the generic surfaces of an action read from its declaration: the admin's action page and the
review API's ``POST /api/v1/review/articles/{slug}/actions/{name}/``.

- ``surfaced()``: the actions offered there (on an article, with inputs every surface can take; in the
  catalog's order): a new declaration appears on both, and in the API schema, by itself;
- ``input_serializer(action)``: the API's request body, one field per declared input (their kinds'
  serializer fields) and, for an action on an object of the article (an assignment, a comment, a
  published version, a reader report), that object's id;
- ``action_form(action, article)``: the admin page's form, from the same kinds;
- ``find_target``: the object an id names, only among the article's own (else 404 / a refusal);
- ``run``: a surface's parsed values to Python values (``Kind.from_surface``), then the runner.

The existing endpoints and admin URLs of each action are aliases onto ``run``: they keep their documented
names for inputs (``due`` for ``due_at``, a section's primary key in the admin's comment form).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms
from rest_framework import serializers

from articles.models import Article, PublishedVersion
from config.exceptions import NotFound
from config.inputs import JsonInput
from reviewboard.models import Assignment, Comment, ReaderReport
from reviewboard.review.actions.catalog import ACTIONS
from reviewboard.review.actions.registry import Action
from reviewboard.review.actions.runner import get_action, perform

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

DB_INT_MAX = 2**31 - 1


@dataclass(frozen=True)
class Target:
    """How a surface names an object of the article that an action is performed on."""

    label: str
    find: Callable[[Article, Any], Any]
    field: Callable[[], serializers.Field]
    code: str


def _int(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= DB_INT_MAX else None


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


TARGETS: dict[str, Target] = {
    "assignment": Target(
        "assignment",
        lambda article, key: (
            Assignment.objects.filter(article=article, pk=_int(key)).select_related("reviewer").first()
        ),
        lambda: serializers.IntegerField(min_value=1, max_value=DB_INT_MAX, help_text="The assignment's id."),
        "assignment-not-found",
    ),
    "comment": Target(
        "comment",
        lambda article, key: Comment.objects.filter(article=article, pk=_int(key)).select_related("parent").first(),
        lambda: serializers.IntegerField(min_value=1, max_value=DB_INT_MAX, help_text="The comment's id."),
        "comment-not-found",
    ),
    "version": Target(
        "published version",
        lambda article, key: PublishedVersion.objects.filter(article=article, number=_int(key)).first(),
        lambda: serializers.IntegerField(min_value=1, max_value=DB_INT_MAX, help_text="The version's number."),
        "version-not-found",
    ),
    "report": Target(
        "reader report",
        lambda article, key: (
            ReaderReport.objects.filter(article=article, public_id=_uuid(key)).first() if _uuid(key) else None
        ),
        lambda: serializers.UUIDField(help_text="The reader report's id."),
        "report-not-found",
    ),
}


def surfaced() -> tuple[str, ...]:
    """The actions the generic admin page and API endpoint offer, in the catalog's order."""
    return tuple(name for name, action in ACTIONS.items() if action.on_surfaces and action.on in ("", *TARGETS))


def target_keyword(action: Action) -> str | None:
    """The body field (API) that names the object acted on, when the surfaces must name one."""
    return action.on if action.needs_target_id else None


def find_target(action: Action, article: Article, key: Any) -> Any:
    """The object ``key`` names among ``article``'s own, else 404 (never another article's)."""
    target = TARGETS[action.on]
    found = target.find(article, key)
    if found is None:
        raise NotFound(f"No {target.label} {key} on this article.", code=target.code, detail={"field": action.on})
    return found


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


@functools.cache
def input_serializer(name: str) -> type[serializers.Serializer]:
    """The API's request body of action ``name`` (a named component in the schema)."""
    action = get_action(name)
    fields: dict[str, Any] = {}
    if (keyword := target_keyword(action)) is not None:
        fields[keyword] = TARGETS[keyword].field()
    for field in action.fields:
        fields[field.name] = field.spec.serializer_field(field)
    doc = f"{action.label}: the inputs of the `{name}` action, as declared."
    return type(f"{_camel(name)}ActionInput", (JsonInput,), {**fields, "__doc__": doc})


def action_form(action: Action, article: Article) -> type[forms.Form]:
    """The admin page's form of ``action`` on ``article``: one form field per declared input."""
    fields = {field.name: field.spec.form_field(field, article) for field in action.fields}
    fields = {name: form_field for name, form_field in fields.items() if form_field is not None}
    return type(f"{_camel(action.name)}ActionForm", (forms.Form,), fields)


def needs_page(action: Action) -> bool:
    """Whether the action's button opens its page first (an input to type, or a confirmation), else posts."""
    return bool(action.confirm) or any(
        field.kind not in ("bool", "hash", "relationships") and (field.required or field.kind != "text")
        for field in action.fields
    )


def run(
    name: str, *, article: Article, user: AbstractBaseUser | None, target: Any = None, values: dict[str, Any]
) -> Any:
    """Perform ``name`` with the values a surface parsed (a position, a username...) made Python values."""
    action = get_action(name)
    inputs = {
        key: (field.spec.from_surface(field, value, article) if (field := action.field(key)) is not None else value)
        for key, value in values.items()
    }
    return perform(name, article=article, user=user, target=target, **inputs)
