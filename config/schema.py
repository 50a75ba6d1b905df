"""The OpenAPI schema states the rules the server enforces, and documents every error with its JSON shape.

``AutoSchema`` (the API's schema class) adds to drf-spectacular's mapping what DRF's fields enforce but
drf-spectacular leaves out, read from the same field declarations that validate: a text refuses NUL
characters, and unless it may be blank it needs a character other than white space once trimmed (a
``pattern``); a ``StatedCharField`` also states what a later step refuses with its own error code (a line
break in a single-line field, a blank required action input); a serializer with ``refuses_unknown_fields``
says ``additionalProperties: false``, one with ``refused_shapes`` the combinations of fields it refuses
(``not: {anyOf: ...}``), and one with ``body_required`` that a request needs a body.

``document_error_responses`` (post-processing): views declare their own responses; this hook adds what any
endpoint can answer whatever its view:
401 (bad credentials), 400 for a malformed body (bad JSON, nested too deeply, NUL characters), 413
for a body above ``DATA_UPLOAD_MAX_MEMORY_SIZE``, 415 for an unsupported content type and 503 while a
dependency is unreachable (``config.outages``, with ``Retry-After``), and gives
every 4xx response without a body the one error shape (``Error``: ``{"error": {code, message, detail}}``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core import validators
from drf_spectacular import openapi
from rest_framework import serializers

NUL = "\\u0000"
# What str.strip() (so DRF's trim_whitespace) drops, as the body of a character class: spelled out, since
# "\\s" means other characters in ECMA-262 and to hypothesis than to Python.
WHITE_SPACE = "\\u0009-\\u000d\\u001c-\\u0020\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"


def text_pattern(*, forbidden: str = NUL, blank: bool = True, trim: bool = True) -> str:
    """The pattern (ECMA-262 and Python alike) of a text the server takes: no character of ``forbidden``
    (the body of a character class) in it once trimmed (``trim``: leading and trailing white space is
    dropped first, as DRF's ``trim_whitespace`` does), and, unless ``blank``, something left."""
    if not trim:
        return f"^[^{forbidden}]{'*' if blank else '+'}$"
    # The trimmed value: none of ``forbidden``, ending on a character that is not white space.
    trimmed = f"[^{forbidden}]*[^{forbidden}{WHITE_SPACE}]"
    space = f"[{WHITE_SPACE}]*"
    return f"^{space}(?:{trimmed})?{space}$" if blank else f"^{space}{trimmed}{space}$"


class StatedCharField(serializers.CharField):
    """A text field whose schema also states what a later step refuses with its own error code, so that
    the schema tells the whole rule: ``forbidden`` characters (e.g. a line break in a single-line field,
    which the content services refuse with ``invalid-content``), ``refuse_blank`` (a required action
    input that the runner refuses with ``<name>-required`` when blank), ``string_format`` (e.g.
    ``byte``: base64, which the serializer's ``validate_<field>`` decodes) or a whole ``pattern`` (a
    function of no argument, called when the schema is made: it may read settings)."""

    def __init__(
        self,
        *,
        forbidden: str = "",
        refuse_blank: bool = False,
        string_format: str = "",
        pattern: Callable[[], str] | None = None,
        **kwargs: Any,
    ) -> None:
        self.forbidden = forbidden
        self.refuse_blank = refuse_blank
        self.string_format = string_format
        self.pattern = pattern
        super().__init__(**kwargs)


def _states_its_own_format(field: serializers.CharField) -> bool:
    return any(isinstance(v, validators.RegexValidator | validators.EmailValidator) for v in field.validators)


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, with the rules of request fields and bodies it does not state by itself."""

    def _map_serializer_field(self, field: Any, direction: str, bypass_extensions: bool = False) -> Any:
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.ListSerializer) and isinstance(schema, dict) and schema.get("type") == "array":
            # A nested serializer with many=True: drf-spectacular leaves out the sizes the list validates.
            if field.max_length is not None:
                schema["maxItems"] = field.max_length
            if field.min_length is not None or not field.allow_empty:
                schema["minItems"] = max(field.min_length or 0, 0 if field.allow_empty else 1)
        if direction == "request" and isinstance(field, StatedCharField):
            if field.string_format:
                schema["format"] = field.string_format
            if field.pattern is not None:
                schema["pattern"] = field.pattern()
        if (
            direction == "request"
            and isinstance(field, serializers.CharField)
            and isinstance(schema, dict)
            and schema.get("type") == "string"
            and not {"pattern", "format", "enum"} & set(schema)
            and not _states_its_own_format(field)
        ):
            stated = isinstance(field, StatedCharField)
            extra = field.forbidden if stated else ""
            forbidden = extra if extra.startswith(NUL) else NUL + extra  # DRF refuses NUL in every text
            blank = field.allow_blank and not (stated and field.refuse_blank)
            schema["pattern"] = text_pattern(forbidden=forbidden, blank=blank, trim=field.trim_whitespace)
            if blank:
                # drf-spectacular states a blank-allowed field with a pattern as oneOf [it, ""]: the first
                # must then exclude "" for the two to be one of (white space alone stays in the first).
                schema.setdefault("minLength", 1)
        return schema

    def _insert_field_validators(self, field: Any, schema: dict[str, Any]) -> None:
        super()._insert_field_validators(field, schema)
        if "oneOf" in schema and "default" in schema["oneOf"][0]:
            schema["default"] = schema["oneOf"][0].pop("default")  # a default belongs to the field, not a branch
        if isinstance(field, StatedCharField) and field.refuse_blank and "oneOf" in schema:
            # The serializer lets a blank through to the step that refuses it with its own code: no "" here.
            schema.update(schema.pop("oneOf")[0])

    def _get_request_for_media_type(self, serializer: Any, direction: str = "request") -> tuple[Any, bool]:
        schema, required = super()._get_request_for_media_type(serializer, direction)
        return schema, required or getattr(serializer, "body_required", False)

    def _map_basic_serializer(self, serializer: Any, direction: str) -> dict[str, Any]:
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "request":
            if getattr(serializer, "refuses_unknown_fields", False):
                schema["additionalProperties"] = False
            if refused := getattr(serializer, "refused_shapes", None):
                # "not anyOf" rather than oneOf: the same rule, and client generators keep one model for the
                # body (openapi-python-client makes a oneOf body a union of models without the fields).
                schema["not"] = {"anyOf": refused}
        return schema


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable kebab-case code.")
    message = serializers.CharField()
    detail = serializers.JSONField(
        required=False, help_text="What was wrong, e.g. each invalid field and its messages (400)."
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorBodySerializer()


ERROR_REF = {"$ref": "#/components/schemas/Error"}
MALFORMED_BODY = "Also a malformed body: bad JSON, nested more than 20 levels, NUL characters."
BODY_ERRORS = {
    "400": f"Invalid input: names the field. {MALFORMED_BODY}",
    "413": "The request body is larger than the limit: DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB by default), and "
    "READER_REPORT_MAX_BODY_BYTES (16 KB) for a client app's reader reports and webhook endpoints.",
    "415": "Unsupported content type: send application/json.",
}


OUTAGE = {
    "description": "The database or Redis cannot be reached (error.code service-unavailable, "
    "error.detail.dependency); not stored by caches. Retry after Retry-After seconds.",
    "headers": {"Retry-After": {"schema": {"type": "integer", "minimum": 1}, "description": "Seconds to wait."}},
}


def document_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    if "Error" not in result.get("components", {}).get("schemas", {}):
        return result
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            responses.setdefault("401", {"description": "Missing or invalid credentials."})
            responses.setdefault("503", dict(OUTAGE))
            if "requestBody" in operation:
                for status, description in BODY_ERRORS.items():
                    responses.setdefault(status, {"description": description})
                bad_input = responses["400"]
                if "NUL" not in bad_input.get("description", ""):
                    bad_input["description"] = f"{bad_input.get('description', '')} {MALFORMED_BODY}".strip()
            for status, response in responses.items():
                if status[0] in "45" and not response.get("content"):
                    response["content"] = {"application/json": {"schema": ERROR_REF}}
    return result
