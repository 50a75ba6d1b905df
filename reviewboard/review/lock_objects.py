"""Row locks for the review workflow, in one place (after Saleor's ``order/lock_objects.py``).

Every review service locks the article row first, so that two requests on one article run one
after the other and the second one re-reads what the first one did. Rows of an article's
assignments and comments are locked only after their article (always the same order: no
deadlocks). On SQLite ``select_for_update`` is a no-op; its single writer serialises instead.
"""

from __future__ import annotations

from django.db.models import QuerySet

from articles.models import Article, PublishedVersion
from config.exceptions import NotFound
from references.models import Reference
from reviewboard.models import Assignment, Comment, Credential, ReaderReport


def article_qs_select_for_update() -> QuerySet[Article]:
    return Article.objects.select_for_update().order_by("pk")


def comment_qs_select_for_update() -> QuerySet[Comment]:
    return Comment.objects.select_for_update().order_by("pk")


def lock_article(article_id: int) -> Article:
    """The article row, locked until the transaction ends, with its state as committed now."""
    article = article_qs_select_for_update().filter(pk=article_id).first()
    if article is None:
        raise NotFound(f"Article {article_id} does not exist.", code="article-not-found")
    return article


def lock_assignment(assignment_id: int) -> Assignment:
    """The assignment row, locked, with its reviewer and their profile read in the same query (every action
    on an assignment asks who the reviewer is); only the assignment's row is locked."""
    assignment = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("reviewer__reviewer_profile")
        .filter(pk=assignment_id)
        .first()
    )
    if assignment is None:
        raise NotFound(f"Assignment {assignment_id} does not exist.", code="assignment-not-found")
    return assignment


def lock_comment(comment_id: int) -> Comment:
    comment = comment_qs_select_for_update().filter(pk=comment_id).first()
    if comment is None:
        raise NotFound(f"Comment {comment_id} does not exist.", code="comment-not-found")
    return comment


def lock_credential(credential_id: int) -> Credential:
    """A reviewer's credential row (no article: verifying it is the chair's action on the record)."""
    credential = Credential.objects.select_for_update().select_related("profile__user").filter(pk=credential_id).first()
    if credential is None:
        raise NotFound(f"Credential {credential_id} does not exist.", code="credential-not-found")
    return credential


def lock_report(report_id: int) -> ReaderReport:
    report = ReaderReport.objects.select_for_update().filter(pk=report_id).first()
    if report is None:
        raise NotFound(f"Reader report {report_id} does not exist.", code="report-not-found")
    return report


def lock_version(version_id: int) -> PublishedVersion:
    version = PublishedVersion.objects.select_for_update().filter(pk=version_id).first()
    if version is None:
        raise NotFound(f"Published version {version_id} does not exist.", code="version-not-found")
    return version


def lock_reference(reference_id: int) -> Reference:
    """A library record (no article: a correction speaks for every article citing it)."""
    reference = Reference.objects.select_for_update().filter(pk=reference_id).first()
    if reference is None:
        raise NotFound(f"Reference {reference_id} does not exist.", code="reference-not-found")
    return reference
