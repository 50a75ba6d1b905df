"""The model backend reads a user's permissions in one query, with Django's answer."""

from __future__ import annotations

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.backends import ModelBackendInOneQuery
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def perm(codename: str) -> Permission:
    return Permission.objects.get(codename=codename)


@pytest.fixture
def people():
    group = Group.objects.create(name="Backend test group")
    group.permissions.add(perm("view_article"), perm("change_article"))
    other = Group.objects.create(name="Backend test other group")
    other.permissions.add(perm("change_article"), perm("view_reference"))
    direct = UserFactory(username="direct", groups=[])
    direct.user_permissions.add(perm("view_section"))
    both = UserFactory(username="both", groups=[])
    both.groups.add(group, other)
    both.user_permissions.add(perm("view_article"), perm("add_comment"))
    return {
        "none": UserFactory(username="none", groups=[]),
        "direct": direct,
        "groups": UserFactory(username="grouped", groups=["Backend test group"]),
        "both": both,
        "superuser": UserFactory(username="root", is_superuser=True),
        "inactive": UserFactory(username="gone", is_active=False, groups=["Backend test group"]),
    }


@pytest.mark.parametrize("who", ["none", "direct", "groups", "both", "superuser", "inactive"])
def test_the_permissions_are_djangos_read_in_one_query(people, who):
    user = type(people[who]).objects.get(pk=people[who].pk)
    djangos = ModelBackend().get_all_permissions(type(user).objects.get(pk=user.pk))

    with CaptureQueriesContext(connection) as queries:
        ours = ModelBackendInOneQuery().get_all_permissions(user)
        again = ModelBackendInOneQuery().get_all_permissions(user)  # kept on the instance: no second query

    assert ours == again == djangos
    assert len(queries) == (0 if who == "inactive" else 1)
    if who == "both":
        assert {"articles.view_article", "articles.change_article", "references.view_reference"} <= ours
        assert {"articles.view_section", "reviewboard.add_comment"} & ours == {"reviewboard.add_comment"}


def test_has_perm_asks_one_query_per_user(people):
    user = type(people["both"]).objects.get(pk=people["both"].pk)

    with CaptureQueriesContext(connection) as queries:
        assert user.has_perm("articles.view_article")
        assert user.has_perm("references.view_reference")
        assert not user.has_perm("articles.delete_article")

    assert len(queries) == 1
