"""The board's own actions on its members: declarations of interest and verified credentials.

Declared like the review actions (``reviewboard.review.actions.registry``) and gathered into the one
catalog (``reviewboard.review.actions.catalog``); ``reviewboard.board.declarations`` and
``reviewboard.board.credentials`` are their typed entry points.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone

from config.exceptions import Conflict, InvalidInput, NotAllowed, NotFound
from reviewboard.models import (
    Credential,
    Declaration,
    DeclaredRelationship,
    Specialty,
)
from reviewboard.review.actions.registry import Action, ActionContext, Field, entry_point
from reviewboard.review.actions.rules import ALL_STATES, BOARD_MEMBER, CHAIR_OF_THE_BOARD, COMMENT

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

# --- who may review: declarations of interest ---------------------------------------------------


def _parse_day(value: Any, field: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise InvalidInput(
            f"{field}: {value!r} is not a date (YYYY-MM-DD).", code="invalid-date", detail={"field": field}
        ) from exc


def _clean_relationships(rows: Any) -> list[dict[str, Any]]:
    """The declared relationships, checked: each needs an organisation and a known kind; names the bad field."""
    if rows in (None, ""):
        return []
    if not isinstance(rows, list | tuple):
        raise InvalidInput(
            "relationships must be a list.", code="invalid-relationships", detail={"field": "relationships"}
        )
    kinds = dict(DeclaredRelationship.Kind.choices)
    codes = {s.code: s for s in Specialty.objects.all()}
    cleaned = []
    for index, row in enumerate(rows):
        where = f"relationships[{index}]"
        if not isinstance(row, dict):
            raise InvalidInput(f"{where} must be an object.", code="invalid-relationships", detail={"field": where})
        organisation = str(row.get("organisation") or "").strip()
        if not organisation:
            raise InvalidInput(
                f"{where}.organisation is required.",
                code="organisation-required",
                detail={"field": f"{where}.organisation"},
            )
        kind = str(row.get("kind") or "").strip()
        if kind not in kinds:
            raise InvalidInput(
                f"{where}.kind must be one of: {', '.join(kinds)}.",
                code="invalid-kind",
                detail={"field": f"{where}.kind"},
            )
        topics = row.get("topics") or []
        if isinstance(topics, str):
            topics = [t for t in (part.strip() for part in topics.split(",")) if t]
        specialties = []
        for code in row.get("specialties") or []:
            code = getattr(code, "code", code)
            if code not in codes:  # well-formed, but not a specialty the board has: 404 naming the field
                raise NotFound(
                    f"{where}.specialties: unknown specialty {code!r}.",
                    code="invalid-specialty",
                    detail={"field": f"{where}.specialties"},
                )
            specialties.append(codes[code])
        started, ended = (
            _parse_day(row.get("started_on"), f"{where}.started_on"),
            _parse_day(row.get("ended_on"), f"{where}.ended_on"),
        )
        if started and ended and ended < started:
            raise InvalidInput(
                f"{where}: it ends before it starts.", code="invalid-date", detail={"field": f"{where}.ended_on"}
            )
        cleaned.append(
            {
                "organisation": organisation[:200],
                "kind": kind,
                "topics": [str(t).strip()[:120] for t in topics if str(t).strip()],
                "specialties": specialties,
                "started_on": started,
                "ended_on": ended,
            }
        )
    return cleaned


def _validate_declare(ctx: ActionContext) -> None:
    relationships = _clean_relationships(ctx.inputs.get("relationships"))
    nothing = bool(ctx.inputs.get("nothing_to_declare"))
    if nothing and relationships:
        raise InvalidInput(
            'A declaration is either "nothing to declare" or a list of relationships, not both.',
            code="declaration-contradictory",
            detail={"field": "nothing_to_declare"},
        )
    if not nothing and not relationships:
        raise InvalidInput(
            "Declare at least one relationship, or state explicitly that you have nothing to declare.",
            code="declaration-empty",
            detail={"field": "relationships"},
        )
    ctx.inputs["relationships"] = relationships


def _declare_interests(ctx: ActionContext) -> Declaration:
    declaration = Declaration.objects.create(
        member=ctx.user,
        nothing_to_declare=bool(ctx.inputs.get("nothing_to_declare")),
        signed_at=ctx.now,
        expires_at=ctx.now + settings.DECLARATION_VALID_FOR,
        statement=ctx.inputs.get("statement", ""),
    )
    for row in ctx.inputs["relationships"]:
        specialties = row.pop("specialties")
        relationship = DeclaredRelationship.objects.create(declaration=declaration, **row)
        relationship.specialties.set(specialties)
    ctx.audit_hash = ""
    ctx.audit_comment = declaration.statement
    ctx.audit_data.update(
        {
            "declaration_id": declaration.pk,
            "nothing_to_declare": declaration.nothing_to_declare,
            "relationships": [r.describe() for r in declaration.relationships.all()],
            "expires_at": declaration.expires_at,
        }
    )
    return declaration


# --- credentials on record ----------------------------------------------------------------------


def _validate_verify_credential(ctx: ActionContext) -> None:
    credential = ctx.target
    if credential.profile.user_id == ctx.user.pk:
        raise NotAllowed(
            "Nobody verifies their own credential: another chair or an administrator must check it at its source.",
            code="own-credential",
            detail={"credential_id": credential.pk},
        )
    if credential.is_verified:
        raise Conflict(
            f"{credential.name} was already verified on {timezone.localtime(credential.verified_at):%Y-%m-%d}.",
            code="credential-already-verified",
            detail={"credential_id": credential.pk},
        )
    if credential.is_expired(timezone.localdate()):
        raise Conflict(
            f"{credential.name} expired on {credential.expires_on}: record the renewed one instead.",
            code="credential-expired",
            detail={"credential_id": credential.pk, "field": "expires_on"},
        )


def _verify_credential(ctx: ActionContext) -> Credential:
    """The chair checked the credential at its source: from now on readers may see it (while unexpired)."""
    credential = ctx.target
    credential.verified_by, credential.verified_at = ctx.user, ctx.now
    credential.save(update_fields=["verified_by", "verified_at"])
    ctx.audit_hash = ""
    ctx.audit_data.update(
        {
            "credential_id": credential.pk,
            "reviewer": credential.profile.user.get_username(),
            "credential": credential.name,
            "kind": credential.kind,
            "number": credential.number,
            "issuing_body": credential.issuing_body,
            "expires_on": credential.expires_on,
        }
    )
    return credential


DECLARED: tuple[Action, ...] = (
    Action(
        name="declare_interests",
        label="Sign a declaration of interests",
        verb="declare interests as",
        audit_label="Interests declared",
        who=BOARD_MEMBER,
        sources=ALL_STATES,
        perform=_declare_interests,
        validate=_validate_declare,
        on="member",
        fields=(
            Field("nothing_to_declare", "I have nothing to declare", kind="bool"),
            Field("relationships", "Relationships", kind="relationships"),
            Field("statement", "Statement"),
        ),
    ),
    Action(
        name="verify_credential",
        label="Verify the credential",
        verb="verify credentials as",
        audit_label="Credential verified",
        who=CHAIR_OF_THE_BOARD,
        sources=ALL_STATES,
        perform=_verify_credential,
        validate=_validate_verify_credential,
        on="credential",
        fields=(COMMENT,),
    ),
)


# --- the typed entry points ----------------------------------------------------------------------


@entry_point("declare_interests")
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
    ...


@entry_point("verify_credential")
def credential_verify(*, credential: Credential, user: AbstractBaseUser, comment: str = "") -> Credential:
    """The board chair verified ``credential`` at its source: ``verified_by``/``verified_at`` are set and
    audited, and from now on readers see it while it has not expired. Refuses one already verified
    ("credential-already-verified") or expired ("credential-expired")."""
    ...
