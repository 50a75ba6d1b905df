"""Editing an article's working copy (frozen under review, locked once approved)."""

from __future__ import annotations

from articles import services as article_services
from articles.models import EDITABLE_STATES, FROZEN_STATES, Article, ReviewState
from reviewboard.review import selectors
from reviewboard.review.actions.registry import Action, ActionContext, Field, Unmet
from reviewboard.review.actions.rules import ALL_STATES, AUTHOR_OR_EDITOR


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
