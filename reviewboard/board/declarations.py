"""Declarations of interest: a board member signs one (the ``declare_interests`` action)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reviewboard.models import Declaration
from reviewboard.review import actions

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


def declaration_sign(
    *,
    user: AbstractBaseUser,
    nothing_to_declare: bool = False,
    relationships: list[dict[str, Any]] | None = None,
    statement: str = "",
) -> Declaration:
    """``user`` signs a new declaration (it replaces their last one and runs for ``DECLARATION_VALID_FOR``):
    either ``nothing_to_declare`` or ``relationships``, each ``{"organisation", "kind", "topics": [...],
    "specialties": [codes], "started_on", "ended_on"}``. Audited; bad input is refused naming the field."""
    return actions.perform(
        "declare_interests",
        article=None,
        user=user,
        nothing_to_declare=nothing_to_declare,
        relationships=relationships or [],
        statement=statement,
    )
