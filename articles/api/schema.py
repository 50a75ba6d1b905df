"""The read API's OpenAPI pieces shared by its views: error answers, path and header parameters."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from articles.api import serializers as shapes

ERRORS = {
    401: OpenApiResponse(shapes.ErrorSerializer, description="No API key, or one that is unknown, revoked or expired."),
    429: OpenApiResponse(shapes.ErrorSerializer, description="Too many requests for this key; see Retry-After."),
}
NOT_FOUND = OpenApiResponse(shapes.ErrorSerializer, description="Unknown, never approved or archived.")
GONE = OpenApiResponse(shapes.RetractedSerializer, description="Retracted; the reason is in error.detail.")
BAD_AUDIENCE = OpenApiResponse(shapes.ErrorSerializer, description="Unknown audience (invalid-audience).")
NOT_MODIFIED = OpenApiResponse(description="The client's copy (If-None-Match / If-Modified-Since) is current.")
INT32 = 2**31 - 1
SLUG = OpenApiParameter(
    "slug",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    required=True,
    pattern=r"^[-a-zA-Z0-9_]+$",
    description="The article's stable slug.",
)
NUMBER = OpenApiParameter(
    "number",
    {"type": "integer", "minimum": 1, "maximum": INT32},
    OpenApiParameter.PATH,
    required=True,
    description="Version number, from 1.",
)
VALIDATORS = [
    OpenApiParameter(
        "ETag",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=[200, 304],
        description="Validator of the served bytes, for If-None-Match.",
    ),
    OpenApiParameter(
        "Last-Modified",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=[200, 304],
        description="When the served bytes last changed, for If-Modified-Since.",
    ),
    OpenApiParameter(
        "Retry-After",
        OpenApiTypes.INT,
        OpenApiParameter.HEADER,
        response=[429],
        description="Seconds to wait before the key may ask again.",
    ),
]
AUDIENCE = OpenApiParameter(
    "audience",
    {"type": "string", "enum": ["clinician", "patient"]},
    description="Which version: clinician (default) or patient (plain language; 404 when the article has none).",
)
CONDITIONAL = [
    SLUG,
    AUDIENCE,
    OpenApiParameter("If-None-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, description="ETag of a copy held."),
    OpenApiParameter(
        "If-Modified-Since", OpenApiTypes.STR, OpenApiParameter.HEADER, description="HTTP date of a copy held."
    ),
    *VALIDATORS,
]
TAGS = ["articles"]
