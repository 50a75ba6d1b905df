"""The article's review screen, separate from its edit form: ``<admin>/articles/article/<pk>/review/``.

The rendered article comes first, each section with its comment threads beside it (replies, "addressed"
by the author, resolved with a note by its raiser or the chair). A sticky bar says where the review
stands in words ("Quorum met - waiting on 1 blocking comment from Ada Osler, MD") and offers only the
actions this user may take now (``reviewboard.review.actions.refusals``); those that publish, retract or end a
round open their confirmation first (``Action.confirm``, the transition form). Below the article: the
reviewers and sign-offs, the rounds and what changed, the history. Every action posts to its own URL
(the one generic action view, ``reviewboard.admin.review_actions``) and comes back here, at the
thread it touched.

Also here: comparing any two of the working copy, the round snapshots and the published versions
(``articles.diff``), and reading a published version as readers get it.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Prefetch, prefetch_related_objects
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path

from articles.content import PATIENT, ArticleContent, content_from_article, safe_link
from articles.diff import content_diff
from articles.models import CLOSED_STATES, EDITABLE_STATES, Article, Audience, ReviewState
from articles.rendering import render_section
from references.models import Citation, Reference
from reviewboard.admin.review_actions import review_action
from reviewboard.board import permissions
from reviewboard.models import Comment
from reviewboard.reading import reads_kept
from reviewboard.review import selectors

REFERENCE_KINDS = dict(Reference.Kind.choices)


def _names(users: list[Any]) -> str:
    names = sorted({permissions.display_name(u) for u in users})
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def progress_words(article: Article, *, progress: Any, assignments: list[Any], comments: list[Comment]) -> str:
    """Where the review stands, in one sentence a physician reads at a glance."""
    state = article.state
    open_blocking = [c for c in comments if c.blocking and c.resolved_at is None and c.parent_id is None]
    blocking_words = ""
    if open_blocking:
        blocking_words = (
            f"{_count(len(open_blocking), 'blocking comment')} from {_names([c.author for c in open_blocking])}"
        )
    if state == ReviewState.DRAFT:
        return "Draft - the author submits it for review when it is ready."
    if state == ReviewState.SUBMITTED:
        active = [row for row in assignments if row["open"]]
        return (
            f"Submitted - waiting for the chair to start the review "
            f"({_count(len(active), 'reviewer')} assigned, {selectors.article_quorum(article)} needed)."
        )
    if state == ReviewState.UNDER_REVIEW:
        if progress.quorum_met:
            if open_blocking:
                return f"Quorum met - waiting on {blocking_words}."
            return "Quorum met - the chair can approve and publish."
        waiting = [row["assignment"].reviewer for row in assignments if row["open"] and not row["signed"]]
        words = f"{progress.signed} of {progress.required} sign-offs"
        if waiting:
            words += f" - waiting on {_names(waiting)}"
        if open_blocking:
            words += f"; {blocking_words} open"
        return words + "."
    if state == ReviewState.CHANGES_REQUESTED:
        entry = selectors.audit_entries(article=article).filter(action="request_changes").order_by("-seq").first()
        if entry is not None:
            by = permissions.display_name(entry.actor) if entry.actor else entry.actor_name
            return f"Changes requested by {by}: “{entry.comment}” - the author revises and resubmits."
        return "Changes requested - the author revises and resubmits."
    if state == ReviewState.APPROVED:
        live = article.live_version
        words = f"Approved - version {live.number} is live for readers." if live else "Approved."
        return words + (" A re-review is due." if article.review_overdue else "")
    if state == ReviewState.RETRACTED:
        return f"Retracted - readers are told: “{article.retraction_reason}”."
    return "Archived - no review runs; readers keep what was published."


def comment_threads(
    article: Article, user: Any, *, comments: list[Comment], url: Any, open_for_comments: bool
) -> dict[int | None, list[dict[str, Any]]]:
    """Threads per section pk (None: the whole article): the opening comment, its replies, and the
    buttons this user may use on it (the same predicates the actions check; the views re-check)."""
    may_comment = open_for_comments and permissions.can_comment(article, user)
    may_address = open_for_comments and permissions.can_edit_as_author(article, user)
    replies: dict[int, list[Comment]] = {}
    for comment in comments:
        if comment.parent_id is not None:
            replies.setdefault(comment.parent_id, []).append(comment)
    threads: dict[int | None, list[dict[str, Any]]] = {}
    for comment in comments:
        if comment.parent_id is not None:
            continue
        comment.article = article  # the permission predicates read it; no refetch
        is_open = comment.resolved_at is None
        threads.setdefault(comment.section_id, []).append(
            {
                "comment": comment,
                "author": permissions.display_name(comment.author),
                "resolved_by": permissions.display_name(comment.resolved_by),
                "addressed_by": permissions.display_name(comment.addressed_by),
                "replies": [
                    {"comment": reply, "author": permissions.display_name(reply.author)}
                    for reply in replies.get(comment.pk, [])
                ],
                "reply_url": url("comment_reply", article, comment.pk) if may_comment and is_open else "",
                "addressed_url": (
                    url("comment_addressed", article, comment.pk)
                    if may_address and is_open and comment.addressed_at is None
                    else ""
                ),
                "resolve_url": (
                    url("comment_resolve", article, comment.pk)
                    if open_for_comments and is_open and permissions.can_resolve_comment(comment, user)
                    else ""
                ),
                "note_required": comment.blocking and comment.author_id != user.pk,
            }
        )
    return threads


def jump_links(context: dict[str, Any], *, first_open: dict[str, Any] | None, open_count: int) -> list[dict[str, str]]:
    """The strip under the sticky bar: one link per part of the screen that holds something now.

    A list of (label, anchor) read off the context, so a new panel (review reports, the chair's
    decision) gets its link by adding one line here and an ``id`` on its panel.
    """
    review = context["review"]
    findings = len(context.get("integrity_errors") or []) + len(context.get("integrity_warnings") or [])
    # "Findings (8 in 3 groups)": the panel lists one entry per problem, and says so in the same words
    findings_words = context.get("findings_words") or str(findings)
    to_answer = len(review["sign_off"]["warnings"]) if review.get("sign_off") else 0
    candidates = [
        (
            first_open is not None,
            f"Open threads ({open_count})",
            f"comment-{first_open['comment'].pk}" if first_open else "",
        ),
        (bool(findings), f"Findings ({findings_words})", "integrity-panel"),
        # what a signing reviewer answers before their sign-off counts (the reasons are typed there)
        (bool(to_answer), f"Warnings to answer ({to_answer})", "warnings-panel"),
        (bool(review.get("since_my_round")), "Since your round", "since-my-round"),
        # the panel's heading: the chair reads every report, a reviewer files and reads their own
        (
            bool(review.get("reports") or review.get("report_form")),
            "Reports" if review.get("is_chair") else "Your report",
            "reports-panel",
        ),
        (bool(review.get("letters")), "Decision letters", "letters-panel"),
        (bool(review.get("assignments")), "Reviewers", "assignments-panel"),
        (True, "History", "audit-panel"),
    ]
    return [{"label": label, "anchor": anchor} for shown, label, anchor in candidates if shown]


# The page stays small for very large articles: the preview draws this many sections and references.
PREVIEW_SECTIONS = 100
PREVIEW_REFERENCES = 200


def preview_audiences(content: ArticleContent) -> list[dict[str, Any]]:
    """The clinician and patient versions side by side, when the article has both (else empty: one column).
    Sections are numbered across both (``preview-section-N``) in the order of ``content.sections``."""
    if PATIENT not in content.audiences:
        return []
    number = {id(section): n for n, section in enumerate(content.sections, start=1)}
    return [
        {
            "audience": audience,
            "label": f"For {Audience(audience).label.lower()}",
            "sections": [
                {"number": number[id(s)], **render_section(s.heading, s.level, s.body)}
                for s in content.audience_sections(audience)
            ],
        }
        for audience in content.audiences
    ]


def preview_of(content: ArticleContent) -> dict[str, Any]:
    """The content rendered as readers get it (sanitised HTML per section) and its reference list; only
    http(s) reference URLs become links."""
    return {
        "question": content.question,
        "sections": [render_section(s.heading, s.level, s.body) for s in content.sections[:PREVIEW_SECTIONS]],
        "more_sections": max(0, len(content.sections) - PREVIEW_SECTIONS),
        "audiences": preview_audiences(content),
        "references": [
            {
                "number": c.number,
                "reference": c.reference,
                "kind": REFERENCE_KINDS.get(c.reference.kind, ""),
                "link": safe_link(c.reference.url),
            }
            for c in content.citations[:PREVIEW_REFERENCES]
        ],
        "more_references": max(0, len(content.citations) - PREVIEW_REFERENCES),
    }


# --- versions to compare ------------------------------------------------------------------------

WORKING = "working"


def comparable_versions(article: Article) -> list[dict[str, Any]]:
    """Every content of the article one may compare: the working copy, each round's snapshot, each
    published version. ``key`` is what the compare URL takes (``working``, ``round-2``, ``version-1``)."""
    rows: list[dict[str, Any]] = [{"key": WORKING, "label": "Working copy (what authors edit now)", "source": None}]
    for round_ in selectors.article_rounds(article):
        outcome = round_.get_outcome_display().lower() if round_.outcome else "open"
        rows.append(
            {
                "key": f"round-{round_.number}",
                "label": f"Round {round_.number} as submitted ({outcome})",
                "source": round_.snapshot,
            }
        )
    for version in article.versions.order_by("number").only("number", "source", "retracted_at"):
        retracted = ", retracted" if version.retracted_at else ""
        rows.append(
            {
                "key": f"version-{version.number}",
                "label": f"Published version {version.number}{retracted}",
                "source": version.source,
            }
        )
    return rows


def default_pair(keys: list[str]) -> tuple[str, str]:
    """What a returning reviewer wants by default: the last two rounds, else a version against the working copy."""
    rounds = [k for k in keys if k.startswith("round-")]
    if len(rounds) >= 2:
        return rounds[-2], rounds[-1]
    versions = [k for k in keys if k.startswith("version-")]
    if versions:
        return versions[-1], WORKING
    return (rounds[-1] if rounds else WORKING), WORKING


class ReviewScreenAdminMixin:
    """The review screen, the compare screen and a published version's reading page of ``ArticleAdmin``
    (which also mixes in ``ArticleReviewAdminMixin``: ``review_panels``, ``review_url``, ``action_view``)."""

    def get_urls(self) -> list[Any]:
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view
        return [
            path("<path:object_id>/review/", wrap(self.review_screen_view), name="{}_{}_review".format(*info)),
            path("<path:object_id>/compare/", wrap(self.compare_view), name="{}_{}_compare".format(*info)),
            path(
                "<path:object_id>/versions/<int:number>/",
                wrap(self.version_view),
                name="{}_{}_version".format(*info),
            ),
            *super().get_urls(),
        ]

    def _screen_context(self, request: HttpRequest, article: Article, title: str) -> dict[str, Any]:
        request.current_app = self.admin_site.name
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": article,
            "title": title,
            "has_view_permission": True,
            "change_url": self.review_url("change", article),
            "review_screen_url": self.review_url("review", article),
            "compare_url": self.review_url("compare", article),
        }

    @review_action
    def review_screen_view(self, request: HttpRequest, article: Article) -> HttpResponse:
        context = self._review_context(request, article)
        return TemplateResponse(request, "admin/articles/article/review/screen.html", context)

    @reads_kept()
    def _review_context(self, request: HttpRequest, article: Article) -> dict[str, Any]:
        """Everything the review screen draws (also what an in-place answer redraws a part of): reads only,
        so each rule's read is made once for the whole screen (``reviewboard.reading``)."""
        prefetch_related_objects(
            [article], "sections", Prefetch("citations", queryset=Citation.objects.select_related("reference"))
        )
        content = content_from_article(article)
        panels = self.review_panels(request, article, content=content)
        review = panels["review"]
        comments = list(selectors.article_comments(article).order_by("created_at", "id"))
        threads = comment_threads(
            article,
            request.user,
            comments=comments,
            url=self.review_url,
            open_for_comments=article.state not in CLOSED_STATES,
        )
        preview = preview_of(content)
        sections = sorted(article.sections.all(), key=lambda s: s.position)
        review["progress_words"] = progress_words(
            article, progress=review["progress"], assignments=review["assignments"], comments=comments
        )
        round_ = review["rounds"][-1]["round"] if review["rounds"] else None
        review["round_words"] = (
            f"Round {round_.number}{'' if round_.closed_at is None else ' (ended)'}" if round_ else "Not yet submitted"
        )
        review["sections"] = [
            {
                "section": section,
                "html": rendered,
                "threads": threads.get(section.pk, []),
                "threads_id": f"threads-section-{section.pk}",
                "open_count": sum(1 for row in threads.get(section.pk, []) if row["comment"].resolved_at is None),
            }
            for section, rendered in zip(sections, preview["sections"], strict=False)
        ]
        review["general_threads"] = threads.get(None, [])
        open_threads = [row for rows in threads.values() for row in rows if row["comment"].resolved_at is None]
        review["open_threads"] = len(open_threads)
        review["may_edit"] = article.state in EDITABLE_STATES and permissions.can_edit_as_author(article, request.user)
        context = {
            **self._screen_context(request, article, f"Review: {article.question}"),
            **panels,
            **self.article_panels(article, content=content),
        }
        first_open = min(open_threads, key=lambda row: row["comment"].created_at, default=None)
        review["jumps"] = jump_links(context, first_open=first_open, open_count=len(open_threads))
        return context

    @review_action
    def compare_view(self, request: HttpRequest, article: Article) -> HttpResponse:
        rows = comparable_versions(article)
        by_key = {row["key"]: row for row in rows}
        default_old, default_new = default_pair(list(by_key))
        old_key, new_key = request.GET.get("old", default_old), request.GET.get("new", default_new)
        error, diff = "", None
        unknown = [key for key in (old_key, new_key) if key not in by_key]
        if unknown:
            error = f"There is no “{unknown[0]}” to compare: choose from the lists."
        else:

            def content(key: str) -> ArticleContent:
                return (
                    content_from_article(article)
                    if key == WORKING
                    else ArticleContent.from_source(by_key[key]["source"])
                )

            try:
                diff = content_diff(old=content(old_key), new=content(new_key))
            except (KeyError, TypeError, ValueError):
                error = "One of the stored versions cannot be read; no comparison is shown."
        context = {
            **self._screen_context(request, article, f"Compare versions: {article.question}"),
            "choices": [{"key": row["key"], "label": row["label"]} for row in rows],
            "old_key": old_key,
            "new_key": new_key,
            "old_label": by_key.get(old_key, {}).get("label", ""),
            "new_label": by_key.get(new_key, {}).get("label", ""),
            "diff": diff,
            "error": error,
        }
        return TemplateResponse(request, "admin/articles/article/review/compare.html", context)

    @review_action
    def version_view(self, request: HttpRequest, article: Article, number: int) -> HttpResponse:
        version = article.versions.filter(number=number).first()
        if version is None:
            self.message_user(request, f"Version {number} of this article was never published.", level=messages.ERROR)
            return HttpResponseRedirect(self.review_url("review", article))
        context = {
            **self._screen_context(request, article, f"Published version {version.number}: {article.question}"),
            "version": version,
            "preview": preview_of(ArticleContent.from_source(version.source)),
        }
        return TemplateResponse(request, "admin/articles/article/review/version.html", context)
