"""The WSGI application: the read API runs through only the middleware it uses.

Django applies one ``MIDDLEWARE`` list to every request. The read API (URL namespace ``articles-api``)
never uses sessions, CSRF, messages, the admin's authentication or its second factor, django-axes or
WhiteNoise: it authenticates with API keys (DRF), and those middlewares cost a large share of a
request answered from memory (bench/RESULTS.md). ``MIDDLEWARE_BY_NAMESPACE`` names, per URL
namespace, the middleware a GET or HEAD request resolving into it runs through instead; the read
API's is one middleware, ``config.middleware.ReadAPIMiddleware``, which keeps its security headers,
its https redirect, its refusals (user agents, hosts) and its outage answer. Every other request, and
any other method, goes through ``MIDDLEWARE`` as before.

One Django handler per middleware list, each built by Django's own ``load_middleware``; which one
answers is decided from the path, resolved once per distinct path and remembered (``resolved``). A
handler of a namespace's own list takes the view from that remembered match too, instead of
resolving the path again on every request as Django does: on a read answered from memory that
second resolution (three nested resolvers) was one of the largest costs left.
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.urls import Resolver404, ResolverMatch, get_resolver
from django.urls.resolvers import URLResolver

LEAN_METHODS = frozenset({"GET", "HEAD"})


@lru_cache(maxsize=4096)
def _resolved(resolver: URLResolver, path_info: str) -> ResolverMatch | None:
    try:
        return resolver.resolve(path_info)
    except Resolver404:
        return None


def resolved(path_info: str) -> ResolverMatch | None:
    """The match of ``path_info`` in the current URLconf (None: no view), resolved once per path and
    URLconf. The requests of one path share it: read-only, as Django's own code treats it (the view
    gets its keyword arguments as a copy)."""
    return _resolved(get_resolver(), path_info)


class MiddlewareListHandler(WSGIHandler):
    """Django's WSGI handler with its own middleware list (``settings.MIDDLEWARE`` for the rest)."""

    def __init__(self, middleware: list[str]) -> None:
        self.middleware = list(middleware)
        super().__init__()

    def load_middleware(self, is_async: bool = False) -> None:
        # Django's own loader, reading this handler's list: the loader reads settings.MIDDLEWARE, so
        # that name is pointed at the list while it runs (once, at start-up, before any request).
        saved = settings.MIDDLEWARE
        settings.MIDDLEWARE = self.middleware
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = saved

    def resolve_request(self, request):
        """Django's, with the match of the path as the dispatcher remembered it."""
        if not hasattr(request, "urlconf"):  # a middleware may set its own URLconf: Django's way then
            match = resolved(request.path_info)
            if match is not None:
                request.resolver_match = match
                return match
        return super().resolve_request(request)


class NamespaceDispatchingApplication:
    """WSGI entry point: a GET/HEAD resolving into a namespace of ``MIDDLEWARE_BY_NAMESPACE`` is handled
    with that namespace's middleware; everything else by the full stack."""

    def __init__(self) -> None:
        self.full = WSGIHandler()
        self.lean = {
            namespace: MiddlewareListHandler(middleware)
            for namespace, middleware in getattr(settings, "MIDDLEWARE_BY_NAMESPACE", {}).items()
        }

    def handler_for_path(self, path_info: str) -> WSGIHandler:
        match = resolved(path_info)
        if match is None:
            return self.full
        return self.lean.get(match.namespace, self.full)

    def __call__(self, environ, start_response):
        if self.lean and environ.get("REQUEST_METHOD") in LEAN_METHODS:
            handler = self.handler_for_path(environ.get("PATH_INFO") or "/")
        else:
            handler = self.full
        return handler(environ, start_response)
