"""The review actions of the article admin: one admin URL per action, each one service call.

Every review action posts to its own admin URL (``<pk>/transition/<name>/``, ``<pk>/sign-off/``,
``<pk>/comments/``, ``<pk>/assignments/``...) whose view calls the one service for it and turns a
refusal (``config.exceptions.ServiceError``) into an error message, and returns to the review screen:
never the change view's POST (refused on frozen articles), never django-fsm's transition methods directly.
``ReviewActionsAdminMixin`` is the base of ``reviewboard.admin.review.ArticleReviewAdminMixin``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime, time
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from articles.models import Article, ReviewState
from config.exceptions import InvalidInput, ServiceError
from reviewboard.admin.review_words import NEXT_STEPS, STATE_LABELS, action_form, action_label, person_name, short_hash
from reviewboard.models import Assignment, Comment, SignOff
from reviewboard.review import selectors
from reviewboard.review.actions import ACTIONS
from reviewboard.review.services import (
    TRANSITIONS,
    article_transition,
    assignment_accept,
    assignment_create,
    assignment_decline,
    assignment_remove,
    assignment_report,
    assignment_sign_off,
    comment_create,
    comment_resolve,
    transition_refusal,
)


class AssignForm(forms.Form):
    """Reads the chair's assignment form; the service decides whether the reviewer may be assigned."""

    reviewer = forms.ModelChoiceField(
        queryset=get_user_model().objects.all(),
        error_messages={
            "required": "Choose a reviewer.",
            "invalid_choice": "That reviewer does not exist.",
        },
    )
    due = forms.DateField(required=False, error_messages={"invalid": "Enter the due date as YYYY-MM-DD."})
    override_reason = forms.CharField(required=False, max_length=10_000)

    def due_at(self) -> datetime | None:
        """The due date as the end of that day in the current time zone."""
        due = self.cleaned_data.get("due")
        return timezone.make_aware(datetime.combine(due, time(23, 59))) if due else None


