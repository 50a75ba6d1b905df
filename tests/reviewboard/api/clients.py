"""API clients for the review API tests: a DRF test client authenticated with a fresh token of the user."""

from __future__ import annotations

from rest_framework.test import APIClient

from accounts.services import api_token_issue


def client_for(user) -> APIClient:
    client = APIClient()
    _, token = api_token_issue(user=user, device="tests")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client
