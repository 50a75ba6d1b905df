"""Reconciliation: redo the published-version work that a lost task left undone.

Two things can be missing after the broker was down when an approval committed, or a worker
died in the middle of a render:

1. A published version whose render is pending (``render_requested_at`` set, or never
   rendered) for longer than ``JOBS_RECONCILE_GRACE``: it is rendered here, in-process, by
   ``articles.publishing.published_version_render``. That render is idempotent and locks the
   article and version rows, so a concurrent sweep or a late task renders the same bytes once;
   no version is ever created here, so there is never a duplicate.
2. An approved article with no published version for its approved content: the content hash of
   its last approved review round (approval closes the round and clears ``review_hash``, so that
   blank is never compared against; an article approved without a round, e.g. imported, is held
   to its ``review_hash`` if set, else to having any version at all). Approval writes the
   version's source in the same transaction as the state change, so a miss here means something
   bypassed the approval service. The approved content cannot be recovered faithfully from here,
   so nothing is invented: it is logged as an error on every sweep and the chairs are emailed (at
   most once a day per article and hash, through the cache) through the outbox (event
   ``versions.missing``, its consumer ``email.missing_versions`` below).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, NullIf

from articles import publishing
from articles.models import Article, PublishedVersion, ReviewState
from articles.selectors import versions_needing_render
from config.exceptions import NotFound
from config.queue import TRANSIENT_ERRORS
from reviewboard.delivery import outbox
from reviewboard.delivery.events import consumer
from reviewboard.jobs.common import build_email, chair_emails, resolve_now, review_url, send
from reviewboard.models import Event, ReviewRound

MISSING_REPORT_EVERY = timedelta(hours=24)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReconcileSummary:
    rendered: tuple[int, ...] = ()  # version ids whose pending render was done by this sweep
    failed: tuple[int, ...] = ()  # version ids whose render raised (logged with the traceback)
    missing: tuple[int, ...] = ()  # approved article ids without a version for their approved hash
    chair_told: tuple[int, ...] = ()  # of those, the ones the chairs were emailed about now

    @property
    def ok(self) -> bool:
        return not self.failed and not self.missing

    def as_dict(self) -> dict[str, Any]:
        return {
            "rendered": len(self.rendered),
            "failed": len(self.failed),
            "missing": len(self.missing),
            "chair_told": len(self.chair_told),
        }

    def __str__(self) -> str:
        text = f"{len(self.rendered)} pending published version(s) rendered"
        if self.failed:
            text += f"; render FAILED for version(s) {', '.join(map(str, self.failed))}"
        if self.missing:
            text += (
                f"; {len(self.missing)} approved article(s) WITHOUT a published version "
                f"(ids {', '.join(map(str, self.missing))}), {len(self.chair_told)} reported to the chair now"
            )
        return text


def versions_pending_render(*, cutoff: datetime) -> QuerySet[PublishedVersion]:
    """Versions whose (re-)render was asked for before ``cutoff`` and has not happened
    (``articles.selectors.versions_needing_render``, minus the ones still within the grace)."""
    return versions_needing_render().filter(
        Q(render_requested_at__lte=cutoff) | Q(render_requested_at__isnull=True, created_at__lte=cutoff)
    )


def approved_without_version() -> QuerySet[Article]:
    """Approved articles with no published version of their approved content (``approved_hash``,
    annotated: see the module's docstring; blank when nothing names the approved content)."""
    last_approved_round = ReviewRound.objects.filter(
        article=OuterRef("pk"), outcome=ReviewRound.Outcome.APPROVED
    ).order_by("-number")
    approved_hash = Coalesce(
        NullIf(Subquery(last_approved_round.values("content_hash")[:1]), Value("")),
        NullIf("review_hash", Value("")),
        Value(""),
    )
    versions = PublishedVersion.objects.filter(article=OuterRef("pk"))
    return (
        Article.objects.filter(state=ReviewState.APPROVED)
        .annotate(approved_hash=approved_hash)
        .filter(
            (~Q(approved_hash="") & ~Exists(versions.filter(content_hash=OuterRef("approved_hash"))))
            | (Q(approved_hash="") & ~Exists(versions))
        )
    )


def reconcile_published(
    *, now: datetime | None = None, grace: timedelta | None = None, batch_size: int = 200
) -> ReconcileSummary:
    """Render the published versions whose render was lost; report approved content with no version."""
    now = resolve_now(now)
    cutoff = now - (settings.JOBS_RECONCILE_GRACE if grace is None else grace)
    pending = versions_pending_render(cutoff=cutoff).order_by("pk").values_list("pk", flat=True)
    rendered: list[int] = []
    failed: list[int] = []
    last_id = 0
    while True:
        version_ids = list(pending.filter(pk__gt=last_id)[:batch_size])
        for version_id in version_ids:
            try:
                publishing.published_version_render(version_id=version_id)
            except TRANSIENT_ERRORS:
                raise  # the task retries the whole (idempotent) sweep with backoff
            except NotFound:
                continue  # deleted since it was listed
            except Exception:
                # One version that cannot render must not keep the others from being repaired.
                logger.exception("Reconciliation could not render published version %s.", version_id)
                failed.append(version_id)
            else:
                rendered.append(version_id)
        if len(version_ids) < batch_size:
            break
        last_id = version_ids[-1]

    missing = list(
        approved_without_version().order_by("pk").values("pk", "slug", "question", "approved_at", "approved_hash")
    )
    told = _report_missing(missing) if missing else []
    summary = ReconcileSummary(
        rendered=tuple(rendered),
        failed=tuple(failed),
        missing=tuple(row["pk"] for row in missing),
        chair_told=tuple(told),
    )
    (logger.error if not summary.ok else logger.info)("Reconciliation: %s", summary)
    return summary


def _report_missing(rows: list[dict[str, Any]]) -> list[int]:
    for row in rows:
        logger.error(
            "Approved article %s (%s) has no published version for its approved content %s.",
            row["pk"],
            row["slug"],
            row["approved_hash"] or "(no hash)",
        )
    keys = {row["pk"]: f"reviewboard:reconcile:missing:{row['pk']}:{row['approved_hash']}" for row in rows}
    fresh = [row for row in rows if cache.add(keys[row["pk"]], 1, timeout=MISSING_REPORT_EVERY.total_seconds())]
    if not fresh:
        return []
    chairs = chair_emails()
    if not chairs:
        logger.error("No active chair has an email address to report the missing published versions to.")
        cache.delete_many([keys[row["pk"]] for row in fresh])
        return []
    told = [row["pk"] for row in fresh]
    outbox.deliver_now([outbox.emit("versions.missing", enqueue=False, article_ids=told)])
    return told


@consumer("email.missing_versions", "versions.missing")
def email_chair_missing_versions(event: Event) -> int:
    """One e-mail to the chairs: approved articles without a published version of their approved content."""
    chairs = chair_emails()
    rows = approved_without_version().filter(pk__in=event.payload["article_ids"]).order_by("pk")
    items = [
        {**row, "review_url": review_url(row["pk"])}
        for row in rows.values("pk", "slug", "question", "approved_at", "approved_hash")
    ]
    if not chairs or not items:
        return 0  # no chair to tell, or repaired since
    return send([build_email("chair_missing_version", {"items": items}, to=chairs)])
