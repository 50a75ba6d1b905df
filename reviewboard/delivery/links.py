"""Signed, single-use, expiring links for e-mails: answer an invitation to review (accept / decline) and
open the exact comment thread.

A link carries what it is for, signed (``django.core.signing``, salted per use): the kind, the user it was
sent to and the object. ``read`` checks the signature and the age (``LINK_MAX_AGE``) and that the link was
not used before; ``use`` records it as used (``UsedLink``, a digest of the token, unique), so a link that
was forwarded, replayed or clicked twice does nothing the second time.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from config.exceptions import Conflict, InvalidInput
from reviewboard.models import UsedLink

SALT = "reviewboard.delivery.links"
LINK_MAX_AGE = timedelta(days=7)
KINDS = ("accept", "decline", "thread")


@dataclass(frozen=True)
class Link:
    kind: str
    user_id: int
    object_id: int  # the assignment (accept, decline) or the comment (thread)
    token: str


def make_token(kind: str, *, user_id: int, object_id: int) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown link kind {kind!r}")
    return signing.dumps({"k": kind, "u": user_id, "o": object_id}, salt=SALT, compress=True)


def link_url(kind: str, *, user_id: int, object_id: int) -> str:
    """The path of a signed link (the e-mail prefixes the site's address)."""
    return reverse("board-link", args=[make_token(kind, user_id=user_id, object_id=object_id)])


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def read(token: str, *, user: Any) -> Link:
    """The link ``token`` stands for, if it is genuine, not expired, not used, and for ``user``."""
    try:
        data = signing.loads(token, salt=SALT, max_age=LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise Conflict(
            "This link has expired: open the article from the board's home page.", code="link-expired"
        ) from None
    except signing.BadSignature:
        raise InvalidInput("This link is not valid: it may have been cut or changed.", code="link-invalid") from None
    if UsedLink.objects.filter(digest=_digest(token)).exists():
        raise Conflict("This link was already used: each link works once.", code="link-used")
    if data.get("u") != getattr(user, "pk", None):
        raise Conflict("This link was sent to someone else: log in as them, or open the board.", code="link-not-yours")
    return Link(kind=data["k"], user_id=data["u"], object_id=data["o"], token=token)


def use(link: Link) -> None:
    """Marks ``link`` used; a second use (even a concurrent one) is refused."""
    try:
        with transaction.atomic():
            UsedLink.objects.create(digest=_digest(link.token), used_at=timezone.now())
    except IntegrityError:
        raise Conflict("This link was already used: each link works once.", code="link-used") from None