def review_action(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For a review action's view: its URL's ``object_id`` arrives as the article itself. A user who may
    not see that article gets an error message and the article list instead (``_review_article``)."""

    @functools.wraps(view)
    def with_article(
        self: ReviewActionsAdminMixin, request: HttpRequest, object_id: str, **kwargs: Any
    ) -> HttpResponse:
        found = self._review_article(request, object_id)
        if not isinstance(found, Article):
            return found
        return view(self, request, found, **kwargs)

    return with_article


def on_assignment(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Under ``review_action``: the URL's ``assignment_id`` arrives as that assignment of the article, or the
    user is sent back to the review page with an error message."""

    @functools.wraps(view)
    def with_assignment(
        self: ReviewActionsAdminMixin, request: HttpRequest, article: Article, *, assignment_id: int, **kwargs: Any
    ) -> HttpResponse:
        assignment = Assignment.objects.filter(article=article, pk=assignment_id).select_related("reviewer").first()
        if assignment is None:
            return self._refuse(request, article, f"Assignment {assignment_id} is not an assignment of this article.")
        return view(self, request, article, assignment, **kwargs)

    return with_assignment


class ReviewActionsAdminMixin:
    """The review actions' URLs and views of ``ArticleAdmin`` (a ``ModelAdmin`` of ``Article``)."""

    def get_urls(self) -> list[Any]:
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view  # staff login, CSRF protection, never cached
        return [
            path(
                "<path:object_id>/transition/<str:name>/",
                wrap(self.transition_view),
                name="{}_{}_transition".format(*info),
            ),
            path("<path:object_id>/sign-off/", wrap(self.sign_off_view), name="{}_{}_sign_off".format(*info)),
            path("<path:object_id>/report/", wrap(self.report_view), name="{}_{}_report".format(*info)),
            path("<path:object_id>/comments/", wrap(self.comment_view), name="{}_{}_comment".format(*info)),
            path(
                "<path:object_id>/comments/<int:comment_id>/resolve/",
                wrap(self.comment_resolve_view),
                name="{}_{}_comment_resolve".format(*info),
            ),
            path("<path:object_id>/assignments/", wrap(self.assign_view), name="{}_{}_assign".format(*info)),
            path(
                "<path:object_id>/assignments/<int:assignment_id>/remove/",
                wrap(self.unassign_view),
                name="{}_{}_unassign".format(*info),
            ),
            path(
                "<path:object_id>/assignments/<int:assignment_id>/accept/",
                wrap(self.assignment_accept_view),
                name="{}_{}_assignment_accept".format(*info),
            ),
            path(
                "<path:object_id>/assignments/<int:assignment_id>/decline/",
                wrap(self.assignment_decline_view),
                name="{}_{}_assignment_decline".format(*info),
            ),
            *super().get_urls(),
        ]

    def _review_article(self, request: HttpRequest, object_id: str) -> Article | HttpResponseRedirect:
        """The article if this user may see it; else an error message and a redirect to the list."""
        article = self.get_object(request, unquote(object_id))
        if article is None or not self.has_view_or_change_permission(request, article):
            self.message_user(
                request, f"There is no article with ID “{object_id}” that you may see.", level=messages.ERROR
            )
            changelist = f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"
            return HttpResponseRedirect(reverse(changelist, current_app=self.admin_site.name))
        return article

    def _refuse(self, request: HttpRequest, article: Article, message: str) -> HttpResponseRedirect:
        """Nothing was done: ``message`` as an error, and back to the article's review screen."""
        self.message_user(request, message, level=messages.ERROR)
        return HttpResponseRedirect(self.review_url("review", article))

    def _perform(
        self,
        request: HttpRequest,
        article: Article,
        action: Callable[[], Any],
        *,
        success: Callable[[Any], str],
        refused: str,
        retry_url: str = "",
        anchor: str = "",
    ) -> HttpResponseRedirect:
        """POST only: run ``action`` (one service call); a refusal becomes an error message, never a 500.
        Back to the review screen, at ``anchor`` (the thread acted on) when given."""
        change_url = self.review_url("review", article) + (f"#{anchor}" if anchor else "")
        if request.method != "POST":
            return HttpResponseRedirect(change_url)
        try:
            result = action()
        except ServiceError as exc:
            # The service's transaction rolled back: nothing changed.
            self.message_user(request, f"{refused}: {exc.message}", level=messages.ERROR)
            return HttpResponseRedirect(retry_url if retry_url and isinstance(exc, InvalidInput) else change_url)
        self.message_user(request, success(result), level=messages.SUCCESS)
        return HttpResponseRedirect(change_url)

    @review_action
    def transition_view(self, request: HttpRequest, article: Article, name: str) -> HttpResponse:
        if name not in TRANSITIONS:
            return self._refuse(request, article, f"There is no transition “{name}”.")
        label, done = action_label(name), ACTIONS[name].audit_label
        spec = action_form(name)
        form_url = self.review_url("transition", article, name)
        if request.method != "POST" and spec is not None:
            refusal = transition_refusal(article=article, user=request.user, name=name)
            if refusal is not None:
                return self._refuse(request, article, f"{label} is not possible now: {refusal.message}")
            return self.transition_form_view(request, article, name, label=label, form_url=form_url)
        inputs: dict[str, Any] = {}
        if spec is not None:
            inputs[spec["field"]] = request.POST.get(spec["field"], "")
            inputs.update({flag["name"]: request.POST.get(flag["name"]) == "on" for flag in spec["flags"]})
        return self._perform(
            request,
            article,
            lambda: article_transition(article=article, user=request.user, name=name, **inputs),
            success=lambda result: f"{done}. {NEXT_STEPS.get(result.state, '')}".strip(),
            refused=f"{label} refused",
            retry_url=form_url if spec else "",
        )

    def transition_form_view(
        self, request: HttpRequest, article: Article, name: str, *, label: str, form_url: str
    ) -> TemplateResponse:
        spec = action_form(name)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": article,
            "title": f"{label}: {article.question}",
            "transition": {"name": name, "label": label, **spec},
            "state_label": STATE_LABELS.get(article.state, article.state),
            "review_hash_short": short_hash(article.review_hash),
            "action_url": form_url,
            "change_url": self.review_url("review", article),
            "has_view_permission": True,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/articles/article/transition_form.html", context)

    @review_action
    def sign_off_view(self, request: HttpRequest, article: Article) -> HttpResponse:
        assignment = selectors.open_assignments(article).filter(reviewer=request.user.pk).first()
        if request.method == "POST" and assignment is None:
            return self._refuse(
                request,
                article,
                "Sign-off refused: you have no open assignment on this article; only its assigned reviewers sign off.",
            )

        def signed(signoff: SignOff) -> str:
            text = f"You signed off on content {short_hash(signoff.content_hash)}."
            if signoff.article.state == ReviewState.APPROVED:
                return f"{text} That completed the quorum: the article is approved."
            if selectors.awaiting_decision(signoff.article):
                return f"{text} That completed the quorum: the chair decides now."
            return f"{text} Sign-offs: {selectors.signoff_progress(signoff.article)}."

        return self._perform(
            request,
            article,
            lambda: assignment_sign_off(
                assignment=assignment,
                reviewer=request.user,
                content_hash=request.POST.get("content_hash", ""),
                comment=request.POST.get("comment", ""),
                accept=request.POST.get("accept") in ("on", "1"),
                acknowledgements=[
                    {"warning": key.removeprefix("ack:"), "reason": value}
                    for key, value in request.POST.items()
                    if key.startswith("ack:") and value.strip()
                ],
            ),
            success=signed,
            refused="Sign-off refused",
        )

    @review_action
    def report_view(self, request: HttpRequest, article: Article) -> HttpResponse:
        """The reviewer's structured report: recommendation, the checklist (``check:<item id>``), comments to
        the author and confidential comments to the chair."""
        assignment = selectors.open_assignments(article).filter(reviewer=request.user.pk).first()
        if request.method == "POST" and assignment is None:
            return self._refuse(request, article, "Report not filed: you have no open assignment on this article.")
        checklist = [
            {"item": key.removeprefix("check:"), "answer": value}
            for key, value in request.POST.items()
            if key.startswith("check:") and value
        ]
        return self._perform(
            request,
            article,
            lambda: assignment_report(
                assignment=assignment,
                user=request.user,
                recommendation=request.POST.get("recommendation", ""),
                checklist=checklist,
                comments_to_author=request.POST.get("comments_to_author", ""),
                confidential_comments=request.POST.get("confidential_comments", ""),
            ),
            success=lambda report: f"Your report is filed: {report.get_recommendation_display().lower()}.",
            refused="Report not filed",
            anchor="reports-panel",
        )

    @review_action
    def comment_view(self, request: HttpRequest, article: Article) -> HttpResponse:
        return self._perform(
            request,
            article,
            lambda: comment_create(
                article=article,
                user=request.user,
                body=request.POST.get("body", ""),
                section=request.POST.get("section") or None,
                blocking=request.POST.get("blocking") in ("on", "true", "1"),
            ),
            success=lambda comment: (
                "Blocking comment added: it holds back approval until it is resolved."
                if comment.blocking
                else "Comment added."
            ),
            refused="Comment not added",
        )

    @review_action
    def comment_resolve_view(self, request: HttpRequest, article: Article, comment_id: int) -> HttpResponse:
        comment = Comment.objects.filter(article=article, pk=comment_id).first()
        if comment is None:
            return self._refuse(request, article, f"Comment {comment_id} is not a comment on this article.")

        def resolved(comment: Comment) -> str:
            # Resolving never approves: approval comes from the next sign-off or the chair's approval.
            if comment.author_id != request.user.pk:
                return f"Comment resolved. {person_name(comment.author)} is told how it was handled."
            return "Comment resolved."

        return self._perform(
            request,
            article,
            lambda: comment_resolve(comment=comment, user=request.user, note=request.POST.get("note", "")),
            success=resolved,
            refused="Comment not resolved",
            anchor=f"comment-{comment.pk}",
        )

    @review_action
    def assign_view(self, request: HttpRequest, article: Article) -> HttpResponse:
        form = AssignForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and not form.is_valid():
            problems = "; ".join(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items())
            return self._refuse(request, article, f"Reviewer not assigned: {problems}")

        def assigned(assignment: Assignment) -> str:
            due = f", due {assignment.due_at:%Y-%m-%d}" if assignment.due_at else ", due when the review starts"
            return f"{person_name(assignment.reviewer)} assigned{due}."

        return self._perform(
            request,
            article,
            lambda: assignment_create(
                article=article,
                reviewer=form.cleaned_data["reviewer"],
                user=request.user,
                due_at=form.due_at(),
                override_reason=form.cleaned_data["override_reason"],
            ),
            success=assigned,
            refused="Reviewer not assigned",
        )

    @review_action
    @on_assignment
    def unassign_view(self, request: HttpRequest, article: Article, assignment: Assignment) -> HttpResponse:
        return self._perform(
            request,
            article,
            lambda: assignment_remove(assignment=assignment, user=request.user),
            success=lambda removed: f"{person_name(removed.reviewer)} removed from the review.",
            refused="Reviewer not removed",
        )

    @review_action
    @on_assignment
    def assignment_accept_view(self, request: HttpRequest, article: Article, assignment: Assignment) -> HttpResponse:

        def accepted(result: Assignment) -> str:
            due = f" Your review is due {timezone.localtime(result.due_at):%Y-%m-%d}." if result.due_at else ""
            return f"You accepted the assignment, confirming no conflict of interest.{due}"

        return self._perform(
            request,
            article,
            lambda: assignment_accept(
                assignment=assignment, user=request.user, no_conflict=request.POST.get("no_conflict") in ("on", "1")
            ),
            success=accepted,
            refused="Not accepted",
        )

    @review_action
    @on_assignment
    def assignment_decline_view(self, request: HttpRequest, article: Article, assignment: Assignment) -> HttpResponse:
        return self._perform(
            request,
            article,
            lambda: assignment_decline(assignment=assignment, user=request.user, reason=request.POST.get("reason", "")),
            success=lambda result: "You declined the assignment. The chair is told and will assign someone else.",
            refused="Not declined",
        )
