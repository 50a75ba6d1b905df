"""What the sweeps share: claiming rows with a conditional UPDATE, the chairs, and building and sending e-mails
(the outbox's e-mail consumers call ``build_email`` and ``send``)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connections
from django.db.models import QuerySet
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from config.exceptions import InvalidInput
from reviewboard.board.permissions import chairs

logger = logging.getLogger(__name__)


def claim(
    queryset: QuerySet,
    *,
    set_sql: str,
    guard_sql: str,
    set_params: Sequence[Any] = (),
    guard_params: Sequence[Any] = (),
    returning: Sequence[str] = ("id",),
) -> list[tuple[Any, ...]]:
    """``UPDATE <table> SET <set_sql> WHERE pk IN (<queryset>) AND (<guard_sql>) RETURNING ...``.

    ``queryset`` says which rows are eligible (it may join and filter freely); ``guard_sql``
    repeats, on the row's own columns only, the condition that this claim changes (for example
    "not reminded in the last 24 h"). Under READ COMMITTED, PostgreSQL waits for a concurrent
    UPDATE of the same row and re-checks the guard against the row it committed, so when two
    sweeps claim one row, exactly one of them gets it back from ``RETURNING``. SQLite runs one
    writer at a time, which gives the same result.

    ``set_sql`` and ``guard_sql`` are fixed SQL written in this package, never user input;
    their ``%s`` are filled from ``set_params`` and ``guard_params``.
    """
    connection = connections[queryset.db]
    qn = connection.ops.quote_name
    meta = queryset.model._meta
    table = qn(meta.db_table)
    sub_sql, sub_params = queryset.order_by().values("pk").query.sql_with_params()
    sql = (
        f"UPDATE {table} SET {set_sql} "  # noqa: S608 - fixed SQL of this package, values are params
        f"WHERE {table}.{qn(meta.pk.column)} IN ({sub_sql}) AND ({guard_sql}) "
        f"RETURNING {', '.join(qn(column) for column in returning)}"
    )
    params = [*_adapt(connection, set_params), *sub_params, *_adapt(connection, guard_params)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [tuple(row) for row in cursor.fetchall()]


def _adapt(connection: Any, params: Iterable[Any]) -> list[Any]:
    return [connection.ops.adapt_datetimefield_value(p) if isinstance(p, datetime) else p for p in params]


def resolve_now(now: datetime | None) -> datetime:
    if now is None:
        return timezone.now()
    if timezone.is_naive(now):
        raise InvalidInput("now must be timezone-aware.", code="naive-datetime")
    return now


def parse_now(value: str | None) -> datetime | None:
    """An ISO 8601 date-time from a command line or a task argument (naive means the site's zone)."""
    if not value:
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise InvalidInput(f"now: {value!r} is not an ISO 8601 date-time (e.g. 2026-03-01T09:00Z).", code="invalid-now")
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def chair_emails() -> list[str]:
    """Addresses of the board chairs (``reviewboard.board.permissions.chairs``)."""
    return list(chairs().exclude(email="").order_by("pk").values_list("email", flat=True))


def review_url(article_id: int) -> str:
    """The article's review screen in admin, absolute (``SITE_URL``)."""
    try:
        path = reverse("admin:articles_article_review", args=[article_id])
    except NoReverseMatch:  # the admin of articles is not registered (a trimmed deployment)
        path = f"/admin/articles/article/{article_id}/review/"
    return settings.SITE_URL.rstrip("/") + path


def build_email(template: str, context: dict[str, Any], *, to: Sequence[str]) -> EmailMultiAlternatives:
    """``reviewboard/email/<template>_subject.txt``, ``.txt`` and ``.html``: text with an HTML alternative."""
    subject = " ".join(render_to_string(f"reviewboard/email/{template}_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject, body=render_to_string(f"reviewboard/email/{template}.txt", context), to=list(to)
    )
    try:
        html = render_to_string(f"reviewboard/email/{template}.html", context)
    except TemplateDoesNotExist:
        return message
    message.attach_alternative(html, "text/html")
    return message


def send(messages: Sequence[EmailMultiAlternatives]) -> int:
    """Send built messages over one connection (the outbox's e-mail consumers); raises on failure, and
    the outbox retries a transient one (``config.queue.TRANSIENT_ERRORS``) for that consumer only."""
    if not messages:
        return 0
    with get_connection() as connection:
        return connection.send_messages(list(messages)) or 0
