"""The board groups come back after a flush with exactly the permissions the migrations gave them."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from reviewboard.board.groups import board_group_spec, ensure_board_groups

pytestmark = pytest.mark.django_db


def grants() -> dict[str, set[str]]:
    return {
        group.name: {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        for group in Group.objects.prefetch_related("permissions__content_type")
    }


def test_missing_groups_are_created_with_the_migrations_permissions():
    migrated = grants()
    assert set(board_group_spec()) <= set(migrated)
    Group.objects.filter(name__in=board_group_spec()).delete()

    assert sorted(ensure_board_groups()) == sorted(board_group_spec())
    assert grants() == migrated


def test_groups_that_exist_are_left_as_an_administrator_changed_them():
    chair = Group.objects.get(name="Board chair")
    chair.permissions.clear()

    assert ensure_board_groups() == []
    assert not Group.objects.get(name="Board chair").permissions.exists()


def test_recreating_the_groups_costs_a_few_queries_not_one_per_permission(django_assert_max_num_queries):
    Group.objects.filter(name__in=board_group_spec()).delete()
    with django_assert_max_num_queries(3 + 2 * len(board_group_spec())):
        ensure_board_groups()
