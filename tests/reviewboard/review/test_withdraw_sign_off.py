"""Withdrawing one's own sign-off: declared once (``reviewboard.review.actions.signoffs``), it is on the
review screen's bar, the generic admin page, the generic API endpoint and the schema by itself."""

from __future__ import annotations

import pytest
from django.contrib import messages
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from articles.models import Article, ReviewState
from config.exceptions import Conflict, InvalidInput, NotAllowed
from reviewboard.admin.review_words import audit_details
from reviewboard.models import AuditEntry, SignOff
from reviewboard.review import selectors
from reviewboard.review.actions.signoffs import signoff_withdraw
from tests.reviewboard.api.clients import client_for
from tests.reviewboard.conftest import sign

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("review_world", "quorum_approves")]


def test_a_reviewer_withdraws_their_sign_off_and_it_no_longer_counts(under_review, reviewers):
    signed = sign(under_review, reviewers[0])

    signoff_withdraw(article=under_review, user=reviewers[0], comment="I misread the dose table.")

    assert not SignOff.objects.filter(pk=signed.pk).exists()
    assert selectors.signoff_progress(under_review).signed == 0
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.actor, entry.comment) == (
        "withdraw_sign_off",
        reviewers[0],
        "I misread the dose table.",
    )
    assert entry.content_hash == under_review.review_hash
    assert (entry.data["signoff_id"], entry.data["signed"], entry.data["required"]) == (signed.pk, 0, 2)
    assert audit_details(entry) == "withdrew a sign-off (0 of 2)"
    # the other reviewer's sign-off no longer completes the quorum; signing again counts again
    sign(under_review, reviewers[1])
    assert Article.objects.get(pk=under_review.pk).state == ReviewState.UNDER_REVIEW
    assert sign(under_review, reviewers[0]).article.state == ReviewState.APPROVED


def test_withdrawing_is_refused_when_there_is_nothing_of_yours_to_withdraw(under_review, reviewers, chair, unchanged):
    sign(under_review, reviewers[0])

    with unchanged(under_review):
        with pytest.raises(Conflict) as not_signed:
            signoff_withdraw(article=under_review, user=reviewers[1], comment="Nothing signed.")
        with pytest.raises(NotAllowed):
            signoff_withdraw(article=under_review, user=chair, comment="Not mine.")
        with pytest.raises(InvalidInput) as blank:
            signoff_withdraw(article=under_review, user=reviewers[0], comment="  ")

    assert not_signed.value.code == "not-signed"
    assert blank.value.code == "comment-required"


def test_an_approved_article_keeps_its_sign_offs(under_review, reviewers, unchanged):
    sign(under_review, reviewers[0])
    approved = sign(under_review, reviewers[1]).article

    with unchanged(approved), pytest.raises(Conflict) as refused:
        signoff_withdraw(article=approved, user=reviewers[0], comment="Too late.")

    assert refused.value.code == "invalid-state"


def test_it_is_on_the_review_screen_and_the_generic_admin_page(under_review, reviewers):
    sign(under_review, reviewers[0])
    client = Client()
    client.force_login(reviewers[0])
    screen = reverse("admin:articles_article_review", args=[under_review.pk])
    url = reverse("admin:articles_article_action", args=[under_review.pk, "withdraw_sign_off"])

    button = 'data-action="withdraw_sign_off">Withdraw my sign-off</a>'
    html = client.get(screen).content.decode()
    assert f'href="{url}" {button}' in html
    assert '<textarea name="comment"' in client.get(url).content.decode()

    response = client.post(url, {"comment": "I misread the dose table."})

    assert response.url == screen
    said = [str(m) for m in get_messages(response.wsgi_request) if m.level == messages.SUCCESS]
    assert said == [
        f"Your sign-off on {under_review.review_hash[:4]}…{under_review.review_hash[-4:]} is withdrawn: "
        "it no longer counts. Sign-offs: 0 of 2."
    ]
    assert not SignOff.objects.exists()
    assert button not in client.get(screen).content.decode()


def test_it_is_on_the_generic_api_endpoint_and_in_the_schema(under_review, reviewers, client):
    sign(under_review, reviewers[0])
    url = f"/api/v1/review/articles/{under_review.slug}/actions/withdraw_sign_off/"

    blank = client_for(reviewers[0]).post(url, {"comment": " "}, format="json")
    response = client_for(reviewers[0]).post(url, {"comment": "I misread the dose table."}, format="json")

    assert blank.status_code == 400
    assert blank.json()["error"]["code"] == "comment-required"
    assert response.status_code == 200, response.content
    assert response.json()["signoffs_counting"] == 0
    schema = client.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/review/articles/{slug}/actions/withdraw_sign_off/"]["post"]
    assert operation["operationId"] == "review_action_withdraw_sign_off"
    body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert schema["components"]["schemas"][body]["required"] == ["comment"]
