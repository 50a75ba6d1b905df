"""The review screens of the article admin: the article's review page, its review actions and list columns.

``ArticleReviewAdminMixin`` is mixed into ``reviewboard.admin.articles.ArticleAdmin``. ``review_panels``
gathers what the review
screen (``reviewboard.admin.review_screen``) shows: the state and sign-off progress, ONLY the transition
buttons the user may use now (``actions.refusals``), the sign-off button naming the content hash it
approves, the diff against the live published version, the assignments with their sign-offs, the rounds
and the article's audit history. Every review action posts to its own admin URL
(``<pk>/transition/<name>/``, ``<pk>/sign-off/``, ``<pk>/comments/``, ``<pk>/assignments/``...) whose
view calls the one service for it and turns a refusal (``config.exceptions.ServiceError``) into an
error message, and returns to the review screen: never the change view's POST (refused on frozen
articles), never django-fsm's transition methods directly.

What counts (sign-offs, quorum, pending assignments, active reviewers) is read from
``reviewboard.review.selectors``; nothing here decides it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime, time
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from articles.content import ArticleContent
from articles.diff import content_diff
from articles.models import CLOSED_STATES, FROZEN_STATES, Article, ReviewState
from config.exceptions import Conflict, InvalidInput, ServiceError
from reviewboard.board import permissions
from reviewboard.models import Assignment, Comment, ReviewRound, SignOff
from reviewboard.review import actions, selectors
from reviewboard.review.actions import ACTIONS
from reviewboard.review.actions.catalog import audit_label
from reviewboard.review.services import (
    TRANSITIONS,
    article_transition,
    assignment_accept,
    assignment_create,
    assignment_decline,
    assignment_remove,
    assignment_sign_off,
    comment_create,
    comment_resolve,
    transition_refusal,
)

# --- buttons, labels and names ------------------------------------------------------------

# Labels, forms and confirmations come from the action declarations (``reviewboard.review.actions.catalog``).


def action_label(name: str) -> str:
    return ACTIONS[name].label


def action_form(name: str) -> dict[str, Any] | None:
    """The small form a transition's button opens first: its text input (a required reason or comment) and
    the confirmation, when the action ends a round, publishes or retracts. None: the button acts at once."""
    action = ACTIONS[name]
    field = next((f for f in action.fields if f.kind == "text"), None)
    if field is None or not (field.required or action.confirm):
        return None
    return {
        "field": field.name,
        "prompt": field.label,
        "required": field.required,
        "help": " ".join(part for part in (action.confirm, field.help) if part),
        # Yes/no inputs of the action (approve: clinically significant), drawn as checkboxes.
        "flags": [{"name": f.name, "label": f.label, "help": f.help} for f in action.fields if f.kind == "bool"],
    }


STATE_LABELS = dict(ReviewState.choices)
# What happens next, said after a transition (instead of "the article is now <state>").
NEXT_STEPS = {
    ReviewState.DRAFT: "The authors can edit the article again.",
    ReviewState.SUBMITTED: "The chair assigns reviewers and starts the review.",
    ReviewState.UNDER_REVIEW: "The reviewers can read, comment and sign off now.",
    ReviewState.CHANGES_REQUESTED: "The authors revise the article and submit it again.",
    ReviewState.APPROVED: "The approved content is published for readers.",
    ReviewState.RETRACTED: "Readers now get the reason instead of the article.",
    ReviewState.ARCHIVED: "No review runs on it any more.",
}
# States in which a review round runs: sign-off progress and due dates mean something.
REVIEW_STATES = FROZEN_STATES


def short_hash(value: str) -> str:
    """A content hash as people read it out: "3fa2…9c1e"."""
    return f"{value[:4]}…{value[-4:]}" if len(value) > 8 else value


def reviewer_label(user: Any) -> str:
    name = user.get_full_name() or user.get_username()
    profile = getattr(user, "reviewer_profile", None)
    if profile is None:
        return name
    specialties = ", ".join(s.name for s in profile.specialties.all())
    label = f"{name}, {profile.credentials}" if profile.credentials else name
    return f"{label} ({specialties})" if specialties else label


def person_name(user: Any) -> str:
    return user.get_full_name() or user.get_username()


def credential_rows(user: Any, *, today: Any) -> list[dict[str, str]]:
    """The reviewer's credentials on record with their status (verified, not verified, expired); load the
    user with ``reviewer_profile__credential_records`` first."""
    profile = getattr(user, "reviewer_profile", None)
    if profile is None:
        return []
    return [
        {"name": c.name, "status": selectors.credential_status(c, today=today), "kind": c.get_kind_display()}
        for c in profile.credential_records.all()
    ]


def signoff_status(signoff: SignOff, *, counting: set[int], review_hash: str) -> str:
    """Why a sign-off counts toward the quorum now, or why not."""
    if signoff.pk in counting:
        return "counts"
    if signoff.decision == SignOff.Decision.REQUEST_CHANGES:
        return "requested changes"
    if signoff.assignment.closed_at is not None:
        return f"earlier round ({signoff.assignment.close_reason or 'closed'})"
    if signoff.content_hash != review_hash:
        return "stale: another content hash"
    return "does not count"


AUDIT_ROWS = 50


CLOSE_REASONS = {
    "removed": "reviewer removed",
    "retracted": "live version retracted",
    "archived": "article archived",
    **{value: label.lower() for value, label in ReviewRound.Outcome.choices},
}


def close_reason_words(reason: str) -> str:
    return CLOSE_REASONS.get(reason, reason.replace("_", " ") or "closed")


def state_change_words(entry: Any) -> str:
    """ "Draft → Submitted", or the one state, as people read states."""
    to_state = STATE_LABELS.get(entry.to_state, entry.to_state)
    if entry.from_state and entry.from_state != entry.to_state:
        return f"{STATE_LABELS.get(entry.from_state, entry.from_state)} → {to_state}"
    return to_state


def audit_people(entries: list[Any]) -> dict[int, Any]:
    """The reviewers the entries name (assign, unassign), loaded once, by id."""
    ids = {e.data.get("reviewer_id") for e in entries if isinstance(e.data, dict) and e.data.get("reviewer_id")}
    if not ids:
        return {}
    return get_user_model().objects.select_related("reviewer_profile").in_bulk(ids)


def audit_details(entry: Any, people: dict[int, Any] | None = None) -> str:
    """A line a person reads for one audit entry (the entry itself stays as stored)."""
    data = entry.data or {}
    action = audit_label(entry.action).lower()
    if entry.action in ("assign", "unassign") and data.get("reviewer"):
        person = (people or {}).get(data.get("reviewer_id"))
        return f"{action}: {permissions.display_name(person) if person else data['reviewer']}"
    if entry.action == "sign_off" and "signed" in data:
        return f"{action} ({data['signed']} of {data.get('required', '?')})"
    if entry.action == "comment":
        where = f" on “{data['section_heading']}”" if data.get("section_heading") else ""
        return f"{'added a blocking comment' if data.get('blocking') else action}{where}"
    if entry.action == "approve" and data:
        how = " automatically, when the quorum was met" if data.get("automatic") else ""
        version = f"; version {data['version']} published" if data.get("version") else ""
        return f"{action}{how}{version}"
    return action


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
        self: ArticleReviewAdminMixin, request: HttpRequest, object_id: str, **kwargs: Any
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
        self: ArticleReviewAdminMixin, request: HttpRequest, article: Article, *, assignment_id: int, **kwargs: Any
    ) -> HttpResponse:
        assignment = Assignment.objects.filter(article=article, pk=assignment_id).select_related("reviewer").first()
        if assignment is None:
            return self._refuse(request, article, f"Assignment {assignment_id} is not an assignment of this article.")
        return view(self, request, article, assignment, **kwargs)

    return with_assignment


class ArticleReviewAdminMixin:
    """The review part of ``ArticleAdmin`` (a ``ModelAdmin`` of ``Article``): list columns, the review
    panels of the change page and one URL per review action."""

    # --- list columns -----------------------------------------------------------------------

    def get_queryset(self, request: HttpRequest) -> QuerySet[Article]:
        """Adds what the review columns show: sign-offs counting now, the quorum, the next due date."""
        return (
            super()
            .get_queryset(request)
            .annotate(
                _signed=selectors.signed_count(),
                _quorum=selectors.quorum_of(),
                _next_due=selectors.next_pending_due(),
            )
        )

    @admin.display(description="sign-offs")
    def signoffs(self, obj: Article) -> str | None:
        return f"{obj._signed} of {obj._quorum}" if obj.state in REVIEW_STATES else None

    @admin.display(description="next due", ordering="_next_due")
    def next_due(self, obj: Article) -> Any:
        return obj._next_due if obj.state in REVIEW_STATES else None

    @admin.display(description="overdue")
    def overdue(self, obj: Article) -> str:
        if obj.state == ReviewState.UNDER_REVIEW and obj._next_due and obj._next_due < timezone.now():
            return format_html('<span class="review-overdue">{}</span>', "overdue")
        if obj.state == ReviewState.APPROVED and obj.review_overdue:
            return format_html('<span class="review-overdue">{}</span>', "re-review due")
        return ""

    # --- the review screen ------------------------------------------------------------------

    def review_url(self, view: str, article: Article, *args: Any) -> str:
        name = f"admin:{self.opts.app_label}_{self.opts.model_name}_{view}"
        return reverse(name, args=[article.pk, *args], current_app=self.admin_site.name)

    def review_panels(self, request: HttpRequest, article: Article, *, content: ArticleContent) -> dict[str, Any]:
        """The review part of the change page, as data for the templates. Reads only.

        What the user may do is asked of the services and ``reviewboard.board.permissions`` (the same
        predicates the services enforce); the views re-check everything by calling the services.
        """
        user = request.user
        now = timezone.now()
        today = timezone.localdate()
        review_hash = article.review_hash
        under_review = article.state == ReviewState.UNDER_REVIEW

        # One pass over the transitions: what available_transitions() returns (refusal None) are the
        # buttons; a transition the user could make but for an unmet condition is named with the reason.
        refusals = actions.refusals(article=article, user=user, names=TRANSITIONS)
        buttons = [
            {
                "name": name,
                "label": action_label(name),
                "opens_form": action_form(name) is not None,
                "url": self.review_url("transition", article, name),
            }
            for name, refusal in refusals.items()
            if refusal is None
        ]
        blocked = [
            {"name": name, "label": action_label(name), "reason": refusal.message}
            for name, refusal in refusals.items()
            if isinstance(refusal, Conflict) and refusal.code != "invalid-state"
        ]

        may_assign = article.state in REVIEW_STATES and permissions.can_chair(article, user)
        assignments = list(
            article.assignments.select_related("reviewer", "reviewer__reviewer_profile")
            .prefetch_related("reviewer__reviewer_profile__credential_records")
            .order_by("assigned_at", "id")
        )
        signoffs = (
            list(article.signoffs.select_related("reviewer", "assignment").order_by("created_at", "id"))
            if assignments
            else []  # a sign-off is made through an assignment
        )
        counting = {s.pk for s in selectors.counting_signoffs(article, review_hash)} if review_hash else set()
        signed_now = {s.assignment_id for s in signoffs if s.pk in counting}
        assignment_rows = []
        my_assignment = None
        for assignment in assignments:
            is_open = assignment.closed_at is None
            signed = assignment.pk in signed_now
            row = {
                "assignment": assignment,
                "reviewer": permissions.display_name(assignment.reviewer),
                "open": is_open,
                "close_reason": close_reason_words(assignment.close_reason),
                "signed": signed,
                "overdue": bool(
                    is_open and under_review and not signed and assignment.due_at and assignment.due_at < now
                ),
                "remove_url": self.review_url("unassign", article, assignment.pk) if may_assign and is_open else "",
                "answer": selectors.assignment_answer(assignment),
                "answer_text": selectors.describe_answer(assignment),
                "credentials": credential_rows(assignment.reviewer, today=today),
            }
            if is_open and assignment.reviewer_id == user.pk:
                row["answer_form"] = self._answer_form(article, assignment, user)
                my_assignment = row
            assignment_rows.append(row)
        sign_off = None
        if my_assignment is not None and selectors.signable_assignment(article=article, user=user) is not None:
            sign_off = {
                "content_hash": review_hash,
                "short_hash": short_hash(review_hash),
                "url": self.review_url("sign_off", article),
            }
        signoff_rows = [
            {
                "signoff": s,
                "reviewer": person_name(s.reviewer),
                "short_hash": short_hash(s.content_hash),
                "counts": s.pk in counting,
                "status": signoff_status(s, counting=counting, review_hash=review_hash),
            }
            for s in signoffs
        ]

        open_for_comments = article.state not in CLOSED_STATES
        sections = [
            {"pk": section.pk, "heading": section.heading}
            for section in sorted(article.sections.all(), key=lambda section: section.position)
        ]
        comment_form = None
        if open_for_comments and permissions.can_comment(article, user):
            comment_form = {
                "url": self.review_url("comment", article),
                "sections": sections,
                "may_block": permissions.can_block(article, user),
            }

        assign_form = None
        if may_assign:
            taken = [a.reviewer_id for a in assignments if a.closed_at is None]
            candidates = selectors.active_reviewers().exclude(pk__in=taken).exclude(authored_articles=article)
            assign_form = {
                "url": self.review_url("assign", article),
                "reviewers": [{"pk": u.pk, "label": reviewer_label(u)} for u in candidates],
                "required_specialty": article.required_specialty if article.required_specialty_id else None,
            }

        diff, diff_error = None, ""
        live = article.live_version if article.live_version_id else None
        if live is not None:
            try:
                diff = content_diff(old=ArticleContent.from_source(live.source), new=content)
            except (KeyError, TypeError, ValueError):
                diff_error = f"The stored source of v{live.number} cannot be read; no diff is shown."

        rounds, since_my_round, since_my_round_error = self._rounds(article, user)

        entries = list(
            selectors.audit_entries(article=article)
            .select_related("actor__reviewer_profile")
            .order_by("-seq")[:AUDIT_ROWS]
        )
        people = audit_people(entries)
        audit = [
            {
                "entry": entry,
                "short_hash": short_hash(entry.content_hash),
                "details": audit_details(entry, people),
                "actor": permissions.display_name(entry.actor) if entry.actor else entry.actor_name or "the system",
                "states": state_change_words(entry),
            }
            for entry in entries
        ]
        return {
            "review": {
                "state": article.state,
                "state_label": STATE_LABELS.get(article.state, article.state),
                "in_review": article.state in REVIEW_STATES,
                "progress": selectors.signoff_progress(article) if article.state in REVIEW_STATES else None,
                "review_hash": review_hash,
                "review_hash_short": short_hash(review_hash),
                "buttons": buttons,
                "blocked": blocked,
                "sign_off": sign_off,
                "my_assignment": my_assignment,
                "assignments": assignment_rows,
                "signoffs": signoff_rows,
                "comment_form": comment_form,
                "assign_form": assign_form,
                "live_version": live,
                "diff": diff,
                "diff_error": diff_error,
                "rounds": rounds,
                "since_my_round": since_my_round,
                "since_my_round_error": since_my_round_error,
                "audit": audit,
                "audit_limit": AUDIT_ROWS,
                "audit_url": reverse("admin:reviewboard_auditentry_changelist", current_app=self.admin_site.name)
                + f"?article__id__exact={article.pk}",
            }
        }

    def _answer_form(self, article: Article, assignment: Assignment, user: Any) -> dict[str, Any] | None:
        """Accept / decline buttons for the reviewer's own open assignment not yet answered, when the runner
        would let them (state, permission); the reason a standing conflict blocks accepting is shown."""
        if assignment.accepted_at is not None:
            return None
        refusals = {
            name: actions.refusal(name, article=article, user=user, target=assignment)
            for name in ("accept_assignment", "decline_assignment")
        }
        if all(refusal is not None for refusal in refusals.values()):
            return None
        conflict = selectors.conflict_stands(article, assignment)
        return {
            "accept_url": self.review_url("assignment_accept", article, assignment.pk)
            if refusals["accept_assignment"] is None
            else "",
            "decline_url": self.review_url("assignment_decline", article, assignment.pk)
            if refusals["decline_assignment"] is None
            else "",
            "accept_label": action_label("accept_assignment"),
            "decline_label": action_label("decline_assignment"),
            "confirm_label": ACTIONS["accept_assignment"].field("no_conflict").label,
            "decline_help": ACTIONS["decline_assignment"].confirm,
            "conflict": conflict.message if conflict is not None else "",
        }

    def _rounds(self, article: Article, user: Any) -> tuple[list[dict[str, Any]], dict[str, Any] | None, str]:
        """The article's review rounds (number, outcome, reviewers), and for a reviewer of an earlier round
        what changed between the last round they reviewed and the latest round (their snapshots)."""
        rounds = list(article.review_rounds.order_by("number"))
        reviewers: dict[int, list[str]] = {}
        reviewed: set[int] = set()
        for assignment in (
            Assignment.objects.filter(round__article=article)
            .select_related("reviewer", "reviewer__reviewer_profile")
            .order_by("assigned_at", "id")
        ):
            reviewers.setdefault(assignment.round_id, []).append(permissions.display_name(assignment.reviewer))
            if assignment.reviewer_id == user.pk:
                reviewed.add(assignment.round_id)
        rows = [
            {
                "round": round_,
                "short_hash": short_hash(round_.content_hash),
                "outcome": round_.get_outcome_display().lower() if round_.outcome else "open",
                "reviewers": reviewers.get(round_.pk, []),
            }
            for round_ in rounds
        ]
        latest = rounds[-1] if rounds else None
        mine = [round_ for round_ in rounds[:-1] if round_.pk in reviewed]
        if latest is None or not mine:
            return rows, None, ""
        old = mine[-1]
        try:
            diff = content_diff(
                old=ArticleContent.from_source(old.snapshot), new=ArticleContent.from_source(latest.snapshot)
            )
        except (KeyError, TypeError, ValueError):
            return rows, None, f"The snapshot of round {old.number} cannot be read; no diff is shown."
        return rows, {"old": old, "new": latest, "diff": diff}, ""

    # --- the review actions: each its own URL, each one service call -------------------------

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
            return f"{text} Sign-offs: {selectors.signoff_progress(signoff.article)}."

        return self._perform(
            request,
            article,
            lambda: assignment_sign_off(
                assignment=assignment,
                reviewer=request.user,
                content_hash=request.POST.get("content_hash", ""),
                comment=request.POST.get("comment", ""),
            ),
            success=signed,
            refused="Sign-off refused",
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
