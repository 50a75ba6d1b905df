"""Give existing assignments, sign-offs and comments the review round they belong to.

An article whose review is open (submitted or under review, with a frozen hash) gets an open round
on that hash, whose snapshot is its content as stored now (it was frozen). Closed assignments and
sign-offs from before rounds existed go into one closed round per article ("superseded"): their
exact boundaries were never recorded, and they never count again either way.
"""

from django.db import migrations
from django.utils import timezone


def _snapshot(article, Citation):
    sections = [
        {"heading": s.heading, "level": s.level, "body": s.body} for s in article.sections.order_by("position")
    ]
    citations = []
    for c in Citation.objects.filter(article=article).select_related("reference").order_by("number"):
        r = c.reference
        citations.append({
            "number": c.number,
            "reference": {
                "title": r.title, "kind": r.kind, "authors": r.authors, "publisher": r.publisher, "year": r.year,
                "doi": r.doi, "pmid": r.pmid, "url": r.url, "status": r.status,
            },
        })
    return {"question": article.question, "sections": sections, "citations": citations,
            "topic": article.topic, "slug": article.slug}


def forwards(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    Citation = apps.get_model("references", "Citation")
    ReviewRound = apps.get_model("reviewboard", "ReviewRound")
    Assignment = apps.get_model("reviewboard", "Assignment")
    SignOff = apps.get_model("reviewboard", "SignOff")
    Comment = apps.get_model("reviewboard", "Comment")
    now = timezone.now()
    for article in Article.objects.order_by("pk"):
        number = 0
        history = None
        if Assignment.objects.filter(article=article, closed_at__isnull=False).exists():
            number += 1
            signed = SignOff.objects.filter(article=article).order_by("-created_at").first()
            history = ReviewRound.objects.create(
                article=article, number=number, content_hash=signed.content_hash if signed else "",
                snapshot={}, opened_at=article.created_at, closed_at=now, outcome="superseded",
            )
        current = None
        if article.state in ("submitted", "under_review") and article.review_hash:
            number += 1
            current = ReviewRound.objects.create(
                article=article, number=number, content_hash=article.review_hash,
                snapshot=_snapshot(article, Citation), opened_at=article.updated_at,
            )
        for assignment in Assignment.objects.filter(article=article):
            target = current if (assignment.closed_at is None and current is not None) else (history or current)
            if target is None:  # an open assignment without an open review: close it into a history round
                number += 1
                target = history = ReviewRound.objects.create(
                    article=article, number=number, content_hash="", snapshot={},
                    opened_at=article.created_at, closed_at=now, outcome="superseded",
                )
                Assignment.objects.filter(pk=assignment.pk).update(closed_at=now, close_reason="superseded")
            Assignment.objects.filter(pk=assignment.pk).update(round=target)
        for signoff in SignOff.objects.filter(article=article).select_related("assignment"):
            SignOff.objects.filter(pk=signoff.pk).update(round_id=signoff.assignment.round_id)
        for comment in Comment.objects.filter(article=article):
            if current is not None and comment.content_hash == current.content_hash:
                Comment.objects.filter(pk=comment.pk).update(round=current)
            elif history is not None:
                Comment.objects.filter(pk=comment.pk).update(round=history)


class Migration(migrations.Migration):
    dependencies = [("reviewboard", "0004_rounds_outbox"), ("references", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
