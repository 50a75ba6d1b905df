"""The database unreachable (the primary down, a failover under way): 503 with Retry-After, in the API's
JSON error shape under /api/, never a 500 (config.outages.OutageMiddleware, on the board's middleware
list and on the read API's short one alike)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import OperationalError, ProgrammingError
from django.http import HttpResponse
from django.test import RequestFactory

from accounts.authentication import ApiTokenAuthentication
from config.outages import OutageMiddleware

pytestmark = pytest.mark.django_db


def test_the_board_api_answers_503_in_the_error_shape_when_the_database_is_down(client, monkeypatch):
    def primary_down(self, request):
        raise OperationalError('connection to server at "127.0.0.1", port 55432 failed: Connection refused')

    monkeypatch.setattr(ApiTokenAuthentication, "authenticate", primary_down)

    response = client.get("/api/v1/review/articles/", HTTP_AUTHORIZATION="Token abc")

    assert response.status_code == 503
    error = response.json()["error"]
    assert (error["code"], error["detail"]) == ("service-unavailable", {"dependency": "database"})
    assert response["Retry-After"] == str(settings.OUTAGE_RETRY_AFTER_SECONDS)
    assert response["Cache-Control"] == "no-store"


def test_both_middleware_lists_answer_an_outage_the_same_way():
    assert "config.outages.OutageMiddleware" in settings.MIDDLEWARE
    assert "config.outages.OutageMiddleware" in settings.READ_API_MIDDLEWARE


def test_other_database_errors_are_left_alone():
    middleware = OutageMiddleware(lambda request: HttpResponse())

    assert middleware.process_exception(RequestFactory().get("/api/v1/x/"), ProgrammingError("bug")) is None
