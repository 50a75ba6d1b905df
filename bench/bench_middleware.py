"""In-process cost of one read-API request through each middleware list (no HTTP, no load generator).

    DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=.../reviewboard_bench_200 BENCH_PAYLOAD_FILE=... \
        python -m bench.bench_middleware --slug SLUG --key KEY

Calls the WSGI application directly, alternating, best of ``--repeat`` runs of ``--number`` requests:
the plain view (no middleware), the same bytes through the full MIDDLEWARE (``ceiling``), and the
detail (micro-cached) and the 304, each through the read API's own middleware (``config.handlers``,
as served) and through the full MIDDLEWARE (as before); with ``API_DETAIL_CACHE_SECONDS=0`` in the
environment, the detail and the 304 are the uncached ones (a query each). Prints microseconds per
request and the ratios to the plain view. Far less noisy than the HTTP bench on a shared machine.
"""

from __future__ import annotations

import argparse
import io
import os
import timeit

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402

from config.handlers import NamespaceDispatchingApplication  # noqa: E402


def environ(path: str, **headers: str) -> dict:
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": io.StringIO(),
        "SCRIPT_NAME": "",
        **headers,
    }


def call(application, env: dict) -> int:
    status = []
    body = application(dict(env), lambda s, h, e=None: status.append(s))
    b"".join(body)
    if hasattr(body, "close"):
        body.close()
    return int(status[0].split()[0])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--slug", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--etag", required=True)
    parser.add_argument("--number", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    lean, full = NamespaceDispatchingApplication(), WSGIHandler()
    auth = {"HTTP_AUTHORIZATION": f"Api-Key {args.key}"}
    detail = f"/api/v1/articles/{args.slug}/"
    cases = {
        "plain": (lean, environ("/bench/plain/")),
        "ceiling (full middleware)": (full, environ("/bench/ceiling/")),
        "detail, read-API middleware": (lean, environ(detail, **auth)),
        "detail, full middleware": (full, environ(detail, **auth)),
        "304, read-API middleware": (lean, environ(detail, HTTP_IF_NONE_MATCH=args.etag, **auth)),
        "304, full middleware": (full, environ(detail, HTTP_IF_NONE_MATCH=args.etag, **auth)),
    }
    for application, env in cases.values():
        assert call(application, env) in (200, 304)
    best = dict.fromkeys(cases, float("inf"))
    for _ in range(args.repeat):
        for name, (application, env) in cases.items():
            seconds = timeit.timeit(lambda a=application, e=env: call(a, e), number=args.number)
            best[name] = min(best[name], seconds / args.number * 1e6)
    print(f"micro-cache {settings.API_DETAIL_CACHE_SECONDS} s; best of {args.repeat} x {args.number} requests")
    print("| request | us per request | plain / it |")
    print("|---|---:|---:|")
    for name, micros in best.items():
        print(f"| {name} | {micros:.0f} | {best['plain'] / micros:.2f} |")


if __name__ == "__main__":
    main()
