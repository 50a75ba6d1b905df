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


def utc_moment(moment: datetime) -> datetime:
    """``moment`` in UTC (the database refuses offsets such as -18:19). A moment on the first or last day
    there is whose conversion leaves Python's range (``0001-01-01T00:00+00:01``, a valid RFC 3339 date-time)
    is the first or last moment there is: a bound, as the schema's date-time promises, never a 400 or a 500."""
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        return datetime.min.replace(tzinfo=UTC) if moment.year == 1 else datetime.max.replace(tzinfo=UTC)


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time, normalised to UTC (``utc_moment``)."""

    def to_python(self, value):
        parsed = super().to_python(value)
        return None if parsed is None else utc_moment(parsed)


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
# The free-text ones and their longest value (no NUL character; the schema states both).
TEXT_PARAMETERS = {"topic": MAX_TOPIC_LENGTH, "q": MAX_Q_LENGTH}


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
    for name, max_length in TEXT_PARAMETERS.items():
        given = query.get(name, "")
        if len(given) > max_length:  # as given: the schema's maxLength
            errors[name] = [f"Ensure this value has at most {max_length} characters (it has {len(given)})."]
        elif "\x00" in given:
            errors[name] = ["Null characters are not allowed."]
        else:
            values[name] = given.strip()
    if query.get("updated_since"):
        try:
            values["updated_since"] = UtcIsoDateTimeField().clean(query["updated_since"])
        except forms.ValidationError as exc:
            errors["updated_since"] = list(exc.messages)
    if errors:
        raise InvalidInput("The request has invalid fields.", code="invalid-input", detail=errors)
    return ListingQuery(**values)
