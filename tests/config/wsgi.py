"""Calling a WSGI application as a server would, for the tests of the handlers and middleware."""

from __future__ import annotations

from django.test import RequestFactory


def call(application, method: str, path: str, **extra) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of ``application``'s answer to ``method path`` (``extra``: WSGI environ keys)."""
    environ = RequestFactory().generic(method, path, **extra).environ
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"], answer["headers"] = int(status.split()[0]), dict(response_headers)

    body = b"".join(application(environ, start_response))
    return answer["status"], answer["headers"], body
