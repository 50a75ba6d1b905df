from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import api as accounts_api
from accounts import passkeys as accounts_passkeys
from config import views
from reviewboard.admin.links import link_view
from reviewboard.admin.notifications import notifications_count_view, notifications_view

urlpatterns = [
    # The read API first: its requests are most of the traffic, and URL resolution tries patterns in order.
    path("api/v1/", include("articles.api.urls")),
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # The notification bell's page (reviewboard.admin.notifications), behind the admin's login.
    path("admin/notifications/", admin.site.admin_view(notifications_view), name="board-notifications"),
    path(
        "admin/notifications/count/",
        admin.site.admin_view(notifications_count_view),
        name="board-notifications-count",
    ),
    # The e-mails' signed, single-use links (reviewboard.delivery.links), behind the admin's login.
    path("admin/links/<str:token>/", admin.site.admin_view(link_view), name="board-link"),
    path("admin/", admin.site.urls),
    # Passkeys (accounts.passkeys): the script's endpoints, in django-otp-webauthn's namespace.
    path("accounts/passkeys/", include((accounts_passkeys.urlpatterns, "otp_webauthn"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file: no inline script, so the CSP holds.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/auth/token/", accounts_api.TokenView.as_view(), name="api-token"),
    path("api/v1/auth/logout/", accounts_api.LogoutView.as_view(), name="api-logout"),
    path("api/v1/auth/logout-all/", accounts_api.LogoutAllView.as_view(), name="api-logout-all"),
    path("api/v1/auth/tokens/", accounts_api.TokenListView.as_view(), name="api-tokens"),
    path("api/v1/auth/tokens/<str:token_key>/", accounts_api.TokenRevokeView.as_view(), name="api-token-revoke"),
    path("api/v1/review/", include("reviewboard.api.urls")),
    path("api/v1/", include("reviewboard.clients.urls")),
]

# Unknown URLs under /api/ answer in the API's JSON error shape; elsewhere Django's page.
handler404 = "config.views.not_found"
# A body too large (413) or unreadable (400) under /api/ answers in the same shape.
handler400 = "config.views.bad_request"
handler500 = "config.outages.server_error"
