"""E-mail consumers of the outbox's events: who is told what.

Each consumer registers itself with ``@consumer(key, *event types)`` (``reviewboard.delivery.events``;
the key, e.g. ``email.version_approved``, is what the outbox tracks, so renaming a function never
sends anything twice), takes one ``Event`` (delivered after its action committed, by
``reviewboard.delivery.outbox``), reads the current rows it needs, and sends one message per
recipient. It raises on failure: the outbox records the error against this consumer only and retries
a transient one (mail server down) or gives up on a permanent one (a message that cannot be built);
the event's other consumers are delivered either way. Nothing here runs inside a web request's
transaction.

| event | who is told |
|---|---|
| article.submitted | the chair: assign reviewers and start the review |
| review.started | each newly assigned reviewer: what, which content, when due |
| changes.requested | the authors: what must change (a reviewer's request; the chair's is a decision letter) |
| decision.sent | the authors: the chair's decision letter (comments to the author, never confidential ones) |
| comment.blocking | the authors: a blocking comment holds back approval |
| comment.resolved | the comment's author, when someone else resolved it, with the note |
| comment.replied | whoever opened the thread, when someone else replied |
| comment.addressed | the comment's author: the article's author says it was dealt with; resolve it or reply |
| round.closed | the round's reviewers (not for approval: that is version.approved) |
| version.approved | the authors, the chair and the round's reviewers: a version is published |
| version.retracted | the authors, the chair and the reviewers of the version: readers lost it |
| article.review_due | the chair: a published article was flagged for re-review, and why |
| citations.retracted | the chair: published articles citing papers a retraction import just withdrew |
| assignment.declined | the chair: a reviewer declined, with the reason (assign someone else) |
| assignment.unanswered | the chair: a reviewer neither accepted nor declined within ASSIGNMENT_ANSWER_WITHIN |
| declaration.expiring | the member: their declaration of interests expires in 30 (then 7) days: sign a new one |
| audit.checkpoint | (the log) a signed checkpoint of the audit chain's head, a copy outside the database |
| webhook.disabled | the chair: a client's webhook endpoint failed for a day and was disabled |

Webhooks (``reviewboard.delivery.webhooks``) consume ``version.published``, ``version.retracted``,
``article.archived``, ``article.review_due`` and ``article.status_changed``; the CDN purge
(``cdn.purge_article`` and ``cdn.purge_status``, below) consumes ``version.published``, ``version.retracted``,
``article.archived`` and ``version.significance_assessed`` (the article's keys), and
``article.status_changed`` (its status, its pending content and the feed). Nobody is e-mailed for
``article.status_changed``: the board's own events above say the same to people.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import get_connection
from django.urls import reverse

from articles.api import caching
from articles.models import Article
from config import replicas
from reviewboard.audit.checkpoints import AuditCheckpoint, notify_checkpoint_created
from reviewboard.board import permissions
from reviewboard.delivery import links
from reviewboard.delivery.events import consumer, not_before
from reviewboard.jobs.common import build_email, chair_emails, review_url
from reviewboard.models import Assignment, Comment, DecisionLetter, Declaration, Event


def _send(template: str, *, to: Iterable[str], context: dict[str, Any]) -> int:
    recipients = sorted({address for address in to if address})
    if not recipients:
        return 0
    messages = [build_email(template, context, to=[address]) for address in recipients]
    with get_connection() as connection:
        return connection.send_messages(messages) or 0


def _article(event: Event) -> Article:
    return Article.objects.select_related("live_version").get(pk=event.article_id)


def _authors(article: Article) -> list[str]:
    return list(article.authors.filter(is_active=True).exclude(email="").values_list("email", flat=True))


def _round_reviewers(event: Event, *, but_the_actor: bool = False) -> list[str]:
    if event.round_id is None:
        return []
    rows = Assignment.objects.filter(round_id=event.round_id, reviewer__is_active=True).exclude(reviewer__email="")
    if but_the_actor and event.actor_id is not None:
        rows = rows.exclude(reviewer_id=event.actor_id)
    return list(rows.values_list("reviewer__email", flat=True).distinct())


def _context(event: Event, article: Article, **extra: Any) -> dict[str, Any]:
    return {"article": article, "event": event, "url": review_url(article.pk), "actor": _actor(event), **extra}


def _actor(event: Event) -> str:
    return permissions.display_name(event.actor) if event.actor_id else "the board"


@consumer("email.submitted", "article.submitted")
def email_chair_submitted(event: Event) -> int:
    article = _article(event)
    return _send("submitted", to=chair_emails(), context=_context(event, article, round=event.payload.get("round")))


@consumer("email.review_started", "review.started")
def email_reviewers_review_started(event: Event) -> int:
    article = _article(event)
    sent = 0
    assignments = Assignment.objects.filter(pk__in=event.payload.get("assignment_ids", []), closed_at__isnull=True)
    for assignment in assignments.select_related("reviewer", "round"):
        context = _context(
            event,
            article,
            assignment=assignment,
            reviewer_name=permissions.display_name(assignment.reviewer),
            content_hash=assignment.round.content_hash,
            due_at=assignment.due_at,
        )
        if assignment.accepted_at is None and assignment.declined_at is None:
            # Signed, single-use, expiring links to answer the invitation (reviewboard.delivery.links).
            for kind in ("accept", "decline"):
                context[f"{kind}_url"] = _site(
                    links.link_url(kind, user_id=assignment.reviewer_id, object_id=assignment.pk)
                )
        sent += _send("review_started", to=[assignment.reviewer.email], context=context)
    return sent


@consumer("email.changes_requested", "changes.requested")
def email_authors_changes_requested(event: Event) -> int:
    article = _article(event)
    context = _context(event, article, comment=event.payload.get("comment", ""), by=event.payload.get("by", ""))
    return _send("changes_requested", to=_authors(article), context=context)


@consumer("email.decision_letter", "decision.sent")
def email_authors_decision_letter(event: Event) -> int:
    """The chair's decision letter, as stored (``DecisionLetter.body``: it holds no confidential comment)."""
    article = _article(event)
    letter = DecisionLetter.objects.filter(pk=event.payload.get("letter_id")).first()
    if letter is None:
        return 0
    context = _context(event, article, letter=letter, by=event.payload.get("by", ""))
    return _send("decision_letter", to=_authors(article), context=context)


