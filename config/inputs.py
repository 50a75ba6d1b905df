"""Request bodies take what their schema says, no more.

DRF converts on the way in: a number becomes a text, ``0`` or ``"yes"`` a boolean, ``"5"`` an integer, and
a text is trimmed before its length is measured. The schema says string, boolean, integer and a
``maxLength`` of the value sent, so a field of a ``JsonInput`` body takes its value only in the JSON type
its schema states, and a text no longer than its ``max_length`` as sent: anything else is a 400 naming the
field, before DRF converts anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers


def json_type_problem(field: serializers.Field, value: Any) -> str | None:
    """Why ``value``, as JSON sent it, is not what ``field``'s schema states (None when it is, or when DRF's
    own checks answer: null, a missing list)."""
    if value is None:
        return None
    if isinstance(field, serializers.ListField):
        if not isinstance(value, list):
            return None
        problems = (json_type_problem(field.child, item) for item in value)
        return next((f"Item {index + 1}: {problem}" for index, problem in enumerate(problems) if problem), None)
    if isinstance(field, serializers.BooleanField) and not isinstance(value, bool):
        return "Must be true or false."
    if isinstance(field, serializers.IntegerField) and (isinstance(value, bool) or not isinstance(value, int)):
        return "A whole number is required."
    if isinstance(field, serializers.CharField):
        if not isinstance(value, str):
            return "Not a valid string."
        if field.max_length is not None and len(value) > field.max_length:
            return f"Ensure this field has no more than {field.max_length} characters (it has {len(value)})."
    return None


class JsonInput(serializers.Serializer):
    """A request body (or an object in one) whose fields take only their schema's JSON types."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            errors = {
                name: [problem]
                for name, field in self.fields.items()
                if not field.read_only and name in data and (problem := json_type_problem(field, data[name]))
            }
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)
