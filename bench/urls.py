"""The service's URLs plus ``/bench/ceiling/``: the same payload bytes served from memory.

The ceiling goes through the same middleware as the API, with no database, no authentication
and no throttling: the fastest the detail endpoint could possibly be in this stack.
"""

import os
from functools import cache
from pathlib import Path

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import handler404  # noqa: F401
from config.urls import urlpatterns as service_urlpatterns


@cache
def _payload() -> bytes:
    return Path(os.environ["BENCH_PAYLOAD_FILE"]).read_bytes()


def ceiling(request: HttpRequest) -> HttpResponse:
    return HttpResponse(_payload(), content_type="application/json")


urlpatterns = [path("bench/ceiling/", ceiling), *service_urlpatterns]
