"""The review API: thin views. Input serializer -> the action runner -> output serializer.

Every write is a declared action run by the one runner (``reviewboard.review.actions``), which checks who
may act; domain errors become 400/403/404/409 in ``config.exceptions.api_exception_handler``. The
generic endpoint of every action is ``reviewboard.api.actions``; the endpoints here that write
(assignments/, accept/decline, transitions/, signoffs/, comments/, resolve/) are its documented aliases,
onto the same path (``surface.run``), with their own input names.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.db import transaction
from django.db.models import F, Prefetch
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from articles.content import ArticleContent, content_from_article
from articles.diff import content_diff
from articles.importing import parse_document, parse_document_bytes
from articles.models import Article, Section
from config.exceptions import NotAllowed, NotFound
from config.parsers import refuse_unknown_query_parameters
from references.integrity import check_content
from references.models import Citation
from reviewboard.api import serializers as s
from reviewboard.board import permissions
from reviewboard.board.declarations import declaration_sign
from reviewboard.models import Assignment, ChecklistItem, Comment, Declaration, ReviewRound, SignOff
from reviewboard.reading import reads_kept
from reviewboard.review import decisions, selectors, services
from reviewboard.review.actions import TRANSITIONS, get_transition, surface
from reviewboard.review.services.content import content_create
from reviewboard.review.warnings import round_warnings

# Each gets the shared error body in the schema (config.schema.document_error_responses).
ERRORS = {
    400: OpenApiResponse(description="Invalid input: names the field."),
    401: OpenApiResponse(description="No token, or one that expired, was revoked or ended by a password change."),
    403: OpenApiResponse(description="Not allowed: names the missing permission."),
    404: OpenApiResponse(description="No such article (or not one you work on)."),
    409: OpenApiResponse(description="A condition is not met, or another request won the race."),
}


def _article(slug: str, user: Any) -> Article:
    """The article ``slug`` if ``user`` sees it (``selectors.visible_articles``), else 404, for reads and
    writes alike: the answer never tells a caller that an article it may not see exists."""
    return selectors.article_visible_to(user=user, slug=slug)


def _round(round_: Any) -> dict[str, Any]:
    return {
        "number": round_.number,
        "content_hash": round_.content_hash,
        "opened_at": round_.opened_at,
        "closed_at": round_.closed_at,
        "outcome": round_.outcome,
        "reviewers": [permissions.display_name(a.reviewer) for a in round_.assignments.all()],
    }


def _changes_since(article: Article, user: Any, current: Any) -> dict[str, Any] | None:
    """What changed between the last round ``user`` reviewed and the open round (None if not a returning reviewer)."""
    if current is None:
        return None
    earlier = selectors.last_round_reviewed_by(article, user)
    if earlier is None or not earlier.snapshot or earlier.number >= current.number:
        return None
    diff = content_diff(
        old=ArticleContent.from_source(earlier.snapshot), new=ArticleContent.from_source(current.snapshot)
    )
    return {
        "since_round": earlier.number,
        "round": current.number,
        "old_hash": diff.old_hash,
        "new_hash": diff.new_hash,
        "question": list(diff.question) if diff.question else None,
        "sections": [
            {
                "status": c.status,
                "heading": c.heading,
                "old_heading": c.old_heading,
                "diff": [f"{line.sign}{line.text}" for line in c.lines if line.kind != "skip"],
            }
            for c in diff.changed_sections
        ],
        "references": [f"{line.sign}{line.text}" for line in diff.references if line.kind in ("added", "removed")],
    }


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
                queryset=Comment.objects.select_related("author", "resolved_by", "section", "round").order_by(
                    "created_at", "id"
                ),
            ),
            Prefetch(
                "review_rounds",
                queryset=ReviewRound.objects.prefetch_related(
                    Prefetch("assignments", queryset=Assignment.objects.select_related("reviewer__reviewer_profile"))
                ).order_by("number"),
            ),
        )
        .get(pk=article.pk)
    )
    content = content_from_article(article)
    rounds = list(article.review_rounds.all())
    current = next((r for r in rounds if r.closed_at is None), None)
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
        "round": _round(current) if current else None,
        "rounds": [_round(r) for r in rounds],
        "changes_since_my_round": _changes_since(article, user, current),
        "warnings": [w.as_dict() for w in round_warnings(current)],
        "awaiting_decision": selectors.awaiting_decision(article),
        "checklist": list(ChecklistItem.objects.filter(active=True).order_by("position", "id")),
        "reports": decisions.reports_visible_to(article, user),
        "decision_letters": decisions.letters_of(article),
    }


@reads_kept()  # reads only (after the write of a POST): each rule's read once
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
        data = s.ArticleCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        if "markdown" in data.validated_data:
            content = parse_document(data.validated_data["markdown"], source_name="markdown")
        elif "docx_base64" in data.validated_data:
            content = parse_document_bytes(
                data.validated_data["docx_base64"], source_name="docx_base64", extension=".docx"
            )
        else:
            content = data.to_content()
        with transaction.atomic():
            article = content_create(content=content, author=user)
            if data.validated_data["submit"]:
                article = services.article_submit(article=article, user=user)
        # Report on what was saved: the library normalises reference records (DOI case, prefixes).
        saved = replace(content_from_article(article), import_findings=content.import_findings)
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
        return _detail_response(_article(slug, request.user), request.user)


class AssignmentCreateView(APIView):
    @extend_schema(
        operation_id="review_assignment_create",
        request=s.AssignmentInput,
        responses={201: s.ArticleReviewOutput, **ERRORS},
    )
    def post(self, request: Request, slug: str) -> Response:
        article = _article(slug, request.user)
        data = s.AssignmentInput(data=request.data)
        data.is_valid(raise_exception=True)
        # The alias of the ``assign`` action: ``due`` is its ``due_at``.
        values = dict(data.validated_data)
        values["due_at"] = values.pop("due")
        surface.run("assign", article=article, user=request.user, values=values)
        return _detail_response(article, request.user, status_code=status.HTTP_201_CREATED)


def _assignment(article: Article, assignment_id: int) -> Assignment:
    assignment = Assignment.objects.select_related("article").filter(article=article, pk=assignment_id).first()
    if assignment is None:
        raise NotFound(f"No assignment {assignment_id} on this article.", code="assignment-not-found")
    return assignment


def _answer_assignment(request: Request, slug: str, assignment_id: int, shape, name: str) -> Response:
    """The assigned reviewer's answer (``shape`` validates it, action ``name`` records it); the article back."""
    article = _article(slug, request.user)
    data = shape(data=request.data)
    data.is_valid(raise_exception=True)
    assignment = _assignment(article, assignment_id)
    surface.run(name, article=article, user=request.user, target=assignment, values=dict(data.validated_data))
    return _detail_response(article, request.user)


