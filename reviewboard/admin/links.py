"""Where the e-mails' signed links land (``reviewboard.delivery.links``): behind the admin's login, each
link checked (signature, age, not used, sent to this user), then used once.

- ``thread``: opens the review screen at that comment thread.
- ``accept`` / ``decline``: a one-step page with the invitation's answer (accepting confirms no conflict of
  interest; declining takes a reason), answered through the same services as the review screen.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from config.exceptions import ServiceError
from reviewboard.admin.review_words import action_label
from reviewboard.delivery import links
from reviewboard.models import Assignment, Comment
from reviewboard.review import selectors
from reviewboard.review.actions import ACTIONS
from reviewboard.review.services import assignment_accept, assignment_decline


def _home(request: HttpRequest, message: str) -> HttpResponseRedirect:
    messages.error(request, message)
    return HttpResponseRedirect(reverse("admin:index"))


def _review_url(article_id: int, anchor: str = "") -> str:
    return reverse("admin:articles_article_review", args=[article_id]) + (f"#{anchor}" if anchor else "")


def link_view(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = links.read(token, user=request.user)
    except ServiceError as exc:
        return _home(request, exc.message)
    if link.kind == "thread":
        comment = Comment.objects.filter(pk=link.object_id).select_related("article").first()
        if comment is None or not selectors.can_see_article(comment.article, request.user):
            return _home(request, "That comment is not one you may see.")
        links.use(link)
        return HttpResponseRedirect(_review_url(comment.article_id, f"comment-{comment.parent_id or comment.pk}"))

    assignment = Assignment.objects.filter(pk=link.object_id, reviewer=request.user).select_related("article").first()
    if assignment is None:
        return _home(request, "That invitation is not yours to answer.")
    name = "accept_assignment" if link.kind == "accept" else "decline_assignment"
    if request.method == "POST":
        try:
            if link.kind == "accept":
                assignment_accept(
                    assignment=assignment, user=request.user, no_conflict=request.POST.get("no_conflict") in ("on", "1")
                )
            else:
                assignment_decline(assignment=assignment, user=request.user, reason=request.POST.get("reason", ""))
            links.use(link)
        except ServiceError as exc:
            messages.error(request, f"{action_label(name)}: not done: {exc.message}")
        else:
            messages.success(request, f"{ACTIONS[name].audit_label}.")
            return HttpResponseRedirect(_review_url(assignment.article_id))
    context = {
        **admin.site.each_context(request),
        "title": f"{action_label(name)}: {assignment.article.question}",
        "subtitle": None,
        "kind": link.kind,
        "label": action_label(name),
        "confirm_label": ACTIONS["accept_assignment"].field("no_conflict").label,
        "assignment": assignment,
        "review_url": _review_url(assignment.article_id),
    }
    return TemplateResponse(request, "admin/reviewboard/link_answer.html", context)
