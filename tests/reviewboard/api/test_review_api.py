"""The review API end to end: the whole board path over HTTP, and every refusal's status."""

from __future__ import annotations

import base64
import json

import pytest
from django.core import mail
from rest_framework.test import APIClient

from articles.content import content_from_article
from articles.models import Article, ReviewState
from config.exceptions import Conflict
from reviewboard.models import AuditEntry, Comment, SignOff
from reviewboard.review.actions import ACTIONS, TRANSITIONS
from reviewboard.review.services.content import content_update as article_update_content
from tests.articles.corpus import CORPUS
from tests.factories import ArticleFactory, AuthorFactory, ChairFactory, ReviewerFactory
from tests.reviewboard.api.clients import client_for
from tests.reviewboard.review.test_services_matrix import article_in

# About the review API, not who ends a review: "the quorum approves" (issue 18's board setting; default: the chair).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quorum_approves")]

BASE = "/api/v1/review/articles/"


@pytest.fixture
def board(author, chair, reviewers):
    return {"author": author, "chair": chair, "r1": reviewers[0], "r2": reviewers[1], "r3": reviewers[2]}


def detail(client, slug):
    response = client.get(f"{BASE}{slug}/")
    assert response.status_code == 200, response.content
    return response.json()


def test_token_endpoint_issues_a_token_for_valid_credentials(author):
    response = APIClient().post("/api/v1/auth/token/", {"username": "author", "password": "pw"}, format="json")
    assert response.status_code == 200
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert client.get(BASE).status_code == 200


