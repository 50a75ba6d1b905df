"""The list endpoint's query string: validated by hand, once, with errors naming the field.

No form machinery when there is nothing to validate (the common request has no filter), and the
cursor is opaque to clients: url-safe base64 of ``[rendered_at, id]``, the position of the last
item served in the list's order (newest change first).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from django import forms
from django.http import QueryDict
from django_filters.fields import IsoDateTimeField

from config.exceptions import InvalidInput

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_FULL_PAGE_SIZE = 20  # full payloads are tens of kilobytes each
MAX_TOPIC_LENGTH = 120
MAX_Q_LENGTH = 300
EXPAND_FULL = "full"


@dataclass(frozen=True)
class ListingQuery:
    page_size: int = DEFAULT_PAGE_SIZE
    after: tuple[datetime, int] | None = None
    full: bool = False
    topic: str = ""
    q: str = ""
    updated_since: datetime | None = None


DEFAULT = ListingQuery()


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time, normalised to UTC (the database refuses offsets such as -18:19, and
    dates near year 1 or 9999 can overflow when converted): any such value is a 400, not a 500."""

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(UTC)
        except (OverflowError, ValueError) as exc:
            raise forms.ValidationError("Enter a date-time between years 1 and 9999.", code="invalid") from exc


def encode_cursor(rendered_at: datetime, article_id: int) -> str:
    raw = json.dumps([rendered_at.astimezone(UTC).isoformat(), article_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """The position a cursor names; ValueError when it is not one this API wrote."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, article_id = json.loads(raw)
        position = datetime.fromisoformat(at)
    except (binascii.Error, UnicodeDecodeError, TypeError, ValueError) as exc:
        raise ValueError(cursor) from exc
    if position.tzinfo is None or type(article_id) is not int or not 0 < article_id < 2**63:
        raise ValueError(cursor)
    return position, article_id


# The list's query parameters: any other one is a 400 naming it.
KNOWN_PARAMETERS = ("topic", "updated_since", "q", "cursor", "page_size", "expand")


def parse_listing_query(query: QueryDict) -> ListingQuery:
    """The list's options from the query string; InvalidInput (400) naming every bad field."""
    if not query:
        return DEFAULT
    errors: dict[str, list[str]] = {}
    values: dict[str, object] = {}
    if "page" in query:
        errors["page"] = ["Pages are not numbered: follow the next link (its cursor parameter)."]
    for name in query:
        if name not in KNOWN_PARAMETERS and name != "page":  # a mistyped filter never returns everything
            errors[name or "(empty name)"] = [f"Unknown query parameter; known: {', '.join(KNOWN_PARAMETERS)}."]
    for name in ("updated_since", "topic", "q", "cursor", "page_size", "expand"):
        if name in query and query.get(name) == "":
            errors[name] = ["Give a value, or leave the parameter out."]
    full = query.get("expand", "") == EXPAND_FULL
    if query.get("expand", EXPAND_FULL) != EXPAND_FULL:
        errors["expand"] = [f'The only expansion is "{EXPAND_FULL}" (full articles in the page).']
    values["full"] = full
    limit = MAX_FULL_PAGE_SIZE if full else MAX_PAGE_SIZE
    if "page_size" in query:
        text = query["page_size"].strip()
        if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= limit:
            suffix = " with expand=full" if full else ""
            errors["page_size"] = [f"Enter a whole number from 1 to {limit}{suffix}."]
        else:
            values["page_size"] = int(text)
    if query.get("cursor"):
        try:
            values["after"] = decode_cursor(query["cursor"])
        except ValueError:
            errors["cursor"] = ["Not a cursor from this API: use the next link as given."]
    for name, max_length in (("topic", MAX_TOPIC_LENGTH), ("q", MAX_Q_LENGTH)):
        text = query.get(name, "").strip()
        if len(text) > max_length:
            errors[name] = [f"Ensure this value has at most {max_length} characters (it has {len(text)})."]
        elif "\x00" in text:
            errors[name] = ["Null characters are not allowed."]
        else:
            values[name] = text
    if query.get("updated_since"):
        try:
            values["updated_since"] = UtcIsoDateTimeField().clean(query["updated_since"])
        except forms.ValidationError as exc:
            errors["updated_since"] = list(exc.messages)
    if errors:
        raise InvalidInput("The request has invalid fields.", code="invalid-input", detail=errors)
    return ListingQuery(**values)
