"""Endpoints for client apps that carry an API key (the read API's authentication and throttles):
reader reports (file one, read its status) and webhook endpoints (register, change, rotate, remove).

They live in the board's app because the board triages the reports and delivers the webhooks; the
URLs sit beside the read API's (``/api/v1/articles/{slug}/reports/``, ``/api/v1/webhooks/``). Bodies
are JSON only. Each client sees and changes only what it filed or registered (anything else: 404).
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_api_key.models import APIKey

from articles.api import caching
from articles.api import serializers as shapes
from articles.api.authentication import ApiClient, APIKeyAuthentication
from articles.api.throttling import APIKeyRateThrottle
from config.exceptions import NotFound, TooLarge
from config.inputs import JsonInput
from config.schema import StatedCharField
from reviewboard.clients import reports
from reviewboard.delivery import webhooks
from reviewboard.models import ReaderReport, WebhookEndpoint


class HasAPIKey(BasePermission):
    message = "An API key is required: send it as 'Authorization: Api-Key <key>'."

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, ApiClient)


class ReaderReportRateThrottle(APIKeyRateThrottle):
    """``DEFAULT_THROTTLE_RATES["reader_reports"]`` filed reports per API key."""

    scope = "reader_reports"

    def allow_request(self, request, view) -> bool:
        return request.method != "POST" or super().allow_request(request, view)


class ClientAPIView(APIView):
    authentication_classes = [APIKeyAuthentication]
    permission_classes = [HasAPIKey]
    throttle_classes = [APIKeyRateThrottle]
    parser_classes = [JSONParser]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        length = request.META.get("CONTENT_LENGTH") or "0"
        if length.isdigit() and int(length) > settings.READER_REPORT_MAX_BODY_BYTES:
            raise TooLarge(  # 413, as the API answers a body above DATA_UPLOAD_MAX_MEMORY_SIZE
                f"The request body is larger than {settings.READER_REPORT_MAX_BODY_BYTES} bytes.",
                code="body-too-large",
                detail={"field": "body"},
            )

    def finalize_response(self, request, response, *args, **kwargs):
        return caching.not_stored(super().finalize_response(request, response, *args, **kwargs))


class StrictSerializer(JsonInput):
    """Refuses fields it does not know, naming them (a typo must not be silently dropped)."""

    refuses_unknown_fields = True  # the schema says so: additionalProperties false (config.schema.AutoSchema)

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


def _client(request: Request) -> ApiClient:
    return request.auth


ERRORS = {
    400: OpenApiResponse(shapes.ErrorSerializer, description="Invalid input; error.detail names the field."),
    401: OpenApiResponse(shapes.ErrorSerializer, description="No API key, or one that is unknown or revoked."),
    404: OpenApiResponse(shapes.ErrorSerializer, description="Unknown, or not yours."),
    429: OpenApiResponse(shapes.ErrorSerializer, description="Too many requests for this key; see Retry-After."),
}
SLUG = OpenApiParameter(
    "slug",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    required=True,
    pattern=r"^[-a-zA-Z0-9_]+$",
    description="The article's stable slug.",
)


# --- reader reports -------------------------------------------------------------------------------


class ReportInput(StrictSerializer):
    kind = serializers.ChoiceField(choices=ReaderReport.Kind.choices)
    text = serializers.CharField(
        max_length=8000,
        help_text="What is wrong: plain text (markup is removed), then at most READER_REPORT_MAX_TEXT (4,000 by "
        "default) characters and not empty (400 too-long, text-required).",
    )
    section = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=300, help_text="Heading of the section concerned."
    )
    contact = serializers.EmailField(
        required=False, allow_blank=True, default="", help_text="Optional e-mail address for the board's answer."
    )


class ReportOutput(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    slug = serializers.CharField(source="article.slug")
    version = serializers.IntegerField(source="version_number")
    kind = serializers.ChoiceField(choices=ReaderReport.Kind.choices)
    section = serializers.CharField(allow_blank=True)
    status = serializers.ChoiceField(choices=ReaderReport.Status.choices)
    created_at = serializers.DateTimeField()
    triaged_at = serializers.DateTimeField(allow_null=True)
    resolution = serializers.CharField(source="triage_note", allow_blank=True, help_text="The board's note.")


class ReaderReportCreateView(ClientAPIView):
    throttle_classes = [APIKeyRateThrottle, ReaderReportRateThrottle]

    @extend_schema(
        operation_id="articles_reports_create",
        tags=["reader reports"],
        summary="File a reader's report on a published article",
        parameters=[SLUG],
        request=ReportInput,
        responses={201: ReportOutput, 410: OpenApiResponse(shapes.ErrorSerializer, description="Retracted."), **ERRORS},
    )
    def post(self, request: Request, slug: str) -> Response:
        data = ReportInput(data=request.data)
        data.is_valid(raise_exception=True)
        client = _client(request)
        report = reports.report_create(
            slug=slug, api_key_id=client.key_id, client_name=client.name, **data.validated_data
        )
        return Response(ReportOutput(report).data, status=status.HTTP_201_CREATED)


class ReaderReportDetailView(ClientAPIView):
    @extend_schema(
        operation_id="articles_reports_retrieve",
        tags=["reader reports"],
        summary="The status of a report this client filed",
        parameters=[SLUG, OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH, required=True)],
        responses={200: ReportOutput, **ERRORS},
    )
    def get(self, request: Request, slug: str, id) -> Response:
        report = reports.report_for_client(slug=slug, public_id=id, api_key_id=_client(request).key_id)
        return Response(ReportOutput(report).data)


# --- webhook endpoints ----------------------------------------------------------------------------


def _url_field(**kwargs) -> StatedCharField:
    """The endpoint's URL: ``webhooks.clean_url`` checks it, the schema states its form (``url_pattern``)."""
    return StatedCharField(
        pattern=webhooks.url_pattern,
        max_length=500,
        help_text="Where deliveries are POSTed: an absolute http or https URL (https in production), on a "
        "public address.",
        **kwargs,
    )


