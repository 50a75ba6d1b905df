"""The API's one error body, for the OpenAPI schema, and the hook that declares it everywhere.

Every error the APIs answer has the shape ``config.exceptions.api_exception_handler`` renders:
``{"error": {"code", "message", "detail"?}}``. Views name the statuses they can answer and why;
``document_error_bodies`` (a drf-spectacular post-processing hook) gives each of those statuses
this body in the schema, so that a generated client parses every error into one type.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

ERROR_COMPONENT = "Error"
JSON = "application/json"


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable kebab-case code.")
    message = serializers.CharField()
    detail = serializers.JSONField(
        required=False, help_text="What was wrong, e.g. each invalid field and its messages (400)."
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorBodySerializer()


def document_error_bodies(result: dict[str, Any], generator, request, public) -> dict[str, Any]:
    """Give every declared 4xx/5xx response without a body the shared error body (JSON).

    The component itself is ``ErrorSerializer``'s, which the read API's views reference."""
    if ERROR_COMPONENT not in result.get("components", {}).get("schemas", {}):
        raise LookupError(f"No view references ErrorSerializer: the {ERROR_COMPONENT} component is missing.")
    reference = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for status, response in operation.get("responses", {}).items():
                if str(status)[0] in "45" and not response.get("content"):
                    response["content"] = {JSON: {"schema": reference}}
    return result
