"""The review actions of the article admin: ONE generic view for every declared action.

``<pk>/actions/<name>/`` (and ``<pk>/actions/<name>/<id>/`` for an action on an assignment, a comment,
a published version or a reader report of the article) reads everything from the action's declaration
(``reviewboard.review.actions``): GET draws its page when it needs one (an input to type or a
confirmation: a form built from its declared inputs, ``surface.action_form``) and only when the runner
would let this user act now; POST reads that form, runs the one runner, and returns to the review
screen (at the thread it touched) with the declaration's success message, or with its refusal as an
error message: never a 500, never the change view's POST, never django-fsm's transition methods directly.

The URLs the screens already used stay, as aliases onto the same view: ``transition/<name>/``,
``sign-off/``, ``comments/`` (which names a section by its primary key), ``comments/<id>/resolve/``,
``assignments/`` (``due``: the due date), ``assignments/<id>/remove|accept|decline/``, and the
review screen's ``comments/<id>/reply|addressed/``.
``ReviewActionsAdminMixin`` is the base of ``reviewboard.admin.review.ArticleReviewAdminMixin``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from articles.models import Article
from config.exceptions import InvalidInput, ServiceError
from reviewboard.admin.review_words import short_hash
from reviewboard.review import actions
from reviewboard.review.actions import ACTIONS, TRANSITIONS, surface
from reviewboard.review.actions.registry import Action
from reviewboard.review.states import next_step, state_label

# What the admin calls an object of the article that is not there (the id in the URL is someone else's).
NOT_OURS = {
    "assignment": "Assignment {key} is not an assignment of this article.",
    "comment": "Comment {key} is not a comment on this article.",
    "version": "Version {key} of this article was never published.",
    "report": "Report {key} is not a report on this article.",
}


def review_action(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For a review view: its URL's ``object_id`` arrives as the article itself. A user who may not see
    that article gets an error message and the article list instead (``_review_article``)."""

    @functools.wraps(view)
    def with_article(
        self: ReviewActionsAdminMixin, request: HttpRequest, object_id: str, **kwargs: Any
    ) -> HttpResponse:
        found = self._review_article(request, object_id)
        if not isinstance(found, Article):
            return found
        return view(self, request, found, **kwargs)

    return with_article


