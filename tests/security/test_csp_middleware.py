"""The Content-Security-Policy header is built once per process (``config.middleware``), and is
still exactly django-csp's: the same value on the board's API and the admin, a changed setting is
followed, and a response with its own policy goes through django-csp unchanged. (The read API's GET
and HEAD answers carry their own policy: tests/config/test_read_api_middleware.py.)"""

from __future__ import annotations

import pytest
from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.utils import build_policy
from django.http import HttpResponse
from django.test import RequestFactory

from config.middleware import CSPMiddleware

pytestmark = pytest.mark.django_db


def test_the_board_api_and_the_admin_carry_django_csps_policy(client):
    expected = build_policy()

    api = client.get("/api/v1/review/articles/")  # 401 without a token: still a response of this site
    admin = client.get("/admin/login/")

    assert api[HEADER] == expected
    assert admin[HEADER] == expected
    assert "frame-ancestors 'none'" in expected


def test_a_changed_policy_setting_is_followed(client, settings):
    client.get("/admin/login/")  # the header of the configured policy is now built and kept
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": {"img-src": ["'self'"]}}

    response = client.get("/admin/login/")

    assert response[HEADER] == "default-src 'none'"
    assert response[HEADER_REPORT_ONLY] == build_policy(report_only=True)
    assert "img-src 'self'" in response[HEADER_REPORT_ONLY]


def test_a_response_with_its_own_policy_goes_through_django_csp():
    middleware = CSPMiddleware(lambda request: HttpResponse())
    request = RequestFactory().get("/admin/")
    middleware.process_request(request)
    response = HttpResponse()
    response._csp_update = {"img-src": ["https://images.example.org"]}  # what @csp_update sets

    middleware.process_response(request, response)

    assert response[HEADER] == build_policy(update={"img-src": ["https://images.example.org"]})


def test_a_nonce_asked_for_after_the_header_is_written_is_an_error():
    middleware = CSPMiddleware(lambda request: HttpResponse())
    request = RequestFactory().get("/api/v1/articles/")
    middleware.process_request(request)
    middleware.process_response(request, HttpResponse())

    with pytest.raises(Exception, match="csp_nonce"):
        str(request.csp_nonce)
