"""Signing a test client in, for the tests of what a signed-in user gets (signing in itself is tested
through the real login: tests/accounts, tests/security).

``Client.force_login`` runs Django's ``login()``: the login signal (django-axes' access log and reset,
``last_login``), and a session created, cycled and saved again, some 18 queries and 25 ms a login here.
``force_login`` below writes once the session that login leaves (the user, the backend, the session
hash), four queries; tests/conftest.py puts it in place of ``Client.force_login`` for the whole run, so
``client.force_login(user)``, ``admin_client`` and ``logged_in(user)`` all sign in this way.
"""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.test import Client


def force_login(client: Client, user, backend: str | None = None) -> None:
    backend = backend or client._get_backend()
    user.backend = backend
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = backend
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key


def logged_in(user) -> Client:
    """A new test client signed in as ``user``."""
    client = Client()
    client.force_login(user)
    return client