class ReviewActionsAdminMixin:
    """The generic action view of ``ArticleAdmin`` (a ``ModelAdmin`` of ``Article``), and its aliases."""

    def get_urls(self) -> list[Any]:
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view  # staff login, CSRF protection, never cached

        def alias(name: str, **options: Any) -> Callable[..., HttpResponse]:
            return wrap(functools.partial(self.action_view, name=name, **options))

        def url(route: str, view: Callable[..., HttpResponse], name: str) -> Any:
            return path(f"<path:object_id>/{route}", view, name="{}_{}_{}".format(*info, name))

        return [
            url("actions/<str:name>/", wrap(self.action_view), "action"),
            url("actions/<str:name>/<str:target_id>/", wrap(self.action_view), "action_on"),
            # the URLs the screens and the tests already know: the same view
            url("transition/<str:name>/", wrap(functools.partial(self.action_view, only=TRANSITIONS)), "transition"),
            url(
                "sign-off/", alias("sign_off", collect={"acknowledgements": ("ack:", "warning", "reason")}), "sign_off"
            ),
            url("report/", alias("submit_report", collect={"checklist": ("check:", "item", "answer")}), "report"),
            url("comments/", alias("comment", raw=("section",)), "comment"),
            url("comments/<int:target_id>/resolve/", alias("resolve_comment"), "comment_resolve"),
            url("comments/<int:target_id>/reply/", alias("reply"), "comment_reply"),
            url("comments/<int:target_id>/addressed/", alias("mark_addressed"), "comment_addressed"),
            url("assignments/", alias("assign", renamed={"due": "due_at"}), "assign"),
            url("assignments/<int:target_id>/remove/", alias("unassign"), "unassign"),
            url("assignments/<int:target_id>/accept/", alias("accept_assignment"), "assignment_accept"),
            url("assignments/<int:target_id>/decline/", alias("decline_assignment"), "assignment_decline"),
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

    def _refuse(self, request: HttpRequest, article: Article, message: str, url: str = "") -> HttpResponseRedirect:
        """Nothing was done: ``message`` as an error, and back to the review screen (or ``url``)."""
        self.message_user(request, message, level=messages.ERROR)
        return HttpResponseRedirect(url or self.review_url("review", article))

    def action_url(self, article: Article, name: str, target: Any = None) -> str:
        """The generic view's URL of action ``name`` (on ``target``, an object of the article)."""
        if name in TRANSITIONS:
            return self.review_url("transition", article, name)
        if target is not None:
            key = target.number if ACTIONS[name].on == "version" else getattr(target, "public_id", target.pk)
            return self.review_url("action_on", article, name, key)
        return self.review_url("action", article, name)

    @review_action
    def action_view(
        self,
        request: HttpRequest,
        article: Article,
        name: str,
        target_id: Any = None,
        *,
        only: tuple[str, ...] | None = None,
        raw: tuple[str, ...] = (),
        renamed: dict[str, str] | None = None,
        collect: dict[str, tuple[str, str, str]] | None = None,
    ) -> HttpResponse:
        """Any surfaced action (see the module docstring). ``only``: the names this URL offers (the transition
        alias); ``raw``: inputs passed to the runner as posted (the comment alias's section primary key);
        ``renamed``: posted names of the aliases (``due``) and the declared inputs they are; ``collect``: a list
        input posted as one field per row (``ack:<warning key>`` -> ``{"warning": key, "reason": text}``)."""
        action = ACTIONS.get(name)
        if action is None or not action.on_surfaces or (only is not None and name not in only):
            return self._refuse(request, article, f"There is no {'transition' if only else 'action'} “{name}”.")
        target = None
        if action.needs_target_id:
            target = surface.TARGETS[action.on].find(article, target_id) if target_id is not None else None
            if target is None:
                return self._refuse(request, article, NOT_OURS[action.on].format(key=target_id))
        screen = self.review_url("review", article) + self._anchor(action, target)
        page = not action.panel and surface.needs_page(action)
        if request.method != "POST":
            if not page:
                return HttpResponseRedirect(screen)
            refusal = actions.refusal(name, article=article, user=request.user, target=target)
            if refusal is not None:
                return self._refuse(request, article, f"{action.label} is not possible now: {refusal.message}")
            return self._action_page(request, article, action, surface.action_form(action, article)())
        data = request.POST.copy()
        for posted, declared in (renamed or {}).items():
            if posted in data:
                data.setlist(declared, data.pop(posted))
        form_class = surface.action_form(action, article)
        for field in raw:
            form_class.base_fields.pop(field, None)
        form = form_class(data)
        retry = request.path if page else screen
        if not form.is_valid():
            shown = {declared: posted for posted, declared in (renamed or {}).items()}
            problems = "; ".join(f"{shown.get(f, f)}: {' '.join(errors)}" for f, errors in form.errors.items())
            return self._refuse(request, article, f"{action.refused_words}: {problems}", retry)
        inputs = {
            key: action.field(key).spec.from_surface(action.field(key), value, article)
            for key, value in form.cleaned_data.items()
        }
        inputs.update({field: request.POST.get(field) or None for field in raw})
        for field, (prefix, key, value) in (collect or {}).items():
            inputs[field] = [
                {key: posted.removeprefix(prefix), value: text}
                for posted, text in request.POST.items()
                if posted.startswith(prefix) and text.strip()
            ]
        try:
            result = actions.perform(name, article=article, user=request.user, target=target, **inputs)
        except ServiceError as exc:  # the runner's transaction rolled back: nothing changed
            url = retry if isinstance(exc, InvalidInput) else screen
            return self._refuse(request, article, f"{action.refused_words}: {exc.message}", url)
        self.message_user(request, self._success(action, result, request.user), level=messages.SUCCESS)
        return HttpResponseRedirect(screen)

    @staticmethod
    def _anchor(action: Action, target: Any) -> str:
        if action.on == "comment" and target is not None:
            return f"#comment-{target.parent_id or target.pk}"
        return ""

    @staticmethod
    def _success(action: Action, result: Any, user: Any) -> str:
        """The declaration's message; a transition says what happens next; else its audit label."""
        if action.message is not None:
            return action.message(result, user)
        if action.is_transition:
            return f"{action.audit_label}. {next_step(result.state)}".strip()
        return f"{action.audit_label}."

    def _action_page(self, request: HttpRequest, article: Article, action: Action, form: Any) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": article,
            "title": f"{action.label}: {article.question}",
            "action": action,
            "form": form,
            "state_label": state_label(article.state),
            "review_hash_short": short_hash(article.review_hash),
            "action_url": request.path,
            "change_url": self.review_url("review", article),
            "has_view_permission": True,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/articles/article/action_form.html", context)
