"""Reader reports: filed by a client app with its API key, triaged by the chair.

``report_create`` cleans what a reader typed (plain text only: any markup is stripped by nh3, control
characters dropped, sizes limited) and files it against the article's live version. The triage is two
declared actions (``dismiss_report``, ``open_rereview`` in ``reviewboard.review.actions.reports``): the
second flags the article through ``article_flag_for_rereview``, the same path as a retracted citation
(the overdue sweep sets the same fields), and the chair's note is readable by the filing client.
"""

from __future__ import annotations

import html
import re
import uuid
from typing import TYPE_CHECKING, Any

import nh3
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from articles.models import PublishedVersion
from articles.selectors import article_live_view
from config.exceptions import InvalidInput, NotFound
from reviewboard.models import ReaderReport
from reviewboard.review.actions.reports import report_dismiss, report_open_rereview

__all__ = ["report_create", "report_dismiss", "report_for_client", "report_open_rereview"]

if TYPE_CHECKING:
    pass

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
DECODE_ROUNDS = 5


def plain_text(value: str) -> str:
    """Text that no surface can turn into markup (exports, e-mails, webhooks, a client's page).

    Markup is stripped (nh3, no tags allowed) and entities decoded, again and again until neither
    changes anything: ``&lt;script&gt;`` decoded once is a tag, which the next round strips, and
    text encoded twice takes two rounds. What is left has no tag and no entity; a ``<`` that could
    still open a tag (one left unterminated) is dropped."""
    text = value
    for _ in range(DECODE_ROUNDS):
        cleaned = html.unescape(nh3.clean(text, tags=set(), attributes={}))
        if cleaned == text:
            break
        text = cleaned
    else:  # still changing: encoded more deeply than any reader types; keep no angle bracket at all
        text = text.replace("<", "").replace(">", "")
    return _TAG_START.sub("", text)


def clean_text(value: str, *, field: str, max_length: int, multiline: bool = True) -> str:
    """Plain text (``plain_text``), control characters dropped, blank lines folded; longer than
    ``max_length``: 400 naming ``field``."""
    # Control characters go first: dropped afterwards, "<\x07script>" would close up into a tag.
    text = plain_text(_CONTROL.sub("", value.replace("\r\n", "\n")))
    if not multiline:
        text = " ".join(text.split())
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    if len(text) > max_length:
        raise InvalidInput(f"{field} is longer than {max_length} characters.", code="too-long", detail={"field": field})
    return text


@transaction.atomic
def report_create(
    *, slug: str, api_key_id: str | None, client_name: str, kind: str, text: str, section: str = "", contact: str = ""
) -> ReaderReport:
    """File a reader's report on the live version of ``slug`` (404 unknown or unpublished, 410 retracted)."""
    view = article_live_view(slug=slug)
    if view is None or not view.visible:
        if view is not None and view.retracted:
            raise NotFound("This article was retracted; there is nothing to report on.", code="retracted")
        raise NotFound("No published article has this slug.", code="not-found")
    version = PublishedVersion.objects.only("pk", "number", "source", "article_id").get(pk=view.version_id)
    text = clean_text(text, field="text", max_length=settings.READER_REPORT_MAX_TEXT)
    if not text:
        raise InvalidInput("text is required: say what is wrong.", code="text-required", detail={"field": "text"})
    section = clean_text(section or "", field="section", max_length=300, multiline=False)
    if section:
        headings = {" ".join(s["heading"].split()).casefold(): s["heading"] for s in version.source["sections"]}
        if section.casefold() not in headings:  # names no section of this version: 404 naming the field
            raise NotFound(
                f'The article has no section "{section}".',
                code="unknown-section",
                detail={"field": "section", "sections": list(headings.values())},
            )
        section = headings[section.casefold()]
    return ReaderReport.objects.create(
        public_id=uuid.uuid4(),
        article_id=version.article_id,
        version_number=version.number,
        api_key_id=api_key_id,
        client_name=client_name[:100],
        kind=kind,
        section=section,
        text=text,
        contact=contact,
        created_at=timezone.now(),
    )


def report_for_client(*, slug: str, public_id: Any, api_key_id: str) -> ReaderReport:
    """The report ``public_id`` on ``slug``, only for the client that filed it (else 404)."""
    report = (
        ReaderReport.objects.filter(public_id=public_id, article__slug=slug, api_key_id=api_key_id)
        .select_related("article")
        .first()
    )
    if report is None:
        raise NotFound("No report of yours has this id on this article.", code="not-found")
    return report
