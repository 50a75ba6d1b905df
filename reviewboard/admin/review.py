"""The review part of the article admin: its list columns and the review panels of the change page.

``ArticleReviewAdminMixin`` is mixed into ``reviewboard.admin.articles.ArticleAdmin``. ``review_panels``
gathers what the review screen (``reviewboard.admin.review_screen``) shows: the state and sign-off
progress, ONLY the transition buttons the user may use now (``actions.refusals``), the sign-off button
naming the content hash it approves, the diff against the live published version, the assignments with
their sign-offs, the rounds and the article's audit history. The review actions' URLs and views are its
base, ``reviewboard.admin.review_actions.ReviewActionsAdminMixin``; the words it shows are in
``reviewboard.admin.review_words``.

What counts (sign-offs, quorum, pending assignments, active reviewers) is read from
``reviewboard.review.selectors``; nothing here decides it.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from articles.content import ArticleContent
from articles.diff import content_diff
from articles.models import Article, ReviewState
from config.exceptions import Conflict
from reviewboard.admin.review_actions import ReviewActionsAdminMixin
from reviewboard.admin.review_words import (
    AUDIT_ROWS,
    DOES_NOT_APPLY,
    REVIEW_STATES,
    SECONDARY_ACTIONS,
    action_label,
    audit_details,
    audit_people,
    close_reason_words,
    confirm_words,
    credential_rows,
    person_name,
    reviewer_label,
    short_hash,
    signoff_status,
    state_change_words,
)
from reviewboard.board import permissions
from reviewboard.board import selectors as board_selectors
from reviewboard.models import Assignment, ChecklistItem, ReviewReport
from reviewboard.review import actions, decisions, selectors
from reviewboard.review.actions import ACTIONS, TRANSITIONS, surface
from reviewboard.review.states import state_label
from reviewboard.review.warnings import round_warnings

RECOMMENDATION_ANSWERS = ("yes", "no", "n/a")


class ArticleReviewAdminMixin(ReviewActionsAdminMixin):
    """The review part of ``ArticleAdmin`` (a ``ModelAdmin`` of ``Article``): list columns, the review
    panels of the change page and the generic review action view (``ReviewActionsAdminMixin``)."""

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
        # The bar: the transitions, then every other declared action on the article itself (or on the user's
        # own object, as withdrawing their sign-off) that no panel draws in place; the generic view runs them.
        bar = TRANSITIONS + tuple(
            name
            for name in surface.surfaced()
            if name not in TRANSITIONS and not ACTIONS[name].panel and not ACTIONS[name].needs_target_id
        )
        refusals = actions.refusals(article=article, user=user, names=bar)
        buttons = [
            {
                "name": name,
                "label": action_label(name),
                "opens_form": surface.needs_page(ACTIONS[name]),
                "confirm": confirm_words(name),
                "secondary": name in SECONDARY_ACTIONS,
                "url": self.action_url(article, name),
                "transition": name in TRANSITIONS,
            }
            for name, refusal in refusals.items()
            if refusal is None
        ]
        blocked = [
            {"name": name, "label": action_label(name), "reason": refusal.message}
            for name, refusal in refusals.items()
            if name in TRANSITIONS
            and isinstance(refusal, Conflict)
            and refusal.code != "invalid-state"
            and refusal.code not in DOES_NOT_APPLY
        ]

        # The forms drawn are the actions the runner would take now (who and state, as declared).
        form_refusals = actions.refusals(article=article, user=user, names=("assign", "comment"))
        may_assign = form_refusals["assign"] is None
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
        open_round = selectors.open_round(article)
        warnings = round_warnings(open_round)
        sign_off = None
        if my_assignment is not None and selectors.signable_assignment(article=article, user=user) is not None:
            sign_off = {
                "content_hash": review_hash,
                "short_hash": short_hash(review_hash),
                "url": self.review_url("sign_off", article),
                # One form may accept and sign (two audited steps); every warning needs a reason.
                "needs_accept": my_assignment["assignment"].accepted_at is None,
                "accept_label": ACTIONS["sign_off"].field("accept").label,
                "warnings": warnings,
            }
        report_form = None
        if (
            my_assignment is not None
            and under_review
            and my_assignment["assignment"].accepted_at is not None
            and actions.refusal("submit_report", article=article, user=user, target=my_assignment["assignment"]) is None
        ):
            mine = ReviewReport.objects.filter(assignment=my_assignment["assignment"]).first()
            answered = {row["item"]: row["answer"] for row in (mine.checklist if mine else [])}
            report_form = {
                "url": self.review_url("report", article),
                "recommendations": ReviewReport.Recommendation.choices,
                "checklist": [
                    {"item": item, "answer": answered.get(item.pk, "")}
                    for item in ChecklistItem.objects.filter(active=True).order_by("position", "id")
                ],
                "answers": RECOMMENDATION_ANSWERS,
                "report": mine,
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

        sections = [
            {"pk": section.pk, "heading": section.heading}
            for section in sorted(article.sections.all(), key=lambda section: section.position)
        ]
        comment_form = None
        if form_refusals["comment"] is None:
            comment_form = {
                "url": self.review_url("comment", article),
                "sections": sections,
                "may_block": permissions.can_block(article, user),
            }

        assign_form = None
        if may_assign:
            taken = [a.reviewer_id for a in assignments if a.closed_at is None]
            candidates = list(
                board_selectors.active_reviewers().exclude(pk__in=taken).exclude(authored_articles=article)
            )
            conflicts = board_selectors.reviewer_conflicts(article, candidates, now=now)
            assign_form = {
                "url": self.review_url("assign", article),
                # Flagged before they are picked: an expired declaration, a declared interest, a credential.
                "reviewers": [
                    {"pk": u.pk, "label": reviewer_label(u), "conflict": conflict.message if conflict else ""}
                    for u in candidates
                    for conflict in [conflicts[u.pk]]
                ],
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
                "state_label": state_label(article.state),
                "in_review": article.state in REVIEW_STATES,
                "progress": selectors.signoff_progress(article) if article.state in REVIEW_STATES else None,
                "review_hash": review_hash,
                "review_hash_short": short_hash(review_hash),
                "buttons": buttons,
                "blocked": blocked,
                "sign_off": sign_off,
                "warnings": warnings,
                "awaiting_decision": selectors.awaiting_decision(article),
                "is_chair": permissions.is_chair(user),
                "reports": decisions.reports_visible_to(article, user),
                "report_form": report_form,
                "letters": decisions.letters_of(article),
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
        conflict = board_selectors.conflict_stands(article, assignment)
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
