"""OpenAPI post-processing: every error the API can answer is documented with its JSON shape.

Views declare their own responses; this hook adds what any endpoint can answer whatever its view:
401 (bad credentials), 400 for a malformed body (bad JSON, nested too deeply, NUL characters), 413
for a body above ``DATA_UPLOAD_MAX_MEMORY_SIZE``, 415 for an unsupported content type and 503 while a
dependency is unreachable (``config.outages``, with ``Retry-After``), and gives
every 4xx response without a body the one error shape (``Error``: ``{"error": {code, message, detail}}``).
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


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
    "413": "The request body is larger than the limit (DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MB by default).",
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
