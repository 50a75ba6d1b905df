"""URLs of the client-app endpoints that the board serves beside the read API (``clients``)."""

from django.urls import path

from reviewboard.clients import views as clients

app_name = "client-api"
urlpatterns = [
    path("articles/<slug:slug>/reports/", clients.ReaderReportCreateView.as_view(), name="report-create"),
    path("articles/<slug:slug>/reports/<uuid:id>/", clients.ReaderReportDetailView.as_view(), name="report-detail"),
    path("webhooks/", clients.WebhookEndpointListView.as_view(), name="webhook-list"),
    path("webhooks/<int:endpoint_id>/", clients.WebhookEndpointDetailView.as_view(), name="webhook-detail"),
    path(
        "webhooks/<int:endpoint_id>/rotate-secret/",
        clients.WebhookSecretRotateView.as_view(),
        name="webhook-rotate-secret",
    ),
]
