"""The kinds of input an action declares (``registry.Field.kind``), each typed once for every surface.

A kind knows, for one declared ``Field``:

- ``clean(field, value, ctx)``: the Python value the action's body gets (what the runner checks before
  the conditions: blank, single line, a section of this article...), raising ``InvalidInput`` naming
  the field;
- ``form_field(field, article)``: the Django form field of the generic admin action page;
- ``serializer_field(field)``: the DRF field of the generic review-API endpoint (and its schema);
- ``from_surface(field, value, article)``: what a surface's parsed value means (a section's position
  becomes the ``Section``, a username the user).

So a section is always pointed at by its position (1-based) on the surfaces and is a ``Section`` in the
body; a due date is always ``due_at``, a date and time with its time zone. A kind with ``surfaced =
False`` (whole content, a list of relationships) keeps its own screens: the generic surfaces leave the
actions that take one out.
"""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework import serializers

from articles.models import Section
from config.exceptions import InvalidInput, NotFound
from config.schema import StatedCharField

if TYPE_CHECKING:
    from articles.models import Article
    from reviewboard.review.actions.registry import ActionContext, Field

TEXT_MAX = 10_000


def _attrs(field: Field) -> dict[str, Any]:
    return {"required": "required"} if field.required else {}


class Kind:
    """A text input: multi-line, stripped; blank counts as missing."""

    name = "text"
    surfaced = True
    multiline = True
    # Characters ``clean`` refuses in the trimmed value (a regular-expression class body), for the schema.
    forbidden = ""

    def clean(self, field: Field, value: Any, ctx: ActionContext) -> tuple[Any, bool]:
        """(the value, whether it is missing)."""
        value = "" if value is None else str(value).strip()
        return value, not value

    def form_field(self, field: Field, article: Article) -> forms.Field:
        widget = forms.Textarea(attrs={"rows": 6, "cols": 70, **_attrs(field)}) if self.multiline else None
        return forms.CharField(
            label=field.label, help_text=field.help, required=False, max_length=TEXT_MAX, widget=widget
        )

    def serializer_field(self, field: Field) -> serializers.Field:
        # A blank or a forbidden character reaches ``clean`` and the runner, which refuse it with their own
        # codes ("<name>-required", "invalid-characters"); the schema states both (config.schema.AutoSchema).
        optional = {} if field.required else {"required": False, "default": ""}
        return StatedCharField(
            forbidden=self.forbidden,
            refuse_blank=field.required,
            allow_blank=True,
            max_length=TEXT_MAX,
            help_text=field.help,
            **optional,
        )

    def from_surface(self, field: Field, value: Any, article: Article) -> Any:
        return value


class Line(Kind):
    """A single line: control characters (a newline included) are refused."""

    name = "line"
    multiline = False
    forbidden = "\\u0000-\\u001f"

    def clean(self, field: Field, value: Any, ctx: ActionContext) -> tuple[Any, bool]:
        value, missing = super().clean(field, value, ctx)
        if re.search(f"[{self.forbidden}]", value):
            raise InvalidInput(
                f"{field.label} must be a single line without control characters.",
                code="invalid-characters",
                detail={"field": field.name},
            )
        return value, missing


class Hash(Line):
    """A content hash (sha256, hex): the body compares it with the content under review."""

    name = "hash"

    def form_field(self, field: Field, article: Article) -> forms.Field:
        return forms.CharField(required=False, widget=forms.HiddenInput, initial=article.review_hash)

    def serializer_field(self, field: Field) -> serializers.Field:
        return serializers.RegexField(r"^[0-9a-f]{64}$", help_text=field.help or "The content hash you read.")


class Bool(Kind):
    """Yes or no: never missing."""

    name = "bool"

    def clean(self, field: Field, value: Any, ctx: ActionContext) -> tuple[Any, bool]:
        return bool(value), False

    def form_field(self, field: Field, article: Article) -> forms.Field:
        return forms.BooleanField(label=field.label, help_text=field.help, required=False)

    def serializer_field(self, field: Field) -> serializers.Field:
        return serializers.BooleanField(required=False, default=False, help_text=field.help)


class EndOfDayField(forms.DateField):
    """A date typed by a person (YYYY-MM-DD), as the end of that day in the current time zone."""

    default_error_messages = {"invalid": "Enter the date as YYYY-MM-DD."}

    def clean(self, value: Any) -> datetime | None:
        day = super().clean(value)
        return timezone.make_aware(datetime.combine(day, time(23, 59))) if day else None


