"""The service's URLs plus two ceilings serving the same payload bytes from memory.

``/bench/ceiling/`` goes through the project's full MIDDLEWARE (what every request paid before the
read API got its own short list), with no database, no authentication and no throttling.
``/bench/plain/`` is a plain Django view with no middleware at all (namespace ``bench-plain``,
``MIDDLEWARE_BY_NAMESPACE`` in bench/settings.py): the fastest Django itself serves those bytes, the
second ceiling the read API is measured against.
"""

import os
from functools import cache
from pathlib import Path

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from config.urls import handler404  # noqa: F401
from config.urls import urlpatterns as service_urlpatterns


@cache
def _payload() -> bytes:
    return Path(os.environ["BENCH_PAYLOAD_FILE"]).read_bytes()


def ceiling(request: HttpRequest) -> HttpResponse:
    return HttpResponse(_payload(), content_type="application/json")


def plain(request: HttpRequest) -> HttpResponse:
    return HttpResponse(_payload(), content_type="application/json")


urlpatterns = [
    path("bench/plain/", include(([path("", plain)], "bench-plain"))),
    path("bench/ceiling/", ceiling),
    *service_urlpatterns,
]
