"""Corrections to the shared reference library, and what they mean for the articles that cite it.

Frozen and published content never changes with the library: a review round holds the content
as submitted (``ReviewRound.snapshot``), a published version its approved ``source``, and readers
get the approved citation with a notice beside it when its record was later corrected, superseded
or withdrawn. So a correction:

- is written by ``references.services`` and audited here (record before and after);
- changes the working copies that are still being edited (their content hash moves on, as it
  should: they will be submitted with the corrected record);
- flags every article whose published version cites the record for re-review
  (``article_flag_for_rereview``: the chair is told through the outbox) and re-renders those
  versions so the notice reaches readers, with the approved content and content hash unchanged.

Who may: the ``references.change_reference`` permission; a record that published versions cite,
or that articles the user cannot edit cite, only an editor (it speaks for other people's work).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from articles.content import reference_data
from articles.models import EDITABLE_STATES, Article, PublishedVersion
from articles.publishing import enqueue_render
from config.exceptions import NotAllowed
from references import services as library
from references.models import Citation, Reference
from reviewboard.audit.chain import audit_append
from reviewboard.board import permissions
from reviewboard.review.rereview import article_flag_for_rereview

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

def _check_may_change(reference: Reference, user: AbstractBaseUser | None) -> None:
    if not permissions.may_change_references(user):
        raise NotAllowed(
            "You may not change reference records.",
            code="permission-denied",
            detail={"permission": permissions.REFERENCE_CHANGE_PERM},
        )
    if permissions.is_editor(user):
        return
    if reference.published_citations.exists():
        raise NotAllowed(
            "This reference is cited by published articles: correcting it speaks for approved content, so only "
            "an editor may change it. Readers keep the approved citation.",
            code="published-reference",
            detail={"permission": permissions.EDITOR_PERM},
        )
    citing = Article.objects.filter(citations__reference=reference).distinct()
    if any(not permissions.can_edit_as_author(article, user) for article in citing):
        raise NotAllowed(
            "This reference is cited by articles you do not write: only an editor may change it.",
            code="shared-reference",
            detail={"permission": permissions.EDITOR_PERM},
        )


def _consequences(reference: Reference, *, user: AbstractBaseUser, before: dict[str, Any], action: str) -> None:
    after = reference_data(reference).canonical()
    if after == before:
        return
    citing = Citation.objects.filter(reference=reference).values_list("article_id", "article__state")
    editing = sorted({pk for pk, state in citing if state in EDITABLE_STATES})
    frozen = sorted({pk for pk, state in citing if state not in EDITABLE_STATES})
    versions = list(
        PublishedVersion.objects.filter(published_citations__reference=reference)
        .values_list("pk", "article_id")
        .distinct()
        .order_by("pk")
    )
    audit_append(
        action=action,
        actor=user,
        article=None,
        from_state="",
        to_state="",
        content_hash="",
        data={
            "reference_id": reference.pk,
            "before": before,
            "after": after,
            "working_copies_changed": editing,
            "frozen_or_published_unchanged": frozen,
            "published_versions": [pk for pk, _ in versions],
        },
    )
    changed = ", ".join(sorted(k for k in after if after[k] != before.get(k)))
    for article_id in sorted({article_id for _, article_id in versions}):
        article_flag_for_rereview(
            article_id=article_id,
            user=user,
            reason=f'A cited reference, "{reference.title}", was changed in the library ({changed}).',
        )
    now = timezone.now()
    for version_id, _ in versions:
        PublishedVersion.objects.filter(pk=version_id).update(render_requested_at=now)
        transaction.on_commit(lambda version_id=version_id: enqueue_render(version_id))


@transaction.atomic
def reference_correct(*, reference: Reference, user: AbstractBaseUser, **fields: Any) -> Reference:
    """Correct a library record (see the module docstring for who may and what follows)."""
    locked = Reference.objects.select_for_update().get(pk=reference.pk)
    _check_may_change(locked, user)
    before = reference_data(locked).canonical()
    corrected = library.reference_correct(reference=locked, **fields)
    _consequences(corrected, user=user, before=before, action="reference_correct")
    return corrected


@transaction.atomic
def reference_mark_status(
    *, reference: Reference, user: AbstractBaseUser, status: str, superseded_by: Reference | None = None
) -> Reference:
    """Mark a record current, superseded or withdrawn; readers of published versions citing it get a notice
    beside the approved citation, and those articles are flagged for re-review."""
    locked = Reference.objects.select_for_update().get(pk=reference.pk)
    _check_may_change(locked, user)
    before = reference_data(locked).canonical()
    marked = library.reference_mark_status(reference=locked, status=status, superseded_by=superseded_by)
    _consequences(marked, user=user, before=before, action="reference_status")
    return marked