class AssignmentAcceptView(APIView):
    @extend_schema(
        operation_id="review_assignment_accept", request=s.AcceptInput, responses={200: s.ArticleReviewOutput, **ERRORS}
    )
    def post(self, request: Request, slug: str, assignment_id: int) -> Response:
        """The assigned reviewer accepts, confirming no conflict of interest; the due date runs from now."""
        return _answer_assignment(request, slug, assignment_id, s.AcceptInput, "accept_assignment")


class AssignmentDeclineView(APIView):
    @extend_schema(
        operation_id="review_assignment_decline",
        request=s.DeclineInput,
        responses={200: s.ArticleReviewOutput, **ERRORS},
    )
    def post(self, request: Request, slug: str, assignment_id: int) -> Response:
        """The assigned reviewer declines with a reason: the assignment closes and the chair is told."""
        return _answer_assignment(request, slug, assignment_id, s.DeclineInput, "decline_assignment")


class DeclarationCreateView(APIView):
    @extend_schema(
        operation_id="review_declaration_create",
        request=s.DeclarationInput,
        responses={201: s.DeclarationOutput, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        """Sign a declaration of interests (relationships of the last 24 months, or nothing to declare).
        It replaces your last one and runs for ``DECLARATION_VALID_FOR``."""
        data = s.DeclarationInput(data=request.data)
        data.is_valid(raise_exception=True)
        declaration = declaration_sign(user=request.user, **data.validated_data)
        declaration = Declaration.objects.prefetch_related("relationships__specialties").get(pk=declaration.pk)
        return Response(s.DeclarationOutput(declaration).data, status=status.HTTP_201_CREATED)


def _transition_inputs() -> str:
    """What each transition needs, from the declarations (the body cannot say it: it depends on {name})."""
    needs = {name: [field.name for field in get_transition(name).fields if field.required] for name in TRANSITIONS}
    listed = "; ".join(f"{name}: `{'`, `'.join(fields)}`" for name, fields in needs.items() if fields)
    return (
        "The alias of `actions/{name}/` for the transitions. Required, not blank, by transition (400 "
        f"`<input>-required` otherwise; `retract` takes `comment` when `reason` is blank): {listed}."
    )


class TransitionView(APIView):
    @extend_schema(
        operation_id="review_transition",
        description=_transition_inputs(),
        request=s.TransitionInput,
        responses={200: s.ArticleReviewOutput, **ERRORS},
        parameters=[
            OpenApiParameter(
                "name",
                str,
                OpenApiParameter.PATH,
                enum=list(TRANSITIONS),
                description="The transition, as declared in the action registry.",
            )
        ],
    )
    def post(self, request: Request, slug: str, name: str) -> Response:
        get_transition(name)  # an unknown name is a 400 before anything is looked up
        article = _article(slug, request.user)
        data = s.TransitionInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.article_transition(article=article, user=request.user, name=name, **data.validated_data)
        return _detail_response(article, request.user)


class SignOffView(APIView):
    @extend_schema(
        operation_id="review_signoff_create", request=s.SignOffInput, responses={201: s.ArticleReviewOutput, **ERRORS}
    )
    def post(self, request: Request, slug: str) -> Response:
        article = _article(slug, request.user)
        data = s.SignOffInput(data=request.data)
        data.is_valid(raise_exception=True)
        # The open assignment, else the latest one: the service then names the round it belonged to.
        assignment = (
            Assignment.objects.filter(article=article, reviewer=request.user)
            .order_by(F("closed_at").desc(nulls_first=True), "-pk")
            .first()
        )
        if assignment is None:
            raise NotAllowed(
                "Only a reviewer with an open assignment on this article may sign off.",
                code="not-assigned",
                detail={"permission": permissions.REVIEWER_PERM},
            )
        values = dict(data.validated_data)
        surface.run("sign_off", article=article, user=request.user, target=assignment, values=values)
        return _detail_response(article, request.user, status_code=status.HTTP_201_CREATED)


class ReportView(APIView):
    @extend_schema(
        operation_id="review_report_submit",
        request=s.ReviewReportInput,
        responses={201: s.ArticleReviewOutput, **ERRORS},
    )
    def post(self, request: Request, slug: str) -> Response:
        """File (or update) your structured report on the open round: recommendation, the board's checklist,
        comments to the author, confidential comments to the chair. Needs an accepted assignment."""
        article = _article(slug, request.user)
        data = s.ReviewReportInput(data=request.data)
        data.is_valid(raise_exception=True)
        assignment = Assignment.objects.filter(article=article, reviewer=request.user, closed_at__isnull=True).first()
        if assignment is None:
            raise NotAllowed(
                "Only a reviewer with an open assignment on this article may file a report.",
                code="not-assigned",
                detail={"permission": permissions.REVIEWER_PERM},
            )
        services.assignment_report(assignment=assignment, user=request.user, **data.validated_data)
        return _detail_response(article, request.user, status_code=status.HTTP_201_CREATED)


class CommentCreateView(APIView):
    @extend_schema(
        operation_id="review_comment_create", request=s.CommentInput, responses={201: s.CommentOutput, **ERRORS}
    )
    def post(self, request: Request, slug: str) -> Response:
        article = _article(slug, request.user)
        data = s.CommentInput(data=request.data)
        data.is_valid(raise_exception=True)
        # The alias of the ``comment`` action (``section``: a position, as on the generic endpoint).
        comment = surface.run("comment", article=article, user=request.user, values=dict(data.validated_data))
        return Response(s.CommentOutput(comment).data, status=status.HTTP_201_CREATED)


class CommentResolveView(APIView):
    @extend_schema(
        operation_id="review_comment_resolve", request=s.ResolveInput, responses={200: s.CommentOutput, **ERRORS}
    )
    def post(self, request: Request, slug: str, comment_id: int) -> Response:
        article = _article(slug, request.user)
        comment = Comment.objects.filter(article=article, pk=comment_id).first()
        if comment is None:
            raise NotFound(f"No comment {comment_id} on this article.", code="comment-not-found")
        data = s.ResolveInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        comment = surface.run("resolve_comment", article=article, user=request.user, target=comment, values=values)
        return Response(s.CommentOutput(comment).data)
