"""Request body parsers shared by every API view."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import JSONParser

# No request of the APIs nests deeper than a handful of levels (an article's references are 3).
MAX_JSON_DEPTH = 20


def json_depth_exceeds(data: Any, limit: int) -> bool:
    """Whether ``data`` nests lists/objects deeper than ``limit`` (walked without recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > limit:
                return True
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)
    return False


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser, refusing bodies nested deeper than ``MAX_JSON_DEPTH`` with a 400.

    Python's decoder raises ``RecursionError`` (not a ``ValueError``) for deep nesting, which DRF
    does not catch: JSON nested 1,000 deep was a 500 on every JSON endpoint.
    """

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON parse error - nested more than {MAX_JSON_DEPTH} levels deep.") from None
        if json_depth_exceeds(data, MAX_JSON_DEPTH):
            raise ParseError(f"JSON parse error - nested more than {MAX_JSON_DEPTH} levels deep.")
        return data


def refuse_unknown_query_parameters(
    query_params: Any, known: tuple[str, ...], *, non_empty: tuple[str, ...] = ()
) -> None:
    """A 400 naming any query parameter a list endpoint does not know, or one of ``non_empty`` given
    with no value: a mistyped filter (``?topc=...``) or ``?state=`` would otherwise be ignored and the
    whole list returned as if it had matched."""
    errors = {
        name or "(empty name)": f"Unknown query parameter; known: {', '.join(known)}."
        for name in query_params
        if name not in known
    }
    errors.update(
        {name: "Give a value, or leave the parameter out." for name in non_empty if query_params.get(name, None) == ""}
    )
    if errors:
        raise ValidationError(dict(sorted(errors.items())))
