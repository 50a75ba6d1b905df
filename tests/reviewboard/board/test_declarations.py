"""What every declaration must hold for the surfaces to read it: known input kinds, the events it names,
keyword-only entry points, and the generic admin view refusing what is not offered."""

from __future__ import annotations

import pytest
from django.contrib import messages
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from reviewboard.review.actions import ACTIONS, ActionContext
from reviewboard.review.actions.fields import KINDS
from reviewboard.review.actions.registry import entry_point

pytestmark = pytest.mark.django_db


def test_every_declared_input_has_a_known_kind():
    unknown = {(name, f.name, f.kind) for name, action in ACTIONS.items() for f in action.fields if f.kind not in KINDS}
    assert unknown == set()


def test_an_action_may_emit_only_the_events_its_declaration_names(article):
    ctx = ActionContext(action=ACTIONS["comment"], article=article, user=None, round=None, now=timezone.now())

    ctx.emit("comment.blocking", comment_id=1)
    with pytest.raises(RuntimeError, match="does not name"):
        ctx.emit("version.approved", version_id=1)

    assert [e.type for e in ctx.events] == ["comment.blocking"]


def test_an_entry_point_takes_keyword_only_arguments():
    with pytest.raises(TypeError, match="keyword-only"):

        @entry_point("submit")
        def article_submit(article, *, user): ...


@pytest.mark.parametrize("name", ["publish_now", "flag_rereview", "create"])
def test_the_generic_admin_view_offers_only_surfaced_actions(article, author, name, unchanged):
    client = Client()
    client.force_login(author)

    with unchanged(article):
        response = client.post(reverse("admin:articles_article_action", args=[article.pk, name]), {"reason": "x"})

    assert response.url == reverse("admin:articles_article_review", args=[article.pk])
    said = [str(m) for m in get_messages(response.wsgi_request) if m.level == messages.ERROR]
    assert said == [f"There is no action “{name}”."]