class EndpointInput(StrictSerializer):
    url = _url_field()
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=webhooks.EVENT_TYPES), min_length=1, max_length=len(webhooks.EVENT_TYPES)
    )
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class EndpointUpdateInput(StrictSerializer):
    url = _url_field(required=False)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=webhooks.EVENT_TYPES),
        required=False,
        min_length=1,
        max_length=len(webhooks.EVENT_TYPES),
    )
    description = serializers.CharField(required=False, allow_blank=True, max_length=200)
    active = serializers.BooleanField(required=False, help_text="true re-enables a disabled endpoint.")


class EndpointOutput(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField()
    events = serializers.ListField(child=serializers.CharField())
    description = serializers.CharField(allow_blank=True)
    active = serializers.BooleanField()
    failing_since = serializers.DateTimeField(allow_null=True)
    disabled_at = serializers.DateTimeField(allow_null=True)
    disabled_reason = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()


class EndpointWithSecretOutput(EndpointOutput):
    secret = serializers.CharField(help_text="whsec_...: verify deliveries with it (docs/webhooks.md).")
    previous_secret_expires_at = serializers.DateTimeField(
        allow_null=True, help_text="Until then the previous secret signs too."
    )


def _own_endpoint(request: Request, endpoint_id: int) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.filter(pk=endpoint_id, api_key_id=_client(request).key_id).first()
    if endpoint is None:
        raise NotFound("No webhook endpoint of yours has this id.", code="not-found")
    return endpoint


ENDPOINT_ID = OpenApiParameter(
    "endpoint_id", {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}, OpenApiParameter.PATH, required=True
)
WEBHOOK_TAGS = ["webhooks"]


class WebhookEndpointListView(ClientAPIView):
    @extend_schema(
        operation_id="webhooks_list",
        tags=WEBHOOK_TAGS,
        summary="This client's webhook endpoints",
        responses={200: EndpointOutput(many=True), **ERRORS},
    )
    def get(self, request: Request) -> Response:
        rows = WebhookEndpoint.objects.filter(api_key_id=_client(request).key_id).order_by("pk")
        return Response(EndpointOutput(rows, many=True).data)

    @extend_schema(
        operation_id="webhooks_create",
        tags=WEBHOOK_TAGS,
        summary="Register a webhook endpoint",
        request=EndpointInput,
        responses={201: EndpointWithSecretOutput, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        data = EndpointInput(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = webhooks.webhook_endpoint_create(api_key=_api_key(request), **data.validated_data)
        return Response(EndpointWithSecretOutput(endpoint).data, status=status.HTTP_201_CREATED)


def _api_key(request: Request) -> APIKey:
    return APIKey.objects.get(pk=_client(request).key_id)


class WebhookEndpointDetailView(ClientAPIView):
    @extend_schema(
        operation_id="webhooks_retrieve",
        tags=WEBHOOK_TAGS,
        summary="One webhook endpoint, with its secret",
        parameters=[ENDPOINT_ID],
        responses={200: EndpointWithSecretOutput, **ERRORS},
    )
    def get(self, request: Request, endpoint_id: int) -> Response:
        return Response(EndpointWithSecretOutput(_own_endpoint(request, endpoint_id)).data)

    @extend_schema(
        operation_id="webhooks_partial_update",
        tags=WEBHOOK_TAGS,
        summary="Change or re-enable a webhook endpoint",
        parameters=[ENDPOINT_ID],
        request=EndpointUpdateInput,
        responses={200: EndpointOutput, **ERRORS},
    )
    def patch(self, request: Request, endpoint_id: int) -> Response:
        endpoint = _own_endpoint(request, endpoint_id)
        data = EndpointUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = webhooks.webhook_endpoint_update(endpoint=endpoint, **data.validated_data)
        return Response(EndpointOutput(endpoint).data)

    @extend_schema(
        operation_id="webhooks_destroy",
        tags=WEBHOOK_TAGS,
        summary="Remove a webhook endpoint",
        parameters=[ENDPOINT_ID],
        responses={204: None, **ERRORS},
    )
    def delete(self, request: Request, endpoint_id: int) -> Response:
        _own_endpoint(request, endpoint_id).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookSecretRotateView(ClientAPIView):
    @extend_schema(
        operation_id="webhooks_rotate_secret",
        tags=WEBHOOK_TAGS,
        summary="Rotate the signing secret (the previous one keeps signing during the overlap)",
        parameters=[ENDPOINT_ID],
        request=None,
        responses={200: EndpointWithSecretOutput, **ERRORS},
    )
    def post(self, request: Request, endpoint_id: int) -> Response:
        endpoint = webhooks.webhook_secret_rotate(endpoint=_own_endpoint(request, endpoint_id))
        return Response(EndpointWithSecretOutput(endpoint).data)
