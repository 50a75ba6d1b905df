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

Both writes are declared actions (``reference_correct``, ``reference_status``) on the library record (no
article), performed by the runner: the record locked, who may (403), the editor-only cases (403 with
their own codes), the write, one audit entry when something changed, then the re-review flags (each its
own ``flag_rereview`` entry, after the correction's). ``reviewboard.review.services.library`` keeps their
entry points' import path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from articles.content import reference_data
from articles.models import EDITABLE_STATES, Article, PublishedVersion
from articles.publishing import RENDER_TASK
from config.exceptions import NotAllowed
from config.queue import enqueue_after_commit
from references import services as library
from references.models import Citation, Reference
from reviewboard.board import permissions
from reviewboard.review.actions.registry import Action, ActionContext, Field, Rule, run_action
from reviewboard.review.actions.rereview import article_flag_for_rereview
from reviewboard.review.actions.rules import ALL_STATES

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

CHANGE_PERM = permissions.REFERENCE_CHANGE_PERM


def _may_change_records(ctx: ActionContext) -> bool:
    user = ctx.user
    return permissions.may_change_references(user)


MAY_CHANGE_RECORDS = Rule(f"someone with the '{CHANGE_PERM}' permission", _may_change_records)


def _validate_change(ctx: ActionContext) -> None:
    """A record that speaks for approved or other people's work: an editor only."""
    reference, user = ctx.target, ctx.user
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


def _consequences(ctx: ActionContext, reference: Reference, *, before: dict[str, Any]) -> Reference:
    """What the audit entry says, and what follows it: the re-review flags and the notices' re-render."""
    after = reference_data(reference).canonical()
    if after == before:
        ctx.audited = False  # a correction that corrects nothing
        return reference
    citing = Citation.objects.filter(reference=reference).values_list("article_id", "article__state")
    editing = sorted({pk for pk, state in citing if state in EDITABLE_STATES})
    frozen = sorted({pk for pk, state in citing if state not in EDITABLE_STATES})
    versions = list(
        PublishedVersion.objects.filter(published_citations__reference=reference)
        .values_list("pk", "article_id")
        .distinct()
        .order_by("pk")
    )
    ctx.audit_hash = ""
    ctx.audit_data.update(
        {
            "reference_id": reference.pk,
            "before": before,
            "after": after,
            "working_copies_changed": editing,
            "frozen_or_published_unchanged": frozen,
            "published_versions": [pk for pk, _ in versions],
        }
    )
    changed = ", ".join(sorted(k for k in after if after[k] != before.get(k)))
    user = ctx.user

    def flag_and_render() -> None:
        for article_id in sorted({article_id for _, article_id in versions}):
            article_flag_for_rereview(
                article_id=article_id,
                user=user,
                reason=f'A cited reference, "{reference.title}", was changed in the library ({changed}).',
            )
        for version_id, _ in versions:
            PublishedVersion.objects.filter(pk=version_id).update(render_requested_at=ctx.now)
            enqueue_after_commit(RENDER_TASK, version_id)

    ctx.then.append(flag_and_render)
    return reference


def _correct(ctx: ActionContext) -> Reference:
    before = reference_data(ctx.target).canonical()
    corrected = library.reference_correct(reference=ctx.target, **ctx.inputs["changes"])
    return _consequences(ctx, corrected, before=before)


def _mark_status(ctx: ActionContext) -> Reference:
    before = reference_data(ctx.target).canonical()
    marked = library.reference_mark_status(
        reference=ctx.target, status=ctx.inputs["status"], superseded_by=ctx.inputs["superseded_by"]
    )
    return _consequences(ctx, marked, before=before)


DECLARED: tuple[Action, ...] = (
    Action(
        name="reference_correct",
        label="Correct the library record",
        verb="change reference records",
        audit_label="Reference corrected in the library",
        who=MAY_CHANGE_RECORDS,
        sources=ALL_STATES,
        perform=_correct,
        validate=_validate_change,
        on="reference",
        surfaced=False,
        fields=(Field("changes", "Corrected fields", kind="object"),),
    ),
    Action(
        name="reference_status",
        label="Mark the library record",
        verb="change reference records",
        audit_label="Reference status changed in the library",
        who=MAY_CHANGE_RECORDS,
        sources=ALL_STATES,
        perform=_mark_status,
        validate=_validate_change,
        on="reference",
        surfaced=False,
        fields=(Field("status", "Status", kind="line", required=True), Field("superseded_by", "By", kind="object")),
    ),
)


def reference_correct(*, reference: Reference, user: AbstractBaseUser, **fields: Any) -> Reference:
    """Correct a library record (see the module docstring for who may and what follows)."""
    return run_action("reference_correct", article=None, user=user, target=reference, changes=fields)


def reference_mark_status(
    *, reference: Reference, user: AbstractBaseUser, status: str, superseded_by: Reference | None = None
) -> Reference:
    """Mark a record current, superseded or withdrawn; readers of published versions citing it get a notice
    beside the approved citation, and those articles are flagged for re-review."""
    return run_action(
        "reference_status", article=None, user=user, target=reference, status=status, superseded_by=superseded_by
    )
