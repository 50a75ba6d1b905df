"""Emails of the review workflow, sent only after the transaction that caused them commits.

The services call ``schedule(...)``; the email is rendered from the database after commit, so a
rolled-back action never sends anything. A mail server failure is logged, never raised: the
action it reports on has already happened.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import BadHeaderError, EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse

from articles import permissions
from articles.models import Article
from reviewboard.models import Assignment

logger = logging.getLogger(__name__)


def schedule(func: Callable[..., Any], **kwargs: Any) -> None:
    """Run ``func(**kwargs)`` after the current transaction commits (at once outside one)."""
    transaction.on_commit(partial(func, **kwargs))


def article_review_url(article: Article) -> str:
    try:
        path = reverse("admin:articles_article_change", args=[article.pk])
    except NoReverseMatch:
        path = f"/admin/articles/article/{article.pk}/change/"
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def _send(*, template: str, subject: str, to: Iterable[str], context: dict[str, Any]) -> int:
    recipients = sorted({address for address in to if address})
    if not recipients:
        return 0
    # One header line whatever the article holds (rows stored before single-line fields were enforced).
    subject = " ".join(subject.split())
    text = render_to_string(f"reviewboard/email/{template}.txt", context)
    try:
        html = render_to_string(f"reviewboard/email/{template}.html", context)
    except TemplateDoesNotExist:
        html = None
    sent = 0
    for address in recipients:
        message = EmailMultiAlternatives(subject=subject, body=text, to=[address])
        if html:
            message.attach_alternative(html, "text/html")
        try:
            sent += message.send()
        except (smtplib.SMTPException, OSError, BadHeaderError):
            logger.exception("Could not send %r to %s", template, address)
    return sent


def chair_emails() -> list[str]:
    """Addresses of active users holding the chair permission (through a group or directly)."""
    app_label, codename = permissions.CHAIR_PERM.split(".")
    holders = Q(groups__permissions__codename=codename, groups__permissions__content_type__app_label=app_label) | Q(
        user_permissions__codename=codename, user_permissions__content_type__app_label=app_label
    )
    users = get_user_model().objects.filter(holders, is_active=True).exclude(email="").distinct()
    return list(users.values_list("email", flat=True))


def notify_review_started(*, article_id: int, assignment_ids: list[int]) -> int:
    """Tell each assigned reviewer that the review started: what, which content hash, when due."""
    article = Article.objects.filter(pk=article_id).first()
    if article is None:
        return 0
    sent = 0
    assignments = Assignment.objects.filter(pk__in=assignment_ids, closed_at__isnull=True).select_related("reviewer")
    for assignment in assignments:
        reviewer = assignment.reviewer
        context = {
            "article": article,
            "assignment": assignment,
            "reviewer_name": reviewer.get_full_name() or reviewer.get_username(),
            "content_hash": article.review_hash,
            "due_at": assignment.due_at,
            "url": article_review_url(article),
        }
        sent += _send(
            template="review_started",
            subject=f"Review requested: {article.question}",
            to=[reviewer.email],
            context=context,
        )
    return sent


def notify_chair_submitted(*, article_id: int) -> int:
    """Tell the chair an article was submitted and needs reviewers."""
    article = Article.objects.filter(pk=article_id).first()
    if article is None:
        return 0
    return _send(
        template="submitted",
        subject=f"Submitted for review: {article.question}",
        to=chair_emails(),
        context={"article": article, "url": article_review_url(article)},
    )


def notify_authors_changes_requested(*, article_id: int, comment: str, by: str) -> int:
    """Tell the article's authors that changes were requested, and why."""
    article = Article.objects.filter(pk=article_id).first()
    if article is None:
        return 0
    return _send(
        template="changes_requested",
        subject=f"Changes requested: {article.question}",
        to=article.authors.filter(is_active=True).values_list("email", flat=True),
        context={"article": article, "comment": comment, "by": by, "url": article_review_url(article)},
    )
