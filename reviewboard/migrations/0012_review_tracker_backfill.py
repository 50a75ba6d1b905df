"""Fill the read API's review tracker (``Article.review_*``, ``PublishedVersion.review_round`` and its
dates) from the rounds and the audit log the board already holds, so that articles reviewed before the
tracker existed answer ``status/`` with their real dates. Reads only; writes only the new columns."""

from django.db import migrations


def _started_at(AuditEntry, round_):
    """When the review of ``round_`` started: its start_review entry in the audit log, if any (written in
    the same transaction as the start, a few milliseconds after the moment the runner records)."""
    entries = AuditEntry.objects.filter(
        article_id=round_.article_id, action="start_review", created_at__gte=round_.opened_at
    )
    if round_.closed_at is not None:
        entries = entries.filter(created_at__lte=round_.closed_at)
    return entries.order_by("-seq").values_list("created_at", flat=True).first()


def backfill(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    PublishedVersion = apps.get_model("articles", "PublishedVersion")
    ReviewRound = apps.get_model("reviewboard", "ReviewRound")
    AuditEntry = apps.get_model("reviewboard", "AuditEntry")
    latest = {}
    for round_ in ReviewRound.objects.order_by("article_id", "number").iterator():
        latest[round_.article_id] = round_
    for article_id, round_ in latest.items():
        started = _started_at(AuditEntry, round_)
        Article.objects.filter(pk=article_id).update(
            review_round=round_.number,
            review_submitted_at=round_.opened_at,
            review_started_at=started,
            review_closed_at=round_.closed_at,
            review_outcome=round_.outcome,
            status_changed_at=round_.closed_at or started or round_.opened_at,
        )
    for version in PublishedVersion.objects.filter(review_round__isnull=True).iterator():
        round_ = (
            ReviewRound.objects.filter(
                article_id=version.article_id,
                outcome="approved",
                content_hash=version.content_hash,
                closed_at__lte=version.approved_at,
            )
            .order_by("-number")
            .first()
        )
        if round_ is not None:
            PublishedVersion.objects.filter(pk=version.pk).update(
                review_round=round_.number,
                submitted_at=round_.opened_at,
                review_started_at=_started_at(AuditEntry, round_),
            )


class Migration(migrations.Migration):
    dependencies = [
        ("reviewboard", "0011_comment_threads"),
        ("articles", "0010_review_tracker_and_pending_content"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
