"""An article's content and review settings: creating it, editing its working copy (frozen under review,
locked once approved), and the chair's review settings (quorum, required specialty). Every write is
audited: the content hash before and after, the settings before and after."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from articles import services as article_services
from articles.content import content_from_article
from articles.models import EDITABLE_STATES, FROZEN_STATES, Article, ReviewState
from config.exceptions import NotAllowed
from reviewboard.board import permissions
from reviewboard.review import selectors
from reviewboard.review.actions.registry import Action, ActionContext, Field, Rule, Unmet, entry_point
from reviewboard.review.actions.rules import ALL_STATES, AUTHOR_OR_EDITOR, CALLER

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from articles.content import ArticleContent


def _content_state_refusal(article: Article) -> Unmet | None:
    state = ReviewState(article.state)
    if state in FROZEN_STATES:
        return Unmet(
            "content-frozen",
            f"The content is frozen while the article is {state.label.lower()}: withdraw it or request changes first.",
            {"state": state.value},
        )
    return Unmet(
        "content-locked",
        f"The content of a {state.label.lower()} article is locked: revise it first to start a new working copy.",
        {"state": state.value},
    )


def _edit_content(ctx: ActionContext) -> Article:
    before = selectors.article_content_hash(ctx.article)
    article = article_services.article_update_content(article=ctx.article, content=ctx.inputs["content"])
    after = selectors.article_content_hash(article)
    ctx.audit_hash = after
    ctx.audit_data.update({"hash_before": before, "hash_after": after, "changed": before != after})
    return article


def _validate_create(ctx: ActionContext) -> None:
    """A creator must be allowed to create articles (``permissions.can_create_article``), and only the
    chair sets the specialty an article's review requires, on every path."""
    if ctx.user is not None and not permissions.can_create_article(ctx.user):
        raise NotAllowed(
            f"Creating articles needs the '{permissions.AUTHOR_PERM}' permission (group Authors).",
            code="permission-denied",
            detail={"permission": permissions.AUTHOR_PERM},
        )
    if (
        ctx.inputs["content"].required_specialty
        and ctx.user is not None
        and not permissions.can_set_review_settings(ctx.user)
    ):
        raise NotAllowed(
            "Only the board chair sets the specialty an article's review requires "
            f"({permissions.requirement(permissions.can_set_review_settings)}); leave 'specialty' out.",
            code="permission-denied",
            detail={"field": "specialty", "permission": permissions.CHAIR_PERM},
        )


def _create(ctx: ActionContext) -> Article:
    # A creator who does not see every article gets a slug that cannot reveal one; an operator's
    # command (who sees everything) passes private_slug=False.
    private_slug = ctx.inputs.get("private_slug")
    if private_slug is None:
        private_slug = ctx.user is not None and not permissions.sees_every_article(ctx.user)
    article = article_services.article_create(content=ctx.inputs["content"], author=ctx.user, private_slug=private_slug)
    ctx.article = article  # the runner audits the article the action made
    ctx.audit_hash = content_from_article(article).content_hash
    ctx.audit_data["slug"] = article.slug
    return article


def _review_settings(ctx: ActionContext) -> Article:
    article = ctx.article
    before = {"quorum": article.quorum, "required_specialty": article.required_specialty_id}
    article.quorum = ctx.inputs["quorum"] or None
    article.required_specialty = ctx.inputs["required_specialty"] or None
    after = {"quorum": article.quorum, "required_specialty": article.required_specialty_id}
    if after == before:
        ctx.audited = False  # nothing changed, nothing to tell
        return article
    article.save(update_fields=["quorum", "required_specialty", "updated_at"])
    ctx.audit_data.update({"before": before, "after": after})
    return article


SETTER_OF_REVIEW_SETTINGS = Rule(
    permissions.requirement(permissions.can_chair), lambda ctx: permissions.can_set_review_settings(ctx.user)
)

DECLARED: tuple[Action, ...] = (
    Action(
        name="edit_content",
        label="Save content",
        verb="change the content of",
        audit_label="Content edited",
        who=AUTHOR_OR_EDITOR,
        sources=tuple(s for s in ALL_STATES if s in EDITABLE_STATES),
        perform=_edit_content,
        state_refusal=_content_state_refusal,
        fields=(Field("content", "Content", kind="content", required=True, what="content"),),
    ),
)


@entry_point("edit_content")
def content_update(*, article: Article, user: AbstractBaseUser | None, content: ArticleContent) -> Article:
    """Replace the working copy's content (403, 409 "content-frozen" or "content-locked", 400 naming the
    field); audited with the hash before and after."""
    ...


# Not offered as buttons: the admin's add and change forms, the review API and the importer call these.
DECLARED_WRITES: tuple[Action, ...] = (
    Action(
        name="create",
        label="Create the article",
        verb="create articles as",
        audit_label="Article created",
        who=CALLER,
        sources=ALL_STATES,
        perform=_create,
        validate=_validate_create,
        on="new",
        surfaced=False,
        fields=(
            Field("content", "Content", kind="content", required=True, what="content"),
            Field("private_slug", "Slug that reveals nothing", kind="object"),
        ),
    ),
    Action(
        name="review_settings",
        label="Save the review settings",
        verb="set the quorum or the required specialty of",
        audit_label="Review settings changed",
        who=SETTER_OF_REVIEW_SETTINGS,
        sources=ALL_STATES,
        perform=_review_settings,
        surfaced=False,
        fields=(
            Field("quorum", "Quorum", kind="object"),
            Field("required_specialty", "Required specialty", kind="object"),
        ),
    ),
)
DECLARED = DECLARED + DECLARED_WRITES


@entry_point("create", user="author")
def content_create(
    *, content: ArticleContent, author: AbstractBaseUser | None = None, private_slug: bool | None = None
) -> Article:
    """A new draft from ``content`` (``articles.services.article_create``), audited as "create". Only the
    chair sets the specialty the review requires (``permissions.can_set_review_settings``), on every path.
    A creator who does not see every article gets a slug that cannot reveal one (``private_slug``; an
    operator's command, who sees everything, passes False)."""
    ...


@entry_point("review_settings")
def article_review_settings_update(
    *, article: Article, user: AbstractBaseUser | None, quorum: int | None, required_specialty: Any
) -> Article:
    """Set how an article is reviewed: its quorum and required specialty (the chair only; audited when
    something changed)."""
    ...
