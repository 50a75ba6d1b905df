"""The database unreachable (the primary down, a failover under way): 503 with Retry-After, in the API's
JSON error shape under /api/, never a 500 (config.middleware.DatabaseUnavailableMiddleware)."""

from __future__ import annotations

import pytest
from django.db import OperationalError, ProgrammingError
from django.http import HttpResponse
from django.test import RequestFactory

from accounts.authentication import ApiTokenAuthentication
from config.middleware import DatabaseUnavailableMiddleware

pytestmark = pytest.mark.django_db


def test_the_board_api_answers_503_in_the_error_shape_when_the_database_is_down(client, monkeypatch):
    def primary_down(self, request):
        raise OperationalError('connection to server at "127.0.0.1", port 55432 failed: Connection refused')

    monkeypatch.setattr(ApiTokenAuthentication, "authenticate", primary_down)

    response = client.get("/api/v1/review/articles/", HTTP_AUTHORIZATION="Token abc")

    assert response.status_code == 503
    assert response.json() == {
        "error": {
            "code": "database-unavailable",
            "message": "The database cannot be reached just now; please try again shortly.",
        }
    }
    assert response["Retry-After"] == "5"
    assert response["Cache-Control"] == "no-store"


def test_an_admin_page_answers_a_plain_503():
    middleware = DatabaseUnavailableMiddleware(lambda request: HttpResponse())

    response = middleware.process_exception(RequestFactory().get("/admin/"), OperationalError("server closed"))

    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/plain")


def test_other_database_errors_are_left_alone():
    middleware = DatabaseUnavailableMiddleware(lambda request: HttpResponse())

    assert middleware.process_exception(RequestFactory().get("/api/v1/x/"), ProgrammingError("bug")) is None
