"""Every permission check lives in ``reviewboard.board.permissions``: the admin, the APIs, the services and the
jobs ask its predicates; nothing else asks Django for a permission by name."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from articles.content import content_from_article
from articles.models import Article
from config.exceptions import NotAllowed
from reviewboard.board import permissions
from reviewboard.review.services.content import content_create
from tests.factories import ArticleFactory, ReviewerFactory

ROOT = Path(__file__).resolve().parents[3]
THE_ONE_PLACE = ROOT / "reviewboard" / "board" / "permissions.py"
ASKING = {"has_perm", "has_perms", "has_module_perms", "with_perm"}


def _python_files():
    for app in ("reviewboard", "articles", "references", "accounts", "config"):
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts and path != THE_ONE_PLACE:
                yield path


def test_only_the_permissions_module_asks_for_a_permission_by_name():
    asking = []
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ASKING:
                asking.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.func.attr}")
    assert asking == []


def test_the_scan_finds_a_permission_asked_by_name():
    """The scan above can fail: it sees ``has_perm`` where a view would write it."""
    tree = ast.parse("def view(request):\n    return request.user.has_perm('articles.chair_review')\n")
    calls = [n.func.attr for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)]
    assert set(calls) & ASKING


@pytest.mark.django_db
def test_creating_an_article_is_refused_by_the_service_whatever_the_surface():
    """The review API no longer checks this itself: the one write path does, for the admin and the importer too."""
    reviewer = ReviewerFactory(username="no-author")
    content = content_from_article(ArticleFactory(slug="template"))
    before = Article.objects.count()

    with pytest.raises(NotAllowed) as exc:
        content_create(content=content, author=reviewer)

    assert exc.value.detail == {"permission": permissions.AUTHOR_PERM}
    assert Article.objects.count() == before