@consumer("email.comment_blocking", "comment.blocking")
def email_authors_blocking_comment(event: Event) -> int:
    article = _article(event)
    comment = Comment.objects.select_related("author").filter(pk=event.payload.get("comment_id")).first()
    if comment is None:
        return 0
    context = _context(event, article, comment=comment, by=permissions.display_name(comment.author))
    sent = 0
    for author in article.authors.filter(is_active=True).exclude(email=""):
        # Each author gets their own signed link to the exact thread (reviewboard.delivery.links).
        thread = links.link_url("thread", user_id=author.pk, object_id=comment.pk)
        sent += _send("blocking_comment", to=[author.email], context={**context, "thread_url": _site(thread)})
    return sent


def _site(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


@consumer("email.comment_resolved", "comment.resolved")
def email_author_comment_resolved(event: Event) -> int:
    article = _article(event)
    comment = Comment.objects.select_related("author").filter(pk=event.payload.get("comment_id")).first()
    if comment is None or not comment.author.is_active:
        return 0
    context = _context(event, article, comment=comment, by=event.payload.get("by", ""))
    return _send("comment_resolved", to=[comment.author.email], context=context)


@consumer("email.comment_replied", "comment.replied")
def email_thread_replied(event: Event) -> int:
    article = _article(event)
    reply = (
        Comment.objects.select_related("author", "parent__author").filter(pk=event.payload.get("comment_id")).first()
    )
    if reply is None or reply.parent is None or not reply.parent.author.is_active:
        return 0
    context = _context(event, article, comment=reply.parent, reply=reply, by=event.payload.get("by", ""))
    return _send("comment_replied", to=[reply.parent.author.email], context=context)


@consumer("email.comment_addressed", "comment.addressed")
def email_commenter_addressed(event: Event) -> int:
    article = _article(event)
    comment = Comment.objects.select_related("author").filter(pk=event.payload.get("comment_id")).first()
    if comment is None or not comment.author.is_active:
        return 0
    context = _context(event, article, comment=comment, by=event.payload.get("by", ""))
    return _send("comment_addressed", to=[comment.author.email], context=context)


@consumer("email.round_closed", "round.closed")
def email_reviewers_round_closed(event: Event) -> int:
    if event.payload.get("outcome") == "approved":
        return 0  # told by version.approved
    article = _article(event)
    context = _context(event, article, round=event.payload.get("round"), outcome=event.payload.get("outcome", ""))
    return _send("round_closed", to=_round_reviewers(event, but_the_actor=True), context=context)


@consumer("email.version_approved", "version.approved")
def email_board_version_approved(event: Event) -> int:
    article = _article(event)
    to = [*_authors(article), *chair_emails(), *_round_reviewers(event)]
    context = _context(event, article, version=event.payload.get("version"))
    if event.version_id is not None and event.version.clinically_significant is None:
        # Approved by the sign-off that completed the quorum: the chair still assesses significance.
        context["assess_url"] = settings.SITE_URL.rstrip("/") + reverse("admin:articles_publishedversion_changelist")
    return _send("version_approved", to=to, context=context)


@consumer("email.version_retracted", "version.retracted")
def email_board_version_retracted(event: Event) -> int:
    article = _article(event)
    reviewers: list[str] = []
    if event.version_id is not None:
        rows = Assignment.objects.filter(
            article=article, signoffs__content_hash=event.version.content_hash, reviewer__is_active=True
        ).exclude(reviewer__email="")
        reviewers = list(rows.values_list("reviewer__email", flat=True).distinct())
    to = [*_authors(article), *chair_emails(), *reviewers]
    context = _context(event, article, version=event.payload.get("version"), reason=event.payload.get("reason", ""))
    return _send("version_retracted", to=to, context=context)


@consumer("email.review_due", "article.review_due")
def email_chair_review_due(event: Event) -> int:
    if event.payload.get("digest"):
        return 0  # the overdue sweep told the chair in its digest
    article = _article(event)
    context = _context(event, article, reason=event.payload.get("reason", ""))
    return _send("review_due", to=chair_emails(), context=context)


@consumer("email.assignment_declined", "assignment.declined")
def email_chair_assignment_declined(event: Event) -> int:
    article = _article(event)
    context = _context(event, article, reason=event.payload.get("reason", ""))
    return _send("assignment_declined", to=chair_emails(), context=context)


@consumer("email.assignment_unanswered", "assignment.unanswered")
def email_chair_assignment_unanswered(event: Event) -> int:
    assignment = (
        Assignment.objects.select_related("reviewer", "article")
        .filter(pk=event.payload.get("assignment_id"), closed_at__isnull=True, accepted_at__isnull=True)
        .first()
    )
    if assignment is None:
        return 0  # answered (or closed) since the sweep: nothing to chase
    context = _context(
        event,
        assignment.article,
        reviewer_name=permissions.display_name(assignment.reviewer),
        reviewer_email=assignment.reviewer.email,
        assigned_at=assignment.assigned_at,
        answer_within_days=settings.ASSIGNMENT_ANSWER_WITHIN.days,
    )
    return _send("assignment_unanswered", to=chair_emails(), context=context)


@consumer("email.declaration_expiring", "declaration.expiring")
def email_member_declaration_expiring(event: Event) -> int:
    declaration = Declaration.objects.select_related("member").filter(pk=event.payload.get("declaration_id")).first()
    if declaration is None or not declaration.member.is_active:
        return 0
    if Declaration.objects.filter(member=declaration.member, signed_at__gt=declaration.signed_at).exists():
        return 0  # a new declaration was signed since the sweep
    context = {
        "member_name": permissions.display_name(declaration.member),
        "declaration": declaration,
        "days": event.payload.get("days"),
        "url": settings.SITE_URL.rstrip("/") + reverse("review-api:declaration-create"),
    }
    return _send("declaration_expiring", to=[declaration.member.email], context=context)


@consumer("log.audit_checkpoint", "audit.checkpoint")
def log_audit_checkpoint(event: Event) -> int:
    checkpoint = AuditCheckpoint.objects.filter(seq=event.payload.get("seq")).first()
    if checkpoint is not None:
        notify_checkpoint_created(checkpoint)
    return 0


@consumer("email.audit_checkpoint_alert", "audit.checkpoint_alert")
def email_chair_audit_checkpoint_alert(event: Event) -> int:
    """``reviewboard.jobs.audit_watch``: checkpoints deleted, or entries left unsigned too long."""
    return _send("audit_checkpoint_alert", to=chair_emails(), context=dict(event.payload))


@consumer("email.webhook_disabled", "webhook.disabled")
def email_chair_webhook_disabled(event: Event) -> int:
    return _send("webhook_disabled", to=chair_emails(), context={"event": event, **event.payload})


@consumer(
    "cdn.purge_article", "version.published", "version.retracted", "article.archived", "version.significance_assessed"
)
@not_before(caching.purge_settle_seconds)
def purge_article_cache(event: Event) -> int:
    """Drop the article's cached answers at the CDN (``articles.api.caching.purge``; no-op without
    PURGE_URL), once no server's micro-cache can still hold the old answer (the wait: see caching)."""
    slug = Article.objects.filter(pk=event.article_id).values_list("slug", flat=True).first()
    replicas.wait_for_replay()  # no reader gets the old answer from a lagging replica after the purge
    return caching.purge(caching.keys_for_article(slug)) if slug else 0


@consumer("cdn.purge_status", "article.status_changed")
def purge_status_cache(event: Event) -> int:
    """The review status moved: drop its cached answers, its pending content's and the feed's."""
    slug = Article.objects.filter(pk=event.article_id).values_list("slug", flat=True).first()
    replicas.wait_for_replay()
    return caching.purge(caching.keys_for_status(slug)) if slug else 0


@consumer(
    "cdn.purge_article_again",
    "version.published",
    "version.retracted",
    "article.archived",
    "version.significance_assessed",
)
@not_before(caching.purge_repeat_seconds)
def purge_article_cache_again(event: Event) -> int:
    """The same purge again, for a CDN fetch that was answered before the first purge and stored after it."""
    return purge_article_cache(event)
