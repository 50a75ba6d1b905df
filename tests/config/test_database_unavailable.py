"""The database unreachable (the primary down, a failover under way): 503 with Retry-After, in the API's
JSON error shape under /api/, never a 500 (config.outages.outage_answer: OutageMiddleware on the board's
middleware list, and the read API's own middleware)."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.db import OperationalError, ProgrammingError
from django.http import HttpResponse
from django.test import RequestFactory

from accounts.authentication import ApiTokenAuthentication
from config.middleware import ReadAPIMiddleware
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


def test_both_middleware_lists_answer_an_outage():
    assert "config.outages.OutageMiddleware" in settings.MIDDLEWARE
    assert settings.READ_API_MIDDLEWARE == ["config.middleware.ReadAPIMiddleware"]


@pytest.mark.parametrize("middleware", [OutageMiddleware, ReadAPIMiddleware])
def test_each_answers_an_outage_the_same_way(middleware):
    request = RequestFactory().get("/api/v1/articles/some-article/")

    response = middleware(lambda request: HttpResponse()).process_exception(request, OperationalError("refused"))

    assert response.status_code == 503
    assert json.loads(response.content)["error"]["detail"] == {"dependency": "database"}
    assert response["Retry-After"] == str(settings.OUTAGE_RETRY_AFTER_SECONDS)


@pytest.mark.parametrize("middleware", [OutageMiddleware, ReadAPIMiddleware])
def test_other_database_errors_are_left_alone(middleware):
    middleware = middleware(lambda request: HttpResponse())

    assert middleware.process_exception(RequestFactory().get("/api/v1/x/"), ProgrammingError("bug")) is None