def test_token_endpoint_refuses_bad_credentials_with_400(author):
    response = APIClient().post("/api/v1/auth/token/", {"username": "author", "password": "nope"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid-input"


def test_anonymous_requests_get_401():
    assert APIClient().get(BASE).status_code == 401


def test_pipeline_creates_an_article_from_json_and_gets_its_integrity_report(author):
    payload = {
        "question": "What are the treatment options for back pain?",
        "topic": "back pain",
        "sections": [{"heading": "First-line", "level": 2, "body": "Stay active for back pain [1]. Exercise [2]."}],
        "references": [
            {
                "number": 1,
                "kind": "guideline",
                "title": "Low back pain guideline",
                "year": 2017,
                "doi": "10.7326/M16-2367",
            }
        ],
    }
    response = client_for(author).post(BASE, payload, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    article = Article.objects.get(slug=body["slug"])
    assert article.state == ReviewState.DRAFT
    assert list(article.authors.all()) == [author]
    assert [f["code"] for f in body["integrity"]["errors"]] == ["unresolved-citation"]
    assert len(body["content_hash"]) == 64


def test_pipeline_creates_an_article_from_markdown(author):
    markdown = (
        "---\nquestion: How is gout treated?\ntopic: gout\nreferences:\n"
        "  - number: 1\n    kind: guideline\n    title: Management of gout flares\n    year: 2020\n"
        "    doi: 10.1002/acr.24180\n---\n## Acute gout\n\nTreat gout flares early with colchicine [1].\n"
    )
    response = client_for(author).post(BASE, {"markdown": markdown}, format="json")
    assert response.status_code == 201, response.content
    assert Article.objects.get(slug=response.json()["slug"]).question == "How is gout treated?"


def test_pipeline_creates_an_article_from_an_html_page_in_the_markdown_field(author):
    html = (CORPUS / "saved-page-hypertension.html").read_text()

    response = client_for(author).post(BASE, {"markdown": html}, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["integrity"]["errors"] == []
    article = Article.objects.get(slug=response.json()["slug"])
    assert article.question == "How is high blood pressure treated in adults?"
    assert article.citations.count() == 4


def test_pipeline_creates_an_article_from_a_word_file_sent_as_base64(author):
    docx = base64.b64encode((CORPUS / "word-footnotes-vitamin-d.docx").read_bytes()).decode()

    response = client_for(author).post(BASE, {"docx_base64": docx}, format="json")

    assert response.status_code == 201, response.content
    article = Article.objects.get(slug=response.json()["slug"])
    assert article.question == "Does vitamin D prevent falls in older adults?"
    assert article.citations.count() == 3  # two footnotes cite one work: one reference


@pytest.mark.parametrize(
    ("docx", "expected"),
    [
        ("not base64!", "base64"),
        (base64.b64encode(b"What is this?\n\nPlain text\n").decode(), "plain-text page export"),
    ],
)
def test_a_bad_word_upload_is_a_400_naming_the_problem(author, docx, expected):
    response = client_for(author).post(BASE, {"docx_base64": docx}, format="json")

    assert response.status_code == 400, response.content
    assert expected in json.dumps(response.json())
    assert not Article.objects.exists()


def test_submit_with_integrity_errors_is_refused_and_saves_nothing(author):
    payload = {
        "question": "Q about back pain?",
        "sections": [{"heading": "H", "body": "Back pain [4]."}],
        "submit": True,
    }
    response = client_for(author).post(BASE, payload, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "integrity-errors"
    assert not Article.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "question"),
        ({"question": "Q?", "sections": "nope"}, "sections"),
        ({"question": "Q?", "sections": [{"heading": "H", "body": "b", "level": 9}]}, "sections"),
        ({"question": "Q?", "sections": [], "references": [{"number": 0, "title": "t"}]}, "references"),
        ({"markdown": "---\nquestion: [unclosed\n---\n"}, None),
    ],
)
def test_bad_article_input_is_a_400_naming_the_problem(author, payload, field):
    response = client_for(author).post(BASE, payload, format="json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    if field:
        assert field in error["detail"]
    else:
        assert "line" in error["message"].lower()
    assert not Article.objects.exists()


def test_reviewer_without_author_permission_cannot_create_articles(reviewers):
    response = client_for(reviewers[0]).post(BASE, {"question": "Q?", "sections": []}, format="json")
    assert response.status_code == 403
    assert "articles.author_article" in response.json()["error"]["message"]


def test_the_whole_board_path_over_the_api(board, django_capture_on_commit_callbacks):
    author, chair, r1, r2 = (client_for(board[k]) for k in ("author", "chair", "r1", "r2"))
    article = ArticleFactory(authors=[board["author"]])
    slug = article.slug

    response = author.post(f"{BASE}{slug}/transitions/submit/", {}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "submitted"

    for name in ("reviewer1", "reviewer2"):
        assert chair.post(f"{BASE}{slug}/assignments/", {"reviewer": name}, format="json").status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        response = chair.post(f"{BASE}{slug}/transitions/start_review/", {}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "under_review"
    assert {m.to[0] for m in mail.outbox} >= {"reviewer1@example.org", "reviewer2@example.org"}

    queue = r1.get(BASE, {"assigned_to_me": "true"}).json()
    assert [item["slug"] for item in queue["results"]] == [slug]
    # Issue 18: each reviewer accepts before judging (a blocking comment or a sign-off counts only then).
    for reviewer, name in ((r1, "reviewer1"), (r2, "reviewer2")):
        mine = next(a for a in detail(reviewer, slug)["assignments"] if a["reviewer"]["username"] == name)
        url = f"{BASE}{slug}/assignments/{mine['id']}/accept/"
        accepted = reviewer.post(url, {"no_conflict": True}, format="json")
        assert accepted.status_code == 200, accepted.content

    response = r1.post(
        f"{BASE}{slug}/comments/",
        {"section": 1, "body": "Cite the 2017 ACP guideline here.", "blocking": True},
        format="json",
    )
    assert response.status_code == 201, response.content
    comment_id = response.json()["id"]

    # The author cannot edit while the article is under review: the content is frozen.
    with pytest.raises(Conflict) as frozen:
        article_update_content(article=article, user=board["author"], content=content_from_article(article))
    assert frozen.value.code == "content-frozen"

    review = detail(r1, slug)
    content_hash = review["review_hash"]
    assert "sign_off" not in review["available_transitions"]
    # A reviewer cannot sign off while their own blocking comment is open.
    r1_refused = r1.post(f"{BASE}{slug}/signoffs/", {"content_hash": content_hash}, format="json")
    assert r1_refused.status_code == 409, r1_refused.content
    assert r1_refused.json()["error"]["code"] == "own-blocking-comment"
    r2_sign = r2.post(f"{BASE}{slug}/signoffs/", {"content_hash": content_hash}, format="json")
    assert r2_sign.status_code == 201, r2_sign.content
    assert detail(chair, slug)["state"] == "under_review"

    # Resolving a comment never approves, even the last blocking one.
    resolved = r1.post(f"{BASE}{slug}/comments/{comment_id}/resolve/", {}, format="json")
    assert resolved.status_code == 200, resolved.content
    assert resolved.json()["resolved_at"]
    assert detail(chair, slug)["state"] == "under_review"

    # The sign-off that completes the quorum, with no blocking comment left, approves the article.
    with django_capture_on_commit_callbacks(execute=True):
        r1_sign = r1.post(f"{BASE}{slug}/signoffs/", {"content_hash": content_hash}, format="json")
    assert r1_sign.status_code == 201, r1_sign.content
    article.refresh_from_db()
    assert article.state == ReviewState.APPROVED
    assert article.live_version is not None
    assert article.live_version.content_hash == content_hash
    actions = list(AuditEntry.objects.filter(article=article).values_list("action", flat=True))
    assert actions.count("sign_off") == 2
    assert actions[-1] == "approve"


def _under_review(board, **kwargs):
    from reviewboard.review import services

    article = ArticleFactory(authors=[board["author"]], **kwargs)
    services.article_submit(article=article, user=board["author"])
    for key in ("r1", "r2"):
        services.assignment_create(article=article, reviewer=board[key], user=board["chair"])
    services.review_start(article=article, user=board["chair"])
    for key in ("r1", "r2"):  # issue 18: judging counts only once the assignment is accepted
        assignment = article.assignments.get(reviewer=board[key], closed_at__isnull=True)
        services.assignment_accept(assignment=assignment, user=board[key], no_conflict=True)
    article.refresh_from_db()
    return article


def test_a_sign_off_on_a_stale_hash_does_not_count(board):
    article = _under_review(board)
    response = client_for(board["r1"]).post(
        f"{BASE}{article.slug}/signoffs/", {"content_hash": "0" * 64}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "stale-content-hash"
    assert not SignOff.objects.filter(article=article, decision="approve").exists()


def test_the_author_can_never_review_their_own_article(board):
    board["author"].groups.add(*board["r3"].groups.all())
    from tests.factories import ReviewerProfileFactory

    ReviewerProfileFactory(user=board["author"])
    article = ArticleFactory(authors=[board["author"]])
    client_for(board["author"]).post(f"{BASE}{article.slug}/transitions/submit/", {}, format="json")
    response = client_for(board["chair"]).post(
        f"{BASE}{article.slug}/assignments/", {"reviewer": "author"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict-of-interest"


def test_request_changes_sends_it_back_and_needs_a_comment(board):
    article = _under_review(board)
    r1 = client_for(board["r1"])
    no_comment = r1.post(f"{BASE}{article.slug}/transitions/request_changes/", {}, format="json")
    assert no_comment.status_code == 400
    assert "comment" in no_comment.json()["error"]["message"].lower()
    response = r1.post(
        f"{BASE}{article.slug}/transitions/request_changes/", {"comment": "Fix the dose."}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["state"] == "changes_requested"


def test_retract_needs_a_reason_and_revise_keeps_the_live_version(board, django_capture_on_commit_callbacks):
    from reviewboard.review import services

    article = _under_review(board)
    with django_capture_on_commit_callbacks(execute=True):
        for key in ("r1", "r2"):
            services.assignment_sign_off(
                assignment=article.assignments.get(reviewer=board[key]),
                reviewer=board[key],
                content_hash=article.review_hash,
            )
    article.refresh_from_db()
    live = article.live_version
    assert article.state == ReviewState.APPROVED
    assert live is not None

    author = client_for(board["author"])
    response = author.post(f"{BASE}{article.slug}/transitions/revise/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["detail"] == {"field": "change_summary"}
    response = author.post(
        f"{BASE}{article.slug}/transitions/revise/", {"change_summary": "Newer dosing."}, format="json"
    )
    assert response.status_code == 200
    article.refresh_from_db()
    assert article.state == ReviewState.DRAFT
    assert article.live_version == live

    second = _under_review(board)
    with django_capture_on_commit_callbacks(execute=True):
        for key in ("r1", "r2"):
            services.assignment_sign_off(
                assignment=second.assignments.get(reviewer=board[key]),
                reviewer=board[key],
                content_hash=second.review_hash,
            )
    chair = client_for(board["chair"])
    assert chair.post(f"{BASE}{second.slug}/transitions/retract/", {}, format="json").status_code == 400
    response = chair.post(f"{BASE}{second.slug}/transitions/retract/", {"reason": "Dose error."}, format="json")
    assert response.status_code == 200
    assert response.json()["retraction_reason"] == "Dose error."


def test_unknown_transition_and_unknown_article(board):
    chair = client_for(board["chair"])
    article = ArticleFactory(authors=[board["author"]])
    assert chair.post(f"{BASE}{article.slug}/transitions/teleport/", {}, format="json").status_code in (400, 404)
    assert chair.get(f"{BASE}no-such-article/").status_code == 404
    assert chair.post(f"{BASE}no-such-article/transitions/submit/", {}, format="json").status_code == 404


def test_comment_on_a_section_that_does_not_exist_is_a_404_naming_the_field(board):
    """A well-formed position that names no section of the article: 404, as an id naming nothing is."""
    article = _under_review(board)
    response = client_for(board["r1"]).post(
        f"{BASE}{article.slug}/comments/", {"section": 99, "body": "x"}, format="json"
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "section-not-found"
    assert "section" in response.json()["error"]["detail"]
    assert not Comment.objects.exists()


# --- the transition endpoint is a thin adapter: tested for its mapping only ---------------------------
# Who may make which transition from which state is decided once, by the runner, and tested once over every
# (role, transition, state) in tests/reviewboard/review/test_services_matrix.py. Here: each URL performs its
# transition, and each kind of refusal reaches the client with its status and code, changing nothing.


@pytest.fixture
def mapping_cast(db):
    return {
        "author": AuthorFactory(username="m_author"),
        "other_author": AuthorFactory(username="m_other"),
        "chair": ChairFactory(username="m_chair"),
        "reviewers": [ReviewerFactory(username=f"m_rev{i}") for i in (1, 2)],
    }


def _ready_article(cast, state):
    """An article in ``state`` with everything its transitions need (the matrix's own set-up)."""
    return article_in(state, author=cast["author"], reviewers=cast["reviewers"], chair=cast["chair"])


@pytest.mark.parametrize("name", list(TRANSITIONS))
def test_each_transition_url_performs_that_transition(mapping_cast, name):
    article = _ready_article(mapping_cast, ACTIONS[name].sources[0])
    audit_before = AuditEntry.objects.count()
    body = {"comment": "Because.", "reason": "Because.", "change_summary": "Because."}

    response = client_for(mapping_cast["chair"]).post(f"{BASE}{article.slug}/transitions/{name}/", body, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["state"] == ACTIONS[name].target
    assert Article.objects.get(pk=article.pk).state == ACTIONS[name].target
    assert list(AuditEntry.objects.filter(seq__gt=audit_before).values_list("action", flat=True)) == [name]


REFUSALS = [
    # (who, transition, state, body, status, code): one of each kind of refusal the runner gives
    ("author", "approve", "under_review", {}, 403, "permission-denied"),
    ("chair", "start_review", "draft", {}, 409, "invalid-state"),
    ("chair", "request_changes", "under_review", {"comment": ""}, 400, "comment-required"),
    ("other_author", "submit", "draft", {}, 404, "article-not-found"),
    ("chair", "teleport", "draft", {}, 400, "unknown-transition"),
]


@pytest.mark.parametrize(("who", "name", "state", "body", "status", "code"), REFUSALS)
def test_each_refusal_maps_to_its_status_and_nothing_changes(mapping_cast, who, name, state, body, status, code):
    article = _ready_article(mapping_cast, state)
    audit_before = AuditEntry.objects.count()

    response = client_for(mapping_cast[who]).post(f"{BASE}{article.slug}/transitions/{name}/", body, format="json")

    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    assert Article.objects.get(pk=article.pk).state == state
    assert AuditEntry.objects.count() == audit_before


def test_created_article_reports_the_hash_and_findings_of_what_was_saved(author):
    payload = {
        "question": "What are the treatment options for back pain?",
        "sections": [{"heading": "First-line", "body": "Stay active for back pain [1]."}],
        "references": [
            {
                "number": 1,
                "kind": "guideline",
                "title": "Low back pain guideline",
                "year": 2017,
                "doi": "https://doi.org/10.7326/M16-2367",
            }
        ],
    }
    client = client_for(author)
    created = client.post(BASE, payload, format="json").json()
    saved = detail(client, created["slug"])
    assert created["content_hash"] == saved["content_hash"]
    assert created["integrity"] == saved["integrity"]