class DateTime(Kind):
    """A moment with its time zone (ISO 8601 on the API; a day, ending at 23:59, in the admin)."""

    name = "datetime"

    def clean(self, field: Field, value: Any, ctx: ActionContext) -> tuple[Any, bool]:
        value = None if value in (None, "") else value
        return value, value is None

    def form_field(self, field: Field, article: Article) -> forms.Field:
        return EndOfDayField(label=field.label, help_text=field.help, required=False)

    def serializer_field(self, field: Field) -> serializers.Field:
        return serializers.DateTimeField(required=False, allow_null=True, default=None, help_text=field.help)


class User(Kind):
    """A person: a user in Python, a username on the API, a choice in the admin."""

    name = "user"

    def clean(self, field: Field, value: Any, ctx: ActionContext) -> tuple[Any, bool]:
        return value, value in (None, "")

    def form_field(self, field: Field, article: Article) -> forms.Field:
        what = field.what or field.label.lower()
        return forms.ModelChoiceField(
            queryset=get_user_model().objects.all(),
            label=field.label,
            required=field.required,
            error_messages={"required": f"Choose a {what}.", "invalid_choice": f"That {what} does not exist."},
        )

    def serializer_field(self, field: Field) -> serializers.Field:
        help_text = field.help or f"Username of the {field.what or field.label.lower()}."
        if field.required:
            return serializers.CharField(max_length=150, help_text=help_text)
        return serializers.CharField(max_length=150, required=False, allow_blank=True, default="", help_text=help_text)

    def from_surface(self, field: Field, value: Any, article: Article) -> Any:
        if value in (None, "") or not isinstance(value, str):
            return value
        user = get_user_model().objects.filter(username=value).first()
        if user is None:  # a well-formed name that names no one: 404 naming the field, as for a target's id
            raise NotFound(f"No user '{value}'.", code=f"unknown-{field.name}", detail={field.name: "No such user."})
        return user


class SectionKind(Kind):
    """A section of the article: its position (1-based) on the surfaces, the ``Section`` in the body.
    Python callers may pass the ``Section`` (or its primary key)."""

    name = "section"

    def clean(self, field: Field, value: Any, ctx: ActionContext) -> tuple[Any, bool]:
        if value in (None, ""):
            return None, True
        section_id = value.pk if isinstance(value, Section) else value
        try:
            found = Section.objects.filter(article=ctx.article, pk=int(section_id)).first()
        except (TypeError, ValueError):
            found = None
        if found is None:
            raise InvalidInput(
                f"Section {section_id} is not a section of this article.",
                code="invalid-section",
                detail={"field": field.name},
            )
        return found, False

    def form_field(self, field: Field, article: Article) -> forms.Field:
        choices = [("", "The whole article")] + [
            (s.position, f"{s.position}. {s.heading}") for s in article.sections.order_by("position")
        ]
        return forms.TypedChoiceField(
            label=field.label, help_text=field.help, required=False, choices=choices, coerce=int, empty_value=None
        )

    def serializer_field(self, field: Field) -> serializers.Field:
        return serializers.IntegerField(
            required=False,
            allow_null=True,
            default=None,
            min_value=1,
            max_value=10_000,
            help_text=field.help or "Position (1-based) of the section.",
        )

    def from_surface(self, field: Field, value: Any, article: Article) -> Any:
        if value is None:
            return None
        section = article.sections.filter(position=value).first()
        if section is None:  # a position past the article's sections: 404 naming the field
            raise NotFound(
                f"The article has no section {value}.",
                code=f"{field.name}-not-found",
                detail={field.name: "No such section."},
            )
        return section


class Unsurfaced(Kind):
    """An input with its own screens (the article's content, a list of relationships): passed as it is."""

    surfaced = False

    def __init__(self, name: str) -> None:
        self.name = name

    def clean(self, field: Field, value: Any, ctx: ActionContext) -> tuple[Any, bool]:
        return value, value in (None, "")


class Rows(Kind):
    """A list of small objects (a declaration's relationships, a sign-off's acknowledgements, a report's
    checklist answers): the action's own validation reads each row. The API takes a JSON list; the admin
    draws no generic field for it (its panel posts one field per row, gathered by the view's ``collect``)."""

    name = "relationships"

    def clean(self, field: Field, value: Any, ctx: ActionContext) -> tuple[Any, bool]:
        return value, value in (None, "", [])

    def form_field(self, field: Field, article: Article) -> forms.Field | None:
        return None

    def serializer_field(self, field: Field) -> serializers.Field:
        return serializers.ListField(
            child=serializers.DictField(), required=field.required, help_text=field.help, allow_empty=True
        )


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(),
        Line(),
        Hash(),
        Bool(),
        DateTime(),
        User(),
        SectionKind(),
        Unsurfaced("content"),
        Rows(),
        Unsurfaced("object"),
    )
}
