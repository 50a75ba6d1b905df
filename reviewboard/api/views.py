"""The review API: thin views. Input serializer -> service -> output serializer.

Every write goes through ``reviewboard.services`` (or ``articles.services`` to create an
article), which checks who may act; domain errors become 400/403/404/409 in
``config.exceptions.api_exception_handler``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from articles import permissions
from articles.content import content_from_article
from articles.importing import parse_document
from articles.models import Article, Section
from articles.services import article_create
from config.exceptions import InvalidInput, NotAllowed, NotFound
from config.parsers import BoundedJSONParser, refuse_unknown_query_parameters
from references.integrity import check_content
from references.models import Citation
from reviewboard import selectors, services
from reviewboard.api import serializers as s
from reviewboard.models import Assignment, Comment, SignOff

ERRORS = {
    400: OpenApiResponse(description="Invalid input: names the field."),
    403: OpenApiResponse(description="Not allowed: names the missing permission."),
    404: OpenApiResponse(description="No such article (or not one you work on)."),
    409: OpenApiResponse(description="A condition is not met, or another request won the race."),
}


def _article(request: Request, slug: str) -> Article:
    """The article of a per-article endpoint: 404 unless the caller may see it (one rule for GET and POST)."""
    return selectors.article_visible_to(user=request.user, slug=slug)


def _review_detail(article: Article, user: Any) -> dict[str, Any]:
    article = (
        Article.objects.select_related("required_specialty")
        .prefetch_related(
            Prefetch("sections", queryset=Section.objects.order_by("position")),
            Prefetch("citations", queryset=Citation.objects.select_related("reference").order_by("number")),
            Prefetch(
                "assignments", queryset=Assignment.objects.select_related("reviewer").order_by("assigned_at", "id")
            ),
            Prefetch("signoffs", queryset=SignOff.objects.select_related("reviewer").order_by("created_at", "id")),
            Prefetch(
                "review_comments",
                queryset=Comment.objects.select_related("author", "resolved_by", "section").order_by(
                    "created_at", "id"
                ),
            ),
        )
        .get(pk=article.pk)
    )
    content = content_from_article(article)
    return {
        "slug": article.slug,
        "question": article.question,
        "topic": article.topic,
        "state": article.state,
        "required_specialty": article.required_specialty.code if article.required_specialty else None,
        "quorum": selectors.article_quorum(article),
        "content_hash": content.content_hash,
        "review_hash": article.review_hash,
        "signoffs_counting": selectors.signoff_progress(article).signed if article.review_hash else 0,
        "sections": list(article.sections.all()),
        "references": list(article.citations.all()),
        "integrity": check_content(content).as_dict(),
        "assignments": list(article.assignments.all()),
        "signoffs": list(article.signoffs.all()),
        "comments": list(article.review_comments.all()),
        "available_transitions": services.available_transitions(article=article, user=user),
        "approved_at": article.approved_at,
        "next_review_due": article.next_review_due,
        "retraction_reason": article.retraction_reason,
    }


def _detail_response(article: Article, user: Any, *, status_code: int = status.HTTP_200_OK) -> Response:
    return Response(s.ArticleReviewOutput(_review_detail(article, user)).data, status=status_code)


class ReviewArticleListView(APIView):
    """The caller's review queue, and article creation for authors and the drafting pipeline."""

    @extend_schema(
        operation_id="review_queue_list", parameters=[s.QueueFilterInput], responses={200: s.QueuePageOutput, **ERRORS}
    )
    def get(self, request: Request) -> Response:
        parameters = ("state", "assigned_to_me", "page")
        refuse_unknown_query_parameters(request.query_params, parameters, non_empty=parameters)
        filters = s.QueueFilterInput(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queryset = selectors.articles_for_user(
            user=request.user,
            state=filters.validated_data.get("state"),
            assigned_to_me=filters.validated_data["assigned_to_me"],
        ).order_by("-updated_at", "id")
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(s.QueueItemOutput(page, many=True).data)

    @extend_schema(
        operation_id="review_article_create",
        request=s.ArticleCreateInput,
        responses={201: s.ArticleCreatedOutput, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        user = request.user
        if not (user.has_perm(permissions.AUTHOR_PERM) or permissions.is_editor(user)):
            raise NotAllowed(
                f"Creating articles needs the '{permissions.AUTHOR_PERM}' permission (group Authors).",
                detail={"permission": permissions.AUTHOR_PERM},
            )
        data = s.ArticleCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        if "markdown" in data.validated_data:
            content = parse_document(data.validated_data["markdown"], source_name="markdown")
        else:
            content = data.to_content()
        with transaction.atomic():
            article = article_create(content=content, author=user)
            if data.validated_data["submit"]:
                article = services.article_submit(article=article, user=user)
        # Report on what was saved: the library normalises reference records (DOI case, prefixes).
        saved = content_from_article(article)
        body = {
            "slug": article.slug,
            "state": article.state,
            "content_hash": saved.content_hash,
            "integrity": check_content(saved).as_dict(),
        }
        return Response(s.ArticleCreatedOutput(body).data, status=status.HTTP_201_CREATED)


class ReviewArticleDetailView(APIView):
    @extend_schema(operation_id="review_article_retrieve", responses={200: s.ArticleReviewOutput, **ERRORS})
    def get(self, request: Request, slug: str) -> Response:
        return _detail_response(_article(request, slug), request.user)


class AssignmentCreateView(APIView):
    @extend_schema(
        operation_id="review_assignment_create",
        request=s.AssignmentInput,
        responses={201: s.ArticleReviewOutput, **ERRORS},
    )
    def post(self, request: Request, slug: str) -> Response:
        article = _article(request, slug)
        data = s.AssignmentInput(data=request.data)
        data.is_valid(raise_exception=True)
        reviewer = get_user_model().objects.filter(username=data.validated_data["reviewer"]).first()
        if reviewer is None:
            raise InvalidInput(
                f"No user '{data.validated_data['reviewer']}'.",
                code="unknown-reviewer",
                detail={"reviewer": "No such user."},
            )
        services.assignment_create(
            article=article, reviewer=reviewer, user=request.user, due_at=data.validated_data["due"]
        )
        return _detail_response(article, request.user, status_code=status.HTTP_201_CREATED)


class TransitionView(APIView):
    @extend_schema(
        operation_id="review_transition", request=s.TransitionInput, responses={200: s.ArticleReviewOutput, **ERRORS}
    )
    def post(self, request: Request, slug: str, name: str) -> Response:
        article = _article(request, slug)
        data = s.TransitionInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.article_transition(article=article, user=request.user, name=name, **data.validated_data)
        return _detail_response(article, request.user)


class SignOffView(APIView):
    @extend_schema(
        operation_id="review_signoff_create", request=s.SignOffInput, responses={201: s.ArticleReviewOutput, **ERRORS}
    )
    def post(self, request: Request, slug: str) -> Response:
        article = _article(request, slug)
        data = s.SignOffInput(data=request.data)
        data.is_valid(raise_exception=True)
        assignment = Assignment.objects.filter(article=article, reviewer=request.user, closed_at__isnull=True).first()
        if assignment is None:
            raise NotAllowed(
                "Only a reviewer with an open assignment on this article may sign off.",
                code="not-assigned",
                detail={"permission": permissions.REVIEWER_PERM},
            )
        services.assignment_sign_off(assignment=assignment, reviewer=request.user, **data.validated_data)
        return _detail_response(article, request.user, status_code=status.HTTP_201_CREATED)


class CommentCreateView(APIView):
    @extend_schema(
        operation_id="review_comment_create", request=s.CommentInput, responses={201: s.CommentOutput, **ERRORS}
    )
    def post(self, request: Request, slug: str) -> Response:
        article = _article(request, slug)
        data = s.CommentInput(data=request.data)
        data.is_valid(raise_exception=True)
        section = None
        if data.validated_data["section"] is not None:
            section = article.sections.filter(position=data.validated_data["section"]).first()
            if section is None:
                raise InvalidInput(
                    f"The article has no section {data.validated_data['section']}.",
                    detail={"section": "No such section."},
                )
        comment = services.comment_create(
            article=article,
            user=request.user,
            body=data.validated_data["body"],
            section=section,
            blocking=data.validated_data["blocking"],
        )
        return Response(s.CommentOutput(comment).data, status=status.HTTP_201_CREATED)


class CommentResolveView(APIView):
    @extend_schema(operation_id="review_comment_resolve", request=None, responses={200: s.CommentOutput, **ERRORS})
    def post(self, request: Request, slug: str, comment_id: int) -> Response:
        article = _article(request, slug)
        comment = Comment.objects.filter(article=article, pk=comment_id).first()
        if comment is None:
            raise NotFound(f"No comment {comment_id} on this article.", code="comment-not-found")
        comment = services.comment_resolve(comment=comment, user=request.user)
        return Response(s.CommentOutput(comment).data)


class TokenOutput(serializers.Serializer):
    token = serializers.CharField()


class TokenView(ObtainAuthToken):
    """``POST username, password`` -> ``{"token": ...}`` for ``Authorization: Token ...``."""

    # JSON (nesting bounded, as everywhere) or a form: ``curl -d username=... -d password=...``.
    parser_classes = (BoundedJSONParser, FormParser, MultiPartParser)

    @extend_schema(
        operation_id="auth_token_create",
        request=AuthTokenSerializer,
        responses={200: TokenOutput, 400: OpenApiResponse(description="Wrong username or password, or missing.")},
        auth=[],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)
