"""What changed for readers: the chair's assessment of a published version's clinical significance."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from articles.models import PublishedVersion

from config.exceptions import Conflict
from reviewboard.review.actions.registry import Action, ActionContext, Field, entry_point
from reviewboard.review.actions.rules import ALL_STATES, CHAIR

# --- what changed for readers ----------------------------------------------------------------------


def _validate_assess(ctx: ActionContext) -> None:
    version = ctx.target
    if version.clinically_significant is not None:
        marked = "clinically significant" if version.clinically_significant else "not clinically significant"
        raise Conflict(
            f"Version {version.number} was already assessed: {marked}.",
            code="significance-already-assessed",
            detail={"version": version.number, "clinically_significant": version.clinically_significant},
        )
    if version.retracted_at is not None:
        raise Conflict(
            f"Version {version.number} was retracted: readers get no change from it to assess.",
            code="version-retracted",
            detail={"version": version.number},
        )


def _assess_significance(ctx: ActionContext) -> Any:
    """The chair's mark on a version approved without one (the sign-off that completed the quorum
    approved it). A significant version enters the What's new feed now, in the order of assessment."""
    version = ctx.target
    version.clinically_significant = bool(ctx.inputs.get("clinically_significant"))
    version.significance_assessed_at = ctx.now
    version.save(update_fields=["clinically_significant", "significance_assessed_at"])
    ctx.audit_hash = version.content_hash
    ctx.audit_data.update({"version": version.number, "clinically_significant": version.clinically_significant})
    ctx.emit("version.significance_assessed", version_id=version.pk, version=version.number)
    return version


DECLARED: tuple[Action, ...] = (
    Action(
        name="assess_significance",
        label="Assess clinical significance",
        verb="assess the clinical significance of a published version of",
        audit_label="Clinical significance assessed",
        who=CHAIR,
        sources=ALL_STATES,
        perform=_assess_significance,
        validate=_validate_assess,
        on="version",
        events=("version.significance_assessed",),
        fields=(
            Field(
                "clinically_significant",
                "Clinically significant",
                kind="bool",
                help="Readers' apps list clinically significant changes under What's new.",
            ),
        ),
    ),
)


@entry_point("assess_significance")
def version_assess_significance(
    *, version: PublishedVersion, user: AbstractBaseUser, clinically_significant: bool
) -> PublishedVersion:
    """The chair marks a version approved without a mark (by the sign-off that completed the quorum):
    clinically significant or not. A significant one enters readers' What's new feed now."""
    ...
